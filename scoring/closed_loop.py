"""The closed loop: failing indicators → risks and processes → measures, tracked to closure and effect.

Rules applied by :meth:`ClosedLoop.plan` to a scored period (idempotent: an action is identified by
period, unit, indicator, kind and course, and never planned twice):

* **Failing indicator** (待改进): its risks (from the snapshot) and the processes that carry them (from
  the knowledge base) → ``training`` with the catalog's courses that address those risks, best overlap
  first (at most :data:`COURSES_PER_INDICATOR`); for a position, every person holding it gets the
  course. No course in the catalog → a ``special_plan`` for that indicator instead.
* **Unmeasured indicator** (no record in the period) → ``rule_revision``: the 考核细则 names a data
  source that delivered nothing, so method, source or metric must be revised.
* **Department or enterprise graded 待改进** → ``special_plan`` with an owner and a deadline.
* **Position graded 待改进 in this and the previous period** → ``强化培训`` for all its people; if it
  already had a 强化培训 before, → ``岗位调整`` (the scheme: 连续两次考核待改进的岗位进行岗位调整或强化培训).

:meth:`ClosedLoop.measure_effects` fills the effect of last period's actions from this period's scores:
an indicator action is effective when the indicator's grade improved (or it became measurable, for a
rule revision); a unit action when the unit's grade improved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kg.corpus import CourseEntry, KnowledgeBase
from kg.errors import NotFoundError, ScoringError
from scoring.db import (
    Department,
    ImprovementAction,
    IndicatorScore,
    IndicatorSnapshot,
    Person,
    TrainingAssignment,
    UnitScore,
    utcnow,
)
from scoring.periods import Period
from scoring.schemas import ActionOut

__all__ = ["COURSES_PER_INDICATOR", "ClosedLoop"]

COURSES_PER_INDICATOR = 2
PLAN_DAYS = 30
_RANK = {"优秀": 0, "合格": 1, "待改进": 2}


@dataclass(frozen=True)
class _Failure:
    level: str
    unit_id: str
    enterprise_id: str
    indicator: IndicatorSnapshot
    value: float | None
    grade: str | None


class ClosedLoop:
    """Plans, closes and evaluates improvement actions.

    Args:
        engine: the records database.
        kb: the knowledge base (processes carrying each risk, the training catalog).
        clock: the server clock.
    """

    def __init__(self, engine: Engine, kb: KnowledgeBase, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._kb = kb
        self._clock = clock

    def courses_for(self, risks: list[str]) -> list[CourseEntry]:
        """Catalog courses addressing any of ``risks``, most risks covered first, then shortest."""
        wanted = set(risks)
        scored = [(len(wanted & set(c.addresses)), c) for c in self._kb.courses]
        return [c for n, c in sorted(scored, key=lambda t: (-t[0], t[1].hours, t[1].id)) if n > 0]

    def processes_for(self, risks: list[str]) -> list[str]:
        """Names of the process templates carrying any of ``risks``."""
        wanted = set(risks)
        return [p.name for p in self._kb.processes if wanted & set(p.risks)]

    def plan(self, period: Period, *, enterprise_id: str | None = None) -> list[ActionOut]:
        """Create the actions the period's scores call for; returns the new ones.

        Raises:
            ScoringError: the database failed.
        """
        try:
            with Session(self._engine) as session, session.begin():
                existing = set(session.execute(select(ImprovementAction.dedupe_key)).scalars())
                people = _people_by_position(session)
                new: list[ImprovementAction] = []
                for failure in _indicator_rows(session, period, enterprise_id):
                    new += self._indicator_actions(session, period, failure, people, existing)
                new += self._unit_actions(session, period, enterprise_id, people, existing)
                session.flush()
                return [_out(session, a) for a in new]
        except SQLAlchemyError as e:
            raise ScoringError(f"actions for {period} could not be planned: {e}") from e

    def _indicator_actions(
        self, session: Session, period: Period, f: _Failure, people: dict[str, list[str]], existing: set[str]
    ) -> list[ImprovementAction]:
        risks: list[str] = json.loads(f.indicator.risks)
        base: dict[str, Any] = {
            "period": period,
            "level": f.level,
            "unit_id": f.unit_id,
            "enterprise_id": f.enterprise_id,
            "indicator_id": f.indicator.id,
            "risks": risks,
            "baseline": (f.value, f.grade),
        }
        if f.value is None:
            detail = (
                f"本期无任何记录。数据来源“{f.indicator.data_source}”，方法{f.indicator.method}，"
                f"频次{f.indicator.frequency}：核实数据采集或修订指标口径。"
            )
            action = _new(
                session,
                existing,
                kind="rule_revision",
                title=f"修订考核细则：{f.indicator.name}无法测量",
                detail=detail,
                owner=f.indicator.owner,
                **base,
            )
            return [action] if action else []
        processes = "、".join(self.processes_for(risks)) or "—"
        courses = self.courses_for(risks)[:COURSES_PER_INDICATOR]
        out: list[ImprovementAction] = []
        for course in courses:
            detail = (
                f"未达标：{f.indicator.name}={f.value:g}{f.indicator.unit}；风险 {', '.join(risks)}；工序 {processes}"
            )
            action = _new(
                session,
                existing,
                kind="training",
                title=f"专项培训：{course.title}",
                detail=detail,
                owner=f.indicator.owner,
                course=course,
                **base,
            )
            if action is not None:
                _train(session, action, people.get(f.unit_id, []) if f.level == "岗位" else [], course)
                out.append(action)
        if not courses:
            detail = f"目录中没有针对风险 {', '.join(risks)} 的课程；工序 {processes}"
            action = _new(
                session,
                existing,
                kind="special_plan",
                title=f"专项提升计划：{f.indicator.name}",
                detail=detail,
                owner=f.indicator.owner,
                **base,
            )
            out += [action] if action else []
        return out

    def _unit_actions(
        self,
        session: Session,
        period: Period,
        enterprise_id: str | None,
        people: dict[str, list[str]],
        existing: set[str],
    ) -> list[ImprovementAction]:
        out: list[ImprovementAction] = []
        previous = {u for u, g in _unit_grades(session, period.previous(), "岗位", enterprise_id) if g == "待改进"}
        for row in _unit_rows(session, period, enterprise_id):
            base: dict[str, Any] = {
                "period": period,
                "level": row.level,
                "unit_id": row.unit_id,
                "enterprise_id": row.enterprise_id,
                "indicator_id": None,
                "risks": [],
                "baseline": (row.score, row.grade),
            }
            if row.level != "岗位":
                owner = "主要负责人" if row.level == "企业" else f"{_dept_name(session, row.unit_id)}负责人"
                detail = f"{row.level}综合得分 {row.score:.1f}，{row.n_failing} 项指标待改进" + (
                    "，一票否决项未达标" if row.veto_failed else ""
                )
                action = _new(
                    session,
                    existing,
                    kind="special_plan",
                    title=f"专项提升计划（{period}）",
                    detail=detail,
                    owner=owner,
                    **base,
                )
                out += [action] if action else []
                continue
            if row.unit_id not in previous:
                continue
            out += self._escalate(session, period, row, base, people.get(row.unit_id, []), existing)
        return out

    def _escalate(
        self,
        session: Session,
        period: Period,
        row: UnitScore,
        base: dict[str, Any],
        trainees: list[str],
        existing: set[str],
    ) -> list[ImprovementAction]:
        earlier = session.execute(
            select(ImprovementAction.id).where(
                ImprovementAction.unit_id == row.unit_id,
                ImprovementAction.kind == "强化培训",
                ImprovementAction.period_id < period.id,
                func.length(ImprovementAction.period_id) == len(period.id),
            )
        ).first()
        kind = "岗位调整" if earlier is not None else "强化培训"
        detail = f"连续两期（{period.previous()}、{period}）考核待改进" + ("，强化培训后仍未改善" if earlier else "")
        title = "岗位调整：评估人员适岗性" if earlier else "强化培训：岗位全员"
        action = _new(session, existing, kind=kind, title=title, detail=detail, owner="人力资源部", **base)
        if action is None:
            return []
        if kind == "强化培训":
            risks = _failing_risks(session, period, row.unit_id)
            for course in self.courses_for(risks)[:COURSES_PER_INDICATOR]:
                _train(session, action, trainees, course)
        return [action]

    def close(self, action_id: int, note: str) -> ActionOut:
        """Mark an action done.

        Raises:
            NotFoundError: no such action.
        """
        with Session(self._engine) as session, session.begin():
            action = session.get(ImprovementAction, action_id)
            if action is None:
                raise NotFoundError(f"no improvement action {action_id}")
            action.status = "closed"
            action.closed_at = self._clock()
            action.closure_note = note
            return _out(session, action)

    def measure_effects(self, period: Period) -> list[ActionOut]:
        """Fill the effect of the previous period's actions from ``period``'s scores."""
        with Session(self._engine) as session, session.begin():
            stmt = select(ImprovementAction).where(ImprovementAction.period_id == period.previous().id)
            measured = []
            for action in session.execute(stmt).scalars():
                value, grade = _current(session, period, action)
                action.effect_period = period.id
                action.effect_value = value
                action.effect_grade = grade
                action.effective = _improved(action, value, grade)
                measured.append(_out(session, action))
            return measured

    def actions(self, *, period: Period | None = None, status: str | None = None) -> list[ActionOut]:
        """Actions, optionally of one period or status."""
        with Session(self._engine) as session:
            stmt = select(ImprovementAction).order_by(ImprovementAction.id)
            if period is not None:
                stmt = stmt.where(ImprovementAction.period_id == period.id)
            if status is not None:
                stmt = stmt.where(ImprovementAction.status == status)
            return [_out(session, a) for a in session.execute(stmt).scalars()]


def _new(
    session: Session,
    existing: set[str],
    *,
    kind: str,
    title: str,
    detail: str,
    owner: str,
    period: Period,
    level: str,
    unit_id: str,
    enterprise_id: str,
    indicator_id: str | None,
    risks: list[str],
    baseline: tuple[float | None, str | None],
    course: CourseEntry | None = None,
) -> ImprovementAction | None:
    key = f"{period}|{level}|{unit_id}|{indicator_id or ''}|{kind}|{course.id if course else ''}"
    if key in existing:
        return None
    existing.add(key)
    action = ImprovementAction(
        dedupe_key=key,
        enterprise_id=enterprise_id,
        period_id=period.id,
        level=level,
        unit_id=unit_id,
        indicator_id=indicator_id,
        kind=kind,
        title=title,
        detail=detail,
        risks=json.dumps(risks, ensure_ascii=False),
        course_id=course.id if course else None,
        owner=owner,
        deadline=period.deadline(PLAN_DAYS),
        status="open",
        baseline_value=baseline[0],
        baseline_grade=baseline[1],
    )
    session.add(action)
    session.flush()
    return action


def _train(session: Session, action: ImprovementAction, people: list[str], course: CourseEntry) -> None:
    for person in people:
        session.add(
            TrainingAssignment(
                action_id=action.id,
                person_id=person,
                course_id=course.id,
                course_title=course.title,
                due_at=action.deadline,
            )
        )


def _people_by_position(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pid, pos in session.execute(select(Person.id, Person.position_id).where(Person.active.is_(True))).all():
        out.setdefault(pos, []).append(pid)
    return out


def _indicator_rows(session: Session, period: Period, enterprise_id: str | None) -> list[_Failure]:
    s = IndicatorScore
    stmt = select(s, IndicatorSnapshot).join(IndicatorSnapshot, IndicatorSnapshot.id == s.indicator_id)
    stmt = stmt.where(s.period_id == period.id, (s.grade == "待改进") | s.value.is_(None))
    if enterprise_id is not None:
        stmt = stmt.where(s.enterprise_id == enterprise_id)
    return [
        _Failure(row.level, row.unit_id, row.enterprise_id, ind, row.value, row.grade)
        for row, ind in session.execute(stmt.order_by(s.level, s.unit_id, s.indicator_id)).all()
    ]


def _unit_rows(session: Session, period: Period, enterprise_id: str | None) -> list[UnitScore]:
    stmt = select(UnitScore).where(UnitScore.period_id == period.id, UnitScore.grade == "待改进")
    if enterprise_id is not None:
        stmt = stmt.where(UnitScore.enterprise_id == enterprise_id)
    return list(session.execute(stmt.order_by(UnitScore.level, UnitScore.unit_id)).scalars())


def _unit_grades(session: Session, period: Period, level: str, enterprise_id: str | None) -> list[tuple[str, str]]:
    stmt = select(UnitScore.unit_id, UnitScore.grade).where(UnitScore.period_id == period.id, UnitScore.level == level)
    if enterprise_id is not None:
        stmt = stmt.where(UnitScore.enterprise_id == enterprise_id)
    return [(u, g or "") for u, g in session.execute(stmt).all()]


def _failing_risks(session: Session, period: Period, position_id: str) -> list[str]:
    stmt = (
        select(IndicatorSnapshot.risks)
        .join(IndicatorScore, IndicatorScore.indicator_id == IndicatorSnapshot.id)
        .where(IndicatorScore.period_id == period.id, IndicatorScore.level == "岗位")
        .where(IndicatorScore.unit_id == position_id, IndicatorScore.grade == "待改进")
    )
    return [r for text in session.execute(stmt).scalars() for r in json.loads(text)]


def _dept_name(session: Session, dept_id: str) -> str:
    dept = session.get(Department, dept_id)
    return dept.name if dept is not None else dept_id


def _current(session: Session, period: Period, action: ImprovementAction) -> tuple[float | None, str | None]:
    if action.indicator_id is not None:
        s = IndicatorScore
        stmt = select(s.value, s.grade).where(
            s.period_id == period.id,
            s.level == action.level,
            s.unit_id == action.unit_id,
            s.indicator_id == action.indicator_id,
        )
    else:
        u = UnitScore
        stmt = select(u.score, u.grade).where(
            u.period_id == period.id, u.level == action.level, u.unit_id == action.unit_id
        )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _improved(action: ImprovementAction, value: float | None, grade: str | None) -> bool | None:
    if action.kind == "rule_revision":
        return value is not None
    if grade is None or action.baseline_grade is None:
        return None
    return _RANK[grade] < _RANK[action.baseline_grade]


def _out(session: Session, action: ImprovementAction) -> ActionOut:
    trainees = session.execute(
        select(TrainingAssignment.person_id).where(TrainingAssignment.action_id == action.id)
    ).all()
    return ActionOut(
        id=action.id,
        period=action.period_id,
        level=action.level,
        unit_id=action.unit_id,
        indicator_id=action.indicator_id,
        kind=action.kind,
        title=action.title,
        detail=action.detail,
        course_id=action.course_id,
        owner=action.owner,
        deadline=action.deadline,
        status=action.status,
        baseline_value=action.baseline_value,
        effect_period=action.effect_period,
        effect_value=action.effect_value,
        effective=action.effective,
        trainees=len({t[0] for t in trainees}),
    )
