"""The records database: SQLAlchemy 2 tables and the engine factory :func:`open_records_db`.

SQLite by default, PostgreSQL by URL. The schema is created and upgraded by Alembic
(``scoring/migrations``), never by ``create_all``, so a fresh file and a long-lived server database
go through the same migrations.

Tables::

    enterprises ─< departments ─< positions ─< people           organisation (企业-部门-岗位)
    indicators                     indicator snapshots taken from the knowledge base when assigned
    indicator_assignments          which indicator applies to which unit, weight, 一票否决 flag
    assessment_periods             月度 (YYYY-MM) and 年度 (YYYY) periods that have been scored
    inspection_records             check records: who, where, when, outcome/value, evidence, source
    monitoring_points ─< monitoring_values   online-monitoring series with their limits
    indicator_scores, unit_scores  computed per period (see :mod:`scoring.compute`)
    improvement_actions ─< training_assignments   the closed loop (see :mod:`scoring.closed_loop`)

Timestamps are timezone-aware: stored as UTC and read back with ``tzinfo=UTC`` on every backend.
The ``month`` of a record is its month in China Standard Time (UTC+8, no daylight saving), the
enterprise's calendar, so period boundaries do not depend on the server's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from kg.errors import ConfigError, ScoringError

__all__ = [
    "CHINA_TZ",
    "AssessmentPeriod",
    "Base",
    "Department",
    "Enterprise",
    "ImprovementAction",
    "IndicatorAssignment",
    "IndicatorScore",
    "IndicatorSnapshot",
    "InspectionRecord",
    "MonitoringPoint",
    "MonitoringValue",
    "Person",
    "Position",
    "TrainingAssignment",
    "UnitScore",
    "UtcDateTime",
    "month_of",
    "open_records_db",
    "utcnow",
]

#: China Standard Time, the calendar of assessment periods.
CHINA_TZ = timezone(timedelta(hours=8), "CST")

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An auto-incrementing 64-bit key; SQLite only auto-increments ``INTEGER PRIMARY KEY``.
BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def month_of(moment: datetime) -> str:
    """``YYYY-MM`` of an aware timestamp in China Standard Time."""
    if moment.tzinfo is None:
        raise ScoringError(f"timestamp {moment.isoformat()} has no time zone")
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC (SQLite has no zones) and read back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Reject naive datetimes; store UTC without tzinfo."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC."""
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of the records tables."""

    metadata = MetaData(naming_convention=_NAMING)


class Enterprise(Base):
    """An enterprise (企业)."""

    __tablename__ = "enterprises"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(100), default="")


class Department(Base):
    """A department (部门); ``weight`` is its share in the enterprise roll-up."""

    __tablename__ = "departments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class Position(Base):
    """A post (岗位); ``weight`` is its share in the department roll-up."""

    __tablename__ = "positions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class Person(Base):
    """A person holding a position."""

    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position_id: Mapped[str] = mapped_column(ForeignKey("positions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class IndicatorSnapshot(Base):
    """An indicator as the knowledge base defined it when it was assigned; scoring reads only this.

    ``kind`` decides the arithmetic: ``rate`` = 100·Σnumerator/Σdenominator (完好率, 合规率, 及时率,
    达标率, 运行率), ``occurrence_rate`` = the same ratio of occurrences per exposure (发生率),
    ``count`` = Σnumerator (发生次数). ``risks`` is a JSON list of risk ids for the closed loop.
    """

    __tablename__ = "indicators"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(50), default="")
    metric: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[float] = mapped_column(Float)
    comparator: Mapped[str] = mapped_column(String(2))
    unit: Mapped[str] = mapped_column(String(20), default="")
    excellent: Mapped[float] = mapped_column(Float)
    qualified: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(10), default="")
    standard: Mapped[str] = mapped_column(Text, default="")
    data_source: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(50), default="")
    owner: Mapped[str] = mapped_column(String(100), default="")
    risks: Mapped[str] = mapped_column(Text, default="[]")
    snapshot_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IndicatorAssignment(Base):
    """Indicator → unit (岗位/部门/企业) with its weight and 一票否决 flag."""

    __tablename__ = "indicator_assignments"
    __table_args__ = (UniqueConstraint("indicator_id", "level", "unit_id", name="uq_assignment"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    level: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)


class AssessmentPeriod(Base):
    """A scored period: ``YYYY-MM`` (月度) or ``YYYY`` (年度)."""

    __tablename__ = "assessment_periods"
    id: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))
    first_month: Mapped[str] = mapped_column(String(7))
    last_month: Mapped[str] = mapped_column(String(7))
    scored_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class InspectionRecord(Base):
    """One check record, normalised at intake to ``numerator``/``denominator`` (see IndicatorSnapshot).

    ``client_id`` is the idempotency key of mobile and offline submissions; ``payload_hash`` is the
    hash of what the client sent under it, so a resubmission can be told from a conflicting reuse.
    ``observed_at`` is corrected by the device's clock skew; ``device_observed_at`` keeps what the
    device said.
    """

    __tablename__ = "inspection_records"
    __table_args__ = (
        # covering index of the period aggregation: the scan never touches the table
        Index("ix_records_period", "month", "level", "unit_id", "indicator_id", "numerator", "denominator"),
        # an enterprise's records newest first (the API's records list), without sorting the table
        Index("ix_records_enterprise_observed", "enterprise_id", "observed_at", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    payload_hash: Mapped[str] = mapped_column(String(64), default="")
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"))
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    level: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    observed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    device_observed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    month: Mapped[str] = mapped_column(String(7))
    outcome: Mapped[str | None] = mapped_column(String(4), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    numerator: Mapped[float] = mapped_column(Float)
    denominator: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, default="[]")
    source: Mapped[str] = mapped_column(String(20))
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    clock_skew_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class MonitoringPoint(Base):
    """An online-monitoring point (e.g. 总排口 COD) feeding a 达标率 indicator of one unit."""

    __tablename__ = "monitoring_points"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"))
    name: Mapped[str] = mapped_column(String(200))
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    level: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[str] = mapped_column(String(64))
    pollutant: Mapped[str] = mapped_column(String(100), default="")
    limit_value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), default="")


class MonitoringValue(Base):
    """One value of a series; ``limit_value`` overrides the point's limit when the row gives one."""

    __tablename__ = "monitoring_values"
    __table_args__ = (
        UniqueConstraint("point_id", "measured_at", name="uq_monitoring_value"),
        Index("ix_monitoring_month", "month", "point_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    point_id: Mapped[str] = mapped_column(ForeignKey("monitoring_points.id"))
    measured_at: Mapped[datetime] = mapped_column(UtcDateTime)
    month: Mapped[str] = mapped_column(String(7))
    value: Mapped[float] = mapped_column(Float)
    limit_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    source_file: Mapped[str] = mapped_column(String(300), default="")
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IndicatorScore(Base):
    """An indicator's value and grade for one unit and period (``value`` NULL: not measured)."""

    __tablename__ = "indicator_scores"
    __table_args__ = (UniqueConstraint("period_id", "level", "unit_id", "indicator_id", name="uq_indicator_score"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period_id: Mapped[str] = mapped_column(String(7), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[str] = mapped_column(String(64))
    indicator_id: Mapped[str] = mapped_column(String(100))
    n_records: Mapped[int] = mapped_column(Integer)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    grade: Mapped[str | None] = mapped_column(String(4), nullable=True)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    weight: Mapped[float] = mapped_column(Float)
    veto: Mapped[bool] = mapped_column(Boolean)


class UnitScore(Base):
    """A unit's weighted roll-up for one period (``score`` NULL: nothing measured)."""

    __tablename__ = "unit_scores"
    __table_args__ = (UniqueConstraint("period_id", "level", "unit_id", name="uq_unit_score"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period_id: Mapped[str] = mapped_column(String(7), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    grade: Mapped[str | None] = mapped_column(String(4), nullable=True)
    veto_failed: Mapped[bool] = mapped_column(Boolean)
    n_failing: Mapped[int] = mapped_column(Integer)
    n_unmeasured: Mapped[int] = mapped_column(Integer)


class ImprovementAction(Base):
    """A closed-loop measure: training, rule revision, special plan, 强化培训 or 岗位调整.

    ``dedupe_key`` makes planning idempotent; ``baseline_*`` is the failing value, ``effect_*`` the
    value of the same indicator (or unit score) in the next period.
    """

    __tablename__ = "improvement_actions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    period_id: Mapped[str] = mapped_column(String(7), index=True)
    level: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[str] = mapped_column(String(64))
    indicator_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="[]")
    course_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    owner: Mapped[str] = mapped_column(String(100), default="")
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closure_note: Mapped[str] = mapped_column(Text, default="")
    baseline_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline_grade: Mapped[str | None] = mapped_column(String(4), nullable=True)
    effect_period: Mapped[str | None] = mapped_column(String(7), nullable=True)
    effect_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    effect_grade: Mapped[str | None] = mapped_column(String(4), nullable=True)
    effective: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class TrainingAssignment(Base):
    """A course assigned to a person by an improvement action."""

    __tablename__ = "training_assignments"
    __table_args__ = (UniqueConstraint("action_id", "person_id", "course_id", name="uq_training_assignment"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("improvement_actions.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[str] = mapped_column(String(100))
    course_title: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_records_db(url: str, *, migrate: bool = True) -> Engine:
    """An engine on the records database, upgraded to the newest schema by Alembic.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///data/records.db`` or ``postgresql+psycopg://…``.
        migrate: run the migrations (``False`` for a read-only client of an up-to-date database).

    Raises:
        ConfigError: the URL cannot be used.
        ScoringError: the database cannot be reached or migrated.
    """
    from scoring.migrations import upgrade_to_head

    try:
        engine = create_engine(url, future=True)
    except (SQLAlchemyError, ValueError, ImportError) as e:
        raise ConfigError(f"records database URL {url!r} cannot be used: {e}") from e
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade_to_head(engine)
    return engine
