"""From records to the enterprise grade, checked against values computed by hand; reports, closed loop, export.

The organisation (weights in brackets)::

    E 企业 ── ind_accident_report_violation_count (count ≤ 0, w1)
    ├── D1 部门 [2] ── ind_warehouse_hazard_rectification_timely (≥98, bands 100/98, w1)
    │   ├── P1 岗位 [1] ── violation rate (≤0, w2), fire facility (≥100, w1)
    │   └── P2 岗位 [1] ── fire facility (≥100, w1, 一票否决), violation rate (w1)
    └── D2 部门 [1]
        └── P3 岗位 [1] ── fire facility (w1), violation rate (w5, no records: unmeasured)

October 2026 by hand:
    P1: violation 0/10 → 0% 优秀 100; fire 19/20 → 95% 待改进 50 → (2·100 + 1·50)/3 = 83.333 合格
    P2: fire 9/10 → 90% 待改进 (veto); violation 0/5 → 优秀 → (50 + 100)/2 = 75 → capped 50 待改进
    D1: rectification 49/50 → 98% 合格 80 → (80 + 83.333 + 50)/3 = 71.111 待改进
    P3: fire 10/10 → 100% 优秀 (the fail at 2026-11-01 00:30 China time is November's) → 100 优秀
    D2: 100 优秀
    E:  accidents 0 → 优秀 100 → (100 + 2·71.111 + 1·100)/4 = 85.556 合格
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from kg.corpus import KnowledgeBase, load_knowledge_base
from kg.errors import NotFoundError
from scoring.db import CHINA_TZ, TrainingAssignment, open_records_db
from scoring.export import RULE_HEADERS, SCORECARD_HEADERS
from scoring.schemas import RecordIn
from scoring.service import AssignmentIn, DepartmentIn, OrganisationIn, PersonIn, PositionIn, ScoringService

REPO = Path(__file__).resolve().parents[2]
VIOLATION = "ind_operation_violation_rate"
FIRE = "ind_fire_facility_intact"
RECTIFY = "ind_warehouse_hazard_rectification_timely"
ACCIDENTS = "ind_accident_report_violation_count"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO / "regulations_corpus")


def _org() -> OrganisationIn:
    def pos(pid: str, name: str, people: int) -> PositionIn:
        return PositionIn(
            id=pid, name=name, people=[PersonIn(id=f"{pid}-u{k}", name=f"员工{k}") for k in range(people)]
        )

    return OrganisationIn(
        id="E",
        name="测试机械厂",
        departments=[
            DepartmentIn(id="D1", name="生产部", weight=2, positions=[pos("P1", "机加工", 3), pos("P2", "焊工", 2)]),
            DepartmentIn(id="D2", name="仓储部", weight=1, positions=[pos("P3", "仓库管理员", 1)]),
        ],
    )


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CHINA_TZ)


def _checks(svc: ScoringService, ind: str, level: str, unit: str, day: str, *, passed: int, failed: int) -> None:
    for k in range(passed + failed):
        outcome = "pass" if k < passed else "fail"
        rec = RecordIn(
            indicator_id=ind,
            level=level,
            unit_id=unit,
            person_id=None,
            observed_at=_at(day),  # type: ignore[arg-type]
            outcome=outcome,
            location="一车间",
        )
        assert svc.submit_record(rec).status == "accepted"


@pytest.fixture
def scored(records_url: str, kb: KnowledgeBase) -> tuple[ScoringService, Engine]:
    engine = open_records_db(records_url)
    svc = ScoringService(engine, kb)
    svc.register_organisation(_org())
    for ind, level, unit, weight, veto in [
        (ACCIDENTS, "企业", "E", 1, False),
        (RECTIFY, "部门", "D1", 1, False),
        (VIOLATION, "岗位", "P1", 2, False),
        (FIRE, "岗位", "P1", 1, False),
        (FIRE, "岗位", "P2", 1, True),
        (VIOLATION, "岗位", "P2", 1, False),
        (FIRE, "岗位", "P3", 1, False),
        (VIOLATION, "岗位", "P3", 5, False),
    ]:
        svc.assign(AssignmentIn(indicator_id=ind, level=level, unit_id=unit, weight=weight, veto=veto))  # type: ignore[arg-type]
    _checks(svc, VIOLATION, "岗位", "P1", "2026-10-03", passed=10, failed=0)
    rec = RecordIn(
        indicator_id=FIRE, level="岗位", unit_id="P1", observed_at=_at("2026-10-04"), numerator=19, denominator=20
    )
    svc.submit_record(rec)
    _checks(svc, FIRE, "岗位", "P2", "2026-10-05", passed=9, failed=1)
    _checks(svc, VIOLATION, "岗位", "P2", "2026-10-05", passed=5, failed=0)
    svc.submit_record(
        RecordIn(
            indicator_id=RECTIFY,
            level="部门",
            unit_id="D1",
            observed_at=_at("2026-10-20"),
            numerator=49,
            denominator=50,
        )
    )
    _checks(svc, FIRE, "岗位", "P3", "2026-10-06", passed=10, failed=0)
    _checks(svc, FIRE, "岗位", "P3", "2026-11-01", passed=0, failed=1)  # hour 10 China time: November
    # 2026-10-31 16:30 UTC is 2026-11-01 00:30 in China: November's
    svc.submit_record(
        RecordIn(
            indicator_id=FIRE,
            level="岗位",
            unit_id="P3",
            outcome="fail",
            observed_at=datetime(2026, 10, 31, 16, 30, tzinfo=UTC),
        )
    )
    _checks(svc, ACCIDENTS, "企业", "E", "2026-10-31", passed=1, failed=0)
    # September: P2 already failing (for the two-consecutive rule), P1 perfect
    _checks(svc, FIRE, "岗位", "P2", "2026-09-10", passed=1, failed=1)
    _checks(svc, FIRE, "岗位", "P1", "2026-09-10", passed=4, failed=0)
    svc.score("2026-10")
    return svc, engine


def test_enterprise_grade_matches_the_hand_computation(scored: tuple[ScoringService, Engine]) -> None:
    svc, _ = scored
    units = {(u.unit.level, u.unit.unit_id): u for u in svc.report("2026-10").units}
    expected = {
        ("岗位", "P1"): (250 / 3, "合格", False),
        ("岗位", "P2"): (50.0, "待改进", True),
        ("岗位", "P3"): (100.0, "优秀", False),
        ("部门", "D1"): ((80 + 250 / 3 + 50) / 3, "待改进", False),
        ("部门", "D2"): (100.0, "优秀", False),
        ("企业", "E"): ((100 + 2 * (80 + 250 / 3 + 50) / 3 + 100) / 4, "合格", False),
    }
    for key, (score, grade, veto) in expected.items():
        unit = units[key].unit
        assert unit.score == pytest.approx(score, abs=1e-9), key
        assert (unit.grade, unit.veto_failed) == (grade, veto), key
    assert units[("企业", "E")].unit.score == pytest.approx(85.5556, abs=1e-4)
    p3 = {i.indicator_id: i for i in units[("岗位", "P3")].indicators}
    assert p3[VIOLATION].value is None and p3[FIRE].value == 100.0
    assert units[("岗位", "P3")].unit.n_unmeasured == 1
    d1 = {i.indicator_id: i for i in units[("部门", "D1")].indicators}
    assert (d1[RECTIFY].value, d1[RECTIFY].grade) == (98.0, "合格")


def test_report_lists_failing_indicators_with_their_records_and_the_trend(
    scored: tuple[ScoringService, Engine],
) -> None:
    svc, _ = scored
    p2 = svc.report("2026-10", unit_id="P2").units[0]
    [failing] = p2.failing
    assert failing.indicator.indicator_id == FIRE and failing.indicator.value == 90.0
    assert failing.failing_records == 1
    assert failing.records[0].outcome == "fail" and failing.records[0].location == "一车间"
    assert p2.trend.previous_period == "2026-09" and p2.trend.previous_grade == "待改进"
    p1 = svc.report("2026-10", unit_id="P1").units[0]
    assert p1.trend.previous_score == 100.0 and p1.trend.direction == "下降"
    assert p1.failing[0].records[0].numerator == 19 and p1.failing[0].records[0].denominator == 20
    with pytest.raises(NotFoundError, match="not been scored"):
        svc.report("2025-01")


def test_year_is_scored_from_the_year_of_records(scored: tuple[ScoringService, Engine]) -> None:
    svc, _ = scored
    svc.score("2026")
    p3 = {i.indicator_id: i for i in svc.report("2026", unit_id="P3").units[0].indicators}
    assert p3[FIRE].value == pytest.approx(100 * 10 / 12)  # October's 10 passes, November's 2 fails
    p2 = {i.indicator_id: i for i in svc.report("2026", unit_id="P2").units[0].indicators}
    assert p2[FIRE].value == pytest.approx(100 * 10 / 12) and p2[FIRE].n_records == 12


def test_closed_loop_plans_training_revision_plans_and_escalation(
    scored: tuple[ScoringService, Engine], kb: KnowledgeBase
) -> None:
    svc, engine = scored
    actions = svc.plan_actions("2026-10")
    kinds = {(a.kind, a.unit_id, a.indicator_id) for a in actions}
    assert ("rule_revision", "P3", VIOLATION) in kinds
    assert ("special_plan", "D1", None) in kinds
    assert ("强化培训", "P2", None) in kinds  # 待改进 in 2026-09 and 2026-10
    training = [a for a in actions if a.kind == "training" and a.unit_id == "P1"]
    assert training and all(a.indicator_id == FIRE for a in training)
    fire_risks = {"r_fire_facility_failure", "r_warehouse_fire"}
    courses = {c.id: c for c in kb.courses}
    assert all(fire_risks & set(courses[str(a.course_id)].addresses) for a in training)
    assert training[0].trainees == 3
    assert all(a.deadline is not None and a.deadline.astimezone(CHINA_TZ).month == 12 for a in actions)
    assert svc.plan_actions("2026-10") == []  # idempotent
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TrainingAssignment)).scalar_one() >= 3 + 2
    # November: P2 fails again after its 强化培训 → 岗位调整; P1's fire facility recovers → effective
    _checks(svc, FIRE, "岗位", "P2", "2026-11-10", passed=0, failed=1)
    _checks(svc, FIRE, "岗位", "P1", "2026-11-10", passed=5, failed=0)
    svc.score("2026-11")
    assert any(a.kind == "岗位调整" and a.unit_id == "P2" for a in svc.plan_actions("2026-11"))
    closed = svc.close_action(training[0].id, "已完成培训并考试合格")
    assert closed.status == "closed"
    effects = {(a.kind, a.unit_id, a.indicator_id): a for a in svc.measure_effects("2026-11")}
    assert effects[("training", "P1", FIRE)].effective is True
    assert effects[("training", "P1", FIRE)].effect_value == 100.0
    assert effects[("rule_revision", "P3", VIOLATION)].effective is False  # still no records


def test_exports_open_with_the_chinese_headers(
    scored: tuple[ScoringService, Engine], kb: KnowledgeBase, tmp_path: Path
) -> None:
    svc, _ = scored
    rules = svc.export_rules(tmp_path / "rules.xlsx")
    sheet = openpyxl.load_workbook(rules)["考核细则"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["环节", "岗位", "指标", "标准", "方法"] and tuple(header) == RULE_HEADERS
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 8
    assert ("原料采购与仓储", "仓库管理员", "消防设施完好率") in {r[:3] for r in rows}
    card = openpyxl.load_workbook(svc.export_scorecard("2026-10", tmp_path / "card.xlsx"))
    assert card.sheetnames == ["企业（2026-10）", "部门（2026-10）", "岗位（2026-10）", "指标明细", "未达标指标"]
    ent = card["企业（2026-10）"]
    assert tuple(c.value for c in ent[1]) == SCORECARD_HEADERS
    first = [c.value for c in ent[2]]
    assert (first[0], first[2], first[3]) == ("测试机械厂", 85.6, "合格")
    assert ent.freeze_panes == "A2"
    positions = {r[0]: r for r in card["岗位（2026-10）"].iter_rows(min_row=2, values_only=True)}
    assert positions["焊工"][3] == "待改进" and positions["焊工"][4] == "是"
    library = openpyxl.load_workbook(svc.export_rules(tmp_path / "lib.xlsx", library=True))["考核细则"]
    assert library.max_row - 1 == len(kb.indicators)
