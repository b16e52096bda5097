"""BM25, the tokenizer's domain terms and the FAISS index: ranking and persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kg.errors import RetrievalError
from retrieval.dense import FaissVectorIndex
from retrieval.lexical import Bm25Index, JiebaTokenizer
from tests.retrieval.fakes import HashingEmbedder

DOCS = {
    "a": "生产经营单位应当对从业人员进行安全生产教育和培训",
    "b": "特种设备使用单位应当对特种设备进行定期检验",
    "c": "排污单位应当按照排污许可证的规定排放污染物",
}


def test_domain_terms_stay_whole() -> None:
    plain = JiebaTokenizer().tokenize("叉车司机无证驾驶")
    with_terms = JiebaTokenizer(["叉车司机"]).tokenize("叉车司机无证驾驶")
    assert "叉车司机" in with_terms and "叉车司机" not in plain


def test_bm25_ranks_the_matching_document_first_and_round_trips(tmp_path: Path) -> None:
    tok = JiebaTokenizer()
    index = Bm25Index().fit(list(DOCS), [tok.tokenize(t) for t in DOCS.values()])
    scores = index.scores(tok.tokenize("特种设备定期检验"))
    assert index.ids[int(np.argmax(scores))] == "b"
    assert scores[index.ids.index("a")] == 0.0
    index.save(tmp_path)
    again = Bm25Index.load(tmp_path)
    assert np.allclose(again.scores(tok.tokenize("特种设备定期检验")), scores)
    assert not again.scores(["完全无关的词"]).any()


def test_empty_bm25_is_an_error() -> None:
    with pytest.raises(RetrievalError, match="empty"):
        Bm25Index().scores(["x"])


def test_faiss_index_search_replace_remove_and_persist(tmp_path: Path) -> None:
    emb = HashingEmbedder()
    index = FaissVectorIndex(emb.dim)
    index.add(list(DOCS), emb.embed_passages(list(DOCS.values())))
    query = emb.embed_queries(["排污许可证规定排放"])[0]
    assert index.search(query, 1)[0][0] == "c"
    # every cosine at once, in the caller's column order, 0 for an id without a vector
    order = ["c", "zzz", "a", "b"]
    cosines = index.similarities(np.stack([query, query]), index.columns(order), len(order))
    found = dict(index.search(query, 3))
    assert cosines.shape == (2, 4) and cosines[0, 1] == 0.0
    assert np.allclose(cosines[1], [found["c"], 0.0, found["a"], found["b"]], atol=1e-6)
    index.add(["c"], emb.embed_passages(["完全不同的内容"]))  # replace
    assert len(index) == 3 and index.search(query, 1)[0][0] != "c"
    assert index.remove(["c", "zzz"]) == 1
    index.save(tmp_path)
    loaded = FaissVectorIndex.load(tmp_path)
    assert len(loaded) == 2 and {i for i, _ in loaded.search(query, 5)} == {"a", "b"}


def test_vector_count_must_match_ids() -> None:
    with pytest.raises(RetrievalError, match="2 ids for 1 vectors"):
        FaissVectorIndex(64).add(["a", "b"], np.zeros((1, 64), dtype=np.float32))
