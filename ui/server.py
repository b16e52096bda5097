"""The expert UI as an ASGI app: Streamlit's ``st.App`` running ``app.py``, plus the route that gives the
browser its session cookie (what ``hsekg serve`` starts: ``streamlit run ui/server.py``).

``POST /hsekg/session`` with ``{"ticket": …}`` (the one-time ticket a login issued, posted by the page)
answers 204 and sets the cookie: HttpOnly, ``SameSite=Strict``, ``Secure`` over HTTPS, Max-Age what the
token has left. ``DELETE /hsekg/session`` ends the session of the cookie it carries and clears the cookie.
Why a cookie set by the server rather than browser storage: see :mod:`ui.session_store`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ui.session_store import COOKIE, ROUTE, STORE

__all__ = ["app", "session_routes"]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _answer(status: int) -> Response:
    return Response(status_code=status, headers={"Cache-Control": "no-store"})


async def claim(request: Request) -> Response:
    """Exchange a login's ticket for the session cookie (403 for an unknown, used or expired ticket)."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    ticket = body.get("ticket") if isinstance(body, dict) else None
    claimed = STORE.claim(ticket) if isinstance(ticket, str) else None
    if claimed is None:
        return _answer(403)
    sid, max_age = claimed
    response = _answer(204)
    response.set_cookie(
        COOKIE, sid, max_age=max_age, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


async def end(request: Request) -> Response:
    """End the session of the request's cookie (if any) and clear the cookie."""
    sid = request.cookies.get(COOKIE)
    if sid:
        STORE.end(sid)
    response = _answer(204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


def session_routes() -> list[BaseRoute]:
    """The session cookie's routes."""
    return [Route(ROUTE, claim, methods=["POST"]), Route(ROUTE, end, methods=["DELETE"])]


app = st.App(Path(__file__).with_name("app.py"), routes=session_routes())
