"""The HMAC-SM3-chained audit trail: every kind of tampering is detected and names the first broken entry, a
chain rewritten without the key fails, an exported head catches a later rewrite, and the rows the audited writes
stored (records, decisions, indicator states) are named when changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session

from api.services.audit import GENESIS, AuditLog, ExportedHead, _head_mac, audit_key_id, entry_hash
from api.services.storage import AuditEntryRow, AuditHeadRow, ensure_api_schema
from kg.errors import ConfigError, ConflictError, ValidationFailedError
from scoring.db import open_records_db
from tests.api import test_app_support as support
from tests.api.test_app_support import Env, batch, record

# the shared fixtures, registered in this module
env = support.env
graph = support.graph
kb = support.kb

N = 6
KEY = b"audit-key-of-the-tests-0123456789"


@pytest.fixture
def chain(tmp_path: Path) -> tuple[Engine, AuditLog]:
    engine = open_records_db(f"sqlite:///{tmp_path / 'audit.db'}")
    ensure_api_schema(engine)
    log = AuditLog(engine, key=KEY)
    for i in range(1, N + 1):
        log.record(actor="u", enterprise_id="E1", action="test", target=f"t{i}", before={"v": i - 1}, after={"v": i})
    return engine, log


def _rows(engine: Engine) -> list[AuditEntryRow]:
    with Session(engine) as session:
        return list(session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars())


def _forge(prev_hash: str, seq: int, target: str, *, key: bytes | None = KEY) -> AuditEntryRow:
    """A well-formed entry hashed with ``key`` (the real one: an insider; None: unkeyed SM3)."""
    from datetime import UTC, datetime

    at = datetime(2026, 1, 1, tzinfo=UTC)
    fields = {"at": at, "actor": "mallory", "enterprise_id": "E1", "action": "test", "target": target}
    key_id = None if key is None else audit_key_id(key)
    row = AuditEntryRow(seq=seq, before="null", after='{"v":99}', prev_hash=prev_hash, key_id=key_id, **fields)
    row.hash = entry_hash(row, key)
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


MALLORY = b"not-the-audit-key-but-long-enough"


def _rewrite(
    engine: Engine,
    *,
    start: int,
    key: bytes | None,
    key_id: str | None,
    stop: int | None = None,
    head_key: bytes | None = None,
) -> None:
    """Change entry ``start`` and re-hash it and every later entry (to ``stop``), relinked, as a forger would;
    the head follows (its HMAC recomputed under ``head_key`` when given)."""
    with Session(engine) as session, session.begin():
        rows = list(session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars())
        prev = rows[start - 2].hash if start > 1 else GENESIS
        for row in rows[start - 1 : stop]:
            if row.seq == start:
                row.after = '{"v":-1}'
            row.key_id, row.prev_hash = key_id, prev
            row.hash = entry_hash(row, key)
            prev = row.hash
        if stop is None:
            head = session.get(AuditHeadRow, 1)
            assert head is not None
            head.last_hash = prev
            if head_key is not None:
                head.mac = _head_mac(head_key, head.count, prev)


@pytest.mark.parametrize(
    ("start", "key", "key_id", "expected", "says"),
    [
        (1, None, None, (1, "unkeyed"), "unkeyed SM3"),  # the whole chain downgraded to unkeyed SM3
        (3, None, None, (3, "changed"), "unkeyed SM3 after keyed entries"),
        (3, MALLORY, audit_key_id(MALLORY), (3, "changed"), "another key"),
        (3, MALLORY, audit_key_id(KEY), (3, "changed"), "no longer matches its hash"),
    ],
    ids=["all-unkeyed", "unkeyed-tail", "own-key", "own-key-posing-as-ours"],
)
def test_a_chain_rewritten_consistently_without_the_key_fails(
    chain: tuple[Engine, AuditLog],
    start: int,
    key: bytes | None,
    key_id: str | None,
    expected: tuple[int, str],
    says: str,
) -> None:
    """Entries and head re-hashed and relinked by someone who can write the database but has not the key."""
    engine, log = chain
    _rewrite(engine, start=start, key=key, key_id=key_id, head_key=MALLORY)
    rows = _rows(engine)
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))  # consistently relinked
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, *expected)
    assert says in result.detail


def test_a_rewrite_with_the_key_is_not_caught_without_an_exported_head(chain: tuple[Engine, AuditLog]) -> None:
    """The limit of the threat model: whoever holds the key and can write the database forges a chain that
    verifies; only a head exported before catches it."""
    engine, log = chain
    exported = log.head()
    _rewrite(engine, start=5, key=KEY, key_id=audit_key_id(KEY), head_key=KEY)
    assert log.verify().ok
    result = log.verify(against=exported)
    assert (result.ok, result.seq, result.problem) == (False, N, "changed")
    assert "rewritten since" in result.detail


def test_verifying_under_a_wrong_key_fails_and_says_so(chain: tuple[Engine, AuditLog]) -> None:
    engine, _ = chain
    result = AuditLog(engine, key=b"some-other-key-of-32-characters!").verify()
    assert (result.ok, result.seq, result.problem) == (False, 1, "changed")
    assert "another key" in result.detail and "HSEKG_AUDIT_KEY" in result.detail


def test_the_head_of_a_broken_chain_is_not_exported(chain: tuple[Engine, AuditLog]) -> None:
    engine, _ = chain
    with pytest.raises(ConflictError, match="broken chain: entry 1: changed"):
        AuditLog(engine, key=MALLORY).head()


def test_a_short_key_is_refused(chain: tuple[Engine, AuditLog]) -> None:
    engine, _ = chain
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        AuditLog(engine, key=b"short")


def test_a_truncated_tail_with_a_rewritten_head_fails_on_the_head_s_hmac(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    rows = _rows(engine)
    with Session(engine) as session, session.begin():
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == N))
        session.execute(update(AuditHeadRow).values(count=N - 1, last_hash=rows[N - 2].hash))
    result = log.verify()
    assert (result.ok, result.seq, result.problem) == (False, N - 1, "changed")
    assert "head's HMAC" in result.detail


def test_an_exported_head_catches_a_later_truncation_and_survives_appends(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    exported = ExportedHead.from_json(json.loads(json.dumps(log.head().to_json())))
    assert (exported.count, exported.last_hash, exported.key_id) == (N, _rows(engine)[-1].hash, log.key_id)
    log.record(actor="u", enterprise_id="E1", action="test", target="later", before=None, after={"v": 7})
    assert log.verify(against=exported).ok  # the chain grew past the export: still holds it
    rows = _rows(engine)
    with Session(engine) as session, session.begin():  # someone with the key cuts the chain back to entry 4
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq > 4))
        session.execute(
            update(AuditHeadRow).values(count=4, last_hash=rows[3].hash, mac=_head_mac(KEY, 4, rows[3].hash))
        )
    assert log.verify().ok
    result = log.verify(against=exported)
    assert (result.ok, result.seq, result.problem) == (False, 5, "deleted")
    assert "truncated since" in result.detail


def test_an_altered_or_foreign_head_export_is_refused(chain: tuple[Engine, AuditLog]) -> None:
    engine, log = chain
    exported = log.head().to_json()
    altered = ExportedHead.from_json({**exported, "count": 2})
    with pytest.raises(ValidationFailedError, match="altered"):
        log.verify(against=altered)
    foreign = ExportedHead.from_json({**exported, "key_id": audit_key_id(MALLORY)})
    with pytest.raises(ValidationFailedError, match="exported under key"):
        log.verify(against=foreign)
    with pytest.raises(ValidationFailedError, match="count, last_hash"):
        ExportedHead.from_json({"count": 1})


def test_an_unkeyed_chain_of_an_older_release_is_reported_until_anchored(tmp_path: Path) -> None:
    """Entries written before the chain was keyed keep verifying as unkeyed SM3; a chain ending in them fails as
    ``unkeyed`` until anchored by a keyed entry, whose HMAC then protects them."""
    from datetime import UTC, datetime

    from api.services.migrations import HEAD

    engine = open_records_db(f"sqlite:///{tmp_path / 'older.db'}")
    support.migrate_api_to(engine, "api_0002_review_queue")
    prev = GENESIS
    with engine.begin() as conn:
        for seq in (1, 2, 3):
            fields = {"at": datetime(2026, 1, seq, tzinfo=UTC), "actor": "u", "enterprise_id": "E1", "action": "t"}
            old = AuditEntryRow(seq=seq, target=f"t{seq}", before="null", after="{}", prev_hash=prev, **fields)
            old.key_id = None
            prev = entry_hash(old, None)
            values = {c: getattr(old, c) for c in ("seq", "target", "before", "after", "prev_hash", *fields)}
            conn.execute(AuditEntryRow.__table__.insert().values(hash=prev, **values))
        conn.execute(AuditHeadRow.__table__.insert().values(id=1, count=3, last_hash=prev))
    ensure_api_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM api_alembic_version")).scalar() == HEAD
    log = AuditLog(engine, key=KEY)
    result = log.verify()
    assert (result.ok, result.seq, result.problem, result.unkeyed) == (False, 1, "unkeyed", 3)
    assert log.anchor(actor="ops") == 4
    anchored = log.verify()
    assert (anchored.ok, anchored.unkeyed) == (True, 3)
    with pytest.raises(ConflictError, match="nothing to anchor"):
        log.anchor(actor="ops")
    _rewrite(engine, start=2, stop=3, key=None, key_id=None)  # the unkeyed part re-hashed: the anchor's link breaks
    broken = log.verify()
    assert (broken.ok, broken.seq, broken.problem) == (False, 3, "changed")
    assert "entry 4 no longer links to it" in broken.detail


def test_a_changed_indicator_state_or_review_decision_is_named_by_its_row(env: Env) -> None:
    """An indicator's state is rewritten by every review: each is checked against the last entry that wrote it,
    so two honest reviews verify and a later UPDATE of the state or of an earlier decision is named."""
    from api.services.storage import IndicatorReviewRow, IndicatorStateRow

    client = env.client()
    first = client.post(
        "/indicators/i_fume/review", json={"decision": "reject", "comment": "重复"}, headers=env.auth("expert")
    )
    second = client.post("/indicators/i_fume/review", json={"decision": "approve"}, headers=env.auth("expert"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert client.post("/audit/verify", headers=env.auth("admin")).json()["ok"] is True
    with Session(env.engine) as session:
        seqs = list(session.execute(select(AuditEntryRow.seq).where(AuditEntryRow.action == "indicators.review")))
    (first_seq,), (second_seq,) = seqs
    state = IndicatorStateRow.__table__
    with Session(env.engine) as session, session.begin():
        session.execute(update(state).where(state.c.indicator_id == "i_fume").values(status="rejected"))
    broken = client.post("/audit/verify", headers=env.auth("admin")).json()
    assert (broken["ok"], broken["problem"], broken["row"]) == (False, "changed", "api_indicator_state:i_fume")
    assert broken["seq"] == second_seq
    reviews = IndicatorReviewRow.__table__
    with Session(env.engine) as session, session.begin():
        session.execute(update(state).where(state.c.indicator_id == "i_fume").values(status="approved"))
        session.execute(update(reviews).where(reviews.c.id == first.json()["id"]).values(comment="依据充分"))
    decision = client.post("/audit/verify", headers=env.auth("admin")).json()
    expected = (False, "changed", f"api_indicator_reviews:{first.json()['id']}", first_seq)
    assert (decision["ok"], decision["problem"], decision["row"], decision["seq"]) == expected


def test_a_changed_or_deleted_proposal_decision_is_named_by_its_row(env: Env) -> None:
    from api.services.review.proposals import RunInput
    from api.services.storage import ProposalDecisionRow, ProposalRow
    from retrieval.change.inputs import LawArticle
    from retrieval.change.models import IndicatorProposal

    queue = env.services.review_queue
    indicator = IndicatorProposal(name="喷漆废气达标率", level="部门", cites=[LawArticle(law="示例法典", article=2)])
    _, views = queue.add_run(RunInput(source="change", enterprise_id="E1"), [indicator, indicator], actor="t")
    for view in views:
        queue.decide(view.id, "reject", comment="重复", changes={}, actor="e1-expert")
    assert env.services.audit.verify().ok
    with Session(env.engine) as session:
        stmt = select(AuditEntryRow.target, AuditEntryRow.seq).where(AuditEntryRow.action == "proposals.reject")
        rejected = {target: seq for target, seq in session.execute(stmt)}
        decisions = {p: i for p, i in session.execute(select(ProposalDecisionRow.proposal_id, ProposalDecisionRow.id))}
    proposals = ProposalRow.__table__
    with Session(env.engine) as session, session.begin():  # the rejection turned into an approval behind the API
        session.execute(update(proposals).where(proposals.c.id == views[0].id).values(status="approved"))
    result = env.services.audit.verify()
    assert (result.ok, result.problem, result.row) == (False, "changed", f"api_proposals:{views[0].id}")
    assert result.seq == rejected[f"proposal:{views[0].id}"]
    table = ProposalDecisionRow.__table__
    with Session(env.engine) as session, session.begin():
        session.execute(update(proposals).where(proposals.c.id == views[0].id).values(status="rejected"))
        session.execute(delete(table).where(table.c.id == decisions[views[1].id]))
    gone = env.services.audit.verify()
    assert (gone.ok, gone.problem, gone.row) == (False, "deleted", f"api_proposal_decisions:{decisions[views[1].id]}")
    assert gone.seq == rejected[f"proposal:{views[1].id}"]


def test_cli_exports_the_head_and_verifies_against_it(env: Env, tmp_path: Path) -> None:
    """``hsekg audit head --out FILE`` then ``hsekg audit verify --against FILE``: intact while the chain grows,
    exit 1 naming the entry once it is cut back behind the export (head and HMAC rewritten with the key)."""
    from typer.testing import CliRunner

    from api.cli.main import app
    from api.container import audit_key

    runner = CliRunner()
    settings = env.services.settings
    exported = tmp_path / "head.json"
    head = runner.invoke(app, ["audit", "head", "--out", str(exported)], obj=settings)
    assert head.exit_code == 0, head.output
    printed = json.loads(head.output.strip().splitlines()[-1])
    assert printed == json.loads(exported.read_text("utf-8"))
    assert set(printed) == {"count", "last_hash", "at", "key_id", "mac"} and printed["count"] == len(_rows(env.engine))
    env.services.audit.record(actor="u", enterprise_id="E1", action="test", target="later", before=None, after={})
    ok = runner.invoke(app, ["audit", "verify", "--against", str(exported)], obj=settings)
    assert ok.exit_code == 0 and "holds the head exported at" in ok.output
    count = printed["count"]
    with Session(env.engine) as session, session.begin():
        kept = session.get(AuditEntryRow, count - 1)
        assert kept is not None
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq >= count))
        key = audit_key(settings)
        session.execute(
            update(AuditHeadRow).values(count=count - 1, last_hash=kept.hash, mac=_head_mac(key, count - 1, kept.hash))
        )
    assert runner.invoke(app, ["audit", "verify"], obj=settings).exit_code == 0  # the insider's cut verifies alone
    cut = runner.invoke(app, ["audit", "verify", "--against", str(exported), "--json"], obj=settings)
    assert cut.exit_code == 1
    payload = json.loads(cut.output.strip().splitlines()[-1])
    assert (payload["ok"], payload["seq"], payload["problem"]) == (False, count, "deleted")
    refused = runner.invoke(app, ["audit", "head"], obj=settings.model_copy(update={"audit_key": SecretStr("x" * 32)}))
    assert refused.exit_code != 0 and "not exporting the head of a broken chain" in str(refused.exception)


def test_cli_anchor_refuses_a_keyed_chain(env: Env) -> None:
    from typer.testing import CliRunner

    from api.cli.main import app

    result = CliRunner().invoke(app, ["audit", "anchor"], obj=env.services.settings)
    assert result.exit_code != 0 and "nothing to anchor" in str(result.exception)


def test_the_api_exports_the_head_and_verifies_against_it(env: Env) -> None:
    client = env.client()
    admin = env.auth("admin")
    head = client.get("/audit/head", headers=admin)
    assert head.status_code == 200 and head.json()["count"] == len(_rows(env.engine))
    assert client.get("/audit/head", headers=env.auth("manager")).status_code == 403
    ok = client.post("/audit/verify", json=head.json(), headers=admin).json()
    assert (ok["ok"], ok["unkeyed"]) == (True, 0)
    altered = client.post("/audit/verify", json={**head.json(), "at": "2020-01-01T00:00:00+00:00"}, headers=admin)
    assert altered.status_code == 422 and "altered" in altered.json()["detail"]
    with Session(env.engine) as session, session.begin():
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 2).values(after='{"v":-1}'))
    broken = client.post("/audit/verify", json=head.json(), headers=admin).json()
    assert (broken["ok"], broken["seq"], broken["problem"]) == (False, 2, "changed")
    refused = client.get("/audit/head", headers=admin)
    assert refused.status_code == 409 and "broken chain" in refused.json()["detail"]
