"""The charts of the dashboard (altair, shipped with Streamlit): grade distribution, score trend and the
indicators most often failing, built from the API's period reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import altair as alt

from api.contracts.scores import PeriodReport, UnitReport

__all__ = [
    "GRADES",
    "GRADE_COLOURS",
    "failing_chart",
    "failing_counts",
    "grade_chart",
    "grade_counts",
    "trend_chart",
    "trend_points",
]

GRADES = ("优秀", "合格", "待改进", "未评")
GRADE_COLOURS = ("#2e7d32", "#1565c0", "#c62828", "#9e9e9e")


def grade_counts(units: Sequence[UnitReport]) -> dict[str, int]:
    """Units per grade (units without a grade count as 未评), every grade present."""
    counts: Counter[str] = Counter(u.unit.grade or "未评" for u in units)
    return {g: counts[g] for g in GRADES}


def grade_chart(units: Sequence[UnitReport]) -> alt.Chart:
    """Bars: how many units got each grade."""
    rows = [{"等级": g, "单位数": n} for g, n in grade_counts(units).items()]
    colour = alt.Color("等级:N", scale=alt.Scale(domain=list(GRADES), range=list(GRADE_COLOURS)), legend=None)
    chart: alt.Chart = (
        alt.Chart(alt.InlineData(values=rows), title="等级分布")
        .mark_bar()
        .encode(
            x=alt.X("等级:N", sort=list(GRADES), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("单位数:Q", axis=alt.Axis(tickMinStep=1)),
            color=colour,
            tooltip=["等级:N", "单位数:Q"],
        )
    )
    return chart


def trend_points(reports: Sequence[PeriodReport], *, max_lines: int = 8) -> list[dict[str, object]]:
    """One point per unit and period with a score; with more than ``max_lines`` units, their average."""
    points = [
        {"期间": r.period, "单位": u.unit.name, "得分": round(u.unit.score, 1)}
        for r in reports
        for u in r.units
        if u.unit.score is not None
    ]
    if len({p["单位"] for p in points}) <= max_lines:
        return points
    out: list[dict[str, object]] = []
    for r in reports:
        scores = [u.unit.score for u in r.units if u.unit.score is not None]
        if scores:
            out.append({"期间": r.period, "单位": "平均", "得分": round(sum(scores) / len(scores), 1)})
    return out


def trend_chart(reports: Sequence[PeriodReport]) -> alt.Chart:
    """Lines: each unit's score (or the average of many units) over the periods."""
    chart: alt.Chart = (
        alt.Chart(alt.InlineData(values=trend_points(reports)), title="得分趋势")
        .mark_line(point=True)
        .encode(
            x=alt.X("期间:O", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("得分:Q", scale=alt.Scale(zero=False)),
            color=alt.Color("单位:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=200)),
            tooltip=["期间:O", "单位:N", "得分:Q"],
        )
    )
    return chart


def failing_counts(units: Sequence[UnitReport], *, top: int = 10) -> list[tuple[str, int]]:
    """The indicators graded 待改进 in the most units, most first."""
    counts = Counter(f.indicator.name for u in units for f in u.failing)
    return counts.most_common(top)


def failing_chart(units: Sequence[UnitReport], *, top: int = 10) -> alt.Chart:
    """Bars: the indicators failing in the most units."""
    rows = [{"指标": name, "待改进单位数": n} for name, n in failing_counts(units, top=top)]
    chart: alt.Chart = (
        alt.Chart(alt.InlineData(values=rows), title="待改进指标")
        .mark_bar(color=GRADE_COLOURS[2])
        .encode(
            x=alt.X("待改进单位数:Q", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("指标:N", sort="-x"),
            tooltip=["指标:N", "待改进单位数:Q"],
        )
    )
    return chart
