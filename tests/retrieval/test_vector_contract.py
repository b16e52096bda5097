"""One contract suite for every VectorIndex: FAISS (the product's) and a brute-force numpy fake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from kg.errors import RetrievalError
from retrieval.dense import FaissVectorIndex
from retrieval.hybrid import FusionConfig
from retrieval.index import RetrievalIndex
from retrieval.vector_index import VectorIndex, VectorIndexKind
from tests.retrieval.fakes import HashingEmbedder, NumpyVectorIndex
from tests.retrieval.graphs import build_small_graph
from tests.retrieval.test_answer import KB

DIM = 16
KINDS: dict[str, VectorIndexKind] = {"faiss": FaissVectorIndex, "numpy": NumpyVectorIndex}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> VectorIndexKind:
    return KINDS[request.param]


def unit(rows: NDArray[np.float64]) -> NDArray[np.float32]:
    """Rows scaled to length 1, as the embedder gives them."""
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def random_vectors(n: int, seed: int) -> NDArray[np.float32]:
    return unit(np.random.default_rng(seed).normal(size=(n, DIM)))


def filled(kind: VectorIndexKind, n: int = 20, seed: int = 1) -> tuple[VectorIndex, list[str], NDArray[np.float32]]:
    ids = [f"doc{i:02d}" for i in range(n)]
    vectors = random_vectors(n, seed)
    index = kind(DIM)
    index.add(ids, vectors)
    return index, ids, vectors


def test_is_a_vector_index(kind: VectorIndexKind) -> None:
    index = kind(DIM)
    assert isinstance(index, VectorIndex)
    assert index.dim == DIM and len(index) == 0


def test_search_ranks_by_inner_product_best_first(kind: VectorIndexKind) -> None:
    index, ids, vectors = filled(kind)
    query = random_vectors(1, seed=99)[0]
    expected = sorted(zip(ids, (vectors @ query).tolist(), strict=True), key=lambda p: -p[1])[:5]
    found = index.search(query, 5)
    assert [doc_id for doc_id, _ in found] == [doc_id for doc_id, _ in expected]
    assert [score for _, score in found] == pytest.approx([score for _, score in expected], abs=1e-5)
    # a stored vector is its own best match, at cosine 1
    assert index.search(vectors[7], 1)[0] == (ids[7], pytest.approx(1.0, abs=1e-5))


def test_k_larger_than_the_index_returns_every_vector_once(kind: VectorIndexKind) -> None:
    index, ids, _ = filled(kind, n=3)
    found = index.search(random_vectors(1, seed=5)[0], 10)
    assert sorted(doc_id for doc_id, _ in found) == ids
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)


def test_an_empty_index_finds_nothing(kind: VectorIndexKind) -> None:
    queries = random_vectors(2, seed=3)
    for index in (kind(DIM), filled(kind, n=4)[0]):
        if len(index):
            assert index.remove([f"doc{i:02d}" for i in range(4)]) == 4  # emptied
        assert len(index) == 0
        assert index.search(queries[0], 5) == []
        cosines = index.similarities(queries, index.columns(["a", "b", "c"]), 3)
        assert cosines.shape == (2, 3) and not cosines.any()


def test_batched_similarities_equal_single_searches(kind: VectorIndexKind) -> None:
    index, ids, _ = filled(kind)
    order = [ids[5], "unknown", *reversed(ids[:5]), *ids[6:]]
    queries = random_vectors(4, seed=11)
    cosines = index.similarities(queries, index.columns(order), len(order))
    assert cosines.shape == (4, len(order))
    for row, query in enumerate(queries):
        single = dict(index.search(query, len(index)))
        assert cosines[row] == pytest.approx([single.get(doc_id, 0.0) for doc_id in order], abs=1e-5)
    assert not cosines[:, 1].any()  # an id without a vector scores 0
    assert index.similarities(queries[:0], index.columns(order), len(order)).shape == (0, len(order))


def test_ids_map_to_their_vectors_through_replace_and_remove(kind: VectorIndexKind) -> None:
    index, ids, vectors = filled(kind, n=6)
    fresh = random_vectors(1, seed=42)
    index.add([ids[2]], fresh)  # replaces, does not duplicate
    assert len(index) == 6
    assert index.search(fresh[0], 1)[0] == (ids[2], pytest.approx(1.0, abs=1e-5))
    assert [doc_id for doc_id, _ in index.search(vectors[2], 6)].count(ids[2]) == 1
    assert index.remove([ids[0], ids[0], "unknown"]) == 1
    assert len(index) == 5 and ids[0] not in {doc_id for doc_id, _ in index.search(vectors[0], 10)}
    index.add(["new"], vectors[:1])  # the removed vector under another id
    assert index.search(vectors[0], 1)[0][0] == "new"
    cosines = index.similarities(vectors[:1], index.columns([ids[0], "new", ids[1]]), 3)
    assert cosines[0] == pytest.approx([0.0, 1.0, float(vectors[1] @ vectors[0])], abs=1e-5)


def test_vector_count_must_match_ids(kind: VectorIndexKind) -> None:
    with pytest.raises(RetrievalError, match="2 ids for 1 vectors"):
        kind(DIM).add(["a", "b"], random_vectors(1, seed=0))


def test_persistence_round_trip(kind: VectorIndexKind, tmp_path: Path) -> None:
    index, ids, vectors = filled(kind)
    index.remove([ids[3]])
    index.add([ids[4]], random_vectors(1, seed=8))
    assert not kind.saved(tmp_path / "index")
    index.save(tmp_path / "index")
    assert kind.saved(tmp_path / "index")
    loaded = kind.load(tmp_path / "index")
    assert loaded.dim == DIM and len(loaded) == len(index) == 19
    queries = random_vectors(3, seed=21)
    for query in queries:
        assert [d for d, _ in loaded.search(query, 25)] == [d for d, _ in index.search(query, 25)]
    order = list(reversed(ids))
    assert loaded.similarities(queries, loaded.columns(order), len(order)) == pytest.approx(
        index.similarities(queries, index.columns(order), len(order)), abs=1e-6
    )
    loaded.add(["later"], vectors[:1])  # a loaded index keeps working
    assert loaded.search(vectors[0], 2)[0][1] == pytest.approx(1.0, abs=1e-5)


def test_an_unreadable_index_is_a_retrieval_error(kind: VectorIndexKind, tmp_path: Path) -> None:
    with pytest.raises(RetrievalError):
        kind.load(tmp_path)


def test_the_index_loader_and_retriever_work_over_any_kind(kind: VectorIndexKind, tmp_path: Path) -> None:
    store = build_small_graph(tmp_path, KB)
    embedder = HashingEmbedder()
    index = RetrievalIndex(tmp_path / "index", vectors=kind)
    first = index.build(store, embedder)
    assert first["embedded"] > 0 and index.build(store, embedder)["embedded"] == 0  # vectors reused
    retriever = index.load(embedder, FusionConfig())
    assert type(retriever.dense) is kind
    reference = RetrievalIndex(tmp_path / "faiss", vectors=FaissVectorIndex)
    reference.build(store, embedder)
    expected = reference.load(embedder, FusionConfig()).search("排污单位要不要建环境管理台账？", mode="dense")
    found = retriever.search("排污单位要不要建环境管理台账？", mode="dense")
    assert [h.key for h in found.hits] == [h.key for h in expected.hits]
    assert found.top_cosine == pytest.approx(expected.top_cosine, abs=1e-5)
