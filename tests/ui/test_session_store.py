"""The UI's server-side sessions and the route that gives the browser its cookie: a ticket buys the cookie
once, the cookie is HttpOnly and lasts what the token has left, logout ends the session and clears it; a
new Streamlit session takes up the login of its cookie."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from api.contracts.common import UserOut
from ui.server import session_routes
from ui.session_store import COOKIE, ROUTE, STORE, TICKET_SECONDS, SessionStore

USER = UserOut(username="demo-expert", role="expert", enterprise_id="demo", department_id=None)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> SessionStore:
    return SessionStore(clock)


def test_a_ticket_buys_its_session_once(store: SessionStore, clock: Clock) -> None:
    sid, ticket = store.open("tok", USER, lifetime=900)
    clock.now += 10
    assert store.claim(ticket) == (sid, 890)
    assert store.claim(ticket) is None
    stored = store.get(sid)
    assert stored is not None and (stored.token, stored.user) == ("tok", USER)


def test_ids_and_tickets_are_random_and_apart_from_the_token(store: SessionStore) -> None:
    (sid1, ticket1), (sid2, ticket2) = store.open("tok", USER, lifetime=900), store.open("tok", USER, lifetime=900)
    assert len({sid1, sid2, ticket1, ticket2}) == 4
    assert all(len(v) >= 43 and "tok" not in v for v in (sid1, ticket1))  # 32 random bytes, base64url


def test_a_ticket_not_claimed_in_time_buys_nothing(store: SessionStore, clock: Clock) -> None:
    _, ticket = store.open("tok", USER, lifetime=900)
    clock.now += TICKET_SECONDS
    assert store.claim(ticket) is None


def test_a_session_ends_with_its_token(store: SessionStore, clock: Clock) -> None:
    sid, ticket = store.open("tok", USER, lifetime=900)
    clock.now += 899
    assert store.get(sid) is not None
    clock.now += 1
    assert store.get(sid) is None
    assert store.claim(ticket) is None


def test_logout_ends_the_session_and_its_unclaimed_ticket(store: SessionStore) -> None:
    sid, ticket = store.open("tok", USER, lifetime=900)
    store.end(sid)
    assert store.get(sid) is None
    assert store.claim(ticket) is None
    assert store.get("not-a-session") is None


@pytest.fixture
def routes(monkeypatch: pytest.MonkeyPatch, store: SessionStore) -> TestClient:
    monkeypatch.setattr("ui.server.STORE", store)
    return TestClient(Starlette(routes=session_routes()), base_url="http://ui.test")


def _set_cookie(headers: list[str]) -> SimpleCookie:
    [header] = headers
    cookie = SimpleCookie()
    cookie.load(header)
    return cookie


def test_the_route_sets_an_http_only_strict_cookie_for_what_the_token_has_left(
    routes: TestClient, store: SessionStore, clock: Clock
) -> None:
    sid, ticket = store.open("the-bearer-token", USER, lifetime=900)
    clock.now += 30
    answer = routes.post(ROUTE, json={"ticket": ticket})
    assert answer.status_code == 204
    header = answer.headers.get_list("set-cookie")
    assert "the-bearer-token" not in header[0]
    morsel = _set_cookie(header)[COOKIE]
    assert morsel.value == sid
    assert (morsel["max-age"], morsel["path"], morsel["samesite"].lower()) == ("870", "/", "strict")
    assert morsel["httponly"] and not morsel["secure"]  # Secure over HTTPS only: the test speaks plain HTTP
    assert answer.headers["cache-control"] == "no-store"


def test_the_route_refuses_a_used_forged_or_missing_ticket(routes: TestClient, store: SessionStore) -> None:
    _, ticket = store.open("tok", USER, lifetime=900)
    assert routes.post(ROUTE, json={"ticket": ticket}).status_code == 204
    for body in ({"ticket": ticket}, {"ticket": "forged"}, {}, ["x"]):
        answer = routes.post(ROUTE, json=body)
        assert (answer.status_code, answer.headers.get("set-cookie")) == (403, None), body
    assert routes.post(ROUTE, content=b"not json").status_code == 403


def test_the_route_sets_a_secure_cookie_over_https(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ui.server.STORE", store)
    client = TestClient(Starlette(routes=session_routes()), base_url="https://ui.test")
    _, ticket = store.open("tok", USER, lifetime=900)
    assert _set_cookie(client.post(ROUTE, json={"ticket": ticket}).headers.get_list("set-cookie"))[COOKIE]["secure"]


def test_delete_ends_the_cookie_s_session_and_clears_the_cookie(routes: TestClient, store: SessionStore) -> None:
    sid, ticket = store.open("tok", USER, lifetime=900)
    routes.post(ROUTE, json={"ticket": ticket})
    answer = routes.delete(ROUTE)
    assert answer.status_code == 204
    morsel = _set_cookie(answer.headers.get_list("set-cookie"))[COOKIE]
    assert (morsel.value, morsel["max-age"], morsel["path"]) == ("", "0", "/")
    assert store.get(sid) is None


def _restoring(cookie: str) -> None:
    """A script run of a new Streamlit session (a reload, a new tab) whose browser sends ``cookie``."""
    import streamlit as st

    from ui import session
    from ui.session_store import COOKIE

    session.restore({COOKIE: cookie} if cookie else {})
    user = session.current_user()
    st.markdown(user.username if user else "-")


def _who(cookie: str) -> AppTest:
    at = AppTest.from_function(_restoring, args=(cookie,), default_timeout=30)
    return at.run()


def test_a_new_streamlit_session_takes_up_the_login_of_its_cookie() -> None:
    sid, _ = STORE.open("tok", USER, lifetime=900)
    assert _who(sid).markdown[0].value == "demo-expert"
    assert _who("not-a-session").markdown[0].value == "-"
    assert _who("").markdown[0].value == "-"


def test_a_session_ended_elsewhere_is_forgotten_at_the_next_run() -> None:
    sid, _ = STORE.open("tok", USER, lifetime=900)
    at = _who(sid)
    at.session_state["kept_for_the_user"] = "an answer"
    STORE.end(sid)  # logout in another tab
    at.run()
    assert at.markdown[0].value == "-"
    assert "hsekg_sid" not in at.session_state and "kept_for_the_user" not in at.session_state
