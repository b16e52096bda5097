"""Record intake: offline batches applied exactly once whatever the retries, duplicates or order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kg.corpus import KnowledgeBase, load_knowledge_base
from scoring.db import CHINA_TZ, InspectionRecord, open_records_db
from scoring.intake import RecordIntake
from scoring.schemas import BatchIn, RecordIn
from scoring.service import AssignmentIn, DepartmentIn, OrganisationIn, PersonIn, PositionIn, ScoringService

REPO = Path(__file__).resolve().parents[2]
FIRE = "ind_fire_facility_intact"
VIOLATION = "ind_operation_violation_rate"
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO / "regulations_corpus")


@pytest.fixture
def engine(records_url: str, kb: KnowledgeBase) -> Engine:
    engine = open_records_db(records_url)
    svc = ScoringService(engine, kb)
    position = PositionIn(id="P1", name="机加工", people=[PersonIn(id="u1", name="张三")])
    svc.register_organisation(
        OrganisationIn(id="E", name="厂", departments=[DepartmentIn(id="D1", name="生产部", positions=[position])])
    )
    svc.assign(AssignmentIn(indicator_id=FIRE, level="岗位", unit_id="P1"))
    svc.assign(AssignmentIn(indicator_id=VIOLATION, level="岗位", unit_id="P1", weight=2))
    return engine


def _record(k: int, **changes: object) -> RecordIn:
    data: dict[str, object] = {
        "client_id": f"dev1-{k:04d}",
        "indicator_id": FIRE if k % 2 else VIOLATION,
        "level": "岗位",
        "unit_id": "P1",
        "person_id": "u1",
        "location": f"车间{k % 3}",
        "observed_at": datetime(2026, 10, 1 + k % 28, 9, tzinfo=CHINA_TZ),
        "outcome": "fail" if k % 7 == 0 else "pass",
        "source": "offline_batch",
    }
    data.update(changes)
    return RecordIn.model_validate(data)


def _batch(batch_id: str, records: list[RecordIn], sent_at: datetime = NOW) -> BatchIn:
    return BatchIn(batch_id=batch_id, device_id="dev1", sent_at=sent_at, records=records)


def _stored(engine: Engine) -> list[tuple[str | None, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(InspectionRecord.client_id, InspectionRecord.outcome).order_by(InspectionRecord.id))
        return [(c, str(o)) for c, o in rows.all()]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_offline_sync_stores_each_record_exactly_once(engine: Engine, seed: int) -> None:
    records = [_record(k) for k in range(30)]
    rnd = random.Random(seed)
    first = records[:20]
    second = list(reversed(records[10:])) + [records[15], records[15]]  # overlap and in-batch repeats
    submissions = [_batch("b1", first), _batch("b2", second), _batch("b1", first, NOW + timedelta(minutes=3))]
    submissions += [_batch("b3", rnd.sample(records, len(records)))]  # everything again, shuffled
    rnd.shuffle(submissions)
    intake = RecordIntake(engine, clock=lambda: NOW)
    results = [r for s in submissions for r in intake.submit_batch(s).results]
    accepted = [r.client_id for r in results if r.status == "accepted"]
    assert sorted(accepted) == sorted(r.client_id for r in records)  # each accepted exactly once overall
    assert all(r.status in ("accepted", "duplicate") for r in results)
    stored = _stored(engine)
    assert len(stored) == 30 and len({c for c, _ in stored}) == 30
    by_id = {r.client_id: r.record_id for r in results}
    assert all(r.record_id == by_id[r.client_id] for r in results if r.status == "duplicate")
    expected = {(r.client_id, r.outcome) for r in records}
    assert set(stored) == expected


def test_same_id_with_a_different_payload_is_rejected_not_overwritten(engine: Engine) -> None:
    intake = RecordIntake(engine, clock=lambda: NOW)
    assert intake.submit_batch(_batch("b1", [_record(1)])).accepted == 1
    changed = _record(1, outcome="fail")
    result = intake.submit_batch(_batch("b2", [changed, _record(2), _record(2, location="别处")]))
    statuses = [(r.client_id, r.status) for r in result.results]
    assert statuses == [("dev1-0001", "rejected"), ("dev1-0002", "accepted"), ("dev1-0002", "rejected")]
    assert "different record" in result.results[0].reason and "twice" in result.results[2].reason
    assert dict(_stored(engine))["dev1-0001"] == "pass"


def test_rejections_carry_reasons_and_a_corrected_resubmission_is_accepted(engine: Engine) -> None:
    intake = RecordIntake(engine, clock=lambda: NOW)
    bad = [
        _record(1, indicator_id="ind_nope"),
        _record(2, unit_id="P9"),
        _record(3, person_id="ghost"),
        _record(4, observed_at=NOW + timedelta(days=2)),
        _record(5, source="video_analytics"),
        _record(6, outcome=None, numerator=5, denominator=4, indicator_id=FIRE),
        _record(8, outcome=None, value=150.0),
    ]
    result = intake.submit_batch(_batch("b1", bad))
    reasons = [r.reason for r in result.results]
    assert result.rejected == 7 and result.accepted == 0
    for reason, fragment in zip(
        reasons,
        ["unknown indicator", "not assigned", "unknown person", "future", "evidence", "exceeds", "percentage"],
        strict=True,
    ):
        assert fragment in reason
    fixed = intake.submit_batch(_batch("b2", [_record(5, source="video_analytics", evidence=["cam3/0923.mp4"])]))
    assert fixed.accepted == 1 and _stored(engine) == [("dev1-0005", "pass")]


def test_clock_skew_is_recorded_and_corrects_the_month(engine: Engine) -> None:
    intake = RecordIntake(engine, clock=lambda: NOW)
    # the device clock runs 3 hours slow: it says 2026-10-31 22:00 when it is 2026-11-01 01:00 in China
    slow = NOW - timedelta(hours=3)
    record = _record(1, observed_at=datetime(2026, 10, 31, 22, tzinfo=CHINA_TZ))
    result = intake.submit_batch(_batch("b1", [record], sent_at=slow))
    assert result.clock_skew_s == pytest.approx(3 * 3600)
    with engine.connect() as conn:
        row = conn.execute(select(InspectionRecord)).one()
    assert row.clock_skew_s == pytest.approx(10800) and row.month == "2026-11"
    assert row.device_observed_at == datetime(2026, 10, 31, 14, tzinfo=UTC)
    assert row.observed_at.tzinfo is not None


def test_single_submission_without_client_id_and_normalisation(engine: Engine) -> None:
    intake = RecordIntake(engine, clock=lambda: NOW)
    one = intake.submit_one(_record(1, client_id=None, outcome=None, numerator=18, denominator=20, indicator_id=FIRE))
    two = intake.submit_one(_record(2, client_id=None, outcome="fail", indicator_id=VIOLATION))
    assert one.status == two.status == "accepted" and one.record_id != two.record_id
    with engine.connect() as conn:
        rows = conn.execute(select(InspectionRecord.numerator, InspectionRecord.denominator)).all()
        assert conn.execute(select(func.count()).select_from(InspectionRecord)).scalar_one() == 2
    assert [tuple(r) for r in rows] == [(18.0, 20.0), (1.0, 1.0)]  # a failed check is one occurrence


def test_record_needs_exactly_one_measurement() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        _record(1, value=3.0)
    with pytest.raises(ValueError, match="together"):
        _record(1, outcome=None, numerator=3.0)
    with pytest.raises(ValueError, match="client_id"):
        _batch("b", [_record(1, client_id=None)])
