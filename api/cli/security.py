"""``hsekg security events``: the refused logins, tokens and requests of every enterprise (the operator's view;
an admin of the API sees their enterprise's at ``GET /security/events``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from api.cli.common import JsonOpt, emit_json, settings_of
from api.container import Container
from api.services.security_events import EVENT_KINDS

__all__ = ["security_events"]


def security_events(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--kind", help=f"Only this kind: {', '.join(EVENT_KINDS)}.")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="Only events of this enterprise.")] = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="Only minutes from this time on (UTC unless it says).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="Rows to show.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List security events newest minute first: kind, count, subject, source, enterprise, detail."""
    if kind is not None and kind not in EVENT_KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; one of {', '.join(EVENT_KINDS)}", param_hint="--kind")
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with Container(settings_of(ctx)) as container:
        rows, total = container.security_events.find(enterprise_id=enterprise, kind=kind, since=since, limit=limit)
    if as_json:
        emit_json({"total": total, "items": [vars(r) for r in rows]})
        return
    for r in rows:
        who = r.subject or "-"
        typer.echo(
            f"{r.minute:%Y-%m-%d %H:%M} {r.kind:<14} ×{r.count:<5} {who} from {r.source}"
            f" [{r.enterprise_id or '-'}] {r.detail}"
        )
    typer.echo(f"{len(rows)} of {total} rows")
