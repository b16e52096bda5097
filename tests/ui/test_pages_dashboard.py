"""考核看板 under AppTest against the demo API: grades by level and period, charts, drill-down, Excel,
scoring a period as manager."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import DemoApi, api_call, frame, log_in, texts
from tests.ui.demo_env import PERIODS

pytestmark = pytest.mark.integration


def _open(app: AppTest, role: str, period: str, level: str = "企业") -> AppTest:
    log_in(app, role).switch_page("views/dashboard.py").run()
    year, _, month = period.partition("-")
    app.selectbox(key="dash_year").set_value(int(year))
    app.selectbox(key="dash_month").set_value(int(month or 0)).run()
    return app.radio(key="dash_level").set_value(level).run()


def _failing_unit(demo_api: DemoApi) -> tuple[str, str, dict[str, Any]]:
    """A (period, level, unit report) of the demo enterprise with an indicator graded 待改进."""
    for period in reversed(PERIODS):
        for level in ("岗位", "部门", "企业"):
            report = api_call(demo_api, "GET", f"/scores/{period}", params={"level": level})
            unit = next((u for u in report["units"] if u["failing"]), None)
            if unit is not None:
                return period, level, unit
    raise AssertionError("the demo enterprise is meant to have weak positions")


def test_grades_and_charts_of_a_scored_period(app: AppTest, demo_api: DemoApi) -> None:
    _open(app, "expert", "2026-10", "部门")
    assert not app.exception
    assert not app.error, texts(app, "error")
    report = api_call(demo_api, "GET", "/scores/2026-10", params={"level": "部门"})
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["部门数"] == str(len(report["units"]))
    grades = [u["unit"]["grade"] or "未评" for u in report["units"]]
    assert {g: metrics[g] for g in ("优秀", "合格", "待改进")} == {
        g: str(grades.count(g)) for g in ("优秀", "合格", "待改进")
    }
    titles = [json.loads(c.proto.spec)["title"] for c in app.get("vega_lite_chart")]
    if any(u["failing"] for u in report["units"]):
        assert titles == ["等级分布", "得分趋势", "待改进指标"]
    else:
        assert titles == ["等级分布", "得分趋势"] and "本期没有待改进指标" in texts(app, "success")
    assert list(frame(app, "单位")["单位"]) == [u["unit"]["name"] for u in report["units"]]


def test_drill_down_to_a_failing_indicator_and_its_records(app: AppTest, demo_api: DemoApi) -> None:
    period, level, failing = _failing_unit(demo_api)
    _open(app, "expert", period, level)
    assert "待改进指标" in [json.loads(c.proto.spec)["title"] for c in app.get("vega_lite_chart")]
    app.selectbox(key="dash_unit").set_value(failing["unit"]["unit_id"]).run()
    assert not app.exception
    assert list(frame(app, "指标")["指标"]) == [i["name"] for i in failing["indicators"]]
    name = failing["failing"][0]["indicator"]["name"]
    assert any(e.label.startswith(f"待改进：{name}") for e in app.expander)
    assert len(frame(app, "类型")) == len(failing["failing"][0]["records"])


def test_a_manager_drills_down_to_the_records(app: AppTest, demo_api: DemoApi) -> None:
    _open(app, "manager", "2026-10", "岗位")
    unit = app.selectbox(key="dash_unit").value
    expected = api_call(
        demo_api,
        "GET",
        "/records",
        role="manager",
        params={"level": "岗位", "unit_id": unit, "period": "2026-10", "limit": 200},
    )
    assert expected["total"] > 0
    assert f"共 {expected['total']} 条" in texts(app, "caption")[-1] or any(
        c.startswith(f"共 {expected['total']} 条") for c in texts(app, "caption")
    )
    assert list(frame(app, "备注")["编号"]) == [r["id"] for r in expected["items"]]


def test_an_expert_is_told_who_may_read_the_records(app: AppTest) -> None:
    _open(app, "expert", "2026-10", "岗位")
    assert "原始检查记录仅对管理员、安全环保负责人和检查员开放。" in texts(app, "caption")


def test_the_scorecards_download_as_excel(app: AppTest) -> None:
    _open(app, "expert", "2026-10")
    app.button(key="dash_xlsx").click().run()
    assert not app.error, texts(app, "error")
    assert app.get("download_button")[0].label == "下载 Excel 考核结果"
    assert app.session_state["dash_xlsx_2026-10"][:2] == b"PK"


def test_a_manager_scores_a_period_not_yet_scored(app: AppTest, demo_api: DemoApi) -> None:
    _open(app, "manager", "2026-06")
    assert any(i.startswith("2026-06 尚未计算考核结果") for i in texts(app, "info"))
    app.button(key="dash_run").click().run()
    assert not app.exception
    assert any(s.startswith("2026-06 已计算") for s in texts(app, "success"))
    assert {m.label for m in app.metric} >= {"企业数", "优秀", "合格", "待改进"}
    assert api_call(demo_api, "GET", "/scores/2026-06")["period"] == "2026-06"


def test_an_expert_cannot_score_and_is_told_whom_to_ask(app: AppTest) -> None:
    _open(app, "expert", "2025")
    assert not [b for b in app.button if b.key == "dash_run"]
    assert "2025 尚未计算考核结果，请联系安全环保负责人计算。" in texts(app, "info")
