"""Where the UI keeps its logged-in users between page loads: in the UI server's memory, keyed by an id the
browser holds in a cookie.

Why server-side: the bearer token never reaches the browser. After a login the store issues two random
values (``secrets.token_urlsafe``, 256 bits): the *session id*, which the browser keeps in an HttpOnly,
``SameSite=Strict`` cookie (page scripts cannot read it, the URL never holds it), and a one-time *ticket*
that the page posts to the UI server's ``/hsekg/session`` route (``ui.server``) to be given that cookie.
A reload or a new tab opens a new Streamlit session whose first request carries the cookie; the entry
script reads it through ``st.context.cookies`` and finds the token here.

An entry lives as long as its token (``expires_in`` of the API's login answer) and the cookie's Max-Age is
what remains of it; logout removes the entry, so a copied cookie is worth nothing afterwards. The store
is one per UI process (a restart logs everyone out) and tickets expire after ``TICKET_SECONDS``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from api.contracts.common import UserOut

__all__ = ["COOKIE", "ROUTE", "STORE", "TICKET_SECONDS", "BrowserSession", "SessionStore"]

#: The cookie that holds the session id.
COOKIE = "hsekg_session"
#: The UI server's route that turns a ticket into the cookie (POST) and ends the session (DELETE).
ROUTE = "/hsekg/session"
#: How long a ticket can be exchanged for the cookie after login.
TICKET_SECONDS = 60.0


@dataclass(frozen=True)
class BrowserSession:
    """One logged-in user of the UI: the API's token, who it belongs to, when it ends (store clock)."""

    token: str
    user: UserOut
    expires_at: float


class SessionStore:
    """Session ids and tickets of one UI process (thread-safe: the server's routes and every script run
    use it).

    Args:
        clock: seconds, monotonic (``time.monotonic``; tests pass their own).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, BrowserSession] = {}
        self._tickets: dict[str, tuple[str, float]] = {}

    def open(self, token: str, user: UserOut, *, lifetime: float) -> tuple[str, str]:
        """Remember a new login for ``lifetime`` seconds (the token's). Returns the session id and the
        one-time ticket that buys the browser its cookie."""
        now = self._clock()
        sid, ticket = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._purge(now)
            self._sessions[sid] = BrowserSession(token=token, user=user, expires_at=now + lifetime)
            self._tickets[ticket] = (sid, now + TICKET_SECONDS)
        return sid, ticket

    def claim(self, ticket: str) -> tuple[str, int] | None:
        """Exchange a ticket (once) for its session id and the whole seconds that session has left;
        None for an unknown, used or expired ticket, or a session already ended."""
        now = self._clock()
        with self._lock:
            sid, until = self._tickets.pop(ticket, ("", 0.0))
            session = self._sessions.get(sid)
            if until <= now or session is None or session.expires_at <= now:
                return None
            return sid, int(session.expires_at - now)

    def get(self, sid: str) -> BrowserSession | None:
        """The live session of this id; None for an unknown, ended or expired one."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None and session.expires_at <= now:
                del self._sessions[sid]
                return None
            return session

    def end(self, sid: str) -> None:
        """Forget a session (logout); its cookie, wherever copied, no longer logs anyone in."""
        with self._lock:
            self._sessions.pop(sid, None)
            for ticket in [t for t, (s, _) in self._tickets.items() if s == sid]:
                del self._tickets[ticket]

    def _purge(self, now: float) -> None:
        self._sessions = {k: v for k, v in self._sessions.items() if v.expires_at > now}
        self._tickets = {k: v for k, v in self._tickets.items() if v[1] > now}


#: The store of this process, shared by the server's routes and the entry script.
STORE = SessionStore()
