"""Each validator rule with a failing and a passing case, on the small graph of test_proposals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.models import RatingBands
from retrieval.change.inputs import CurrentIndicator, LawArticle
from retrieval.change.models import IndicatorProposal
from retrieval.change.validator import IndicatorValidator, from_current, parse_target
from tests.retrieval.test_proposals import Env, build_env


@pytest.fixture
def graph(tmp_path: Path) -> Env:
    return build_env(tmp_path)


GOOD: dict[str, Any] = {
    "name": "排污台账记录完整率",
    "level": "部门",
    "target": 100.0,
    "comparator": ">=",
    "unit": "%",
    "bands": RatingBands(excellent=100, qualified=100),
    "method": "月度考核",
    "data_source": "环境管理台账",
    "owner": "环保部经理",
    "cites": [LawArticle(law="示例法典", article=2)],
    "duty_ids": ["ob_ledger"],
}


def _verdict(graph: Env, rule: str, existing: list[IndicatorProposal] | None = None, **change: Any) -> tuple[bool, str]:
    candidate = IndicatorProposal.model_validate({**GOOD, **change})
    checked = IndicatorValidator(graph.catalog, graph.clauses).run(candidate, existing or [])
    verdict = next(v for v in checked.verdicts if v.rule == rule)
    return verdict.ok, verdict.reason + verdict.suggestion


def test_a_good_indicator_passes_every_rule(graph: Env) -> None:
    checked = IndicatorValidator(graph.catalog, graph.clauses).run(IndicatorProposal.model_validate(GOOD))
    assert checked.valid and checked.status == "validated" and len(checked.verdicts) == 7


def test_citation_must_exist_and_be_current(graph: Env) -> None:
    ok, why = _verdict(graph, "citation", cites=[LawArticle(law="示例污染防治法", article=2)])
    assert not ok and "已废止" in why and "改引《示例法典》第2条" in why
    ok, why = _verdict(graph, "citation", cites=[LawArticle(law="示例法典", article=99)])
    assert not ok and "不存在" in why
    assert _verdict(graph, "citation")[0]


def test_target_must_be_quantified(graph: Env) -> None:
    ok, why = _verdict(graph, "quantified", unit="")
    assert not ok and "单位" in why
    assert _verdict(graph, "quantified")[0]


def test_target_is_not_weaker_than_the_law(graph: Env) -> None:
    ok, why = _verdict(graph, "not_weaker_than_law", target=95.0, bands=RatingBands(excellent=100, qualified=95))
    assert not ok and "100%" in why
    prohibition: dict[str, Any] = {
        "duty_ids": ["ob_pipe"],
        "unit": "次",
        "comparator": "<=",
        "bands": RatingBands(excellent=0, qualified=0),
    }
    ok, why = _verdict(graph, "not_weaker_than_law", **{**prohibition, "target": 1.0})
    assert not ok and "0 次" in why
    assert _verdict(graph, "not_weaker_than_law", **{**prohibition, "target": 0.0})[0]


def test_a_prohibition_may_be_measured_as_a_full_compliance_rate(graph: Env) -> None:
    rate: dict[str, Any] = {"duty_ids": ["ob_pipe"], "unit": "%", "comparator": ">="}
    ok, why = _verdict(graph, "not_weaker_than_law", **rate)
    assert ok and "合规率目标 100%" in why
    ok, why = _verdict(graph, "not_weaker_than_law", **{**rate, "target": 95.0})
    assert not ok and "合规率 100%" in why


def test_duplicates_are_found_by_meaning(graph: Env) -> None:
    existing = from_current(
        CurrentIndicator(name="环境台账完整率", target="100%", cites=[LawArticle(law="示例法典", article=2)])
    )
    ok, why = _verdict(graph, "not_duplicate", [existing])
    assert not ok and "环境台账完整率" in why
    other = from_current(CurrentIndicator(name="消防设施完好率", target="100%"))
    assert _verdict(graph, "not_duplicate", [other])[0]


def test_level_owner_method_and_source_are_required(graph: Env) -> None:
    assert not _verdict(graph, "assigned", owner="")[0]
    assert not _verdict(graph, "assigned", level="班组")[0]
    ok, why = _verdict(graph, "method_and_source", data_source="")
    assert not ok and "数据来源" in why
    assert _verdict(graph, "assigned")[0] and _verdict(graph, "method_and_source")[0]


def test_bands_are_consistent(graph: Env) -> None:
    ok, why = _verdict(graph, "bands", bands=RatingBands(excellent=100, qualified=98))
    assert not ok and "合格线" in why
    ok, why = _verdict(graph, "bands", bands=RatingBands(excellent=90, qualified=100), target=100.0)
    assert not ok and "优秀线" in why


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100%", (100.0, ">=", "%")),
        ("≥98%", (98.0, ">=", "%")),
        ("0起", (0.0, "<=", "起")),
        ("按要求", (None, None, "")),
    ],
)
def test_targets_are_parsed(text: str, expected: tuple[float | None, str | None, str]) -> None:
    assert parse_target(text) == expected
