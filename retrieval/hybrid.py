"""Hybrid retrieval: BM25 and dense lists over articles, paragraphs and duties, fused per article.

Each (method, unit kind) pair is one ranked list of articles (a unit's rank is given to every article
it supports; an article keeps its best rank in a list). Lists are fused by weighted reciprocal-rank
fusion; the weights are chosen by measurement (``evals/qa.py``), not by guess, and documented in
:data:`DEFAULT_WEIGHTS`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from retrieval.dense import FaissVectorIndex
from retrieval.documents import RetrievalDoc
from retrieval.embedder import Embedder
from retrieval.lexical import Bm25Index, JiebaTokenizer

__all__ = ["DEFAULT_WEIGHTS", "ArticleHit", "FusionConfig", "HybridRetriever", "Mode"]

Mode = Literal["bm25", "dense", "hybrid"]

#: List weights of the fusion, by "<method>:<list>" ("statute": articles and their paragraphs; "duty":
#: the knowledge base's paraphrased duties, which cite articles).
DEFAULT_WEIGHTS: dict[str, float] = {
    "bm25:statute": 1.0,
    "bm25:duty": 0.8,
    "dense:statute": 1.0,
    "dense:duty": 0.8,
}


@dataclass(frozen=True)
class FusionConfig:
    """How unit scores become article lists and how the lists are fused."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    rrf_k: int = 60
    depth: int = 100
    paragraph_factor: float = 0.9


@dataclass
class ArticleHit:
    """An article found for a query, with its fused score and the ranks that produced it."""

    key: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def law(self) -> str:
        """Regulation id."""
        return self.key.rsplit("#", 1)[0]

    @property
    def article(self) -> int:
        """Article number."""
        return int(self.key.rsplit("#", 1)[1])


@dataclass
class SearchResult:
    """Ranked articles plus the raw signals the answerer uses to decide whether to abstain."""

    hits: list[ArticleHit]
    top_bm25: float
    top_cosine: float
    ms: float


class HybridRetriever:
    """Search articles by BM25, dense vectors or both.

    Args:
        docs: the retrieval units (same order as the BM25 index rows).
        bm25: lexical index over ``docs``.
        tokenizer: the tokenizer the BM25 index was built with.
        dense: vector index over the same doc ids, or None for lexical-only search.
        embedder: query embedder matching ``dense``.
        config: fusion settings.
    """

    def __init__(
        self,
        docs: Sequence[RetrievalDoc],
        bm25: Bm25Index,
        tokenizer: JiebaTokenizer,
        *,
        dense: FaissVectorIndex | None = None,
        embedder: Embedder | None = None,
        config: FusionConfig | None = None,
    ) -> None:
        self.docs = {d.id: d for d in docs}
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self.dense = dense
        self.embedder = embedder
        self.config = config or FusionConfig()
        self._keys = sorted({a for d in docs for a in d.articles})
        slot = {k: i for i, k in enumerate(self._keys)}
        pairs = [(row, slot[a]) for row, doc_id in enumerate(bm25.ids) for a in self.docs[doc_id].articles]
        self._pair_doc = np.asarray([p[0] for p in pairs], dtype=np.int64)
        self._pair_article = np.asarray([p[1] for p in pairs], dtype=np.int64)
        kinds = np.asarray([self.docs[bm25.ids[r]].kind for r, _ in pairs])
        factor = self.config.paragraph_factor
        self._pair_weight = np.where(kinds == "paragraph", factor, 1.0)
        self._pair_is_duty = kinds == "duty"
        self._row = {doc_id: i for i, doc_id in enumerate(bm25.ids)}

    def _article_lists(self, method: str, doc_scores: np.ndarray) -> dict[str, list[str]]:
        """Per-article scores from unit scores (max over the units supporting an article), as two lists."""
        out: dict[str, list[str]] = {}
        pair_scores = doc_scores[self._pair_doc] * self._pair_weight
        for name, mask in (("statute", ~self._pair_is_duty), ("duty", self._pair_is_duty)):
            best = np.zeros(len(self._keys))
            np.maximum.at(best, self._pair_article[mask], pair_scores[mask])
            top = np.argsort(-best)[: self.config.depth]
            out[f"{method}:{name}"] = [self._keys[i] for i in top if best[i] > 0]
        return out

    def _lexical_lists(self, query: str) -> tuple[dict[str, list[str]], float]:
        scores = self.bm25.scores(self.tokenizer.tokenize(query))
        return self._article_lists("bm25", scores), float(scores.max()) if len(scores) else 0.0

    def _dense_lists(self, query: str) -> tuple[dict[str, list[str]], float]:
        if self.dense is None or self.embedder is None:
            return {}, 0.0
        vector = self.embedder.embed_queries([query])[0]
        found = self.dense.search(vector, len(self.dense))
        scores = np.zeros(len(self.bm25.ids))
        for doc_id, cosine in found:
            # shift cosines (e5 bunches them in 0.7-0.95) so only the ranking matters and all are > 0
            scores[self._row[doc_id]] = 1.0 + cosine
        return self._article_lists("dense", scores), found[0][1] if found else 0.0

    def search(self, query: str, *, k: int = 10, mode: Mode = "hybrid") -> SearchResult:
        """The ``k`` best articles for ``query``."""
        started = time.perf_counter()
        lists: dict[str, list[str]] = {}
        top_bm25 = top_cos = 0.0
        if mode in ("bm25", "hybrid"):
            lexical, top_bm25 = self._lexical_lists(query)
            lists.update(lexical)
        if mode in ("dense", "hybrid"):
            dense, top_cos = self._dense_lists(query)
            lists.update(dense)
        hits = self._fuse(lists)[:k]
        return SearchResult(hits, top_bm25, top_cos, (time.perf_counter() - started) * 1000)

    def _fuse(self, lists: dict[str, list[str]]) -> list[ArticleHit]:
        hits: dict[str, ArticleHit] = {}
        for name, keys in lists.items():
            weight = self.config.weights.get(name, 0.0)
            if weight <= 0:
                continue
            for rank, key in enumerate(keys, start=1):
                hit = hits.setdefault(key, ArticleHit(key, 0.0))
                hit.score += weight / (self.config.rrf_k + rank)
                hit.ranks[name] = rank
        return sorted(hits.values(), key=lambda h: (-h.score, h.key))
