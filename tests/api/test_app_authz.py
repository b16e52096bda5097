"""The authorisation matrix, table-driven: every route × every role is allowed or denied as the matrix
says, and allowed roles are still refused another enterprise's (or department's) data."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute

from api.services.review.proposals import RunInput
from api.services.security import PERMISSIONS, PUBLIC_ROUTES, ROLES
from retrieval.change.models import IndicatorProposal, Verdict
from scoring.service import ScoringService
from tests.api import test_app_support as support
from tests.api.test_app_enterprises import seed_enterprises, upload
from tests.api.test_app_support import Env, batch, record

# the shared fixtures, registered in this module
shared_env = support.shared_env
graph = support.graph
kb = support.kb

Call = tuple[str, str, dict[str, Any]]
_counter = itertools.count()


def _unique() -> int:
    return next(_counter)


#: route name → a valid request (method, path, keyword arguments of the test client)
REQUESTS: dict[str, Callable[[], Call]] = {
    "auth.me": lambda: ("GET", "/auth/me", {}),
    "users.create": lambda: (
        "POST",
        "/users",
        {"json": {"username": f"new{_unique()}", "password": "0123456789ab", "role": "viewer"}},
    ),
    "users.list": lambda: ("GET", "/users", {}),
    "regulations.list": lambda: ("GET", "/regulations", {"params": {"limit": 2}}),
    "regulations.get": lambda: ("GET", "/regulations/安全生产法", {}),
    "regulations.clauses": lambda: ("GET", "/regulations/安全生产法/clauses", {}),
    "clauses.get": lambda: ("GET", "/clauses/安全生产法%2328", {}),
    "clauses.text": lambda: ("GET", "/clauses/安全生产法%2328/text", {}),
    "processes.list": lambda: ("GET", "/processes", {}),
    "processes.get": lambda: ("GET", "/processes/p_weld", {}),
    "processes.risks": lambda: ("GET", "/processes/p_weld/risks", {}),
    "risks.list": lambda: ("GET", "/risks", {}),
    "risks.get": lambda: ("GET", "/risks/r_fume", {}),
    "risks.obligations": lambda: ("GET", "/risks/r_fume/obligations", {}),
    "obligations.list": lambda: ("GET", "/obligations", {}),
    "obligations.get": lambda: ("GET", "/obligations/o_fume", {}),
    "indicators.list": lambda: ("GET", "/indicators", {}),
    "indicators.get": lambda: ("GET", "/indicators/i_fume", {}),
    "indicators.reviews": lambda: ("GET", "/indicators/i_fume/reviews", {}),
    "indicators.review": lambda: ("POST", "/indicators/i_fume/review", {"json": {"decision": "approve"}}),
    "qa.ask": lambda: ("POST", "/qa", {"json": {"question": "焊接作业要求?"}}),
    "records.submit": lambda: ("POST", "/records", {"json": record(1000 + _unique())}),
    "records.batch": lambda: ("POST", "/records/batch", {"json": batch(f"b{_unique()}", [record(2000 + _unique())])}),
    "records.get": lambda: ("GET", "/records/1", {}),
    "records.list": lambda: ("GET", "/records", {"params": {"period": "2026-10", "limit": 5}}),
    "scores.run": lambda: ("POST", "/scores/2026-10/run", {}),
    "scores.get": lambda: ("GET", "/scores/2026-10", {}),
    "exports.rules": lambda: ("GET", "/exports/rules.xlsx", {}),
    "exports.scorecard": lambda: ("GET", "/exports/scorecard/2026-10.xlsx", {}),
    "audit.list": lambda: ("GET", "/audit", {}),
    "audit.verify": lambda: ("POST", "/audit/verify", {}),
    "audit.head": lambda: ("GET", "/audit/head", {}),
    "security.events": lambda: ("GET", "/security/events", {}),
    "processes.graph": lambda: ("GET", "/processes/p_weld/graph", {}),
    "processes.risk_map": lambda: ("GET", "/processes/p_weld/risk-map", {}),
    "proposals.run": lambda: (
        "POST",
        "/proposals/runs",
        {"json": {"scenario": {"change": {"type": "add_process", "description": "新增焊接工位，使用气保焊"}}}},
    ),
    "proposals.list": lambda: ("GET", "/proposals", {}),
    "proposals.facets": lambda: ("GET", "/proposals/facets", {}),
    "proposals.get": lambda: ("GET", f"/proposals/{PROPOSAL['E1']}", {}),
    "proposals.decisions": lambda: ("GET", f"/proposals/{PROPOSAL['E1']}/decisions", {}),
    # a decision is final: every call decides a proposal of its own
    "proposals.decide": lambda: ("POST", f"/proposals/{_undecided('E1')}/decision", {"json": {"decision": "approve"}}),
    "proposals.bulk": lambda: (
        "POST",
        "/proposals/decisions",
        {"json": {"ids": [PROPOSAL["E1"]], "decision": "approve"}},
    ),
    "gaps.run": lambda: ("POST", "/gaps", {"json": {"scenario": {"processes": [{"name": "焊接"}], "indicators": []}}}),
    "gaps.upload": lambda: (
        "POST",
        "/gaps/upload",
        {
            "files": {"file": ("r.json", '[{"name": "焊烟净化设施完好率"}]'.encode(), "application/json")},
            "data": {"processes": "焊接"},
        },
    ),
    "gaps.rules": lambda: ("GET", "/enterprises/E1/rules", {}),
    "impact.get": lambda: ("GET", "/impact/大气污染防治法", {}),
    "enterprises.import": lambda: ("POST", "/enterprises/import", upload()),
    "enterprises.get": lambda: ("GET", "/enterprises/E1", {}),
    "enterprises.profile": lambda: ("GET", "/enterprises/E1/profile", {}),
    "enterprises.flow": lambda: ("GET", "/enterprises/E1/flow", {}),
    "enterprises.confirm": lambda: ("POST", "/enterprises/E1/confirm", {"json": {"accept_all": True}}),
    "enterprises.diff": lambda: ("POST", "/enterprises/E1/diff", upload()),
}


#: enterprise → a stored proposal of it, and proposals no call has decided yet (set by the ``env`` fixture)
PROPOSAL: dict[str, str] = {}
UNDECIDED: dict[str, list[str]] = {}


def _undecided(enterprise: str) -> str:
    return UNDECIDED[enterprise].pop()


@pytest.fixture(scope="module")
def env(shared_env: Env) -> Env:
    for ent in ("E1", "E2"):
        indicator = IndicatorProposal(
            name="焊烟净化设施完好率", level="部门", verdicts=[Verdict(rule="r", ok=True, reason="ok")]
        )
        run = RunInput(source="change", enterprise_id=ent)
        ids = [v.id for v in shared_env.services.review_queue.add_run(run, [indicator] * 20, actor="t")[1]]
        PROPOSAL[ent], UNDECIDED[ent] = ids[0], ids[1:]
    client = shared_env.client()
    for ent, unit in (("E1", "P1"), ("E2", "P3")):
        r = client.post(
            "/records/batch",
            json=batch(f"seed-{ent}", [record(k, unit=unit) for k in range(3)]),
            headers=shared_env.auth("inspector", ent),
        )
        assert r.status_code == 200 and r.json()["accepted"] == 3
        ScoringService(shared_env.engine).score("2026-10", enterprise_id=ent)
    seed_enterprises(shared_env)
    return shared_env


def test_every_route_is_in_the_matrix_and_the_table() -> None:
    from api.http.routes import ROUTERS

    names = {r.name for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)}
    assert len(names) == sum(len(router.routes) for router in ROUTERS)  # names are unique
    assert names - PUBLIC_ROUTES == set(PERMISSIONS)
    assert set(REQUESTS) == set(PERMISSIONS)


@pytest.mark.parametrize(("route", "role"), sorted(itertools.product(PERMISSIONS, ROLES)))
def test_matrix(env: Env, route: str, role: str) -> None:
    method, path, kwargs = REQUESTS[route]()
    response = env.client().request(method, path, headers=env.auth(role), **kwargs)
    if role in PERMISSIONS[route]:
        assert response.status_code < 300, (route, role, response.text)
    else:
        assert response.status_code == 403, (route, role, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("route", sorted(PERMISSIONS))
def test_no_token_is_401(env: Env, route: str) -> None:
    method, path, kwargs = REQUESTS[route]()
    response = env.client().request(method, path, **kwargs)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


OTHER_ENTERPRISE: dict[str, Callable[[], Call]] = {
    "records.submit": lambda: ("POST", "/records", {"json": record(3000 + _unique(), unit="P3")}),
    "records.batch": lambda: (
        "POST",
        "/records/batch",
        {"json": batch(f"x{_unique()}", [record(4000 + _unique()), record(4000 + _unique(), unit="P3")])},
    ),
    "records.get": lambda: ("GET", "/records/4", {}),  # records 4-6 were seeded for E2
    "proposals.get": lambda: ("GET", f"/proposals/{PROPOSAL['E2']}", {}),
    "proposals.decisions": lambda: ("GET", f"/proposals/{PROPOSAL['E2']}/decisions", {}),
    "proposals.decide": lambda: ("POST", f"/proposals/{PROPOSAL['E2']}/decision", {"json": {"decision": "approve"}}),
    "gaps.rules": lambda: ("GET", "/enterprises/E2/rules", {}),
    "enterprises.get": lambda: ("GET", "/enterprises/E2", {}),
    "enterprises.profile": lambda: ("GET", "/enterprises/E2/profile", {}),
    "enterprises.flow": lambda: ("GET", "/enterprises/E2/flow", {}),
    "enterprises.confirm": lambda: ("POST", "/enterprises/E2/confirm", {"json": {"accept_all": True}}),
    "enterprises.diff": lambda: ("POST", "/enterprises/E2/diff", upload()),
}


@pytest.mark.parametrize(("route", "role"), sorted((r, role) for r in OTHER_ENTERPRISE for role in PERMISSIONS[r]))
def test_other_enterprise_data_is_denied(env: Env, route: str, role: str) -> None:
    method, path, kwargs = OTHER_ENTERPRISE[route]()
    response = env.client().request(method, path, headers=env.auth(role, "E1"), **kwargs)
    assert response.status_code == 403, response.text
    assert "enterprise 'E2'" in response.json()["detail"]


def test_department_scoped_inspector_is_limited_to_its_department(env: Env) -> None:
    client = env.client()
    own = client.post("/records", json=record(5000, unit="P2"), headers=env.auth("inspector-d2"))
    other = client.post("/records", json=record(5001, unit="P1"), headers=env.auth("inspector-d2"))
    assert own.status_code == 201 and own.json()["status"] == "accepted"
    assert other.status_code == 403 and "department 'D2'" in other.json()["detail"]
    own_id = own.json()["record_id"]
    assert client.get(f"/records/{own_id}", headers=env.auth("inspector-d2")).status_code == 200
    # record 1 was seeded for unit P1 of department D1
    foreign = client.get("/records/1", headers=env.auth("inspector-d2"))
    assert foreign.status_code == 403 and "department 'D2'" in foreign.json()["detail"]


@pytest.mark.parametrize("route", ["users.list", "audit.list", "records.list"])
def test_enterprise_lists_show_only_own_enterprise(env: Env, route: str) -> None:
    method, path, kwargs = REQUESTS[route]()
    body = env.client().request(method, path, headers=env.auth("admin", "E2"), **kwargs).json()
    items = body["items"] if isinstance(body, dict) else body
    assert items and {i["enterprise_id"] for i in items} == {"E2"}


def test_deactivated_user_token_stops_working(env: Env) -> None:
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from api.services.storage import UserRow

    client = env.client()
    assert client.get("/auth/me", headers=env.auth("viewer", "E2")).status_code == 200
    with Session(env.engine) as session, session.begin():
        session.execute(update(UserRow).where(UserRow.username == "e2-viewer").values(active=False))
    assert client.get("/auth/me", headers=env.auth("viewer", "E2")).status_code == 401
