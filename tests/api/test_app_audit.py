"""The SM3-chained audit trail: every kind of tampering is detected and names the first broken entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from api.services.audit import GENESIS, AuditLog, _digest
from api.services.storage import AuditEntryRow, AuditHeadRow, ensure_api_schema
from scoring.db import open_records_db
from tests.api import test_app_support as support
from tests.api.test_app_support import Env, batch, record

# the shared fixtures, registered in this module
env = support.env
graph = support.graph
kb = support.kb

N = 6


@pytest.fixture
def chain(tmp_path: Path) -> tuple[Engine, AuditLog]:
    engine = open_records_db(f"sqlite:///{tmp_path / 'audit.db'}")
    ensure_api_schema(engine)
    log = AuditLog(engine)
    for i in range(1, N + 1):
        log.record(actor="u", enterprise_id="E1", action="test", target=f"t{i}", before={"v": i - 1}, after={"v": i})
    return engine, log


def _rows(engine: Engine) -> list[AuditEntryRow]:
    with Session(engine) as session:
        return list(session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars())


def _forge(prev_hash: str, seq: int, target: str) -> AuditEntryRow:
    from datetime import UTC, datetime

    at = datetime(2026, 1, 1, tzinfo=UTC)
    fields = {"at": at, "actor": "mallory", "enterprise_id": "E1", "action": "test", "target": target}
    row = AuditEntryRow(seq=seq, before="null", after='{"v":99}', prev_hash=prev_hash, **fields)
    row.hash = _digest(prev_hash=prev_hash, before="null", after='{"v":99}', **fields)
    return row


def test_intact_chain_verifies(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    result = log.verify()
    rows = _rows(engine)
    assert result.ok and result.entries == N and result.head_hash == rows[-1].hash
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))


def test_changed_entry_is_named(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    with Session(engine) as session, session.begin():
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 3).values(after='{"v":300}'))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, 3, "changed")


def test_changed_and_rehashed_entry_is_named(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    row = _rows(engine)[2]
    forged = _forge(row.prev_hash, 3, "t3")
    with Session(engine) as session, session.begin():
        values = {"actor": forged.actor, "after": forged.after, "before": forged.before, "at": forged.at}
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 3).values(hash=forged.hash, **values))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, 3, "changed")


def test_deleted_entry_is_named(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    with Session(engine) as session, session.begin():
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == 4))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, 5, "deleted")
    assert "seq 4" in result.detail


def test_deleted_tail_is_detected_by_the_head(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    with Session(engine) as session, session.begin():
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == N))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, N, "deleted")


def test_inserted_entry_is_named(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    rows = _rows(engine)
    with Session(engine) as session, session.begin():
        # make room after entry 3 and insert a well-formed entry linked to it
        for seq in range(N, 3, -1):
            session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == seq).values(seq=seq + 1))
        session.add(_forge(rows[2].hash, 4, "forged"))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, 4, "inserted")


def test_appended_entry_outside_the_api_is_detected(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    rows = _rows(engine)
    with Session(engine) as session, session.begin():
        session.add(_forge(rows[-1].hash, N + 1, "forged"))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, N + 1, "inserted")


def test_reordered_entries_are_named(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    with Session(engine) as session, session.begin():
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 3).values(seq=-3))
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 4).values(seq=3))
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == -3).values(seq=4))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, 3, "reordered")


def test_head_tampering_is_detected(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    with Session(engine) as session, session.begin():
        session.execute(update(AuditHeadRow).values(last_hash="f" * 64))
    result = log.verify()
    assert (result.ok, result.problem) == (False, "changed")


def test_api_writes_are_audited_and_verified_through_the_api(env: Env) -> None:
    client = env.client()
    r = client.post("/records/batch", json=batch("b1", [record(k) for k in range(3)]), headers=env.auth("inspector"))
    assert r.status_code == 200
    review = {"decision": "reject", "comment": "重复"}
    assert client.post("/indicators/i_fume/review", json=review, headers=env.auth("expert")).status_code == 201
    entries = client.get("/audit", headers=env.auth("admin")).json()["items"]
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["indicators.review", "records.batch"]
    assert entries[0]["actor"] == "e1-expert" and entries[0]["after"]["status"] == "rejected"
    assert entries[1]["after"]["accepted"] == 3
    all_entries = client.get("/audit", params={"limit": 200}, headers=env.auth("admin")).json()["items"]
    created = next(e for e in all_entries if e["target"] == "user:e1-admin")
    assert created["after"]["full_name"] == "admin用户"  # sealed at rest, opened for the reader
    with Session(env.engine) as session:
        stored = session.execute(select(AuditEntryRow.after).where(AuditEntryRow.target == "user:e1-admin")).scalar()
    assert stored is not None and "admin用户" not in stored and '"full_name":"sm4:' in stored
    ok = client.post("/audit/verify", headers=env.auth("admin")).json()
    assert ok["ok"] is True
    with Session(env.engine) as session, session.begin():
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 2).values(actor="someone-else"))
    broken = client.post("/audit/verify", headers=env.auth("admin")).json()
    assert (broken["ok"], broken["seq"], broken["problem"]) == (False, 2, "changed")


def test_a_record_changed_or_deleted_in_the_database_is_named_by_its_row(env: Env) -> None:
    """The chain covers what the records entries wrote: an UPDATE that changes a scored record's outcome, or
    a DELETE, is found by ``audit verify`` and named by table and id."""
    from scoring.db import InspectionRecord

    client = env.client()
    one = client.post("/records", json=record(1, outcome="pass"), headers=env.auth("inspector")).json()
    r = client.post("/records/batch", json=batch("b9", [record(k) for k in (2, 3)]), headers=env.auth("inspector"))
    batch_ids = [x["record_id"] for x in r.json()["results"]]
    assert client.post("/audit/verify", headers=env.auth("admin")).json()["ok"] is True
    with Session(env.engine) as session:
        entries = {a: s for a, s in session.execute(select(AuditEntryRow.action, AuditEntryRow.seq))}
    with Session(env.engine) as session, session.begin():
        row = InspectionRecord.__table__
        session.execute(update(row).where(row.c.id == one["record_id"]).values(outcome="fail"))
    broken = client.post("/audit/verify", headers=env.auth("admin")).json()
    expected = (False, "changed", f"inspection_records:{one['record_id']}")
    assert (broken["ok"], broken["problem"], broken["row"]) == expected
    assert broken["seq"] == entries["records.submit"]
    with Session(env.engine) as session, session.begin():
        session.execute(update(row).where(row.c.id == one["record_id"]).values(outcome="pass"))
        session.execute(delete(row).where(row.c.id == batch_ids[1]))
    gone = client.post("/audit/verify", headers=env.auth("admin")).json()
    assert (gone["ok"], gone["problem"], gone["row"]) == (False, "deleted", f"inspection_records:{batch_ids[1]}")
    assert gone["seq"] == entries["records.batch"]
