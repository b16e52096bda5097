"""Retrieval and answers on a small graph: fusion, current law first, abstention, related nodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.models import Label
from retrieval.answer import NO_BASIS, AbstainPolicy, Answerer
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.index import RetrievalIndex
from tests.retrieval.fakes import HashingEmbedder
from tests.retrieval.graphs import build_small_graph

KB = {
    "manifest.yaml": """regulations:
  - {id: 示例污染防治法, title: 中华人民共和国示例污染防治法, kind: 法律, issued: "2018-01-01", effective: "2018-01-01",
     status: 已废止, replaced_by: 示例法典, file: 示例污染防治法.md}
  - {id: 示例法典, title: 中华人民共和国示例法典, kind: 法律, issued: "2026-03-12", effective: "2026-08-15",
     status: 现行, file: 示例法典.md}
""",
    "obligations.yaml": """obligations:
  - id: ob_ledger
    subject: 排污单位
    modality: 应当
    action: 按排污许可证排放并建立环境管理台账，如实记录
    cites: [{law: 示例法典, article: 2}]
    historical: [{law: 示例污染防治法, article: 2}]
    key_terms: [管理台账]
    topics: [台账, 排污记录本]
""",
    "risks.yaml": """risks:
  - {id: r_ledger, name: 环境管理台账缺失, category: 环保, hazard: 无台账, consequence: 处罚, obligations: [ob_ledger]}
""",
    "indicators.yaml": """indicators:
  - {id: ind_ledger, name: 环境管理台账完整率, stage: 废弃物处置, position: 环保部, level: 部门,
     metric: 完整台账数/应建台账数, target: 100, comparator: ">=", unit: "%",
     bands: {excellent: 100, qualified: 100}, method: 月度考核,
     data_source: 台账, frequency: 每月, owner: 环保部经理, standard: 台账齐全, measures_risks: [r_ledger],
     measures_obligations: [ob_ledger]}
""",
    "topics.yaml": """topics:
  - {law: 示例法典, article: 3, topic: 逃避监管排放污染物的禁止方式, keywords: [偷排, 私设暗管]}
""",
}


@pytest.fixture
def answerer(tmp_path: Path) -> Answerer:
    store = build_small_graph(tmp_path, KB)
    embedder = HashingEmbedder()
    index = RetrievalIndex(tmp_path / "index")
    index.build(store, embedder)
    retriever = index.load(embedder, FusionConfig())
    return Answerer(retriever, store, policy=AbstainPolicy(min_bm25=1.0))


def test_the_duty_is_found_with_current_law_first(answerer: Answerer) -> None:
    answer = answerer.ask("排污单位要不要建环境管理台账？")
    assert not answer.abstained
    keys = [(c.law, c.article) for c in answer.citations]
    assert keys[0] == ("示例法典", 2)
    assert "管理台账" in answer.citations[0].quote
    old = next(c for c in answer.citations if c.law == "示例污染防治法")
    assert not old.current and old.successor is not None and old.successor.article == 2
    assert keys.index(("示例法典", 2)) < keys.index(("示例污染防治法", 2))
    assert any(d.subject == "排污单位" and d.modality == "应当" for d in answer.duties)
    assert "依据《示例法典》第2条" in answer.answer
    assert answer.risks == [{"id": "r_ledger", "name": "环境管理台账缺失"}]
    assert answer.indicators == [{"id": "ind_ledger", "name": "环境管理台账完整率"}]


def test_practice_vocabulary_reaches_the_article_through_the_duty(answerer: Answerer) -> None:
    result, citations = answerer.retrieve("排污记录本")
    assert citations[0].law == "示例法典" and citations[0].article == 2
    assert "dense:duty" in result.hits[0].ranks


def test_a_named_regulation_is_preferred(answerer: Answerer) -> None:
    plain, _ = answerer.retrieve("排污许可证规定排放污染物")
    named, _ = answerer.retrieve("依照示例污染防治法，排污许可证规定排放污染物")
    assert answerer.retriever.mentioned_laws("依照示例污染防治法，排污") == ["示例污染防治法"]
    assert named.hits[0].law == "示例污染防治法" and plain.hits[0].law == "示例法典"


def test_an_article_topic_is_stored_indexed_and_cited(answerer: Answerer) -> None:
    clause = answerer.store.get(Label.CLAUSE, "示例法典#3") or {}
    assert clause["topic"] == "逃避监管排放污染物的禁止方式" and clause["keywords"] == ["偷排", "私设暗管"]
    result, citations = answerer.retrieve("工厂偷排废水")  # the statute says 暗管、渗井, never 偷排
    assert (citations[0].law, citations[0].article) == ("示例法典", 3)
    assert "bm25:topic" in result.hits[0].ranks and "bm25:statute" not in result.hits[0].ranks
    assert citations[0].topic == "逃避监管排放污染物的禁止方式"


def test_the_name_of_a_named_law_does_not_pick_the_article(answerer: Answerer) -> None:
    stripped = HybridRetriever.without_law_names("依照《示例法典》规定，示例法典的台账", ["示例法典"])
    assert stripped == "依照 规定， 的台账"
    # every article of 示例法典 holds the words of its name: 台账 picks the article, the boost picks the law
    result, _ = answerer.retrieve("《示例法典》关于台账是怎么规定的")
    assert result.hits[0].key == "示例法典#2"
    only_name, _ = answerer.retrieve("示例法典")  # nothing but the name: searched as given
    assert only_name.hits and only_name.hits[0].law == "示例法典"


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_every_mode_finds_the_prohibition(answerer: Answerer, mode: str) -> None:
    _, citations = answerer.retrieve("通过暗管渗井逃避监管排放污染物", mode=mode)  # type: ignore[arg-type]
    assert ("示例法典", 3) in [(c.law, c.article) for c in citations[:3]]


def test_weak_evidence_abstains(answerer: Answerer) -> None:
    on_topic, _ = answerer.retrieve("排污单位要不要建环境管理台账？")
    off_topic, _ = answerer.retrieve("研发费用加计扣除比例是多少")
    assert off_topic.top_bm25 < answerer.policy.min_bm25 <= on_topic.top_bm25
    answer = answerer.ask("研发费用加计扣除比例是多少")
    assert answer.abstained and answer.answer == NO_BASIS and answer.citations == []


def test_abstain_policy_thresholds() -> None:
    from retrieval.hybrid import ArticleHit, SearchResult

    found = SearchResult([ArticleHit("x#1", 1.0)], top_bm25=3.0, top_cosine=0.8, ms=1.0)
    assert AbstainPolicy(min_cosine=0.85).abstains(found)
    assert not AbstainPolicy(min_cosine=0.75, min_bm25=2.0).abstains(found)
    assert AbstainPolicy(min_cosine=0.75, min_bm25=5.0).abstains(found)
    assert AbstainPolicy().abstains(SearchResult([], 0.0, 0.0, 1.0))
    lexical = SearchResult([ArticleHit("x#1", 1.0)], top_bm25=3.0, top_cosine=0.0, ms=1.0)
    assert AbstainPolicy(min_cosine=0.9, min_bm25=2.0).abstains(lexical) is False  # no dense signal to judge
