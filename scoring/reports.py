"""Period reports per level: grade, failing indicators with the records behind them, trend.

Reads what :mod:`scoring.compute` wrote; the previous period's unit scores give the trend (月度 against
the month before, 年度 against the year before).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.exc import SQLAlchemyError

from kg.errors import NotFoundError, ScoringError
from scoring.db import (
    AssessmentPeriod,
    Department,
    Enterprise,
    IndicatorScore,
    IndicatorSnapshot,
    InspectionRecord,
    MonitoringPoint,
    MonitoringValue,
    Position,
    UnitScore,
)
from scoring.periods import Period
from scoring.schemas import IndicatorResult, Level, UnitResult

__all__ = ["EvidenceRecord", "FailingIndicator", "PeriodReport", "Trend", "UnitReport", "build_report"]

_NAMES: dict[str, Any] = {"企业": Enterprise, "部门": Department, "岗位": Position}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceRecord(_Model):
    """A record behind a failing indicator: a failed check, an occurrence, or an exceedance."""

    kind: Literal["inspection", "monitoring"]
    record_id: int
    observed_at: datetime
    person_id: str | None = None
    location: str = ""
    outcome: str | None = None
    value: float | None = None
    limit: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    source: str
    evidence: list[str] = []


class FailingIndicator(_Model):
    """An indicator graded 待改进, with the records that made it fail (at most ``evidence_limit``)."""

    indicator: IndicatorResult
    records: list[EvidenceRecord]
    failing_records: int


class Trend(_Model):
    """The unit's score against the previous period."""

    previous_period: str
    previous_score: float | None
    previous_grade: str | None
    delta: float | None
    direction: Literal["上升", "下降", "持平", "无对比"]


class UnitReport(_Model):
    """One unit in one period."""

    unit: UnitResult
    indicators: list[IndicatorResult]
    failing: list[FailingIndicator]
    unmeasured: list[IndicatorResult]
    trend: Trend


class PeriodReport(_Model):
    """Reports of the units of a period, enterprise first, then departments, then positions."""

    period: str
    kind: str
    units: list[UnitReport]


def build_report(
    engine: Engine,
    period: Period,
    *,
    level: Level | None = None,
    unit_id: str | None = None,
    enterprise_id: str | None = None,
    evidence_limit: int = 5,
) -> PeriodReport:
    """The report of a scored period, optionally narrowed to a level, a unit or an enterprise.

    Raises:
        NotFoundError: the period has not been scored, or the unit has no score in it.
        ScoringError: the database failed.
    """
    try:
        with engine.connect() as conn:
            scored = select(AssessmentPeriod.id).where(AssessmentPeriod.id == period.id)
            if conn.execute(scored).first() is None:
                raise NotFoundError(f"period {period} has not been scored; run `hsekg score --period {period}`")
            units = _unit_results(conn, period, level=level, unit_id=unit_id, enterprise_id=enterprise_id)
            if unit_id is not None and not units:
                raise NotFoundError(f"no score for unit {unit_id!r} in {period}")
            previous = _previous_scores(conn, period.previous())
            reports = [
                _unit_report(conn, period, unit, previous.get((unit.level, unit.unit_id)), evidence_limit)
                for unit in units
            ]
    except SQLAlchemyError as e:
        raise ScoringError(f"report of {period} failed: {e}") from e
    return PeriodReport(period=period.id, kind=period.kind, units=reports)


def _unit_results(
    conn: Connection, period: Period, *, level: str | None, unit_id: str | None, enterprise_id: str | None
) -> list[UnitResult]:
    stmt = select(UnitScore).where(UnitScore.period_id == period.id)
    if level is not None:
        stmt = stmt.where(UnitScore.level == level)
    if unit_id is not None:
        stmt = stmt.where(UnitScore.unit_id == unit_id)
    if enterprise_id is not None:
        stmt = stmt.where(UnitScore.enterprise_id == enterprise_id)
    order = {"企业": 0, "部门": 1, "岗位": 2}
    rows = sorted(conn.execute(stmt).mappings().all(), key=lambda r: (order[r["level"]], r["unit_id"]))
    names = _unit_names(conn)
    return [
        UnitResult(
            period=period.id,
            level=r["level"],
            unit_id=r["unit_id"],
            name=names.get((r["level"], r["unit_id"]), r["unit_id"]),
            parent_id=r["parent_id"],
            score=r["score"],
            grade=r["grade"],
            veto_failed=bool(r["veto_failed"]),
            n_failing=r["n_failing"],
            n_unmeasured=r["n_unmeasured"],
        )
        for r in rows
    ]


def _unit_names(conn: Connection) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for level, table in _NAMES.items():
        for uid, name in conn.execute(select(table.id, table.name)).all():
            names[(level, uid)] = name
    return names


def _previous_scores(conn: Connection, period: Period) -> dict[tuple[str, str], tuple[float | None, str | None]]:
    stmt = select(UnitScore.level, UnitScore.unit_id, UnitScore.score, UnitScore.grade)
    return {(lv, u): (s, g) for lv, u, s, g in conn.execute(stmt.where(UnitScore.period_id == period.id)).all()}


def _trend(period: Period, unit: UnitResult, previous: tuple[float | None, str | None] | None) -> Trend:
    prev_score, prev_grade = previous if previous is not None else (None, None)
    if unit.score is None or prev_score is None:
        return Trend(
            previous_period=period.previous().id,
            previous_score=prev_score,
            previous_grade=prev_grade,
            delta=None,
            direction="无对比",
        )
    delta = unit.score - prev_score
    direction: Literal["上升", "下降", "持平"] = "上升" if delta > 1e-9 else "下降" if delta < -1e-9 else "持平"
    return Trend(
        previous_period=period.previous().id,
        previous_score=prev_score,
        previous_grade=prev_grade,
        delta=delta,
        direction=direction,
    )


def indicator_results(conn: Connection, period: Period, level: str, unit_id: str) -> list[IndicatorResult]:
    """The indicators of one unit in a scored period."""
    s, i = IndicatorScore, IndicatorSnapshot
    stmt = (
        select(s.indicator_id, s.value, s.grade, s.weight, s.veto, s.n_records, i.name, i.target, i.comparator, i.unit)
        .join(i, i.id == s.indicator_id)
        .where(s.period_id == period.id, s.level == level, s.unit_id == unit_id)
        .order_by(s.indicator_id)
    )
    return [IndicatorResult.model_validate(dict(row)) for row in conn.execute(stmt).mappings().all()]


def _unit_report(
    conn: Connection,
    period: Period,
    unit: UnitResult,
    previous: tuple[float | None, str | None] | None,
    evidence_limit: int,
) -> UnitReport:
    indicators = indicator_results(conn, period, unit.level, unit.unit_id)
    failing = [
        failing_records(conn, period, unit.level, unit.unit_id, ind, evidence_limit)
        for ind in indicators
        if ind.grade == "待改进"
    ]
    unmeasured = [ind for ind in indicators if ind.value is None]
    return UnitReport(
        unit=unit, indicators=indicators, failing=failing, unmeasured=unmeasured, trend=_trend(period, unit, previous)
    )


def failing_records(
    conn: Connection, period: Period, level: str, unit_id: str, indicator: IndicatorResult, limit: int
) -> FailingIndicator:
    """The records behind a failing indicator: failed checks, occurrences and limit exceedances."""
    r = InspectionRecord
    failed = r.numerator < r.denominator if indicator.comparator == ">=" else r.numerator > 0
    where = and_(
        r.month.between(period.first_month, period.last_month),
        r.level == level,
        r.unit_id == unit_id,
        r.indicator_id == indicator.indicator_id,
        failed,
    )
    rows = conn.execute(select(r).where(where).order_by(r.observed_at).limit(limit)).mappings().all()
    count = conn.execute(select(func.count()).select_from(r).where(where)).scalar_one()
    records = [_inspection_evidence(row) for row in rows]
    p, v = MonitoringPoint, MonitoringValue
    exceeded = and_(
        v.month.between(period.first_month, period.last_month),
        p.level == level,
        p.unit_id == unit_id,
        p.indicator_id == indicator.indicator_id,
        v.value > _limit(),
    )
    mon_stmt = select(v.id, v.measured_at, v.value, _limit().label("limit"), p.name).join(p, p.id == v.point_id)
    for row in conn.execute(mon_stmt.where(exceeded).order_by(v.measured_at).limit(limit)).all():
        records.append(
            EvidenceRecord(
                kind="monitoring",
                record_id=row.id,
                observed_at=row.measured_at,
                location=row.name,
                value=row.value,
                limit=row.limit,
                source="online_monitoring",
            )
        )
    count += conn.execute(select(func.count()).select_from(v).join(p, p.id == v.point_id).where(exceeded)).scalar_one()
    return FailingIndicator(indicator=indicator, records=records[:limit], failing_records=count)


def _limit() -> Any:
    return func.coalesce(MonitoringValue.limit_value, MonitoringPoint.limit_value)


def _inspection_evidence(row: Any) -> EvidenceRecord:
    return EvidenceRecord(
        kind="inspection",
        record_id=row["id"],
        observed_at=row["observed_at"],
        person_id=row["person_id"],
        location=row["location"],
        outcome=row["outcome"],
        value=row["value"],
        numerator=row["numerator"],
        denominator=row["denominator"],
        source=row["source"],
        evidence=json.loads(row["evidence"] or "[]"),
    )
