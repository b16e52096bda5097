"""The ``VectorIndex`` protocol: what retrieval asks of a vector index over doc ids, and how one is made.

One implementation: :class:`retrieval.dense.FaissVectorIndex` (exact inner product over L2-normalised
vectors, so scores are cosines). The hybrid retriever and the index loader depend on these protocols
only; ``tests/retrieval/test_vector_contract.py`` runs one contract suite over FAISS and a brute-force
numpy fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

__all__ = ["VectorIndex", "VectorIndexKind"]


@runtime_checkable
class VectorIndex(Protocol):
    """Vectors addressable by doc id, searched by inner product (cosine for normalised vectors)."""

    @property
    def dim(self) -> int:
        """The vector dimension."""

    def __len__(self) -> int:
        """How many doc ids have a vector."""

    def add(self, ids: Sequence[str], vectors: NDArray[np.float32]) -> None:
        """Add vectors under doc ids; an id that already has one gets the new vector.

        Raises:
            RetrievalError: ``ids`` and ``vectors`` differ in length.
        """

    def remove(self, ids: Sequence[str]) -> int:
        """Remove the vectors of doc ids (unknown ids are ignored); returns how many existed."""

    def search(self, vector: NDArray[np.float32], k: int) -> list[tuple[str, float]]:
        """The at most ``k`` doc ids scoring highest against one query vector, with their scores, best first."""

    def columns(self, ids: Sequence[str]) -> NDArray[np.int64]:
        """A column map for :meth:`similarities`: place the score of ``ids[j]`` in column ``j``.

        The map is the index's own (its shape is not part of the contract) and holds until the next
        :meth:`add` or :meth:`remove`.
        """

    def similarities(self, vectors: NDArray[np.float32], column: NDArray[np.int64], width: int) -> NDArray[np.float64]:
        """Scores of many query vectors at once: a ``(len(vectors), width)`` matrix whose column ``j`` holds
        the score of the ``j``-th id given to :meth:`columns` (0 where that id has no vector); the same
        scores as :meth:`search` gives one query at a time."""

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (created if missing), readable by its kind's ``load``."""


class VectorIndexKind(Protocol):
    """How to make an empty index and read a saved one: the implementing class itself, e.g. ``FaissVectorIndex``."""

    def __call__(self, dim: int) -> VectorIndex:
        """An empty index for vectors of ``dim`` dimensions."""

    def load(self, folder: Path) -> VectorIndex:
        """The index :meth:`VectorIndex.save` wrote into ``folder``.

        Raises:
            RetrievalError: it cannot be read.
        """

    def saved(self, folder: Path) -> bool:
        """Whether ``folder`` holds a saved index of this kind."""
