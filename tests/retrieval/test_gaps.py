"""Gap detection on the small graph of test_proposals: covered, uncovered, stale citations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from retrieval.change.gaps import GAP_FLOOR, MAX_GAPS, GapDetector
from retrieval.change.inputs import GapScenario
from tests.retrieval.test_proposals import Env, build_env


@pytest.fixture
def graph(tmp_path: Path) -> Env:
    return build_env(tmp_path)


def _scenario(indicators: list[dict[str, Any]]) -> GapScenario:
    return GapScenario.model_validate(
        {
            "id": "g1",
            "enterprise": "某涂装厂，不涉及剧毒化学品",
            "processes": [{"stage": "生产加工", "name": "喷漆线", "description": "油漆喷涂，稀释剂调漆"}],
            "indicators": indicators,
        }
    )


def test_an_indicator_citing_the_article_covers_the_duty(graph: Env) -> None:
    row = {"name": "台账完整率", "target": "100%", "cites": [{"law": "示例法典", "article": 2}]}
    report = GapDetector(graph.catalog, graph.clauses).run(_scenario([row]))
    covered = {(c.law, c.article) for c in report.covered}
    gaps = {(g.law, g.article) for g in report.gaps}
    assert ("示例法典", 2) in covered and ("示例法典", 2) not in gaps
    assert ("示例法典", 3) in gaps and ("示例法典", 1) not in gaps  # 剧毒 duty does not apply
    assert report.stale_citations == []
    assert any(s.duty_ids == ["ob_pipe"] for s in report.suggestions)


def test_a_repealed_citation_covers_through_its_successor_and_is_stale(graph: Env) -> None:
    row = {"name": "防逃避监管检查率", "target": "0起", "cites": [{"law": "示例污染防治法", "article": 3}]}
    report = GapDetector(graph.catalog, graph.clauses).run(_scenario([row]))
    line = next(c for c in report.covered if c.article == 3)
    assert line.covered_by == ["防逃避监管检查率"] and "承接" in " ".join(line.reasons)
    assert (3 not in {g.article for g in report.gaps}) and 2 in {g.article for g in report.gaps}
    stale = report.stale_citations[0]
    assert (stale.law, stale.article, stale.status) == ("示例污染防治法", 3, "已废止")
    assert stale.successor is not None and stale.successor.key == "示例法典#3"


def test_wording_alone_can_cover_a_duty(graph: Env) -> None:
    row = {"name": "环境管理台账检查", "method": "核查排污记录本", "target": "100%", "cites": []}
    report = GapDetector(graph.catalog, graph.clauses).run(_scenario([row]))
    assert 2 not in {g.article for g in report.gaps}
    assert any("主题" in r for c in report.covered for r in c.reasons)


def test_a_row_citing_articles_covers_others_only_by_unmistakable_wording(graph: Env) -> None:
    row = {"name": "环境管理台账检查率", "target": "100%", "cites": [{"law": "示例法典", "article": 3}]}
    report = GapDetector(graph.catalog, graph.clauses).run(_scenario([row]))
    assert 2 in {g.article for g in report.gaps} and 3 not in {g.article for g in report.gaps}
    uncited = GapDetector(graph.catalog, graph.clauses).run(_scenario([{**row, "cites": []}]))
    assert 2 not in {g.article for g in uncited.gaps}


def test_gaps_are_ranked_and_capped(graph: Env) -> None:
    report = GapDetector(graph.catalog, graph.clauses).run(_scenario([]))
    scores = [g.score for g in report.gaps]
    assert scores == sorted(scores, reverse=True) and 0 < len(scores) <= MAX_GAPS
    assert all(s >= GAP_FLOOR * scores[0] for s in scores)
