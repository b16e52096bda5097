"""Dense retrieval: a FAISS inner-product index over L2-normalised embeddings, persisted with its id map.

The product's :class:`~retrieval.vector_index.VectorIndex` (the class itself is its
:class:`~retrieval.vector_index.VectorIndexKind`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kg.errors import RetrievalError

__all__ = ["FaissVectorIndex"]


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as e:  # pragma: no cover - declared dependency
        raise RetrievalError("dense retrieval needs faiss: pip install faiss-cpu") from e
    return faiss


class FaissVectorIndex:
    """Exact inner-product search (vectors are normalised, so scores are cosines), addressable by doc id.

    Args:
        dim: vector dimension.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._index: Any = None
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._slot)

    def _ensure(self) -> Any:
        if self._index is None:
            faiss = _faiss()
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        return self._index

    def add(self, ids: Sequence[str], vectors: NDArray[np.float32]) -> None:
        """Add (or replace) vectors under doc ids."""
        if len(ids) != len(vectors):
            raise RetrievalError(f"{len(ids)} ids for {len(vectors)} vectors")
        self.remove([i for i in ids if i in self._slot])
        index = self._ensure()
        slots = np.arange(len(self._ids), len(self._ids) + len(ids), dtype=np.int64)
        self._ids.extend(ids)
        self._slot.update({doc_id: int(s) for doc_id, s in zip(ids, slots, strict=True)})
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), slots)

    def remove(self, ids: Sequence[str]) -> int:
        """Remove vectors by doc id; returns how many existed."""
        slots = [self._slot.pop(i) for i in ids if i in self._slot]
        if slots and self._index is not None:
            self._index.remove_ids(np.asarray(slots, dtype=np.int64))
        return len(slots)

    def search(self, vector: NDArray[np.float32], k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest doc ids with their cosines, best first."""
        if not self._slot:
            return []
        scores, slots = self._ensure().search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
        return [(self._ids[int(s)], float(v)) for v, s in zip(scores[0], slots[0], strict=True) if s >= 0]

    def columns(self, ids: Sequence[str]) -> NDArray[np.int64]:
        """For :meth:`similarities`: the position in ``ids`` of every stored vector (-1 if not among them)."""
        column = np.full(len(self._ids), -1, dtype=np.int64)
        for j, doc_id in enumerate(ids):
            slot = self._slot.get(doc_id)
            if slot is not None:
                column[slot] = j
        return column

    def similarities(self, vectors: NDArray[np.float32], column: NDArray[np.int64], width: int) -> NDArray[np.float64]:
        """Cosines of each query vector (rows) with every stored vector, placed at the columns given by
        :meth:`columns` (``width`` of them; 0 where a column has no vector). One batched search."""
        out = np.zeros((len(vectors), width))
        if not self._slot or not len(vectors):
            return out
        queries = np.ascontiguousarray(vectors.reshape(len(vectors), -1), dtype=np.float32)
        scores, slots = self._ensure().search(queries, len(self._slot))
        where = np.where(slots >= 0, column[np.clip(slots, 0, None)], -1)
        rows, hits = np.nonzero(where >= 0)
        out[rows, where[rows, hits]] = scores[rows, hits]
        return out

    def save(self, folder: Path) -> None:
        """Write ``dense.faiss`` and ``dense.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        _faiss().write_index(self._ensure(), str(folder / "dense.faiss"))
        meta = {"dim": self.dim, "ids": self._ids, "live": sorted(self._slot.values())}
        (folder / "dense.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def saved(cls, folder: Path) -> bool:
        """Whether :meth:`save` wrote an index into ``folder``."""
        return (folder / "dense.faiss").exists()

    @classmethod
    def load(cls, folder: Path) -> FaissVectorIndex:
        """Read an index written by :meth:`save`."""
        try:
            meta = json.loads((folder / "dense.json").read_text(encoding="utf-8"))
            index = cls(int(meta["dim"]))
            index._index = _faiss().read_index(str(folder / "dense.faiss"))
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise RetrievalError(f"cannot read dense index in {folder}: {e}") from e
        index._ids = list(meta["ids"])
        index._slot = {index._ids[s]: s for s in meta["live"]}
        return index
