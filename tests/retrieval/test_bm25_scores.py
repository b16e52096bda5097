"""BM25 scores of the sparse index against Okapi BM25 computed term by term, before and after saving."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from retrieval.lexical import Bm25Index

DOCS = [
    ["危险", "化学品", "储存", "专用", "仓库", "仓库"],
    ["特种", "设备", "使用", "登记"],
    ["危险", "化学品", "出入库", "登记", "制度"],
    ["安全", "生产", "责任制"],
]


def okapi(query: list[str], docs: list[list[str]], *, k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 of every document, one term at a time (each distinct query term once)."""
    avg = sum(map(len, docs)) / len(docs)
    out = []
    for doc in docs:
        score = 0.0
        for term in set(query):
            df = sum(term in d for d in docs)
            tf = doc.count(term)
            if not tf:
                continue
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avg))
        out.append(score)
    return out


def test_scores_are_okapi_bm25_and_survive_saving(tmp_path: Path) -> None:
    index = Bm25Index().fit([f"d{i}" for i in range(len(DOCS))], DOCS)
    index.save(tmp_path)
    loaded = Bm25Index.load(tmp_path)
    for query in (["仓库", "危险"], ["登记", "登记", "制度"], ["责任制"], ["未知"]):
        expected = okapi(query, DOCS)
        assert np.allclose(index.scores(query), expected)
        assert np.allclose(loaded.scores(query), expected)
