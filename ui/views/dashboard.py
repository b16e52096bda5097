"""考核看板: grades of 企业/部门/岗位 for a period — distribution, trend, failing indicators — with the
drill-down to a unit's indicators and records, and the Excel scorecards."""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from api.contracts.scores import PeriodReport, UnitReport
from ui import charts, data, session
from ui.client import ApiError
from ui.periods import CHINA_TZ, Period
from ui.widgets import COMPARATOR_SIGNS, LEVELS, flash, guard, keep_choice

__all__ = ["period_choices", "render"]

TREND_PERIODS = 6


def period_choices(now: datetime, *, years: int = 6) -> tuple[list[int], Period]:
    """The years to choose from (newest first) and the default period: the month before ``now``."""
    default = Period.parse(f"{now:%Y-%m}").previous()
    return [now.year - k for k in range(years)], default


def _period(column: DeltaGenerator) -> Period:
    years, default = period_choices(datetime.now(CHINA_TZ))
    y, m = column.columns(2)
    year = y.selectbox("年度", years, index=years.index(default.year), key="dash_year")
    months = [0, *range(1, 13)]
    month = m.selectbox(
        "月份",
        months,
        index=default.month or 0,
        format_func=lambda k: f"{k}月" if k else "全年",
        key="dash_month",
    )
    return Period(year, month or None)


def render() -> None:
    """The page."""
    st.title("考核看板")
    c1, c2, c3 = st.columns([3, 3, 2])
    period = _period(c1).id
    level = c2.radio("层级", LEVELS, horizontal=True, key="dash_level")
    if session.allowed("scores.run") and c3.button("计算本期得分", key="dash_run", icon=":material/calculate:"):
        _score(period)
    with guard("读取考核结果"), st.spinner("正在读取考核结果……"):
        report = data.scores(period, level=level)
        if report is None:
            hint = "，可点击“计算本期得分”" if session.allowed("scores.run") else "，请联系安全环保负责人计算"
            st.info(f"{period} 尚未计算考核结果{hint}。")
            return
        _overview(report, period, level)
        _drill_down(report, period)
        _excel(period)


def _score(period: str) -> None:
    with guard("计算得分"), st.status(f"正在计算 {period} 的得分……") as status:
        summary = session.api().run_scores(period)
        status.update(label=f"{period} 计算完成（{summary.seconds:.1f} 秒）", state="complete")
        data.forget_scores()
        grades = "，".join(f"{g} {n}" for g, n in summary.positions_by_grade.items())
        flash("success", f"{period} 已计算：岗位 {grades}")
        st.rerun()


def _overview(report: PeriodReport, period: str, level: str) -> None:
    counts = charts.grade_counts(report.units)
    cols = st.columns(5)
    cols[0].metric(f"{level}数", len(report.units))
    for col, (grade, n) in zip(cols[1:], counts.items(), strict=True):
        col.metric(grade, n)
    left, middle, right = st.columns(3)
    left.altair_chart(charts.grade_chart(report.units), key="dash_grades")
    middle.altair_chart(charts.trend_chart(_trend(period, level)), key="dash_trend")
    if charts.failing_counts(report.units):
        right.altair_chart(charts.failing_chart(report.units), key="dash_failing")
    else:
        right.markdown("**待改进指标**")
        right.success("本期没有待改进指标")
    rows = [
        {
            "单位": u.unit.name,
            "得分": None if u.unit.score is None else round(u.unit.score, 1),
            "等级": u.unit.grade or "未评",
            "较上期": "—" if u.trend.delta is None else f"{u.trend.delta:+.1f}（{u.trend.direction}）",
            "待改进指标": u.unit.n_failing,
            "未测指标": u.unit.n_unmeasured,
            "一票否决": "是" if u.unit.veto_failed else "",
        }
        for u in report.units
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key="dash_units")


def _trend(period: str, level: str) -> list[PeriodReport]:
    periods = [Period.parse(period)]
    while len(periods) < TREND_PERIODS:
        periods.append(periods[-1].previous())
    reports = [data.scores(p.id, level=level) for p in reversed(periods)]
    return [r for r in reports if r is not None]


def _drill_down(report: PeriodReport, period: str) -> None:
    st.subheader("单位明细")
    units = {u.unit.unit_id: u for u in report.units}
    if not units:
        st.info("该层级没有得分")
        return
    keep_choice("dash_unit", list(units))
    chosen = st.selectbox("选择单位", list(units), format_func=lambda i: units[i].unit.name, key="dash_unit")
    unit = units[chosen]
    c1, c2, c3 = st.columns(3)
    c1.metric("得分", "—" if unit.unit.score is None else f"{unit.unit.score:.1f}")
    c2.metric("等级", unit.unit.grade or "未评")
    c3.metric("较上期", unit.trend.direction, None if unit.trend.delta is None else f"{unit.trend.delta:+.1f}")
    rows = [
        {
            "指标": i.name,
            "实际值": i.value,
            "目标": f"{COMPARATOR_SIGNS.get(i.comparator, i.comparator)}{i.target:g}{i.unit}",
            "等级": i.grade or "未测",
            "权重": i.weight,
            "一票否决": "是" if i.veto else "",
            "记录数": i.n_records,
        }
        for i in unit.indicators
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key=f"dash_indicators_{chosen}")
    _failing(unit)
    _records(unit, period)


def _failing(unit: UnitReport) -> None:
    for k, f in enumerate(unit.failing):
        with st.expander(f"待改进：{f.indicator.name}（{f.failing_records} 条问题记录）", key=f"dash_fail_{k}"):
            rows = [
                {
                    "时间": f"{r.observed_at:%Y-%m-%d %H:%M}",
                    "类型": "检查" if r.kind == "inspection" else "监测",
                    "结果": r.outcome or "",
                    "数值": r.value,
                    "限值": r.limit,
                    "地点": r.location,
                    "来源": r.source,
                    "证据": "、".join(r.evidence),
                }
                for r in f.records
            ]
            st.dataframe(rows, hide_index=True, width="stretch", key=f"dash_fail_table_{k}")


def _records(unit: UnitReport, period: str) -> None:
    with st.expander("本期全部检查记录", key="dash_records_box"):
        try:
            items, total = data.records(unit.unit.level, unit.unit.unit_id, period=period)
        except ApiError as e:
            if e.status == 403:
                st.caption("原始检查记录仅对管理员、安全环保负责人和检查员开放。")
                return
            raise
        st.caption(f"共 {total} 条" + ("，显示前 200 条" if total > len(items) else ""))
        rows = [
            {
                "编号": r.id,
                "时间": f"{r.observed_at:%Y-%m-%d %H:%M}",
                "指标": r.indicator_id,
                "结果": r.outcome or "",
                "数值": r.value,
                "地点": r.location,
                "来源": r.source,
                "备注": r.note,
            }
            for r in items
        ]
        st.dataframe(rows, hide_index=True, width="stretch", key="dash_records_table")


def _excel(period: str) -> None:
    if not session.allowed("exports.scorecard"):
        return
    key = f"dash_xlsx_{period}"
    if key not in st.session_state:
        if st.button("生成 Excel 考核结果", key="dash_xlsx", icon=":material/table_view:"):
            with guard("生成 Excel"), st.spinner("正在生成 Excel……"):
                st.session_state[key] = session.api().scorecard_xlsx(period)
                st.rerun()
        return
    st.download_button(
        "下载 Excel 考核结果",
        data=st.session_state[key],
        file_name=f"考核结果-{period}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dash_download",
        icon=":material/download:",
    )


if __name__ == "__main__":
    render()
