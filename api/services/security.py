"""Identity and authorisation: roles, the authorisation matrix, passwords, tokens, the login limit.

- **Roles** (:data:`ROLES`): admin, expert, manager, inspector, viewer. Every user belongs to one
  enterprise and optionally one department; enterprise data of another enterprise is always refused.
- **The matrix** (:data:`PERMISSIONS`): route name → roles allowed. It is the one place access is
  decided; :func:`api.http.deps.authorize` enforces it on every route, and a route missing from the matrix
  is refused (fail closed). :data:`PUBLIC_ROUTES` need no token. Roles and the matrix are defined in
  :mod:`api.contracts.permissions` (clients read them too) and re-exported here.
- **Passwords**: argon2id (``argon2-cffi``).
- **Tokens**: OAuth2 password flow issuing short-lived JWTs (HS256, ``settings.secret_key``); every
  request re-reads the user, so a deactivated user or a changed role takes effect at once.
- **Login limit**: failed attempts per (username, client address) are counted in the database, so
  all workers share the count; past :data:`MAX_FAILURES` in :data:`FAILURE_WINDOW` the login is
  refused with 429 and a ``Retry-After``.
- **Security events**: failed and locked logins and rejected tokens are counted by
  :class:`api.services.security_events.SecurityEvents` (403s by the HTTP error mapping).

Errors, all :class:`kg.errors.AuthError`::

    AuthError
    ├── AuthenticationError   401: no, bad or expired token; wrong username or password
    ├── PermissionDeniedError 403: role not allowed, or another enterprise's / department's data
    └── RateLimitedError      429: too many failed logins
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from api.contracts.permissions import PERMISSIONS, PUBLIC_ROUTES, ROLES, Role
from api.services.security_events import EventKind, SecurityEventSink
from api.services.storage import LoginFailureRow, UserRow
from kg.errors import AuthError
from scoring.db import utcnow

__all__ = [
    "FAILURE_WINDOW",
    "MAX_FAILURES",
    "PERMISSIONS",
    "PUBLIC_ROUTES",
    "ROLES",
    "TOKEN_TTL",
    "AuthenticationError",
    "Authenticator",
    "IssuedToken",
    "LoginLimiter",
    "PasswordHashing",
    "PermissionDeniedError",
    "Principal",
    "RateLimitedError",
    "Role",
    "TokenIssuer",
]

logger = logging.getLogger(__name__)

_ROLE_BY_NAME: dict[str, Role] = {r: r for r in ROLES}

#: Lifetime of an access token.
TOKEN_TTL = timedelta(minutes=15)
#: Failed logins allowed per (username, address) inside the window before logins are refused.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_ALGORITHM = "HS256"


class AuthenticationError(AuthError):
    """No, bad or expired credentials (401)."""


class PermissionDeniedError(AuthError):
    """Authenticated, but not allowed (403)."""


class RateLimitedError(AuthError):
    """Too many failed logins (429); ``retry_after`` in seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    username: str
    role: Role
    enterprise_id: str
    department_id: str | None = None

    def check_enterprise(self, enterprise_id: str) -> None:
        """Refuse data of another enterprise.

        Raises:
            PermissionDeniedError: ``enterprise_id`` is not the caller's.
        """
        if enterprise_id != self.enterprise_id:
            raise PermissionDeniedError(f"{self.username!r} may not access data of enterprise {enterprise_id!r}")

    def check_unit(self, enterprise_id: str, department_id: str | None) -> None:
        """Refuse a unit outside the caller's enterprise, or outside the caller's department if scoped to one.

        Raises:
            PermissionDeniedError: the unit is out of scope.
        """
        self.check_enterprise(enterprise_id)
        if self.department_id is not None and department_id != self.department_id:
            raise PermissionDeniedError(
                f"{self.username!r} is scoped to department {self.department_id!r}; the unit is outside it"
            )

    def allowed(self, route_name: str) -> bool:
        """Whether the matrix lets this role call the route."""
        return self.role in PERMISSIONS.get(route_name, frozenset())


class PasswordHashing:
    """argon2id password hashes.

    Args:
        time_cost: argon2 passes (tests lower it).
        memory_cost: KiB of memory per hash.
    """

    def __init__(self, *, time_cost: int = 3, memory_cost: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        self._dummy = self._hasher.hash("dummy password for unknown users")

    def hash(self, password: str) -> str:
        """A new salted hash."""
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches; an unknown user (``stored`` None) costs the same time."""
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class IssuedToken:
    """An access token and its lifetime in seconds."""

    access_token: str
    expires_in: int


class TokenIssuer:
    """Issues and checks signed JWT access tokens.

    Args:
        secret: the signing key (``settings.secret_key``).
        ttl: token lifetime.
        clock: the current time (tests move it).
    """

    def __init__(self, secret: str, *, ttl: timedelta = TOKEN_TTL, clock: Callable[[], datetime] = utcnow) -> None:
        # a fixed-length key derived from the secret: HS256 wants 32 bytes whatever the secret's length
        self._secret = hashlib.sha256(b"hsekg-jwt-v1:" + secret.encode("utf-8")).digest()
        self._ttl = ttl
        self._clock = clock

    def issue(self, user: Principal) -> IssuedToken:
        """A token naming the user."""
        now = self._clock()
        claims = {
            "sub": user.username,
            "role": user.role,
            "ent": user.enterprise_id,
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
        }
        token = jwt.encode(claims, self._secret, algorithm=_ALGORITHM)
        return IssuedToken(access_token=token, expires_in=int(self._ttl.total_seconds()))

    def subject(self, token: str) -> str:
        """The username a valid token names.

        Raises:
            AuthenticationError: bad signature, malformed or expired.
        """
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"require": ["sub", "exp"], "verify_exp": False},
            )
        except jwt.PyJWTError as e:
            # the decoder's reason (bad padding, undecodable header bytes …) helps an attacker, not the user
            logger.debug("token rejected: %s", e)
            raise AuthenticationError("invalid token") from e
        # expiry is checked against the injected clock, not the wall clock
        if int(claims["exp"]) <= self._clock().timestamp():
            raise AuthenticationError("token expired; log in again")
        return str(claims["sub"])


class LoginLimiter:
    """Failed-login counter per key in the database (shared by all workers).

    Args:
        engine: the records database.
        max_failures: failures allowed inside ``window``.
        window: the sliding window.
        clock: the current time.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_failures: int = MAX_FAILURES,
        window: timedelta = FAILURE_WINDOW,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._max = max_failures
        self._window = window
        self._clock = clock

    def check(self, key: str) -> None:
        """Refuse when the key has too many recent failures.

        Raises:
            RateLimitedError: with the seconds until the oldest counted failure leaves the window.
        """
        since = self._clock() - self._window
        with Session(self._engine) as session:
            n, oldest = session.execute(
                select(func.count(), func.min(LoginFailureRow.at)).where(
                    LoginFailureRow.key == key, LoginFailureRow.at > since
                )
            ).one()
        if n >= self._max and oldest is not None:
            retry = max(1, math.ceil((oldest - since).total_seconds()))
            raise RateLimitedError(f"too many failed logins; try again in {retry} s", retry_after=retry)

    def failed(self, key: str) -> None:
        """Count a failure, and drop every key's failures that left the window (so failures of many usernames,
        each tried once, do not pile up: the table holds one window's failures)."""
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= now - self._window))
            session.add(LoginFailureRow(key=key, at=now))

    def succeeded(self, key: str) -> None:
        """Forget the key's failures."""
        with Session(self._engine) as session, session.begin():
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))


class Authenticator:
    """Logs users in and turns tokens back into principals; refusals are counted as security events.

    Args:
        engine: the records database (users).
        hashing: password hashing.
        tokens: the token issuer.
        limiter: the failed-login limit.
        events: where failed and locked logins and rejected tokens are counted (None: nowhere).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        hashing: PasswordHashing,
        tokens: TokenIssuer,
        limiter: LoginLimiter,
        events: SecurityEventSink | None = None,
    ) -> None:
        self._engine = engine
        self._hashing = hashing
        self._tokens = tokens
        self._limiter = limiter
        self._events = events

    def login(self, username: str, password: str, *, client: str) -> IssuedToken:
        """Check the password and issue a token.

        Raises:
            RateLimitedError: too many recent failures for this username and address.
            AuthenticationError: wrong username or password, or inactive user.
        """
        key = f"{username}|{client}"
        row = self._user(username)
        enterprise = row.enterprise_id if row is not None else ""
        try:
            self._limiter.check(key)
        except RateLimitedError:
            self._event("login_locked", username, client, enterprise, "too many failed logins")
            raise
        ok = self._hashing.verify(row.password_hash if row is not None else None, password)
        if not ok or row is None or not row.active:
            self._limiter.failed(key)
            self._event("login_failed", username, client, enterprise, "wrong username or password")
            raise AuthenticationError("wrong username or password")
        self._limiter.succeeded(key)
        return self._tokens.issue(_principal(row))

    def principal(self, token: str | None, *, client: str = "") -> Principal:
        """The active user a token names.

        Args:
            token: the bearer token.
            client: the caller's address (recorded with a rejected token).

        Raises:
            AuthenticationError: no token, invalid or expired token, unknown or inactive user.
        """
        if not token:
            self._event("token_rejected", "", client, "", "no token")
            raise AuthenticationError("not authenticated: send a bearer token from POST /auth/token")
        try:
            username = self._tokens.subject(token)
        except AuthenticationError as e:
            self._event("token_rejected", "", client, "", str(e))
            raise
        row = self._user(username)
        if row is None or not row.active:
            self._event("token_rejected", username, client, row.enterprise_id if row else "", "user gone or inactive")
            raise AuthenticationError("the token's user no longer exists or is inactive")
        return _principal(row)

    def _event(self, kind: EventKind, subject: str, source: str, enterprise_id: str, detail: str) -> None:
        if self._events is not None:
            self._events.record(kind, subject=subject, source=source, enterprise_id=enterprise_id, detail=detail)

    def _user(self, username: str) -> UserRow | None:
        with Session(self._engine) as session:
            return session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()


def _principal(row: UserRow) -> Principal:
    return Principal(
        username=row.username,
        role=_ROLE_BY_NAME.get(row.role, "viewer"),
        enterprise_id=row.enterprise_id,
        department_id=row.department_id,
    )
