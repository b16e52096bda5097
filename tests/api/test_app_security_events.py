"""Security events: refused logins, tokens and requests are counted in rows of their own, bounded per minute
whatever the rate, listed to an admin (their enterprise) and to the operator (all)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.services.security import MAX_FAILURES
from api.services.security_events import OVERFLOW, ROWS_PER_MINUTE, SecurityEvents
from api.services.storage import SecurityEventRow, ensure_api_schema
from scoring.db import open_records_db
from tests.api import test_app_support as support
from tests.api.test_app_support import PASSWORD, Env

env = support.env
graph = support.graph
kb = support.kb

T0 = datetime(2026, 11, 5, 12, 0, 5, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _rows(events: SecurityEvents) -> list[tuple[str, str, str, int]]:
    rows, _ = events.find(enterprise_id=None, limit=1000)
    return [(r.kind, r.subject, r.source, r.count) for r in rows]


@pytest.fixture
def events(tmp_path: Path) -> tuple[SecurityEvents, Clock]:
    engine = open_records_db(f"sqlite:///{tmp_path / 'events.db'}")
    ensure_api_schema(engine)
    clock = Clock()
    return SecurityEvents(engine, clock=clock), clock


def test_a_flood_of_one_key_is_one_row_per_minute(events: tuple[SecurityEvents, Clock]) -> None:
    log, clock = events
    for _ in range(200):
        log.record("login_failed", subject="e1-admin", source="10.0.0.9", enterprise_id="E1")
    assert _rows(log) == [("login_failed", "e1-admin", "10.0.0.9", 200)]
    clock.now += timedelta(minutes=1)
    log.record("login_failed", subject="e1-admin", source="10.0.0.9", enterprise_id="E1")
    assert [r[3] for r in _rows(log)] == [1, 200]  # newest minute first


def test_many_subjects_in_a_minute_overflow_into_one_row(events: tuple[SecurityEvents, Clock]) -> None:
    log, _ = events
    for i in range(200):
        log.record("login_failed", subject=f"user{i}", source=f"10.0.{i % 7}.1")
    rows = _rows(log)
    assert len(rows) == ROWS_PER_MINUTE + 1 and sum(r[3] for r in rows) == 200
    overflow = [r for r in rows if r[1] == OVERFLOW]
    assert overflow == [("login_failed", OVERFLOW, OVERFLOW, 200 - ROWS_PER_MINUTE)]
    log.record("forbidden", subject="user1", source="10.0.1.1")  # another kind has its own rows
    assert ("forbidden", "user1", "10.0.1.1", 1) in _rows(log)


def test_rows_past_the_retention_are_dropped(events: tuple[SecurityEvents, Clock]) -> None:
    log, clock = events
    log.record("token_rejected", subject="", source="10.0.0.1", detail="invalid token")
    clock.now += timedelta(days=91)
    log.record("token_rejected", subject="", source="10.0.0.1", detail="invalid token")
    rows, total = log.find(enterprise_id=None)
    assert total == 1 and rows[0].minute == (T0 + timedelta(days=91)).replace(second=0)


def test_recording_never_fails_the_refusal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = open_records_db(f"sqlite:///{tmp_path / 'empty.db'}")  # no API tables
    SecurityEvents(engine).record("login_failed", subject="u", source="s")
    assert "not recorded" in caplog.text


def _count(env: Env, **where: str) -> tuple[int, int]:
    """(rows, sum of counts) of the events matching ``where``."""
    e = SecurityEventRow
    with Session(env.engine) as session:
        stmt = select(func.count(), func.coalesce(func.sum(e.count), 0)).where(
            *(getattr(e, k) == v for k, v in where.items())
        )
        n, total = session.execute(stmt).one()
    return int(n), int(total)


def test_200_failed_logins_of_one_user_give_bounded_rows(env: Env) -> None:
    client = env.client()
    codes = [
        client.post("/auth/token", data={"username": "e1-viewer", "password": "wrong password!"}).status_code
        for _ in range(200)
    ]
    assert codes.count(401) == MAX_FAILURES and codes.count(429) == 200 - MAX_FAILURES
    failed, locked = _count(env, kind="login_failed"), _count(env, kind="login_locked")
    assert failed[1] == MAX_FAILURES and locked[1] == 200 - MAX_FAILURES
    assert failed[0] <= 2 and locked[0] <= 2  # one row a minute (two if the run crossed a minute)
    page = client.get("/security/events", params={"kind": "login_locked"}, headers=env.auth("admin")).json()
    assert page["items"][0]["subject"] == "e1-viewer" and page["items"][0]["enterprise_id"] == "E1"
    assert page["items"][0]["source"] == "testclient"
    other = client.get("/security/events", headers=env.auth("admin", "E2")).json()
    assert other["total"] == 0  # another enterprise's admin does not see E1's


def test_200_failed_logins_of_different_names_give_bounded_rows(env: Env) -> None:
    client = env.client()
    for i in range(200):
        r = client.post("/auth/token", data={"username": f"guess{i}", "password": "wrong password!"})
        assert r.status_code == 401
    rows, total = _count(env, kind="login_failed")
    assert total == 200 and rows <= 2 * (ROWS_PER_MINUTE + 1)


def test_rejected_tokens_and_403s_are_recorded_and_listed_by_the_cli(env: Env) -> None:
    from typer.testing import CliRunner

    from api.cli.main import app

    client = env.client()
    assert client.get("/auth/me", headers={"Authorization": "Bearer garbage.token.here"}).status_code == 401
    assert client.get("/auth/me").status_code == 401
    assert client.post("/audit/verify", headers=env.auth("viewer")).status_code == 403
    assert client.get("/security/events", headers=env.auth("manager")).status_code == 403
    rejected, _ = env.services.security_events.find(enterprise_id=None, kind="token_rejected")
    tokens = {(r.detail, r.count) for r in rejected}
    assert tokens == {("invalid token", 1), ("no token", 1)}
    page = client.get("/security/events", params={"kind": "forbidden"}, headers=env.auth("admin")).json()
    refused = {(i["subject"], i["detail"].split(":")[0]) for i in page["items"]}
    assert refused == {("e1-viewer", "audit.verify"), ("e1-manager", "security.events")}
    result = CliRunner().invoke(app, ["security", "events", "--json"], obj=env.services.settings)
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output.strip().splitlines()[-1])
    kinds = {i["kind"] for i in listed["items"]}
    assert kinds == {"token_rejected", "forbidden"}  # the CLI also shows events of no enterprise
    text = CliRunner().invoke(app, ["security", "events", "--kind", "forbidden"], obj=env.services.settings)
    assert text.exit_code == 0 and "e1-viewer" in text.output and "2 of 2 rows" in text.output
    ok = client.post("/auth/token", data={"username": "e1-viewer", "password": PASSWORD})
    assert ok.status_code == 200 and _count(env, kind="login_failed") == (0, 0)  # a good login is no event


def test_failed_logins_of_many_usernames_leave_one_window_of_rows(tmp_path: Path) -> None:
    """The limiter's own table: usernames each tried once are dropped once their window has passed, not kept until
    the same username fails again."""
    from api.services.security import FAILURE_WINDOW, LoginLimiter
    from api.services.storage import LoginFailureRow

    engine = open_records_db(f"sqlite:///{tmp_path / 'limiter.db'}")
    ensure_api_schema(engine)
    clock = Clock()
    limiter = LoginLimiter(engine, clock=clock)
    for i in range(200):
        limiter.failed(f"guess{i}|10.0.0.9")
    clock.now += FAILURE_WINDOW + timedelta(seconds=1)
    limiter.failed("guess0|10.0.0.9")
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(LoginFailureRow)).scalar_one() == 1
