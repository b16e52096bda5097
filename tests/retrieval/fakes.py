"""Test doubles: an embedder with fixed, meaningful vectors (character-bigram hashing)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


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
