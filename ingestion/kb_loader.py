"""Load the knowledge base into the graph, with article texts read from the statute files."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.catalogue_texts import DRUG_PRECURSOR_STATUTE, read_drug_precursors
from ingestion.corpus_check import ReferenceProblem, check_references
from ingestion.statutes import Statute, read_statutes
from ingestion.wastes import HAZARDOUS_WASTE_LIST, HazardousWasteList
from kg.catalogue_graph import WasteRow, catalogue_batch
from kg.catalogues import load_catalogues
from kg.corpus import KnowledgeBase, load_knowledge_base
from kg.errors import CorpusError
from kg.kb_graph import ArticleText, knowledge_base_batch
from kg.store import GraphBatch, GraphStore

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
        facts = self._catalogue_batch(kb)
        self.store.ensure_schema()
        self.store.apply(batch)
        self.store.apply(facts)
        return InitResult(
            knowledge_base=kb,
            writes=len(batch) + len(facts),
            seconds=time.perf_counter() - started,
            statutes_read=len(statutes),
            problems=problems,
        )

    def _catalogue_batch(self, kb: KnowledgeBase) -> GraphBatch:
        """The national catalogues (``corpus_dir/catalogues``, with the 易制毒 附表 and 国家危险废物名录's rows
        from the statute texts when they are there) as nodes in the knowledge base's classes of fact; none
        when the knowledge base holds no catalogues."""
        folder = self.corpus_dir / "catalogues"
        if not folder.is_dir():
            log.warning("no catalogues at %s: the graph gets no catalogue facts", folder)
            return GraphBatch()
        regulations = self.regulations_dir if self.regulations_dir is not None else Path("/nonexistent")
        precursors = None
        if (regulations / f"{DRUG_PRECURSOR_STATUTE}.md").is_file():
            precursors = read_drug_precursors(regulations)
        rows: list[WasteRow] = []
        if (regulations / f"{HAZARDOUS_WASTE_LIST}.md").is_file():
            listed = HazardousWasteList.read(regulations)
            rows = [WasteRow(e.code, e.hw_class, e.description) for e in listed.entries]
        catalogues = load_catalogues(folder, drug_precursors=precursors)
        return catalogue_batch(catalogues, kb.hazard_classes, rows)
