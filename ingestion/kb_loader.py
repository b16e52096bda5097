"""Load the knowledge base into the graph, with article texts read from the statute files."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.corpus_check import ReferenceProblem, check_references
from ingestion.statutes import Statute, read_statutes
from kg.corpus import KnowledgeBase, load_knowledge_base
from kg.errors import CorpusError
from kg.kb_graph import ArticleText, knowledge_base_batch
from kg.store import GraphStore

__all__ = ["InitResult", "KnowledgeBaseLoader"]

log = logging.getLogger(__name__)


@dataclass
class InitResult:
    """What an initialisation wrote and how long it took."""

    knowledge_base: KnowledgeBase
    writes: int
    seconds: float
    statutes_read: int
    problems: list[ReferenceProblem] = field(default_factory=list)


class KnowledgeBaseLoader:
    """Validate the knowledge base and write it into a graph store.

    Args:
        store: the graph to write into.
        corpus_dir: the ``regulations_corpus`` folder.
        regulations_dir: statute texts; when it does not exist, clauses are written without text and
            references are checked only for form.
    """

    def __init__(self, store: GraphStore, corpus_dir: Path, regulations_dir: Path | None) -> None:
        self.store = store
        self.corpus_dir = corpus_dir
        self.regulations_dir = regulations_dir

    def run(self, *, strict: bool = True) -> InitResult:
        """Load, check and write. Idempotent: running twice gives the same graph.

        Raises:
            CorpusError: on malformed YAML, broken cross-references or (``strict``) references that do not
                resolve to a real article containing a key term.
        """
        started = time.perf_counter()
        kb = load_knowledge_base(self.corpus_dir)
        statutes: dict[str, Statute] = {}
        if self.regulations_dir is not None and self.regulations_dir.is_dir():
            statutes = read_statutes(self.regulations_dir)
        else:
            log.warning("statute texts not found at %s: clauses get no text", self.regulations_dir)
        problems = check_references(kb, statutes) if statutes else []
        if problems and strict:
            listed = "\n".join(str(p) for p in problems[:20])
            raise CorpusError(f"{len(problems)} article reference(s) do not hold:\n{listed}")
        texts = {
            f"{name}#{number}": ArticleText(text=article.text, chapter=article.chapter)
            for name, statute in statutes.items()
            for number, article in statute.articles.items()
        }
        batch = knowledge_base_batch(kb, texts)
        self.store.ensure_schema()
        self.store.apply(batch)
        return InitResult(
            knowledge_base=kb,
            writes=len(batch),
            seconds=time.perf_counter() - started,
            statutes_read=len(statutes),
            problems=problems,
        )
