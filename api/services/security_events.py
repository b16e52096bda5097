"""Security events: what the API refused (failed and locked logins, rejected tokens, 403s), aggregated.

A flood cannot fill the disk: an event adds to the count of its row, one per (kind, subject, source, minute and
detail, the refusal's reason);
past :data:`ROWS_PER_MINUTE` rows of one kind in one minute, the rest of that minute go to one overflow row
(subject and source ``*``), and rows older than the retention are dropped as new ones are written. So at most
``kinds × (ROWS_PER_MINUTE + 1)`` rows are written per minute whatever the request rate, and the table holds at
most that many times the minutes of the retention.

Kinds (:data:`EVENT_KINDS`):

- ``login_failed``   a wrong username or password (subject: the username tried)
- ``login_locked``   a login refused by the failed-login limit (429)
- ``token_rejected`` no, a malformed, forged or expired token, or one of a user no longer active (401)
- ``forbidden``      a role not allowed on a route, or another enterprise's or department's data (403)

Events are attributed to an enterprise where it is known (the user tried, the caller refused); an admin of the
API sees those of their enterprise, the operator (``hsekg security events``) sees all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, get_args

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from api.services.storage import SecurityEventRow
from scoring.db import utcnow

__all__ = [
    "EVENT_KINDS",
    "OVERFLOW",
    "RETENTION",
    "ROWS_PER_MINUTE",
    "EventKind",
    "SecurityEventSink",
    "SecurityEventView",
    "SecurityEvents",
]

log = logging.getLogger(__name__)

EventKind = Literal["login_failed", "login_locked", "token_rejected", "forbidden"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
#: Distinct (subject, source) rows of one kind in one minute before the rest go to the overflow row.
ROWS_PER_MINUTE = 20
#: Subject and source of the overflow row.
OVERFLOW = "*"
#: How long rows are kept.
RETENTION = timedelta(days=90)


class SecurityEventSink(Protocol):
    """Where refusals are recorded (:class:`SecurityEvents`)."""

    def record(self, kind: EventKind, *, subject: str, source: str, enterprise_id: str = "", detail: str = "") -> None:
        """Count one event; never raises."""
        ...


@dataclass(frozen=True)
class SecurityEventView:
    """One aggregated row: how many events of a kind, subject and source in one minute."""

    kind: str
    subject: str
    source: str
    minute: datetime
    count: int
    enterprise_id: str
    detail: str
    last_at: datetime


class SecurityEvents:
    """Aggregated security events in the records database (shared by all workers).

    Args:
        engine: the records database (API tables created).
        clock: the current time.
        rows_per_minute: distinct rows of a kind per minute before the overflow row.
        retention: how long rows are kept.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        rows_per_minute: int = ROWS_PER_MINUTE,
        retention: timedelta = RETENTION,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._rows_per_minute = rows_per_minute
        self._retention = retention

    def record(self, kind: EventKind, *, subject: str, source: str, enterprise_id: str = "", detail: str = "") -> None:
        """Count one event. A database failure is logged, not raised: the refusal itself must still be answered."""
        now = self._clock()
        minute = now.replace(second=0, microsecond=0)
        key = _Key(kind, subject[:64], source[:64], minute, detail[:200])
        try:
            for _ in range(2):  # a second pass when another worker inserted the same row first
                if self._add(key, now, enterprise_id=enterprise_id):
                    return
        except SQLAlchemyError as e:
            log.warning("security event %s not recorded: %s", kind, e)

    def find(
        self,
        *,
        enterprise_id: str | None,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[SecurityEventView], int]:
        """Rows newest minute first (most events first within it), of one enterprise (None: all), and their total."""
        e = SecurityEventRow
        where = [] if enterprise_id is None else [e.enterprise_id == enterprise_id]
        if kind is not None:
            where.append(e.kind == kind)
        if since is not None:
            where.append(e.minute >= since)
        with Session(self._engine) as session:
            total = session.execute(select(func.count()).select_from(e).where(*where)).scalar_one()
            stmt = select(e).where(*where).order_by(e.minute.desc(), e.count.desc(), e.id).limit(limit).offset(offset)
            rows = [_view(r) for r in session.execute(stmt).scalars()]
        return rows, int(total)

    def _add(self, key: _Key, now: datetime, *, enterprise_id: str) -> bool:
        """Add to the key's row, or to the overflow row of a full minute, or insert; False on an insert race."""
        with Session(self._engine) as session, session.begin():
            if _bump(session, key, now):
                return True
            e = SecurityEventRow
            used = session.execute(
                select(func.count()).select_from(e).where(e.kind == key.kind, e.minute == key.minute)
            ).scalar_one()
            if used >= self._rows_per_minute:
                key = _Key(key.kind, OVERFLOW, OVERFLOW, key.minute, "more subjects, sources or reasons this minute")
                enterprise_id = ""
                if _bump(session, key, now):
                    return True
            else:
                session.execute(delete(e).where(e.minute < key.minute - self._retention))
            try:
                with session.begin_nested():
                    session.add(
                        SecurityEventRow(
                            kind=key.kind,
                            subject=key.subject,
                            source=key.source,
                            minute=key.minute,
                            enterprise_id=enterprise_id,
                            detail=key.detail,
                            count=1,
                            last_at=now,
                        )
                    )
            except IntegrityError:
                return False
        return True


@dataclass(frozen=True)
class _Key:
    kind: str
    subject: str
    source: str
    minute: datetime
    detail: str


def _bump(session: Session, key: _Key, now: datetime) -> bool:
    e = SecurityEventRow
    result = session.execute(
        update(e)
        .where(e.kind == key.kind, e.subject == key.subject, e.source == key.source)
        .where(e.minute == key.minute, e.detail == key.detail)
        .values(count=e.count + 1, last_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def _view(row: SecurityEventRow) -> SecurityEventView:
    return SecurityEventView(
        kind=row.kind,
        subject=row.subject,
        source=row.source,
        minute=row.minute,
        count=row.count,
        enterprise_id=row.enterprise_id,
        detail=row.detail,
        last_at=row.last_at,
    )
