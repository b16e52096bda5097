"""The organisation (企业-部门-岗位-人员) and the indicator assignments of the records database.

Indicators are snapshotted from the knowledge base when assigned (:func:`snapshot_indicator`), so
scoring never needs the graph; a later change of the library is applied by snapshotting again.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kg.corpus import IndicatorEntry
from kg.errors import NotFoundError, ValidationFailedError
from scoring.db import Department, Enterprise, IndicatorAssignment, IndicatorSnapshot, Position, utcnow
from scoring.schemas import Level, MetricKind

__all__ = ["assign_indicator", "metric_kind", "snapshot_indicator", "unit_exists", "unit_name"]

_UNIT_TABLES: dict[str, Any] = {"企业": Enterprise, "部门": Department, "岗位": Position}


def metric_kind(entry: IndicatorEntry) -> MetricKind:
    """How an indicator is computed from its records.

    Counts (unit 次) are sums of occurrences; a percentage where lower is better (发生率) is an
    occurrence rate per exposure; every other percentage (完好率, 合规率, 及时率, 达标率, 运行率) is
    the share of checks that passed.
    """
    if "%" not in entry.unit:
        return "count"
    return "rate" if entry.comparator == ">=" else "occurrence_rate"


def snapshot_indicator(session: Session, entry: IndicatorEntry) -> IndicatorSnapshot:
    """Insert or refresh the snapshot of a library indicator."""
    row = session.get(IndicatorSnapshot, entry.id) or IndicatorSnapshot(id=entry.id)
    row.name = entry.name
    row.level = entry.level
    row.kind = metric_kind(entry)
    row.stage = entry.stage
    row.metric = entry.metric
    row.target = entry.target
    row.comparator = entry.comparator
    row.unit = entry.unit
    row.excellent = entry.bands.excellent
    row.qualified = entry.bands.qualified
    row.method = entry.method
    row.standard = entry.standard
    row.data_source = entry.data_source
    row.frequency = entry.frequency
    row.owner = entry.owner
    row.risks = json.dumps(list(entry.measures_risks), ensure_ascii=False)
    row.snapshot_at = utcnow()
    session.add(row)
    return row


def unit_exists(session: Session, level: Level, unit_id: str) -> bool:
    """Whether a unit of that level exists."""
    return session.get(_UNIT_TABLES[level], unit_id) is not None


def unit_name(session: Session, level: str, unit_id: str) -> str:
    """The name of a unit, or its id when unknown."""
    row = session.get(_UNIT_TABLES[level], unit_id) if level in _UNIT_TABLES else None
    return str(row.name) if row is not None else unit_id


def enterprise_of(session: Session, level: str, unit_id: str) -> str:
    """The enterprise a unit belongs to.

    Raises:
        NotFoundError: no such unit.
    """
    if level == "企业":
        if session.get(Enterprise, unit_id) is None:
            raise NotFoundError(f"no enterprise {unit_id!r}")
        return unit_id
    if level == "部门":
        dept = session.get(Department, unit_id)
        if dept is None:
            raise NotFoundError(f"no department {unit_id!r}")
        return dept.enterprise_id
    stmt = select(Department.enterprise_id).join(Position, Position.department_id == Department.id)
    found = session.execute(stmt.where(Position.id == unit_id)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"no position {unit_id!r}")
    return found


def assign_indicator(
    session: Session, indicator_id: str, level: Level, unit_id: str, *, weight: float = 1.0, veto: bool = False
) -> IndicatorAssignment:
    """Assign a snapshotted indicator to a unit, or update its weight and veto flag.

    Raises:
        NotFoundError: the indicator snapshot or the unit does not exist.
        ValidationFailedError: non-positive weight.
    """
    if weight <= 0:
        raise ValidationFailedError(f"weight must be positive, got {weight}")
    if session.get(IndicatorSnapshot, indicator_id) is None:
        raise NotFoundError(f"indicator {indicator_id!r} has no snapshot; snapshot it from the knowledge base first")
    enterprise_id = enterprise_of(session, level, unit_id)
    stmt = select(IndicatorAssignment).where(
        IndicatorAssignment.indicator_id == indicator_id,
        IndicatorAssignment.level == level,
        IndicatorAssignment.unit_id == unit_id,
    )
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        row = IndicatorAssignment(indicator_id=indicator_id, level=level, unit_id=unit_id, enterprise_id=enterprise_id)
    row.weight = weight
    row.veto = veto
    session.add(row)
    return row
