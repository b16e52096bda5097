"""The UI's pure helpers: chart data, edits and citations, labels, periods."""

from __future__ import annotations

from datetime import datetime

import pytest

from api.contracts.change import IndicatorProposal, Verdict
from api.contracts.scores import PeriodReport, Trend, UnitReport, UnitResult
from kg import models as kg_models
from kg.errors import ValidationFailedError
from scoring import db as scoring_db
from scoring import periods as scoring_periods
from ui import charts
from ui.periods import CHINA_TZ, Period
from ui.proposal_edit import cites_text, edit_changes, parse_cites
from ui.views.dashboard import period_choices
from ui.views.enterprise import STAGES
from ui.widgets import quote_block, target_text, unique_labels, verdict_rows


def _unit(unit_id: str, score: float | None, grade: str | None, period: str = "2026-10") -> UnitReport:
    result = UnitResult(
        period=period,
        level="部门",
        unit_id=unit_id,
        name=f"部门{unit_id}",
        parent_id="demo",
        score=score,
        grade=grade,  # type: ignore[arg-type]
        veto_failed=False,
        n_failing=0,
        n_unmeasured=0,
    )
    trend = Trend(previous_period="2026-09", previous_score=None, previous_grade=None, delta=None, direction="无对比")
    return UnitReport(unit=result, indicators=[], failing=[], unmeasured=[], trend=trend)


def test_grade_counts_include_every_grade() -> None:
    units = [_unit("a", 95, "优秀"), _unit("b", 70, "待改进"), _unit("c", None, None)]
    assert charts.grade_counts(units) == {"优秀": 1, "合格": 0, "待改进": 1, "未评": 1}


def test_a_trend_of_many_units_is_their_average() -> None:
    reports = [
        PeriodReport(period=p, kind="月度", units=[_unit(str(k), 80 + k, "合格", p) for k in range(n)])
        for p, n in (("2026-09", 2), ("2026-10", 10))
    ]
    assert charts.trend_points(reports[:1]) == [
        {"期间": "2026-09", "单位": "部门0", "得分": 80},
        {"期间": "2026-09", "单位": "部门1", "得分": 81},
    ]
    assert charts.trend_points(reports) == [
        {"期间": "2026-09", "单位": "平均", "得分": 80.5},
        {"期间": "2026-10", "单位": "平均", "得分": 84.5},
    ]


def _indicator(**changes: object) -> IndicatorProposal:
    data: dict[str, object] = {
        "name": "焊烟净化设备运行率",
        "level": "部门",
        "target": 100.0,
        "comparator": ">=",
        "unit": "%",
        "owner": "设备部",
        "cites": [{"law": "职业病防治法", "article": 22}],
    }
    return IndicatorProposal.model_validate({**data, **changes})


def test_citations_are_read_as_experts_write_them() -> None:
    assert parse_cites("《安全生产法》第41条；消防法第 16 条\n《职业病防治法》第22条") == [
        {"law": "安全生产法", "article": 41},
        {"law": "消防法", "article": 16},
        {"law": "职业病防治法", "article": 22},
    ]
    assert parse_cites("安全生产法四十一条") is None
    assert parse_cites("") == []
    assert cites_text([{"law": "消防法", "article": 16}]) == "《消防法》第16条"


def test_an_edit_sends_only_what_changed() -> None:
    ind = _indicator()
    values = {
        "name": "焊烟净化设备运行率",
        "target": 95.0,
        "owner": "",
        "cites": [{"law": "职业病防治法", "article": 22}],
    }
    assert edit_changes(ind, values) == {"target": 95.0}
    assert edit_changes(ind, {"cites": []}) == {}


def test_targets_and_verdicts_read_as_experts_write_them() -> None:
    assert target_text(_indicator()) == "≥100%"
    assert target_text(_indicator(target=None, target_text="及时整改")) == "及时整改"
    rows = verdict_rows([Verdict(rule="citation", ok=False, reason="已废止", suggestion="改引现行条文")])
    assert rows == [{"校验规则": "引用条款存在且现行", "结论": "未通过", "说明": "已废止", "修改建议": "改引现行条文"}]


def test_quotes_and_labels() -> None:
    assert quote_block("第一款\n\n第二款") == "> 第一款\n>\n> 第二款"
    assert quote_block("") == "> （无原文）"
    assert unique_labels({"a": "焊接", "b": "焊接", "c": "喷涂"}) == {"a": "焊接〔a〕", "b": "焊接〔b〕", "c": "喷涂"}


def test_the_default_period_is_the_month_before() -> None:
    years, default = period_choices(datetime(2027, 1, 5, tzinfo=CHINA_TZ))
    assert years[:2] == [2027, 2026] and len(years) == 6
    assert default == Period(2026, 12)


# --- the UI's own copies of small pieces of the lower layers (the UI imports only api.contracts) ----------


def test_the_uis_stages_and_china_time_are_the_knowledge_bases_and_the_scoring_layers() -> None:
    assert STAGES == kg_models.STAGES
    moment = datetime(2026, 10, 31, 20, 0, tzinfo=scoring_db.CHINA_TZ)
    assert CHINA_TZ.utcoffset(moment) == scoring_db.CHINA_TZ.utcoffset(moment)
    assert CHINA_TZ.tzname(moment) == scoring_db.CHINA_TZ.tzname(moment)


@pytest.mark.parametrize("text", ["2026-10", "2026-01", "2026-12", "2026", " 2027-03 ", "0001-01"])
def test_the_uis_periods_parse_name_and_step_back_as_the_scoring_layers(text: str) -> None:
    ours, theirs = Period.parse(text), scoring_periods.Period.parse(text)
    for _ in range(14):
        assert (ours.year, ours.month, ours.id, str(ours)) == (theirs.year, theirs.month, theirs.id, str(theirs))
        if ours.year <= 1:
            break
        ours, theirs = ours.previous(), theirs.previous()


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-10", "2026/10", ""])
def test_the_uis_periods_refuse_what_the_scoring_layer_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="neither YYYY-MM"):
        Period.parse(text)
    with pytest.raises(ValidationFailedError, match="neither YYYY-MM"):
        scoring_periods.Period.parse(text)
