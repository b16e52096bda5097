"""Lexical retrieval: jieba tokens (with a user dictionary of the knowledge base's terms) and BM25.

BM25 is computed with sparse matrices, not a Python loop over documents, and persisted as ``.npz`` +
``.json`` in the data dir. The weights are held column-major (CSC): a query reads the columns of its terms
and sums them, which costs the size of those columns; row-major (CSR), the same column selection walked
every row and took 15 times longer (``evals/README.md``, measured against ``bm25s``, which matched the
column-major speed with scores of its own).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kg.errors import RetrievalError

__all__ = ["WORD_RE", "Bm25Index", "JiebaTokenizer"]

log = logging.getLogger(__name__)

#: A character that can be part of a searchable word (CJK, Latin letter or digit).
WORD_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# Function words that carry no retrieval signal in statute text.
_STOP = frozenset(
    "的 了 和 与 或 及 等 在 对 由 为 是 有 其 将 并 应当 应 不得 可以 按照 依照 规定 有关 本法 下列 之一 以上 "
    "以下 进行 或者 以及 我们 你们 他们 什么 怎么 怎样 哪些 是否 需要 要 吗 呢 吧 啊 这 那 个 一 二 三 也 都 就 "
    "还 会 能".split()
)


class JiebaTokenizer:
    """Chinese word segmentation for indexing and queries (search mode: long words also split).

    Args:
        user_terms: domain terms added to jieba's dictionary (process names, risk keywords, key terms).
    """

    def __init__(self, user_terms: Iterable[str] = ()) -> None:
        self._terms = sorted({t.strip() for t in user_terms if len(t.strip()) >= 2})
        self._jieba: object | None = None
        self._lock = threading.Lock()

    def _segmenter(self) -> object:
        with self._lock:
            if self._jieba is None:
                try:
                    import jieba
                except ImportError as e:  # pragma: no cover - declared dependency
                    raise RetrievalError("lexical retrieval needs jieba: pip install jieba") from e
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                for term in self._terms:
                    tokenizer.add_word(term, freq=20000)
                self._jieba = tokenizer
            return self._jieba

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text``: search-mode words plus character bigrams of long words, stopwords dropped."""
        segmenter = self._segmenter()
        out: list[str] = []
        for word in segmenter.cut_for_search(text.lower()):  # type: ignore[attr-defined]
            word = word.strip()
            if not word or word in _STOP or not WORD_RE.search(word):
                continue
            out.append(word)
        return out


class Bm25Index:
    """Okapi BM25 over token lists, scored by summing the query terms' columns of a sparse weight matrix.

    Args:
        k1: term-frequency saturation.
        b: length normalisation.
    """

    def __init__(self, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.vocab: dict[str, int] = {}
        self.ids: list[str] = []
        self._matrix: Any = None  # scipy.sparse.csc_matrix (docs x terms) of BM25 weights
        self._idf: NDArray[np.float64] = np.zeros(0)

    def __len__(self) -> int:
        return len(self.ids)

    def fit(self, ids: Sequence[str], docs: Sequence[list[str]]) -> Bm25Index:
        """Index the documents (token lists) under ``ids``."""
        from scipy.sparse import csr_matrix

        self.ids = list(ids)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[int] = []
        for row, tokens in enumerate(docs):
            counts: dict[int, int] = {}
            for tok in tokens:
                col = self.vocab.setdefault(tok, len(self.vocab))
                counts[col] = counts.get(col, 0) + 1
            rows.extend([row] * len(counts))
            cols.extend(counts)
            vals.extend(counts.values())
        tf = csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)), shape=(len(docs), len(self.vocab)))
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avg = lengths.mean() if len(lengths) else 1.0
        df = np.bincount(tf.indices, minlength=len(self.vocab))
        n = len(docs)
        self._idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        tf = tf.tocoo()
        norm = self.k1 * (1 - self.b + self.b * lengths[tf.row] / max(avg, 1e-9))
        weights = tf.data * (self.k1 + 1) / (tf.data + norm) * self._idf[tf.col]
        self._matrix = csr_matrix((weights, (tf.row, tf.col)), shape=tf.shape).tocsc()
        return self

    @property
    def matrix(self) -> Any:
        """The BM25 weights, documents x terms (``scipy.sparse.csc_matrix``), for benchmarks and tests."""
        return self._matrix

    def scores(self, tokens: Sequence[str]) -> NDArray[np.float64]:
        """BM25 score of every document for the query tokens (repeated query terms count once)."""
        if self._matrix is None:
            raise RetrievalError("BM25 index is empty: build it first")
        cols = sorted({self.vocab[t] for t in tokens if t in self.vocab})
        if not cols:
            return np.zeros(len(self.ids))
        sub = self._matrix[:, cols]
        return np.asarray(sub.sum(axis=1)).ravel()

    def save(self, folder: Path) -> None:
        """Write ``bm25.npz`` and ``bm25.json`` into ``folder``."""
        from scipy.sparse import save_npz

        folder.mkdir(parents=True, exist_ok=True)
        save_npz(folder / "bm25.npz", self._matrix)
        meta = {"k1": self.k1, "b": self.b, "ids": self.ids, "vocab": self.vocab, "idf": self._idf.tolist()}
        (folder / "bm25.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Bm25Index:
        """Read an index written by :meth:`save`."""
        from scipy.sparse import load_npz

        try:
            meta = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
            index = cls(k1=meta["k1"], b=meta["b"])
            index._matrix = load_npz(folder / "bm25.npz").tocsc()
        except (OSError, ValueError, KeyError) as e:
            raise RetrievalError(f"cannot read BM25 index in {folder}: {e}") from e
        index.ids, index.vocab, index._idf = meta["ids"], meta["vocab"], np.asarray(meta["idf"])
        return index
