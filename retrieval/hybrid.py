"""Hybrid retrieval: BM25 and dense scores over articles, paragraphs, topics and duties, fused per article.

Unit scores become article scores per (method, list): "statute" takes the best of an article and its
paragraphs, "topic" the article's 条文主旨 and keywords, "duty" the best knowledge-base duty citing the
article. The article score arrays are then fused, by default as a weighted sum of z-scores (each
list standardised over its top candidates), with a boost for articles of a regulation the question
names; the words of that regulation's name are taken out of the question first. Weighted
reciprocal-rank fusion stays available for comparison.

Two more kinds of evidence are added in hybrid mode:

- **Sentence evidence.** A question of several sentences (a scenario, then the ask) also has its short
  sentences embedded on their own, in one batch; each sentence's dense lists are fused like the
  whole question's, and the best sentence per article is added with a smaller weight. One vector for a
  long scenario blurs the sentence that carries the legal concept.
- **Verbatim evidence.** Exam questions quote the statute. The share of the question's characters
  covered by runs of at least ``verbatim_span`` characters found verbatim in an article is added for
  the leading candidates when it reaches ``verbatim_min``. BM25's bag of words cannot tell a quoted
  sentence from the same words scattered over a longer article.

The configuration was chosen by measurement on the dev sets (``evals/README.md``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from retrieval.documents import RetrievalDoc, article_body
from retrieval.embedder import Embedder
from retrieval.hierarchy import SuperiorMap
from retrieval.lexical import WORD_RE, Bm25Index, JiebaTokenizer
from retrieval.vector_index import VectorIndex

__all__ = ["DEFAULT_WEIGHTS", "ArticleHit", "FusionConfig", "HybridRetriever", "Mode", "sentences", "verbatim_coverage"]

Mode = Literal["bm25", "dense", "hybrid"]

#: The lists unit scores are gathered into, per method: statute text (articles and their paragraphs),
#: article topics (条文主旨 and keywords) and knowledge-base duties.
LISTS = ("statute", "topic", "duty")
_LIST_OF_KIND = {"article": "statute", "paragraph": "statute", "topic": "topic", "duty": "duty"}

_SENTENCE_END = re.compile(r"[。；;？?！!\n]")
_HAN = re.compile(r"[\u3400-\u9fff]")


def sentences(text: str, *, min_chars: int = 6) -> list[str]:
    """The sentences of ``text`` long enough to be searched on their own (at least ``min_chars`` characters)."""
    parts = (part.strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if len(part) >= min_chars]


def verbatim_coverage(question: str, article: str, *, span: int = 6) -> float:
    """Share of the question's Chinese characters that lie in runs of at least ``span`` characters found
    verbatim in ``article`` (greedy, longest run first from each position)."""
    han = [bool(_HAN.match(ch)) for ch in question]
    total = sum(han)
    if not total or not article:
        return 0.0
    covered = 0
    i = 0
    while i + span <= len(question):
        if question[i : i + span] not in article:
            i += 1
            continue
        end = i + span
        while end < len(question) and question[i : end + 1] in article:
            end += 1
        covered += sum(han[i:end])
        i = end
    return covered / total


#: List weights, by "<method>:<list>", measured best on the dev sets with z-score fusion.
DEFAULT_WEIGHTS: dict[str, float] = {
    "bm25:statute": 1.0,
    "bm25:topic": 0.6,
    "bm25:duty": 0.0,
    "dense:statute": 1.0,
    "dense:topic": 0.3,
    "dense:duty": 1.0,
}


@dataclass(frozen=True)
class FusionConfig:
    """How unit scores become article scores and how the lists are fused."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    method: Literal["zscore", "rrf"] = "zscore"
    rrf_k: int = 60
    depth: int = 50
    paragraph_factor: float = 0.9
    law_boost: float = 2.0
    strip_law_names: bool = True
    sentence_weight: float = 0.25
    sentence_max_chars: int = 40
    sentence_max_share: float = 0.7
    verbatim_weight: float = 2.0
    verbatim_min: float = 0.3
    verbatim_span: int = 6
    verbatim_candidates: int = 30


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
        superiors: counterparts of lower-ranked articles in higher-ranked regulations (上位法), for the answerer.
    """

    def __init__(
        self,
        docs: Sequence[RetrievalDoc],
        bm25: Bm25Index,
        tokenizer: JiebaTokenizer,
        *,
        dense: VectorIndex | None = None,
        embedder: Embedder | None = None,
        config: FusionConfig | None = None,
        superiors: SuperiorMap | None = None,
    ) -> None:
        self.docs = {d.id: d for d in docs}
        self.superiors = superiors or SuperiorMap()
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
        self._pair_list = np.asarray([_LIST_OF_KIND[k] for k in kinds.tolist()])
        self._law_of = np.asarray([k.rsplit("#", 1)[0] for k in self._keys])
        self._laws = sorted(set(self._law_of.tolist()), key=len, reverse=True)
        # where each stored vector's cosine goes among the BM25 rows (the units' common order)
        self._dense_column = dense.columns(bm25.ids) if dense is not None else None
        self._body = [""] * len(self._keys)
        for doc in docs:
            if doc.kind == "article":
                self._body[slot[doc.articles[0]]] = article_body(doc)

    def _article_scores(self, method: str, doc_scores: np.ndarray) -> dict[str, np.ndarray]:
        """Per-article scores from unit scores (max over the units supporting an article)."""
        out: dict[str, np.ndarray] = {}
        pair_scores = doc_scores[self._pair_doc] * self._pair_weight
        for name in LISTS:
            mask = self._pair_list == name
            best = np.zeros(len(self._keys))
            np.maximum.at(best, self._pair_article[mask], pair_scores[mask])
            out[f"{method}:{name}"] = best
        return out

    def _lexical(self, query: str) -> tuple[dict[str, np.ndarray], float]:
        scores = self.bm25.scores(self.tokenizer.tokenize(query))
        return self._article_scores("bm25", scores), float(scores.max()) if len(scores) else 0.0

    def _dense(
        self, query: str, parts: Sequence[str] = ()
    ) -> tuple[dict[str, np.ndarray], float, list[dict[str, np.ndarray]]]:
        """Dense lists of the query, its top cosine, and the dense lists of each of ``parts``."""
        if self.dense is None or self.embedder is None or self._dense_column is None:
            return {}, 0.0, []
        vectors = self.embedder.embed_queries([query])
        if parts:  # a batch of their own: padded to the question's length they would cost several times more
            vectors = np.vstack([vectors, self.embedder.embed_queries(parts)])
        cosines = self.dense.similarities(vectors, self._dense_column, len(self.bm25.ids))
        lists = [self._article_scores("dense", np.maximum(row, 1e-6) * (row != 0)) for row in cosines]
        return lists[0], float(cosines[0].max()) if len(self.dense) else 0.0, lists[1:]

    def mentioned_laws(self, query: str) -> list[str]:
        """Regulations the question names (longest names first, so 危险化学品安全管理条例 is not 危险化学品安全法)."""
        found: list[str] = []
        for law in self._laws:
            if law in query and not any(law in f for f in found):
                found.append(law)
        return found

    @staticmethod
    def without_law_names(query: str, laws: Sequence[str]) -> str:
        """The question without the names of the regulations it names.

        A named law is served by the law boost; its words (生产 安全 事故 报告 调查 处理 条例) occur in
        every article of that law and would otherwise swamp the words that pick the article.
        """
        for law in laws:
            query = query.replace(f"《{law}》", " ").replace(law, " ")
        return query

    def search(self, query: str, *, k: int = 10, mode: Mode = "hybrid") -> SearchResult:
        """The ``k`` best articles for ``query``."""
        started = time.perf_counter()
        named = self.mentioned_laws(query)
        text = self.without_law_names(query, named) if named and self.config.strip_law_names else query
        if not WORD_RE.search(text):
            text = query  # the question is nothing but a law's name
        lists: dict[str, np.ndarray] = {}
        top_bm25 = top_cos = 0.0
        per_sentence: list[dict[str, np.ndarray]] = []
        if mode in ("bm25", "hybrid"):
            lexical, top_bm25 = self._lexical(text)
            lists.update(lexical)
        if mode in ("dense", "hybrid"):
            dense, top_cos, per_sentence = self._dense(text, self._sentences(text) if mode == "hybrid" else [])
            lists.update(dense)
        weights = self._weights_for(mode)
        total, ranks = self._fuse(lists, weights)
        if per_sentence:
            best = np.zeros(len(self._keys))
            for sentence_lists in per_sentence:
                np.maximum(best, self._fuse(sentence_lists, weights)[0], out=best)
            total = total + self.config.sentence_weight * best
        if named and self.config.law_boost:
            total = total + self.config.law_boost * np.isin(self._law_of, named) * (total > 0)
        if mode == "hybrid" and self.config.verbatim_weight:
            total = total + self.config.verbatim_weight * self._verbatim(text, total, lists["bm25:statute"])
        order = [i for i in np.argsort(-total, kind="stable")[:k] if total[i] > 0]
        hits = [
            ArticleHit(self._keys[i], float(total[i]), {n: int(r[i]) for n, r in ranks.items() if r[i]}) for i in order
        ]
        return SearchResult(hits, top_bm25, top_cos, (time.perf_counter() - started) * 1000)

    def _sentences(self, text: str) -> list[str]:
        """The sentences of a several-sentence question searched on their own: those short enough to be one
        point (``sentence_max_chars``) and not most of the question (``sentence_max_share``), which its own
        vector already covers. Bounds the extra encoding to a few short sentences."""
        parts = sentences(text)
        if self.config.sentence_weight <= 0 or len(parts) < 2:
            return []
        limit = min(self.config.sentence_max_chars, self.config.sentence_max_share * len(text))
        return [part for part in parts if len(part) <= limit]

    def _verbatim(self, question: str, total: np.ndarray, bm25_statute: np.ndarray) -> np.ndarray:
        """Verbatim coverage of the question by each leading candidate (fused or BM25 statute), where it
        reaches ``verbatim_min``; zero elsewhere."""
        n = self.config.verbatim_candidates
        leading = np.union1d(np.argsort(-total, kind="stable")[:n], np.argsort(-bm25_statute, kind="stable")[:n])
        out = np.zeros(len(self._keys))
        for i in leading:
            if total[i] <= 0:
                continue
            share = verbatim_coverage(question, self._body[i], span=self.config.verbatim_span)
            if share >= self.config.verbatim_min:
                out[i] = min(share, 1.0)
        return out

    def _weights_for(self, mode: Mode) -> dict[str, float]:
        """Single-method modes use that method's lists with their configured weights (statute list at least)."""
        weights = dict(self.config.weights)
        if mode != "hybrid":
            weights = {n: w for n, w in weights.items() if n.startswith(mode)}
            weights[f"{mode}:statute"] = weights.get(f"{mode}:statute") or 1.0
        return weights

    def _fuse(
        self, lists: dict[str, np.ndarray], weights: dict[str, float]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        total = np.zeros(len(self._keys))
        ranks: dict[str, np.ndarray] = {}
        depth = self.config.depth
        for name, scores in lists.items():
            weight = weights.get(name, 0.0)
            if weight <= 0 or not scores.any():
                continue
            best = np.argsort(-scores, kind="stable")[:depth]
            order = best[scores[best] > 0]
            rank = np.zeros(len(self._keys), dtype=np.int64)
            rank[order] = np.arange(1, len(order) + 1)
            ranks[name] = rank
            if self.config.method == "rrf":
                total[order] += weight / (self.config.rrf_k + rank[order])
            else:
                # standardised over the top ``depth`` scores, zeros included: a term found in one unit only
                # is decisive evidence and must stand out, not be its own mean
                top = scores[best]
                spread = float(top.std()) or 1.0
                total += weight * np.clip((scores - float(top.mean())) / spread, 0.0, None)
        return total, ranks
