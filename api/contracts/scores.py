"""Wire models of scores and reports of an assessment period (月度 YYYY-MM, 年度 YYYY).

Mirrors :mod:`scoring.schemas` (indicator and unit results), :mod:`scoring.reports` (the period report
with failing indicators, their records and the trend) and :class:`scoring.service.ScoreSummary` field for
field (``tests/api/test_contracts.py`` holds each pair to one JSON schema).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from api.contracts.records import Level

__all__ = [
    "GRADES",
    "EvidenceRecord",
    "FailingIndicator",
    "Grade",
    "IndicatorResult",
    "PeriodReport",
    "ScoreSummary",
    "Trend",
    "UnitReport",
    "UnitResult",
]

Grade = Literal["优秀", "合格", "待改进"]
GRADES: tuple[Grade, ...] = ("优秀", "合格", "待改进")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndicatorResult(_Model):
    """An indicator of a unit in a period."""

    indicator_id: str
    name: str
    value: float | None
    target: float
    comparator: str
    unit: str
    grade: Grade | None
    weight: float
    veto: bool
    n_records: int


class UnitResult(_Model):
    """A unit's roll-up in a period."""

    period: str
    level: Level
    unit_id: str
    name: str
    parent_id: str | None
    score: float | None
    grade: Grade | None
    veto_failed: bool
    n_failing: int
    n_unmeasured: int


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


class ScoreSummary(_Model):
    """The result of scoring a period: enterprise and department reports, positions by grade."""

    period: str
    kind: str
    seconds: float
    report: PeriodReport
    positions_by_grade: dict[str, int]
    failing_positions: list[str]
