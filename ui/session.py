"""The UI session: the API address of this Streamlit session and the logged-in user, who survives a reload
and a new tab until the token expires.

The token and the user are kept server-side in :data:`ui.session_store.STORE`, keyed by a random session
id; this session's ``st.session_state`` holds only that id. The browser holds the same id in an HttpOnly
cookie that ``ui.server`` sets when the page posts the login's one-time ticket (a small
``st.components.v2`` component does the post, and the ``DELETE`` at logout): page scripts never see the
token or the cookie, and neither ever appears in the URL. A reload or a new tab starts a new Streamlit
session; :func:`restore` finds its user through ``st.context.cookies``. Logout (or the API refusing the
token) ends the stored session, which logs out every tab at its next run, and clears the cookie.

The HTTP connection pool is a cached resource shared by every session of the process; the token is
per user and sent with each request, so the API decides every read and write for that user.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping

import httpx
import streamlit as st

from api.contracts.common import UserOut
from api.contracts.permissions import PERMISSIONS
from ui.client import ApiClient, open_http
from ui.session_store import COOKIE, ROUTE, STORE, BrowserSession

__all__ = [
    "DEFAULT_API_URL",
    "ROLE_NAMES",
    "allowed",
    "api",
    "api_url",
    "configure",
    "current_user",
    "identity",
    "log_in",
    "log_out",
    "logged_in",
    "restore",
    "sync_browser",
]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8000"

_URL = "hsekg_api_url"
_SID = "hsekg_sid"
#: What the browser still has to be told: ("POST", ticket) after a login, ("DELETE", nonce) after a logout.
_PENDING = "hsekg_cookie_pending"

ROLE_NAMES = {"admin": "管理员", "expert": "专家", "manager": "安全环保负责人", "inspector": "检查员", "viewer": "只读"}

# Runs in the page: one fetch per request (the module keeps which were sent, as a rerun may mount it again),
# same-origin so that the answer's Set-Cookie lands; tells Python whether it went through.
_COOKIE_JS = """
const sent = new Set();
export default function ({ data, setTriggerValue }) {
  if (!data || sent.has(data.ref)) return;
  sent.add(data.ref);
  fetch(data.url, {
    method: data.method,
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Content-Type": "application/json" },
    body: data.method === "POST" ? JSON.stringify({ ticket: data.ref }) : undefined,
  }).then((r) => setTriggerValue("done", r.ok), () => setTriggerValue("done", false));
}
"""

_cookie_request = st.components.v2.component("hsekg_session_cookie", js=_COOKIE_JS)


def configure(api_url: str) -> None:
    """Set the API address for this session (called by the entry script with the configured value)."""
    st.session_state[_URL] = api_url.rstrip("/")


def api_url() -> str:
    """The API address of this session."""
    return str(st.session_state.get(_URL, DEFAULT_API_URL))


@st.cache_resource(show_spinner=False)
def _http(api_url: str) -> httpx.Client:
    return open_http(api_url)


def _stored() -> BrowserSession | None:
    sid = st.session_state.get(_SID)
    return STORE.get(sid) if isinstance(sid, str) else None


def api() -> ApiClient:
    """A client of the API carrying this session's token (if logged in)."""
    stored = _stored()
    return ApiClient(_http(api_url()), token=stored.token if stored else None)


def log_in(username: str, password: str) -> UserOut:
    """Log in through the API, store the token and the user, and have the browser given its cookie
    (by :func:`sync_browser` on the next run).

    Raises:
        ApiError: wrong credentials, too many attempts, API unreachable.
    """
    client = ApiClient(_http(api_url()))
    granted = client.login(username, password)
    user = client.me()
    sid, ticket = STORE.open(granted.access_token, user, lifetime=granted.expires_in)
    _forget()
    st.session_state[_SID] = sid
    st.session_state[_PENDING] = ("POST", ticket)
    return user


def log_out() -> None:
    """End the stored session (every tab of it is logged out at its next run), have the browser's cookie
    cleared, and forget everything this session held for the user (answers, reports, choices)."""
    sid = st.session_state.get(_SID)
    if isinstance(sid, str):
        STORE.end(sid)
    _forget()
    st.session_state[_PENDING] = ("DELETE", secrets.token_hex(8))


def _forget() -> None:
    for key in list(st.session_state):
        if key != _URL:
            del st.session_state[key]


def restore(cookies: Mapping[str, str]) -> None:
    """At the start of each run: take up the session of the browser's cookie if this Streamlit session
    has none (a reload, a new tab), and forget a session that ended meanwhile (logout in another tab,
    the token's lifetime over)."""
    sid = st.session_state.get(_SID)
    if isinstance(sid, str):
        if STORE.get(sid) is None:
            _forget()
        return
    cookie = cookies.get(COOKIE)
    if cookie and STORE.get(cookie) is not None:
        st.session_state[_SID] = cookie


def sync_browser() -> None:
    """Send the browser the cookie request still pending (after a login or a logout), once."""
    pending = st.session_state.get(_PENDING)
    if not isinstance(pending, tuple):
        return
    method, ref = pending
    # a fixed key: a component's key must not hold "__", which a ticket may (the page tells requests apart by ref)
    result = _cookie_request(
        key="hsekg_cookie", data={"url": ROUTE, "method": method, "ref": ref}, on_done_change=_ignore
    )
    done = result.get("done")
    if done is not None:
        st.session_state.pop(_PENDING, None)
        if not done:
            log.warning("the browser could not %s its session cookie", "get" if method == "POST" else "clear")


def _ignore() -> None:
    """The component's trigger needs a callback; its value is read in the run."""


def logged_in() -> bool:
    """Whether this session belongs to a live stored session."""
    return _stored() is not None


def current_user() -> UserOut | None:
    """The logged-in user, if any."""
    stored = _stored()
    return stored.user if stored else None


def identity() -> str:
    """What cached enterprise data is keyed by: the API, the user and the enterprise (not the token,
    which changes at every login)."""
    user = current_user()
    who = f"{user.username}@{user.enterprise_id}" if user else "-"
    return f"{api_url()}|{who}"


def allowed(route_name: str) -> bool:
    """Whether the user's role may call a route, by the API's authorisation matrix (the API still
    decides; this only hides buttons that would be refused). Unknown routes are left to the API."""
    user = current_user()
    if user is None:
        return False
    roles = PERMISSIONS.get(route_name)
    return roles is None or user.role in roles
