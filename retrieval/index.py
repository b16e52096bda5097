"""Build, persist and load the retrieval indexes of the data dir (``<data_dir>/index/``).

The BM25 index is rebuilt from the graph in seconds; dense vectors are expensive, so they are cached
by a hash of each unit's text and only new or changed units are embedded again (incremental update
after an ingest).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from kg.errors import RetrievalError
from kg.models import Label
from kg.store import GraphStore
from retrieval.dense import FaissVectorIndex
from retrieval.documents import RetrievalDoc, article_body, load_documents
from retrieval.embedder import Embedder
from retrieval.hierarchy import RankedRegulation, SuperiorMap
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.lexical import Bm25Index, JiebaTokenizer
from retrieval.vector_index import VectorIndex, VectorIndexKind

__all__ = ["DENSE_KINDS", "RetrievalIndex", "domain_terms", "superior_map"]

#: Unit kinds that get a vector.
DENSE_KINDS = frozenset({"article", "topic", "duty"})

log = logging.getLogger(__name__)


def domain_terms(store: GraphStore) -> list[str]:
    """Terms jieba should keep whole: process names and aliases, risk keywords, duty topics and key terms."""
    terms: set[str] = set()
    for p in store.find(Label.PROCESS):
        terms.update([str(p["name"]), *(p.get("aliases") or []), *(p.get("keywords") or [])])
    for r in store.find(Label.RISK):
        terms.update(str(k) for k in r.get("keywords") or [])
    for o in store.find(Label.OBLIGATION):
        if o.get("source") == "kb":
            terms.update(str(t) for t in [*(o.get("topics") or []), *(o.get("key_terms") or [])])
    return sorted(t for t in terms if 2 <= len(t) <= 12)


def superior_map(store: GraphStore, docs: list[RetrievalDoc]) -> SuperiorMap:
    """The counterparts of lower-ranked articles in higher-ranked regulations (kinds and status from the graph)."""
    regulations = {
        str(r["id"]): RankedRegulation(str(r["id"]), str(r.get("kind", "")), str(r.get("status", "")))
        for r in store.find(Label.REGULATION)
    }
    articles = {d.articles[0]: article_body(d) for d in docs if d.kind == "article"}
    return SuperiorMap.build(articles, regulations)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class RetrievalIndex:
    """The indexes under ``folder``.

    Args:
        folder: ``<data_dir>/index``.
        vectors: the kind of vector index the dense vectors are kept in (FAISS).
    """

    def __init__(self, folder: Path, *, vectors: VectorIndexKind = FaissVectorIndex) -> None:
        self.folder = folder
        self.vectors = vectors

    def build(
        self,
        store: GraphStore,
        embedder: Embedder | None,
        *,
        progress: Callable[[str], None] | None = None,
    ) -> dict[str, int]:
        """(Re)build the indexes from the graph; dense vectors of unchanged units are reused."""
        say = progress or (lambda _msg: None)
        docs = load_documents(store)
        if not docs:
            raise RetrievalError("nothing to index: ingest regulations first (hsekg ingest)")
        terms = domain_terms(store)
        tokenizer = JiebaTokenizer(terms)
        say(f"BM25 over {len(docs)} units")
        bm25 = Bm25Index().fit([d.id for d in docs], [tokenizer.tokenize(d.text) for d in docs])
        self.folder.mkdir(parents=True, exist_ok=True)
        bm25.save(self.folder)
        with (self.folder / "docs.jsonl").open("w", encoding="utf-8") as out:
            for d in docs:
                out.write(json.dumps(asdict(d), ensure_ascii=False) + "\n")
        (self.folder / "terms.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        superiors = superior_map(store, docs)
        superiors.save(self.folder)
        say(f"{len(superiors)} articles with a counterpart in a higher-ranked regulation")
        embedded = self._build_dense(docs, embedder, say) if embedder is not None else 0
        return {"units": len(docs), "terms": len(terms), "embedded": embedded, "superiors": len(superiors)}

    def _build_dense(self, docs: list[RetrievalDoc], embedder: Embedder, say: Callable[[str], None]) -> int:
        # Paragraphs stay lexical-only: their article is embedded whole, and embedding every paragraph
        # too would more than double the time to index on two cores for little gain.
        docs = [d for d in docs if d.kind in DENSE_KINDS]
        digests = {d.id: _digest(d.text) for d in docs}
        old: VectorIndex | None = None
        old_digests: dict[str, str] = {}
        if self.vectors.saved(self.folder):
            old = self.vectors.load(self.folder)
            old_digests = json.loads((self.folder / "dense_digests.json").read_text(encoding="utf-8"))
        index = old if old is not None and old.dim == embedder.dim else self.vectors(embedder.dim)
        if index is not old:
            old_digests = {}
        stale = [i for i in old_digests if digests.get(i) != old_digests[i]]
        index.remove(stale)
        done = {i: d for i, d in old_digests.items() if i not in stale}
        todo = [d for d in docs if done.get(d.id) != digests[d.id]]
        say(f"embedding {len(todo)} new or changed units ({len(docs) - len(todo)} reused)")
        batch, checkpoint = 64, 8
        for n, start in enumerate(range(0, len(todo), batch), start=1):
            chunk = todo[start : start + batch]
            index.add([d.id for d in chunk], embedder.embed_passages([d.text for d in chunk]))
            done.update({d.id: digests[d.id] for d in chunk})
            say(f"embedded {min(start + batch, len(todo))}/{len(todo)}")
            if n % checkpoint == 0:
                self._save_dense(index, done)  # an interrupted build resumes from here
        self._save_dense(index, done)
        return len(todo)

    def _save_dense(self, index: VectorIndex, digests: dict[str, str]) -> None:
        index.save(self.folder)
        (self.folder / "dense_digests.json").write_text(json.dumps(digests), encoding="utf-8")

    def exists(self) -> bool:
        """Whether an index has been built in the folder."""
        return (self.folder / "bm25.json").exists()

    def load(self, embedder: Embedder | None, config: FusionConfig | None = None) -> HybridRetriever:
        """A retriever over the persisted indexes (dense only when present and an embedder is given)."""
        if not self.exists():
            raise RetrievalError(f"no retrieval index in {self.folder}: run hsekg index (or hsekg ingest)")
        rows = [json.loads(line) for line in (self.folder / "docs.jsonl").read_text(encoding="utf-8").splitlines()]
        docs = [RetrievalDoc(**{**row, "articles": tuple(row["articles"])}) for row in rows]
        terms = json.loads((self.folder / "terms.json").read_text(encoding="utf-8"))
        dense: VectorIndex | None = None
        if embedder is not None and self.vectors.saved(self.folder):
            dense = self.vectors.load(self.folder)
        return HybridRetriever(
            docs, Bm25Index.load(self.folder), JiebaTokenizer(terms), dense=dense, embedder=embedder, config=config,
            superiors=SuperiorMap.load(self.folder),
        )  # fmt: skip
