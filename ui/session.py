"""The UI session: the API address, the logged-in user and their token, kept in ``st.session_state``.

The HTTP connection pool is a cached resource shared by every session of the process; the token is
per session and sent with each request, so the API decides every read and write for that user.
"""

from __future__ import annotations

import httpx
import streamlit as st

from api.contracts.common import UserOut
from api.contracts.permissions import PERMISSIONS
from ui.client import ApiClient, open_http

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
]

DEFAULT_API_URL = "http://127.0.0.1:8000"

_URL = "hsekg_api_url"
_TOKEN = "hsekg_token"
_USER = "hsekg_user"

ROLE_NAMES = {"admin": "管理员", "expert": "专家", "manager": "安全环保负责人", "inspector": "检查员", "viewer": "只读"}


def configure(api_url: str) -> None:
    """Set the API address for this session (called by the entry script with the configured value)."""
    st.session_state[_URL] = api_url.rstrip("/")


def api_url() -> str:
    """The API address of this session."""
    return str(st.session_state.get(_URL, DEFAULT_API_URL))


@st.cache_resource(show_spinner=False)
def _http(api_url: str) -> httpx.Client:
    return open_http(api_url)


def api() -> ApiClient:
    """A client of the API carrying this session's token (if logged in)."""
    url = api_url()
    token = st.session_state.get(_TOKEN)
    return ApiClient(_http(url), token=token if isinstance(token, str) else None)


def log_in(username: str, password: str) -> UserOut:
    """Log in through the API and remember the token and the user for this session.

    Raises:
        ApiError: wrong credentials, too many attempts, API unreachable.
    """
    client = api()
    token = client.login(username, password)
    user = client.me()
    st.session_state[_TOKEN] = token
    st.session_state[_USER] = user
    return user


def log_out() -> None:
    """Forget the token, the user and everything the session held for them (answers, reports, choices)."""
    for key in list(st.session_state):
        if key != _URL:
            del st.session_state[key]


def logged_in() -> bool:
    """Whether this session holds a token."""
    return isinstance(st.session_state.get(_TOKEN), str) and isinstance(st.session_state.get(_USER), UserOut)


def current_user() -> UserOut | None:
    """The logged-in user, if any."""
    user = st.session_state.get(_USER)
    return user if isinstance(user, UserOut) else None


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
