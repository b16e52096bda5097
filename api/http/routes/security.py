"""Security events of the caller's enterprise: refused logins, tokens and requests, aggregated per minute."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.contracts.common import Page, SecurityEventKind, SecurityEventOut
from api.http.deps import CurrentUser, PageParams, SecurityEventsDep
from api.http.errors import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["security"], responses=problem_responses(401, 403, 422, 500))


@router.get("/security/events", name="security.events", response_model=Page[SecurityEventOut])
def list_security_events(
    user: CurrentUser,
    events: SecurityEventsDep,
    page: PageParams,
    kind: Annotated[SecurityEventKind | None, Query(description="Only this kind")] = None,
    since: Annotated[datetime | None, Query(description="Only minutes from this time on (ISO 8601)")] = None,
) -> Page[SecurityEventOut]:
    """Refusals attributed to the caller's enterprise, newest minute first: one row per kind, subject, source and
    minute with its count. Refusals of no known enterprise (unknown usernames, bad tokens) are listed by
    ``hsekg security events``."""
    rows, total = events.find(
        enterprise_id=user.enterprise_id, kind=kind, since=since, limit=page.limit, offset=page.offset
    )
    items = [
        SecurityEventOut(
            kind=r.kind,
            subject=r.subject,
            source=r.source,
            minute=r.minute,
            count=r.count,
            enterprise_id=r.enterprise_id,
            detail=r.detail,
            last_at=r.last_at,
        )
        for r in rows
    ]
    return Page[SecurityEventOut](items=items, total=total, limit=page.limit, offset=page.offset)
