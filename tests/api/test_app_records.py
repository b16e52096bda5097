"""Records through the API: offline batches stored exactly once whatever the retries (also concurrent ones, on
SQLite and PostgreSQL), the filtered and scoped list, plus the CLI."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli.audit import audit_verify
from api.cli.server import users_add
from api.services.storage import AuditEntryRow
from kg.corpus import KnowledgeBase
from kg.ladybug_store import LadybugGraphStore
from scoring.db import CHINA_TZ, InspectionRecord
from scoring.intake import RecordIntake
from scoring.schemas import BatchIn
from tests.api import test_app_support as support
from tests.api.test_app_support import FIRE, Env, batch, build_env, record

# the shared fixtures, registered in this module
env = support.env
graph = support.graph
kb = support.kb


def _count(env: Env) -> int:
    with Session(env.engine) as session:
        return int(session.execute(select(func.count()).select_from(InspectionRecord)).scalar_one())


def test_batches_retried_duplicated_and_shuffled_store_each_record_once(env: Env) -> None:
    records = [record(k) for k in range(60)]
    rnd = random.Random(7)
    batches = [batch(f"b{i}", records[i : i + 10]) for i in range(0, 60, 10)]
    retries = [dict(b) for b in rnd.sample(batches, 3)]  # the same batch resent
    shuffled = batch("all", rnd.sample(records, len(records)))  # everything again, another order
    submissions = batches + retries + [shuffled]
    rnd.shuffle(submissions)

    def send(body: dict[str, object]) -> dict[str, object]:
        response = env.client().post("/records/batch", json=body, headers=env.auth("inspector"))
        assert response.status_code == 200, response.text
        return dict(response.json())

    # sequential here; concurrent resends are the next test's
    results = [send(body) for body in submissions]
    accepted = sum(int(str(r["accepted"])) for r in results)
    assert accepted == 60 and _count(env) == 60
    assert all(r["rejected"] == 0 for r in results)
    with Session(env.engine) as session:
        audited = session.execute(
            select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.action == "records.batch")
        ).scalar_one()
    assert audited == sum(1 for r in results if r["accepted"])


def test_single_record_retry_is_duplicate_and_conflicting_reuse_is_rejected(env: Env) -> None:
    client = env.client()
    first = client.post("/records", json=record(1), headers=env.auth("inspector"))
    again = client.post("/records", json=record(1), headers=env.auth("inspector"))
    other = client.post("/records", json=record(1, note="改过的备注"), headers=env.auth("inspector"))
    # the status code tells the truth: created, nothing created, refused (problem+json with the reason)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 422)
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert again.json()["record_id"] == first.json()["record_id"] and _count(env) == 1
    assert other.headers["content-type"] == "application/problem+json"
    detail = other.json()["detail"]
    assert detail.startswith("record 'dev-P1-00001' rejected: ") and "different record" in detail


def test_a_record_the_intake_refuses_is_422_with_its_reason_and_stores_nothing(env: Env) -> None:
    client = env.client()
    unknown = client.post("/records", json={**record(7), "indicator_id": "ind_no_such"}, headers=env.auth("inspector"))
    assert unknown.status_code == 422 and "ind_no_such" in unknown.json()["detail"]
    assert _count(env) == 0
    # in a batch the same record is one rejected result among the others, and the batch answers 200
    body = batch("b-mixed", [record(8), {**record(9), "indicator_id": "ind_no_such"}])
    answer = client.post("/records/batch", json=body, headers=env.auth("inspector"))
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "rejected"] and _count(env) == 1


def test_ids_stored_between_read_and_insert_are_answered_as_repeats(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    intake = RecordIntake(env.engine)
    first = intake.submit_batch(BatchIn.model_validate(batch("b1", [record(1), record(2)])))
    assert first.accepted == 2
    ids = {r.client_id: r.record_id for r in first.results}
    # the intake no longer sees stored ids, as if a concurrent request committed them after its read
    context = RecordIntake._context
    monkeypatch.setattr(
        RecordIntake, "_context", lambda self, conn, recs: replace(context(self, conn, recs), stored={})
    )
    changed = record(2, note="另一条记录")
    again = intake.submit_batch(BatchIn.model_validate(batch("b2", [record(1), record(1), changed, changed])))
    statuses = [(r.status, r.record_id) for r in again.results]
    assert statuses == [
        ("duplicate", ids["dev-P1-00001"]),
        ("duplicate", ids["dev-P1-00001"]),
        ("rejected", None),
        ("rejected", None),
    ]
    assert "already holds a different record" in again.results[3].reason and _count(env) == 2


def test_records_list_filters_pages_and_stays_in_scope(env: Env) -> None:
    client = env.client()
    september = datetime(2026, 9, 30, 23, 30, tzinfo=CHINA_TZ).isoformat()
    seeded = {
        ("E1", "b-p1"): [record(k) for k in range(10)] + [record(99, observed_at=september)],
        ("E1", "b-p2"): [record(k, unit="P2") for k in range(5)],
        ("E2", "b-p3"): [record(k, unit="P3") for k in range(3)],
    }
    for (ent, batch_id), records in seeded.items():
        r = client.post("/records/batch", json=batch(batch_id, records), headers=env.auth("inspector", ent))
        assert r.status_code == 200 and r.json()["accepted"] == len(records)

    def listed(role: str = "manager", ent: str = "E1", **params: object) -> dict[str, Any]:
        response = client.get("/records", params=params, headers=env.auth(role, ent))
        assert response.status_code == 200, response.text
        return dict(response.json())

    everything = listed()
    assert everything["total"] == 16 and {i["enterprise_id"] for i in everything["items"]} == {"E1"}
    observed = [i["observed_at"] for i in everything["items"]]
    assert observed == sorted(observed, reverse=True) and everything["items"][0]["note"].startswith("检查记录")
    assert listed(period="2026-10")["total"] == 15 and listed(period="2026-09")["total"] == 1
    assert listed(period="2026")["total"] == 16 and listed(period="2025-10")["total"] == 0
    assert listed(unit_id="P2")["total"] == 5 and listed(level="岗位", unit_id="P1", period="2026-10")["total"] == 10
    assert listed(level="部门")["total"] == 0
    assert listed(indicator_id=FIRE)["total"] == 16 and listed(indicator_id="ind_unknown")["total"] == 0
    page = listed(limit=4, offset=4)
    assert (page["total"], page["limit"], page["offset"]) == (16, 4, 4)
    assert [i["id"] for i in page["items"]] == [i["id"] for i in everything["items"][4:8]]
    # another enterprise's units are invisible, not an error; a department-scoped inspector sees its posts
    assert listed(ent="E2")["total"] == 3 and listed(ent="E2", unit_id="P1")["total"] == 0
    scoped = listed("inspector-d2")
    assert scoped["total"] == 5 and {i["unit_id"] for i in scoped["items"]} == {"P2"}
    assert listed("inspector-d2", unit_id="P1")["total"] == 0
    assert client.get("/records", headers=env.auth("viewer")).status_code == 403
    for bad in ({"period": "2026-13"}, {"period": "10/2026"}, {"limit": 0}, {"level": "班组"}):
        assert client.get("/records", params=bad, headers=env.auth("manager")).status_code == 422, bad


def test_a_period_is_a_month_or_year_of_china_time(env: Env) -> None:
    client = env.client()
    moments = {  # China time; the second and third are still 2025 in UTC
        "dec": datetime(2025, 12, 31, 23, 30, tzinfo=CHINA_TZ),
        "jan": datetime(2026, 1, 1, 0, 30, tzinfo=CHINA_TZ),
        "feb": datetime(2026, 2, 1, 7, 59, tzinfo=CHINA_TZ),
    }
    records = [record(k, observed_at=at.isoformat()) for k, at in enumerate(moments.values())]
    assert (
        client.post("/records/batch", json=batch("b-y", records), headers=env.auth("inspector")).json()["accepted"] == 3
    )

    def total(period: str) -> int:
        r = client.get("/records", params={"period": period}, headers=env.auth("manager"))
        assert r.status_code == 200, r.text
        return int(r.json()["total"])

    assert [total(p) for p in ("2025-12", "2026-01", "2026-02", "2025", "2026", "2026-12")] == [1, 1, 1, 1, 2, 0]


def test_cli_users_add_and_audit_verify(env: Env) -> None:
    app = typer.Typer()
    app.command("users-add")(users_add)
    app.command("audit-verify")(audit_verify)
    runner = CliRunner()
    settings = env.services.settings
    args = ["users-add", "zhao", "--role", "inspector", "--enterprise", "E1", "--department", "D1", "--password-stdin"]
    result = runner.invoke(app, args, input="a-long-cli-password\n", obj=settings)
    assert result.exit_code == 0, result.output
    assert "zhao (inspector) created in E1/D1" in result.output
    token = env.client().post("/auth/token", data={"username": "zhao", "password": "a-long-cli-password"})
    assert token.status_code == 200
    short = runner.invoke(
        app,
        ["users-add", "qian", "--role", "viewer", "--enterprise", "E1", "--password-stdin"],
        input="short\n",
        obj=settings,
    )
    assert short.exit_code != 0 and "at least 10 characters" in str(short.exception)
    ok = runner.invoke(app, ["audit-verify", "--json"], obj=settings)
    assert ok.exit_code == 0 and '"ok": true' in ok.output
    with Session(env.engine, expire_on_commit=False) as session, session.begin():
        row = session.get(AuditEntryRow, 1)
        assert row is not None
        row.target = "user:tampered"
    broken = runner.invoke(app, ["audit-verify"], obj=settings)
    assert broken.exit_code == 1 and "broken at entry 1: changed" in broken.output


def test_concurrent_resends_of_one_batch_store_once_and_never_fail(
    tmp_path: Path, kb: KnowledgeBase, graph: LadybugGraphStore, records_url: str
) -> None:
    env = build_env(tmp_path, kb, graph, records_url=records_url)
    records = [record(k) for k in range(40)]
    same = batch("same", records)
    # other batch ids carrying some of the same records, in both orders (row locks taken in opposite orders)
    overlapping = [batch(f"part{i}", records[i * 10 : i * 10 + 20][:: -1 if i % 2 else 1]) for i in range(3)]
    bodies = [same] * 6 + overlapping * 2
    start = threading.Barrier(len(bodies))

    def send(body: dict[str, object]) -> tuple[int, dict[str, Any]]:
        client = env.client()
        start.wait()
        response = client.post("/records/batch", json=body, headers=env.auth("inspector"))
        return response.status_code, dict(response.json())

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(send, bodies))
    assert [code for code, _ in answers] == [200] * len(bodies), answers
    assert sum(body["accepted"] for _, body in answers) == 40 and _count(env) == 40
    assert all(body["rejected"] == 0 for _, body in answers)
    # every answer names the one stored record of each client id, whoever stored it
    pairs = {(r["client_id"], r["record_id"]) for _, body in answers for r in body["results"]}
    assert len(pairs) == 40 and all(record_id is not None for _, record_id in pairs)
