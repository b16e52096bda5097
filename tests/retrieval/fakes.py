"""Test doubles: an embedder with fixed, meaningful vectors (character-bigram hashing), and a brute-force
numpy vector index (the second implementation of the ``VectorIndex`` contract)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kg.errors import RetrievalError


class HashingEmbedder:
    """Bag of character bigrams hashed into 64 dimensions, L2-normalised: similar texts get close vectors."""

    dim = 64

    def _one(self, text: str) -> NDArray[np.float32]:
        vec = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            slot = int(hashlib.md5(text[i : i + 2].encode()).hexdigest(), 16) % self.dim
            vec[slot] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.stack([self._one(t) for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.stack([self._one(t) for t in texts])


class NumpyVectorIndex:
    """Every vector in one matrix, searched by a full matrix product: the obvious reference for FAISS.

    Args:
        dim: vector dimension.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids: list[str] = []
        self._vectors = np.zeros((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Sequence[str], vectors: NDArray[np.float32]) -> None:
        if len(ids) != len(vectors):
            raise RetrievalError(f"{len(ids)} ids for {len(vectors)} vectors")
        self.remove(ids)
        self._ids.extend(ids)
        self._vectors = np.vstack([self._vectors, np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)])

    def remove(self, ids: Sequence[str]) -> int:
        gone = set(ids)
        keep = [row for row, doc_id in enumerate(self._ids) if doc_id not in gone]
        removed = len(self._ids) - len(keep)
        self._ids = [self._ids[row] for row in keep]
        self._vectors = self._vectors[keep]
        return removed

    def search(self, vector: NDArray[np.float32], k: int) -> list[tuple[str, float]]:
        scores = self._vectors.astype(np.float64) @ np.asarray(vector, dtype=np.float64).reshape(-1)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self._ids[int(row)], float(scores[row])) for row in order]

    def columns(self, ids: Sequence[str]) -> NDArray[np.int64]:
        """Per stored row, the position of its id in ``ids`` (-1 if not among them)."""
        where = {doc_id: j for j, doc_id in enumerate(ids)}
        return np.asarray([where.get(doc_id, -1) for doc_id in self._ids], dtype=np.int64)

    def similarities(self, vectors: NDArray[np.float32], column: NDArray[np.int64], width: int) -> NDArray[np.float64]:
        out = np.zeros((len(vectors), width))
        queries = np.asarray(vectors, dtype=np.float64).reshape(len(vectors), self.dim)
        scores = queries @ self._vectors.T.astype(np.float64)
        placed = column >= 0
        out[:, column[placed]] = scores[:, placed]
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "vectors.npy", self._vectors)
        (folder / "vectors.json").write_text(json.dumps({"dim": self.dim, "ids": self._ids}), encoding="utf-8")

    @classmethod
    def saved(cls, folder: Path) -> bool:
        return (folder / "vectors.npy").exists()

    @classmethod
    def load(cls, folder: Path) -> NumpyVectorIndex:
        try:
            meta = json.loads((folder / "vectors.json").read_text(encoding="utf-8"))
            vectors = np.load(folder / "vectors.npy")
        except (OSError, ValueError, KeyError) as e:
            raise RetrievalError(f"cannot read vector index in {folder}: {e}") from e
        index = cls(int(meta["dim"]))
        index._ids, index._vectors = list(meta["ids"]), vectors
        return index
