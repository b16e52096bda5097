"""``ScoringService``: the facade the HTTP API, the UI and the CLI call.

It takes an engine (from :func:`scoring.db.open_records_db`) and, for what needs the indicator library
and the training catalog, the knowledge base; its constructor does no I/O. Requests and responses are
the pydantic models of :mod:`scoring.schemas` and :mod:`scoring.reports`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from kg.corpus import KnowledgeBase
from kg.errors import NotFoundError, ScoringError, ValidationFailedError
from scoring.closed_loop import ClosedLoop
from scoring.compute import PeriodScorer
from scoring.db import AssessmentPeriod, Department, Enterprise, MonitoringPoint, Person, Position, UnitScore
from scoring.demo_data import DemoSpec, DemoSummary, generate_demo
from scoring.export import export_rules, export_scorecard, library_rule_rows, rule_rows
from scoring.intake import RecordIntake, StoredHook
from scoring.monitoring_import import MonitoringImporter
from scoring.organisation import assign_indicator, enterprise_of, snapshot_indicator
from scoring.periods import Period
from scoring.reports import PeriodReport, build_report
from scoring.schemas import (
    ActionOut,
    BatchIn,
    BatchResult,
    ImportResult,
    Level,
    RecordIn,
    RecordResult,
)

__all__ = ["AssignmentIn", "MonitoringPointIn", "OrganisationIn", "ScoreSummary", "ScoringService"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonIn(_Model):
    """A person of a position."""

    id: str = Field(min_length=1, max_length=64)
    name: str


class PositionIn(_Model):
    """A position with its people."""

    id: str = Field(min_length=1, max_length=64)
    name: str
    weight: float = Field(default=1.0, gt=0)
    people: list[PersonIn] = Field(default_factory=list)


class DepartmentIn(_Model):
    """A department with its positions."""

    id: str = Field(min_length=1, max_length=64)
    name: str
    weight: float = Field(default=1.0, gt=0)
    positions: list[PositionIn] = Field(default_factory=list)


class OrganisationIn(_Model):
    """An enterprise with its departments, positions and people."""

    id: str = Field(min_length=1, max_length=64)
    name: str
    sector: str = ""
    departments: list[DepartmentIn] = Field(default_factory=list)


class AssignmentIn(_Model):
    """Assign a library indicator to a unit."""

    indicator_id: str
    level: Level
    unit_id: str
    weight: float = Field(default=1.0, gt=0)
    veto: bool = False


class MonitoringPointIn(_Model):
    """Register an online-monitoring point feeding an indicator of a unit."""

    id: str = Field(min_length=1, max_length=64)
    name: str
    indicator_id: str
    level: Level
    unit_id: str
    pollutant: str = ""
    limit_value: float = Field(gt=0)
    unit: str = ""


class ScoreSummary(_Model):
    """The result of scoring a period: enterprise and department reports, positions by grade."""

    period: str
    kind: str
    seconds: float
    report: PeriodReport
    positions_by_grade: dict[str, int]
    failing_positions: list[str]


class ScoringService:
    """Records, scores, reports, closed loop and exports over one records database.

    Args:
        engine: the records database (migrated).
        kb: the knowledge base; needed to assign indicators, plan actions and export the library.
    """

    def __init__(self, engine: Engine, kb: KnowledgeBase | None = None) -> None:
        self._engine = engine
        self._kb = kb
        self._intake = RecordIntake(engine)

    def _knowledge_base(self) -> KnowledgeBase:
        if self._kb is None:
            raise ScoringError("this operation needs the knowledge base (corpus_dir)")
        return self._kb

    def register_organisation(self, org: OrganisationIn) -> None:
        """Create an enterprise with its departments, positions and people.

        Raises:
            ValidationFailedError: an id already exists.
        """
        try:
            with Session(self._engine) as session, session.begin():
                session.add(Enterprise(id=org.id, name=org.name, sector=org.sector))
                session.flush()
                for d in org.departments:
                    session.add(Department(id=d.id, enterprise_id=org.id, name=d.name, weight=d.weight))
                session.flush()
                for d in org.departments:
                    for p in d.positions:
                        session.add(Position(id=p.id, department_id=d.id, name=p.name, weight=p.weight))
                session.flush()
                for d in org.departments:
                    for p in d.positions:
                        session.add_all(Person(id=x.id, position_id=p.id, name=x.name) for x in p.people)
        except IntegrityError as e:
            raise ValidationFailedError(f"organisation {org.id!r}: an id already exists ({e.orig})") from e

    def assign(self, assignment: AssignmentIn) -> None:
        """Snapshot a library indicator (if needed) and assign it to a unit.

        Raises:
            NotFoundError: unknown indicator or unit.
        """
        entry = next((i for i in self._knowledge_base().indicators if i.id == assignment.indicator_id), None)
        if entry is None:
            raise NotFoundError(f"indicator {assignment.indicator_id!r} is not in the library")
        with Session(self._engine) as session, session.begin():
            snapshot_indicator(session, entry)
            session.flush()
            assign_indicator(
                session,
                assignment.indicator_id,
                assignment.level,
                assignment.unit_id,
                weight=assignment.weight,
                veto=assignment.veto,
            )

    def register_monitoring_point(self, point: MonitoringPointIn) -> None:
        """Register a monitoring point (its indicator must be assigned to the unit)."""
        with Session(self._engine) as session, session.begin():
            enterprise = enterprise_of(session, point.level, point.unit_id)
            session.merge(MonitoringPoint(enterprise_id=enterprise, **point.model_dump()))

    def submit_record(self, record: RecordIn, *, on_stored: StoredHook | None = None) -> RecordResult:
        """Submit one record (``on_stored`` runs inside the intake's transaction)."""
        return self._intake.submit_one(record, on_stored=on_stored)

    def submit_batch(self, batch: BatchIn, *, on_stored: StoredHook | None = None) -> BatchResult:
        """Submit an offline batch; exactly once per client record id (``on_stored`` as for one record)."""
        return self._intake.submit_batch(batch, on_stored=on_stored)

    def import_monitoring(self, path: Path) -> ImportResult:
        """Import a CSV/XLSX monitoring file, all rows or none."""
        return MonitoringImporter(self._engine).run(path)

    def score(self, period: str, *, enterprise_id: str | None = None) -> ScoreSummary:
        """Score a period (and the previous one if it was never scored, for the trend)."""
        parsed = Period.parse(period)
        scorer = PeriodScorer(self._engine)
        with Session(self._engine) as session:
            previous_scored = session.get(AssessmentPeriod, parsed.previous().id) is not None
        also = () if previous_scored else (parsed.previous(),)
        run = scorer.run(parsed, *also, enterprise_id=enterprise_id)
        report = build_report(self._engine, parsed, enterprise_id=enterprise_id)
        summary = PeriodReport(
            period=report.period, kind=report.kind, units=[u for u in report.units if u.unit.level != "岗位"]
        )
        positions = [u.unit for u in report.units if u.unit.level == "岗位"]
        by_grade = {g: sum(1 for p in positions if p.grade == g) for g in ("优秀", "合格", "待改进")}
        by_grade["未评"] = sum(1 for p in positions if p.grade is None)
        failing = [p.unit_id for p in positions if p.grade == "待改进"]
        return ScoreSummary(
            period=parsed.id,
            kind=parsed.kind,
            seconds=run.seconds,
            report=summary,
            positions_by_grade=by_grade,
            failing_positions=failing,
        )

    def report(
        self, period: str, *, level: Level | None = None, unit_id: str | None = None, enterprise_id: str | None = None
    ) -> PeriodReport:
        """The report of a scored period."""
        return build_report(
            self._engine, Period.parse(period), level=level, unit_id=unit_id, enterprise_id=enterprise_id
        )

    def plan_actions(self, period: str, *, enterprise_id: str | None = None) -> list[ActionOut]:
        """Plan the closed-loop actions of a scored period."""
        return ClosedLoop(self._engine, self._knowledge_base()).plan(Period.parse(period), enterprise_id=enterprise_id)

    def close_action(self, action_id: int, note: str) -> ActionOut:
        """Close an action."""
        return ClosedLoop(self._engine, self._knowledge_base()).close(action_id, note)

    def measure_effects(self, period: str) -> list[ActionOut]:
        """Measure the effect of the previous period's actions in ``period``."""
        return ClosedLoop(self._engine, self._knowledge_base()).measure_effects(Period.parse(period))

    def actions(self, *, period: str | None = None, status: str | None = None) -> list[ActionOut]:
        """Improvement actions."""
        loop = ClosedLoop(self._engine, self._knowledge_base())
        return loop.actions(period=Period.parse(period) if period else None, status=status)

    def export_rules(self, path: Path, *, enterprise_id: str | None = None, library: bool = False) -> Path:
        """Write the 考核细则 (the enterprise's assignments, or the whole library) to an xlsx file."""
        rows = (
            library_rule_rows(self._knowledge_base())
            if library
            else rule_rows(self._engine, enterprise_id=enterprise_id)
        )
        if not rows:
            raise NotFoundError("no indicator is assigned yet; use --library to export the indicator library")
        return export_rules(rows, path)

    def export_scorecard(self, period: str, path: Path, *, enterprise_id: str | None = None) -> Path:
        """Write the scorecards of a scored period to an xlsx file."""
        return export_scorecard(self._engine, Period.parse(period), path, enterprise_id=enterprise_id)

    def generate_demo(self, spec: DemoSpec) -> DemoSummary:
        """Fill an empty database with the demo enterprise and a year of records."""
        try:
            with Session(self._engine) as session:
                if session.execute(select(Enterprise.id).where(Enterprise.id == spec.enterprise_id)).first():
                    raise ValidationFailedError(f"enterprise {spec.enterprise_id!r} already exists in this database")
            return generate_demo(self._engine, self._knowledge_base(), spec)
        except SQLAlchemyError as e:
            raise ScoringError(f"demo data could not be generated: {e}") from e

    def unit_grades(self, period: str, level: Level) -> dict[str, str | None]:
        """unit id → grade of a scored period (for dashboards)."""
        with Session(self._engine) as session:
            stmt = select(UnitScore.unit_id, UnitScore.grade).where(
                UnitScore.period_id == Period.parse(period).id, UnitScore.level == level
            )
            return {u: g for u, g in session.execute(stmt).all()}
