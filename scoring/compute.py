"""Period scoring as SQL aggregation: records → indicator values → grades → weighted roll-up.

Everything runs in the database as ``INSERT … SELECT`` statements (no Python loop over records), and
any number of periods is scored in **one pass**: one transaction, one scan of the records, and one
statement per step for all periods together, so it scales with the database (SQLite file or
PostgreSQL server), not with the number of periods:

1. **Monthly totals**: inspection records (already normalised at intake to numerator and denominator)
   summed per (month, level, unit, indicator) over every month the periods cover, in one scan that
   follows the ``ix_records_period`` covering index (month first, so the grouping needs no sort);
   ``UNION ALL`` the same totals of monitoring values (1/1 when the value is within its limit, 0/1
   when not; reversed for an occurrence indicator).
2. **Period totals**: each period sums the monthly totals of its months (a month its own, a year its
   twelve), so the year reuses the months' aggregate instead of scanning the records again.
3. **Indicator values** per (period, level, unit, indicator) of every assignment: a rate is
   ``100·Σnum/Σden``, a count is ``Σnum``; no observation → value NULL (not measured).
4. **Indicator grades** by ``CASE`` on the snapshot's bands and comparator, exactly as
   :meth:`kg.models.RatingBands.grade`: for ``>=`` at or above ``excellent`` is 优秀, at or above
   ``qualified`` 合格, else 待改进; for ``<=`` and ``=`` lower is better. Points: 优秀 100, 合格 80,
   待改进 50.
5. **Roll-up** 岗位 → 部门 → 企业, one statement per level for all periods. A unit's score is the
   weighted mean of the points of its measured children: its own indicators (assignment weight) and
   its sub-units' scores (the sub-unit's ``weight`` column, default 1). Unmeasured indicators and
   unscored sub-units are left out of the mean (and counted in ``n_unmeasured``). **一票否决**: if an
   indicator assigned to the unit with the veto flag is graded 待改进, the unit's score is capped at 50,
   so it is 待改进 whatever its average and the cap carries into its parent's mean. Unit grade: score
   ≥ 90 优秀, ≥ 75 合格, else 待改进.

A year is scored from the year's records (Σnum/Σden over twelve months), not as a mean of monthly
grades. Its sums are sums of the months' sums: exact for the whole-number counts that checks produce;
for fractional numerators (a percentage value, 0.95/1) the year's value may differ from summing the
records in another order in its last bits, as any two summation orders do.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import ColumnElement, Select

from kg.errors import ScoringError
from scoring.db import (
    AssessmentPeriod,
    Department,
    Enterprise,
    IndicatorAssignment,
    IndicatorScore,
    IndicatorSnapshot,
    InspectionRecord,
    MonitoringPoint,
    MonitoringValue,
    Position,
    UnitScore,
    utcnow,
)
from scoring.periods import Period

__all__ = ["GRADE_POINTS", "UNIT_THRESHOLDS", "VETO_CAP", "PeriodScorer", "ScoreRun"]

logger = logging.getLogger(__name__)

#: Points of an indicator grade in the roll-up.
GRADE_POINTS: dict[str, float] = {"优秀": 100.0, "合格": 80.0, "待改进": 50.0}
#: A unit's grade from its score: (minimum score, grade), best first; below the last → 待改进.
UNIT_THRESHOLDS: tuple[tuple[float, str], ...] = ((90.0, "优秀"), (75.0, "合格"))
#: The score a failed veto item caps its unit at.
VETO_CAP = 50.0
#: Keep the rows an ``INSERT … SELECT`` wrote countable (psycopg's cursor is closed before it is read).
_COUNTED: dict[str, Any] = {"preserve_rowcount": True}


@dataclass(frozen=True)
class ScoreRun:
    """What one scoring run wrote (for all the periods it scored)."""

    periods: tuple[str, ...]
    indicator_rows: int
    unit_rows: int
    seconds: float


class PeriodScorer:
    """Scores periods into ``indicator_scores`` and ``unit_scores``, replacing earlier results.

    Args:
        engine: the records database.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def run(self, period: Period, *periods: Period, enterprise_id: str | None = None) -> ScoreRun:
        """Score one or more periods (all enterprises, or one) in one pass and one transaction.

        Raises:
            ScoringError: the database failed.
        """
        chosen = sorted({p.id: p for p in (period, *periods)}.values(), key=lambda p: (p.first_month, p.id))
        ids = [p.id for p in chosen]
        months = sorted({m.id for p in chosen for m in p.months()})
        started = time.perf_counter()
        try:
            with self._engine.begin() as conn:
                _clear(conn, ids, enterprise_id)
                _mark_scored(conn, chosen)  # the statements below join the periods' rows
                n_ind = conn.execute(
                    _insert_indicator_scores(ids, months, enterprise_id), execution_options=_COUNTED
                ).rowcount
                n_unit = 0
                for level in ("岗位", "部门", "企业"):
                    n_unit += conn.execute(
                        _insert_unit_scores(ids, level, enterprise_id), execution_options=_COUNTED
                    ).rowcount
        except SQLAlchemyError as e:
            raise ScoringError(f"periods {', '.join(ids)} could not be scored: {e}") from e
        seconds = time.perf_counter() - started
        logger.info("scored %s: %d indicator rows, %d unit rows in %.2fs", ", ".join(ids), n_ind, n_unit, seconds)
        return ScoreRun(tuple(ids), n_ind, n_unit, seconds)


def _clear(conn: Connection, ids: list[str], enterprise_id: str | None) -> None:
    for table in (IndicatorScore, UnitScore):
        stmt = delete(table).where(table.period_id.in_(ids))
        if enterprise_id is not None:
            stmt = stmt.where(table.enterprise_id == enterprise_id)
        conn.execute(stmt)


def _mark_scored(conn: Connection, periods: list[Period]) -> None:
    now = utcnow()
    existing = set(
        conn.execute(select(AssessmentPeriod.id).where(AssessmentPeriod.id.in_([p.id for p in periods]))).scalars()
    )
    new = [
        {"id": p.id, "kind": p.kind, "first_month": p.first_month, "last_month": p.last_month, "scored_at": now}
        for p in periods
        if p.id not in existing
    ]
    if new:
        conn.execute(insert(AssessmentPeriod), new)
    if existing:
        conn.execute(update(AssessmentPeriod).where(AssessmentPeriod.id.in_(existing)).values(scored_at=now))


def _monthly_totals(months: list[str]) -> Any:
    """Σ count, numerator, denominator per (month, level, unit, indicator) of records and monitoring values."""
    r = InspectionRecord
    records = (
        select(
            r.month,
            r.level,
            r.unit_id,
            r.indicator_id,
            func.count().label("n"),
            func.sum(r.numerator).label("num"),
            func.sum(r.denominator).label("den"),
        )
        .where(r.month.in_(months))
        .group_by(r.month, r.level, r.unit_id, r.indicator_id)  # the covering index's order: no sort
    )
    p, v, i = MonitoringPoint, MonitoringValue, IndicatorSnapshot
    within = v.value <= func.coalesce(v.limit_value, p.limit_value)
    good = case((within, 1.0), else_=0.0)
    bad = case((within, 0.0), else_=1.0)
    monitoring = (
        select(
            v.month,
            p.level,
            p.unit_id,
            p.indicator_id,
            func.count().label("n"),
            func.sum(case((i.kind == "rate", good), else_=bad)).label("num"),
            func.sum(literal(1.0, Float)).label("den"),
        )
        .select_from(v)
        .join(p, p.id == v.point_id)
        .join(i, i.id == p.indicator_id)
        .where(v.month.in_(months))
        .group_by(v.month, p.level, p.unit_id, p.indicator_id)
    )
    return union_all(records, monitoring).subquery("monthly")


def _period_totals(ids: list[str], months: list[str]) -> Any:
    """Σ per (period, level, unit, indicator): each period sums the monthly totals of its months."""
    m, p = _monthly_totals(months), AssessmentPeriod
    return (
        select(
            p.id.label("period_id"),
            m.c.level,
            m.c.unit_id,
            m.c.indicator_id,
            func.sum(m.c.n).label("n"),
            func.sum(m.c.num).label("num"),
            func.sum(m.c.den).label("den"),
        )
        .select_from(m)
        .join(p, m.c.month.between(p.first_month, p.last_month))
        .where(p.id.in_(ids))
        .group_by(p.id, m.c.level, m.c.unit_id, m.c.indicator_id)
        .subquery("agg")
    )


def _grade_case(value: ColumnElement[Any], comparator: Any, excellent: Any, qualified: Any) -> ColumnElement[Any]:
    higher = case((value >= excellent, "优秀"), (value >= qualified, "合格"), else_="待改进")
    lower = case((value <= excellent, "优秀"), (value <= qualified, "合格"), else_="待改进")
    return case((value.is_(None), null()), (comparator == ">=", higher), else_=lower)


def _points_case(grade: ColumnElement[Any]) -> ColumnElement[Any]:
    return case(*((grade == g, literal(p, Float)) for g, p in GRADE_POINTS.items()), else_=null())


def _unit_grade_case(score: ColumnElement[Any]) -> ColumnElement[Any]:
    whens = [(score >= t, g) for t, g in UNIT_THRESHOLDS]
    return case((score.is_(None), null()), *whens, else_="待改进")


def _indicator_values(ids: list[str], months: list[str], enterprise_id: str | None) -> Any:
    """Every assignment in every period, with its period totals (NULL when nothing was observed)."""
    agg = _period_totals(ids, months)
    a, i, p = IndicatorAssignment, IndicatorSnapshot, AssessmentPeriod
    rate = 100.0 * cast(agg.c.num, Float) / func.nullif(cast(agg.c.den, Float), 0.0)
    value = case((agg.c.n.is_(None), null()), (i.kind == "count", cast(agg.c.num, Float)), else_=rate)
    stmt = (
        select(
            p.id.label("period_id"),
            a.enterprise_id,
            a.level,
            a.unit_id,
            a.indicator_id,
            func.coalesce(agg.c.n, 0).label("n_records"),
            agg.c.num.label("numerator"),
            agg.c.den.label("denominator"),
            value.label("value"),
            i.comparator,
            i.excellent,
            i.qualified,
            a.weight,
            a.veto,
        )
        .select_from(a)
        .join(i, i.id == a.indicator_id)
        .join(p, p.id.in_(ids))  # every period of the run
        .outerjoin(
            agg,
            and_(
                agg.c.period_id == p.id,
                agg.c.level == a.level,
                agg.c.unit_id == a.unit_id,
                agg.c.indicator_id == a.indicator_id,
            ),
        )
    )
    if enterprise_id is not None:
        stmt = stmt.where(a.enterprise_id == enterprise_id)
    return stmt.subquery("vals")


def _insert_indicator_scores(ids: list[str], months: list[str], enterprise_id: str | None) -> Any:
    vals = _indicator_values(ids, months, enterprise_id)
    grade = _grade_case(vals.c.value, vals.c.comparator, vals.c.excellent, vals.c.qualified)
    columns = [
        "period_id",
        "enterprise_id",
        "level",
        "unit_id",
        "indicator_id",
        "n_records",
        "numerator",
        "denominator",
        "value",
        "grade",
        "weight",
        "veto",
    ]
    graded = select(*(vals.c[name] for name in columns if name != "grade"), grade.label("grade")).subquery("graded")
    rows = select(*(graded.c[name] for name in columns), _points_case(graded.c.grade).label("points"))
    return insert(IndicatorScore).from_select([*columns, "points"], rows)


def _children(ids: list[str], level: str) -> Any:
    """Weighted points of what a unit of ``level`` rolls up in each period: its indicators and its sub-units."""
    s = IndicatorScore
    failing = s.grade == "待改进"
    own = select(
        s.period_id,
        s.unit_id.label("parent_id"),
        s.weight.label("weight"),
        s.points.label("points"),
        case((and_(s.veto == true(), failing), 1), else_=0).label("veto_fail"),
        case((failing, 1), else_=0).label("failing"),
        case((s.value.is_(None), 1), else_=0).label("unmeasured"),
    ).where(s.period_id.in_(ids), s.level == level)
    if level == "岗位":
        return own.subquery("children")
    child_level = "岗位" if level == "部门" else "部门"
    child_table: type[Position] | type[Department] = Position if level == "部门" else Department
    u = UnitScore
    sub = (
        select(
            u.period_id,
            u.parent_id,
            child_table.weight.label("weight"),
            u.score.label("points"),
            literal(0).label("veto_fail"),
            literal(0).label("failing"),
            case((u.score.is_(None), 1), else_=0).label("unmeasured"),
        )
        .join(child_table, child_table.id == u.unit_id)
        .where(u.period_id.in_(ids), u.level == child_level)
    )
    return union_all(own, sub).subquery("children")


def _units(level: str) -> Select[Any, Any, Any]:
    """(enterprise_id, unit_id, parent_id) of every unit of a level."""
    if level == "岗位":
        return select(
            Department.enterprise_id, Position.id.label("unit_id"), Position.department_id.label("parent_id")
        ).join(Department, Department.id == Position.department_id)
    if level == "部门":
        return select(
            Department.enterprise_id, Department.id.label("unit_id"), Department.enterprise_id.label("parent_id")
        )
    return select(Enterprise.id.label("enterprise_id"), Enterprise.id.label("unit_id"), null().label("parent_id"))


def _rolled(ids: list[str], level: str, enterprise_id: str | None) -> Any:
    """Per (period, unit) of a level: the weighted mean of its measured children, veto and counts."""
    units = _units(level)
    if enterprise_id is not None:
        units = units.where(units.selected_columns.enterprise_id == enterprise_id)
    u, c, p = units.subquery("units"), _children(ids, level), AssessmentPeriod
    measured_weight = func.sum(case((c.c.points.is_not(None), c.c.weight), else_=None))
    raw = func.sum(c.c.weight * c.c.points) / func.nullif(measured_weight, 0.0)
    return (
        select(
            p.id.label("period_id"),
            u.c.enterprise_id,
            u.c.unit_id,
            u.c.parent_id,
            raw.label("raw"),
            func.coalesce(func.max(c.c.veto_fail), 0).label("veto_fail"),
            func.coalesce(func.sum(c.c.failing), 0).label("n_failing"),
            func.coalesce(func.sum(c.c.unmeasured), 0).label("n_unmeasured"),
        )
        .select_from(u)
        .join(p, p.id.in_(ids))  # every period of the run
        .outerjoin(c, and_(c.c.parent_id == u.c.unit_id, c.c.period_id == p.id))
        .group_by(p.id, u.c.enterprise_id, u.c.unit_id, u.c.parent_id)
        .subquery("rolled")
    )


def _insert_unit_scores(ids: list[str], level: str, enterprise_id: str | None) -> Any:
    rolled = _rolled(ids, level, enterprise_id)
    vetoed = rolled.c.veto_fail == 1
    score = case((and_(vetoed, rolled.c.raw > VETO_CAP), literal(VETO_CAP, Float)), else_=rolled.c.raw)
    scored = select(
        rolled.c.period_id,
        rolled.c.enterprise_id,
        literal(level).label("level"),
        rolled.c.unit_id,
        rolled.c.parent_id,
        score.label("score"),
        case((vetoed, true()), else_=false()).label("veto_failed"),
        rolled.c.n_failing,
        rolled.c.n_unmeasured,
    ).subquery("scored")
    columns = ["period_id", "enterprise_id", "level", "unit_id", "parent_id", "score", "veto_failed"]
    rows = select(
        *(scored.c[name] for name in columns),
        _unit_grade_case(scored.c.score).label("grade"),
        scored.c.n_failing,
        scored.c.n_unmeasured,
    )
    return insert(UnitScore).from_select([*columns, "grade", "n_failing", "n_unmeasured"], rows)
