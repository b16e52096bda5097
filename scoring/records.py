"""Reads of stored inspection records and of the organisation a unit belongs to (scoring's tables).

:class:`RecordScope` tells which enterprise and department a unit (企业/部门/岗位) belongs to (for
authorisation); :class:`RecordReader` reads one stored record, or a filtered page of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kg.errors import NotFoundError, ScoringError
from scoring.db import Department, Enterprise, InspectionRecord, Position
from scoring.periods import Period

__all__ = ["RecordFilter", "RecordReader", "RecordScope", "StoredRecord"]


class RecordScope:
    """Which enterprise and department a unit (企业/部门/岗位) of the records database belongs to.

    Args:
        engine: the records database.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def of_unit(self, level: str, unit_id: str) -> tuple[str, str | None] | None:
        """(enterprise, department or None for the enterprise level), or None for an unknown unit."""
        with Session(self._engine) as session:
            if level == "企业":
                return (unit_id, None) if session.get(Enterprise, unit_id) is not None else None
            if level == "部门":
                dept = session.get(Department, unit_id)
                return (dept.enterprise_id, dept.id) if dept is not None else None
            stmt = select(Department.enterprise_id, Department.id).join(
                Position, Position.department_id == Department.id
            )
            row = session.execute(stmt.where(Position.id == unit_id)).first()
            return (row[0], row[1]) if row is not None else None


class StoredRecord:
    """One stored inspection record as the API shows it (sealed fields still sealed)."""

    def __init__(self, row: InspectionRecord) -> None:
        self.id = row.id
        self.client_id = row.client_id
        self.enterprise_id = row.enterprise_id
        self.indicator_id = row.indicator_id
        self.level = row.level
        self.unit_id = row.unit_id
        self.person_id = row.person_id
        self.location = row.location
        self.observed_at = row.observed_at
        self.outcome = row.outcome
        self.value = row.value
        self.numerator = row.numerator
        self.denominator = row.denominator
        self.evidence: list[str] = json.loads(row.evidence or "[]")
        self.source = row.source
        self.note = row.note


@dataclass(frozen=True)
class RecordFilter:
    """Which records to list; every field None means no restriction."""

    level: str | None = None
    unit_id: str | None = None
    indicator_id: str | None = None
    period: str | None = None


class RecordReader:
    """Reads stored inspection records (scoring offers no single-record read or listing).

    Args:
        engine: the records database.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, record_id: int) -> StoredRecord:
        """One record.

        Raises:
            NotFoundError: no such record.
        """
        with Session(self._engine) as session:
            row = session.get(InspectionRecord, record_id)
            if row is None:
                raise NotFoundError(f"no record {record_id}")
            return StoredRecord(row)

    def find(
        self,
        enterprise_id: str,
        where: RecordFilter,
        *,
        department_id: str | None = None,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[StoredRecord], int]:
        """A page of an enterprise's records (of one department and its posts, if given), newest
        observation first, and their total. The index on (enterprise, observed_at, id) serves the order.

        Raises:
            ScoringError: the records database refused.
        """
        rec = InspectionRecord
        conditions = _record_conditions(enterprise_id, department_id, where)
        try:
            with Session(self._engine) as session:
                total = session.execute(select(func.count()).select_from(rec).where(*conditions)).scalar_one()
                stmt = (
                    select(rec)
                    .where(*conditions)
                    .order_by(rec.observed_at.desc(), rec.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
                return [StoredRecord(r) for r in session.execute(stmt).scalars()], int(total)
        except SQLAlchemyError as e:
            raise ScoringError(f"records could not be read: {e}") from e


def _record_conditions(enterprise_id: str, department_id: str | None, where: RecordFilter) -> list[ColumnElement[bool]]:
    """The scope (enterprise, and department if given) and the filters, as SQL conditions."""
    rec = InspectionRecord
    conditions: list[ColumnElement[bool]] = [rec.enterprise_id == enterprise_id]
    if department_id is not None:  # the department itself and its posts; not enterprise-level records
        posts = select(Position.id).where(Position.department_id == department_id)
        conditions.append(
            or_(
                and_(rec.level == "部门", rec.unit_id == department_id),
                and_(rec.level == "岗位", rec.unit_id.in_(posts)),
            )
        )
    if where.level is not None:
        conditions.append(rec.level == where.level)
    if where.unit_id is not None:
        conditions.append(rec.unit_id == where.unit_id)
    if where.indicator_id is not None:
        conditions.append(rec.indicator_id == where.indicator_id)
    if where.period is not None:
        # as a range of observation times (China time), which the (enterprise, observed_at) index serves
        period = Period.parse(where.period)
        conditions.extend([rec.observed_at >= period.start(), rec.observed_at < period.end()])
    return conditions
