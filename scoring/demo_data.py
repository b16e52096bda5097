"""A realistic demo enterprise and a year of records, for the demo, the tests and the benchmark.

The organisation follows the knowledge base: departments are the departments the indicator library
names (安全部, 环保部, 设备部 …), positions are the library's posts (焊工, 机加工操作工 …) numbered by
shift, and every chosen library indicator is snapshotted and assigned to units of its own level,
preferring the unit the library names. Records are spread over the year; most checks pass, a tenth
of the positions are weak (ten times the failure rate) and some months are worse than others, so
grades differ between units and periods. A few assignments get no records at all (unmeasurable
indicators for the closed loop), count indicators are 一票否决 items, and one 达标率 indicator is fed
by an hourly wastewater series with its limit.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import Session

from kg.corpus import IndicatorEntry, KnowledgeBase
from kg.errors import ValidationFailedError
from scoring.db import (
    CHINA_TZ,
    Department,
    Enterprise,
    IndicatorAssignment,
    InspectionRecord,
    MonitoringPoint,
    MonitoringValue,
    Person,
    Position,
    utcnow,
)
from scoring.organisation import metric_kind, snapshot_indicator

__all__ = ["DemoSpec", "DemoSummary", "generate_demo"]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静磊强军洋勇艳杰涛明超秀霞平刚桂英华"
_SOURCES = ("mobile",) * 6 + ("system",) * 2 + ("video_analytics", "offline_batch")
_CHUNK = 50_000


@dataclass(frozen=True)
class DemoSpec:
    """Size of the demo enterprise."""

    people: int = 200
    positions: int = 20
    indicators: int = 40
    records: int = 20_000
    year: int = 2026
    seed: int = 7
    enterprise_id: str = "demo"
    dark_share: float = 0.03
    monitoring: bool = True


@dataclass(frozen=True)
class DemoSummary:
    """What was generated."""

    enterprise_id: str
    departments: int
    positions: int
    people: int
    indicators: int
    assignments: int
    records: int
    monitoring_values: int


@dataclass(frozen=True)
class _Assignment:
    indicator: IndicatorEntry
    level: str
    unit_id: str
    department_id: str | None
    dark: bool


def _choose_indicators(kb: KnowledgeBase, n: int, rnd: random.Random) -> list[IndicatorEntry]:
    by_level = {lv: [i for i in kb.indicators if i.level == lv] for lv in ("岗位", "部门", "企业")}
    if n > len(kb.indicators):
        raise ValidationFailedError(f"the library holds {len(kb.indicators)} indicators, {n} were asked for")
    want = {"企业": max(1, n * 15 // 100), "部门": max(1, n * 35 // 100)}
    want["岗位"] = n - want["企业"] - want["部门"]
    chosen: list[IndicatorEntry] = []
    for level, count in want.items():
        pool = by_level[level]
        seeded = [i for i in pool if i.seed]
        rest = [i for i in pool if not i.seed]
        rnd.shuffle(rest)
        chosen.extend((seeded + rest)[:count])
    leftovers = [i for i in kb.indicators if i not in chosen]
    chosen.extend(leftovers[: n - len(chosen)])
    return chosen


def _organisation(session: Session, kb: KnowledgeBase, spec: DemoSpec, rnd: random.Random) -> dict[str, list[str]]:
    """Enterprise, departments, positions, people; returns department id -> position ids."""
    if spec.positions < 1 or spec.people < spec.positions:
        raise ValidationFailedError("need at least one position and one person per position")
    session.add(Enterprise(id=spec.enterprise_id, name="示范机械制造有限公司", sector="机械加工"))
    session.flush()
    dept_names = sorted({i.position for i in kb.indicators if i.level == "部门"})
    n_depts = max(1, min(len(dept_names), spec.positions // 8 + 1))
    dept_ids = [f"{spec.enterprise_id}-D{k:02d}" for k in range(n_depts)]
    for dept_id, name in zip(dept_ids, dept_names, strict=False):
        session.add(Department(id=dept_id, enterprise_id=spec.enterprise_id, name=name, weight=1.0))
    session.flush()
    post_names = sorted({i.position for i in kb.indicators if i.level == "岗位"})
    layout: dict[str, list[str]] = {d: [] for d in dept_ids}
    for k in range(spec.positions):
        pos_id = f"{spec.enterprise_id}-P{k:04d}"
        dept_id = dept_ids[k % n_depts]
        name = f"{post_names[k % len(post_names)]}（{k // len(post_names) + 1}组）"
        session.add(Position(id=pos_id, department_id=dept_id, name=name, weight=1.0))
        layout[dept_id].append(pos_id)
    session.flush()
    positions = [p for ps in layout.values() for p in ps]
    for k in range(spec.people):
        pos_id = positions[k] if k < len(positions) else rnd.choice(positions)
        name = rnd.choice(_SURNAMES) + rnd.choice(_GIVEN) + rnd.choice(_GIVEN)
        session.add(Person(id=f"{spec.enterprise_id}-U{k:05d}", position_id=pos_id, name=name))
    session.flush()
    return layout


def _assign(
    session: Session, chosen: list[IndicatorEntry], layout: dict[str, list[str]], spec: DemoSpec, rnd: random.Random
) -> list[_Assignment]:
    units: dict[str, list[tuple[str, str | None]]] = {
        "企业": [(spec.enterprise_id, None)],
        "部门": [(d, d) for d in layout],
        "岗位": [(p, d) for d, ps in layout.items() for p in ps],
    }
    per_unit = {"企业": len(chosen), "部门": 4, "岗位": 5}
    pairs: set[tuple[str, str]] = set()
    for level, members in units.items():
        pool = [i for i in chosen if i.level == level] or [i for i in chosen]
        for k, (unit_id, _) in enumerate(members):  # every indicator used at least once, round-robin
            for j in range(min(per_unit[level], len(pool))):
                pairs.add((pool[(k * per_unit[level] + j) % len(pool)].id, unit_id))
    by_id = {i.id: i for i in chosen}
    level_of = {u: lv for lv, ms in units.items() for u, _ in ms}
    dept_of = {u: d for ms in units.values() for u, d in ms}
    out: list[_Assignment] = []
    for ind_id, unit_id in sorted(pairs):
        entry = by_id[ind_id]
        level = level_of[unit_id]
        veto = metric_kind(entry) == "count"
        session.add(
            IndicatorAssignment(
                enterprise_id=spec.enterprise_id,
                indicator_id=ind_id,
                level=level,
                unit_id=unit_id,
                weight=float(rnd.choice((1, 2, 2, 3))),
                veto=veto,
            )
        )
        out.append(_Assignment(entry, level, unit_id, dept_of[unit_id], rnd.random() < spec.dark_share))
    session.flush()
    return out


def generate_demo(engine: Engine, kb: KnowledgeBase, spec: DemoSpec | None = None) -> DemoSummary:
    """Create the demo enterprise of ``spec`` and a year of its records in an empty records database.

    Raises:
        ValidationFailedError: the spec cannot be met by the library.
    """
    spec = spec or DemoSpec()
    rnd = random.Random(spec.seed)
    with Session(engine) as session, session.begin():
        chosen = _choose_indicators(kb, spec.indicators, rnd)
        for entry in chosen:
            snapshot_indicator(session, entry)
        session.flush()
        layout = _organisation(session, kb, spec, rnd)
        assignments = _assign(session, chosen, layout, spec, rnd)
        people = _people_by_unit(session)
    n_records = 0
    with engine.begin() as conn:
        for chunk in _chunks(_records(assignments, people, spec, rnd), _CHUNK):
            conn.execute(insert(InspectionRecord), chunk)
            n_records += len(chunk)
        n_values = _monitoring(conn, assignments, spec, rnd) if spec.monitoring else 0
    return DemoSummary(
        spec.enterprise_id,
        len(layout),
        spec.positions,
        spec.people,
        len(chosen),
        len(assignments),
        n_records,
        n_values,
    )


def _people_by_unit(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    stmt = (
        select(Person.id, Person.position_id, Position.department_id, Department.enterprise_id)
        .join(Position, Position.id == Person.position_id)
        .join(Department, Department.id == Position.department_id)
    )
    for person, pos, dept, ent in session.execute(stmt).all():
        for unit in (pos, dept, ent):
            out.setdefault(unit, []).append(person)
    return out


def _chunks(rows: Iterator[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    chunk: list[dict[str, object]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _records(
    assignments: list[_Assignment], people: dict[str, list[str]], spec: DemoSpec, rnd: random.Random
) -> Iterator[dict[str, object]]:
    live = [a for a in assignments if not a.dark]
    weak_units = {a.unit_id for a in live if rnd.random() < 0.10}
    month_factor = [rnd.choice((0.5, 1.0, 1.0, 1.5, 3.0)) for _ in range(12)]
    kinds = {a.indicator.id: metric_kind(a.indicator) for a in live}
    start = datetime(spec.year, 1, 1, tzinfo=CHINA_TZ)
    received = utcnow()
    for k in range(spec.records):
        a = live[k % len(live)] if k < len(live) else rnd.choice(live)
        day = rnd.randrange(365)
        observed = start + timedelta(days=day, hours=rnd.randrange(8, 19), minutes=rnd.randrange(60))
        kind = kinds[a.indicator.id]
        base = 0.0005 if kind == "count" else 0.004
        p_fail = base * (10 if a.unit_id in weak_units else 1) * month_factor[observed.month - 1]
        failed = rnd.random() < p_fail
        source = rnd.choice(_SOURCES)
        if kind == "rate":
            numerator, denominator = (0.0 if failed else 1.0), 1.0
        else:
            numerator, denominator = (1.0 if failed else 0.0), 1.0
        yield {
            "client_id": f"{spec.enterprise_id}-R{k:09d}",
            "payload_hash": "",
            "enterprise_id": spec.enterprise_id,
            "indicator_id": a.indicator.id,
            "level": a.level,
            "unit_id": a.unit_id,
            "person_id": rnd.choice(people[a.unit_id]),
            "location": a.indicator.stage,
            "observed_at": observed,
            "device_observed_at": None,
            "month": observed.strftime("%Y-%m"),
            "outcome": "fail" if failed else "pass",
            "value": None,
            "numerator": numerator,
            "denominator": denominator,
            "evidence": '["video://cam/clip.mp4"]' if source == "video_analytics" else "[]",
            "source": source,
            "device_id": None,
            "batch_id": None,
            "clock_skew_s": None,
            "received_at": received,
            "note": "",
        }


def _monitoring(conn: Connection, assignments: list[_Assignment], spec: DemoSpec, rnd: random.Random) -> int:
    target = next((a for a in assignments if "达标率" in a.indicator.name and metric_kind(a.indicator) == "rate"), None)
    if target is None:
        return 0
    point_id = f"{spec.enterprise_id}-WW-COD"
    conn.execute(
        insert(MonitoringPoint).values(
            id=point_id,
            enterprise_id=spec.enterprise_id,
            name="总排口化学需氧量",
            indicator_id=target.indicator.id,
            level=target.level,
            unit_id=target.unit_id,
            pollutant="COD",
            limit_value=50.0,
            unit="mg/L",
        )
    )
    start = datetime(spec.year, 1, 1, tzinfo=CHINA_TZ)
    rows = []
    for hour in range(365 * 24):
        at = start + timedelta(hours=hour)
        value = round(rnd.gauss(30.0, 6.0) + (25.0 if rnd.random() < 0.002 else 0.0), 2)
        rows.append({"point_id": point_id, "measured_at": at, "month": at.strftime("%Y-%m"), "value": value})
    conn.execute(insert(MonitoringValue), rows)
    return len(rows)
