"""The API's own tables in the records database: users, login failures, indicator reviews, audit trail.

They live beside scoring's tables (same engine, own ``MetaData``) so that several API workers share
them. :func:`ensure_api_schema` creates missing tables; it is idempotent.

Tables::

    api_users                 login name, argon2 hash, role, enterprise, department, sealed contact data
    api_login_failures        failed logins per (username, client address), for the rate limit
    api_indicator_reviews     every review decision on an indicator (approve / reject / edit + comment)
    api_indicator_state       the current review state of an indicator (status, merged edits)
    api_audit_log             append-only, SM3-chained audit entries (see :mod:`api.services.audit`)
    api_audit_head            the chain's head: entry count and last hash (detects a truncated tail)

The review queue's tables are declared in :mod:`api.services.review`; all of them are created and
upgraded by the migrations in :mod:`api.services.migrations`.

Also :class:`RecordScope`, which reads scoring's organisation tables to tell which enterprise and
department a unit belongs to (for authorisation), and :class:`RecordReader` (one stored record, or a
filtered page of them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kg.errors import NotFoundError, ScoringError, ValidationFailedError
from scoring.db import Department, InspectionRecord, Position, UtcDateTime, utcnow
from scoring.periods import Period

__all__ = [
    "ApiBase",
    "AuditEntryRow",
    "AuditHeadRow",
    "AuditSink",
    "DECISION_STATUS",
    "Decision",
    "IndicatorReviews",
    "ReviewState",
    "ReviewView",
    "IndicatorReviewRow",
    "IndicatorStateRow",
    "LoginFailureRow",
    "RecordFilter",
    "RecordReader",
    "RecordScope",
    "StoredRecord",
    "UserRow",
    "check_decision",
    "ensure_api_schema",
]


class ApiBase(DeclarativeBase):
    """Declarative base of the API's tables (a metadata of their own, apart from scoring's)."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UserRow(ApiBase):
    """A user. ``full_name``, ``phone`` and ``email`` hold SM4-sealed values."""

    __tablename__ = "api_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    department_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    full_name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginFailureRow(ApiBase):
    """One failed login; the limiter counts them per key inside a sliding window."""

    __tablename__ = "api_login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class IndicatorReviewRow(ApiBase):
    """One review decision; ``changes`` is the JSON of an edit's field changes."""

    __tablename__ = "api_indicator_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(String(100), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="{}")
    reviewer: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class IndicatorStateRow(ApiBase):
    """The current review state of an indicator: status and the edits merged so far."""

    __tablename__ = "api_indicator_state"
    indicator_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    edits: Mapped[str] = mapped_column(Text, default="{}")
    last_review_id: Mapped[int] = mapped_column(ForeignKey("api_indicator_reviews.id"))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntryRow(ApiBase):
    """An audit entry. ``hash = SM3(canonical JSON of prev_hash and the content)``; see :mod:`api.services.audit`."""

    __tablename__ = "api_audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(300))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(ApiBase):
    """The single row naming the chain's length and last hash, updated with every append."""

    __tablename__ = "api_audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


def ensure_api_schema(engine: Engine) -> None:
    """Create or upgrade the API's tables by their Alembic migrations (idempotent).

    Raises:
        ScoringError: the records database refused.
    """
    from api.services.migrations import upgrade_api_schema

    upgrade_api_schema(engine)


class RecordScope:
    """Which enterprise and department a unit (企业/部门/岗位) of the records database belongs to.

    Args:
        engine: the records database.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def of_unit(self, level: str, unit_id: str) -> tuple[str, str | None] | None:
        """(enterprise, department or None for the enterprise level), or None for an unknown unit."""
        from scoring.db import Enterprise

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


Decision = Literal["approve", "reject", "edit"]
#: The status each review decision leads to, for indicators and proposals alike.
DECISION_STATUS: dict[str, str] = {"approve": "approved", "reject": "rejected", "edit": "edited"}


def check_decision(decision: str, comment: str, changes: Mapping[str, Any]) -> None:
    """The rules every review decision follows, on indicators and on proposals alike.

    Raises:
        ValidationFailedError: a rejection without a comment, an edit without changes, or changes given
            with approve/reject.
    """
    if decision == "reject" and not comment.strip():
        raise ValidationFailedError("a rejection needs a comment saying why")
    if decision == "edit" and not changes:
        raise ValidationFailedError("an edit needs at least one changed field")
    if decision != "edit" and changes:
        raise ValidationFailedError("changes are only accepted with decision 'edit'")


class AuditSink(Protocol):
    """Where writes are recorded (:class:`api.services.audit.AuditLog`), inside the writer's transaction."""

    def append(
        self,
        session: Session,
        *,
        actor: str,
        enterprise_id: str,
        action: str,
        target: str,
        before: object,
        after: object,
    ) -> int:
        """Append an entry; returns its sequence number."""
        ...


@dataclass(frozen=True)
class ReviewView:
    """One review decision."""

    id: int
    indicator_id: str
    decision: str
    comment: str
    changes: dict[str, Any]
    reviewer: str
    at: datetime


@dataclass(frozen=True)
class ReviewState:
    """The current review state of an indicator."""

    indicator_id: str
    status: str
    edits: dict[str, Any] = field(default_factory=dict)
    updated_by: str = ""
    updated_at: datetime | None = None


class IndicatorReviews:
    """Expert review of indicators: approve, reject or edit, always with a comment where it matters.

    Args:
        engine: the records database.
        audit: where each decision is recorded (same transaction).
        clock: the current time.
    """

    def __init__(self, engine: Engine, audit: AuditSink, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._audit = audit
        self._clock = clock

    def review(
        self,
        indicator_id: str,
        decision: Decision,
        *,
        comment: str,
        changes: Mapping[str, Any],
        reviewer: str,
        enterprise_id: str,
    ) -> ReviewView:
        """Record a decision and update the indicator's state.

        Raises:
            ValidationFailedError: a rejection without a comment, an edit without changes, or
                changes given with approve/reject.
        """
        check_decision(decision, comment, changes)
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            state = session.get(IndicatorStateRow, indicator_id)
            before = None if state is None else {"status": state.status, "edits": json.loads(state.edits)}
            row = IndicatorReviewRow(
                indicator_id=indicator_id,
                decision=decision,
                comment=comment,
                changes=json.dumps(dict(changes), ensure_ascii=False, sort_keys=True),
                reviewer=reviewer,
                at=now,
            )
            session.add(row)
            session.flush()
            edits = {**(before["edits"] if before else {}), **changes}
            if state is None:
                state = IndicatorStateRow(indicator_id=indicator_id)
                session.add(state)
            state.status = DECISION_STATUS[decision]
            state.edits = json.dumps(edits, ensure_ascii=False, sort_keys=True)
            state.last_review_id = row.id
            state.updated_by = reviewer
            state.updated_at = now
            after = {"status": state.status, "edits": edits, "comment": comment}
            self._audit.append(
                session,
                actor=reviewer,
                enterprise_id=enterprise_id,
                action="indicators.review",
                target=f"indicator:{indicator_id}",
                before=before,
                after=after,
            )
            return _review_view(row)

    def state(self, indicator_id: str) -> ReviewState | None:
        """The current state, or None if never reviewed."""
        return self.states([indicator_id]).get(indicator_id)

    def states(self, indicator_ids: Sequence[str]) -> dict[str, ReviewState]:
        """indicator id → current state, for those reviewed."""
        if not indicator_ids:
            return {}
        with Session(self._engine) as session:
            stmt = select(IndicatorStateRow).where(IndicatorStateRow.indicator_id.in_(list(indicator_ids)))
            return {
                s.indicator_id: ReviewState(
                    indicator_id=s.indicator_id,
                    status=s.status,
                    edits=json.loads(s.edits),
                    updated_by=s.updated_by,
                    updated_at=s.updated_at,
                )
                for s in session.execute(stmt).scalars()
            }

    def history(self, indicator_id: str) -> list[ReviewView]:
        """Every decision on an indicator, oldest first."""
        with Session(self._engine) as session:
            stmt = (
                select(IndicatorReviewRow)
                .where(IndicatorReviewRow.indicator_id == indicator_id)
                .order_by(IndicatorReviewRow.id)
            )
            return [_review_view(r) for r in session.execute(stmt).scalars()]


def _review_view(row: IndicatorReviewRow) -> ReviewView:
    return ReviewView(
        id=row.id,
        indicator_id=row.indicator_id,
        decision=row.decision,
        comment=row.comment,
        changes=json.loads(row.changes),
        reviewer=row.reviewer,
        at=row.at,
    )
