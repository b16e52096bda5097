"""``hsekg audit``: verify the keyed chain (``verify [--against HEAD]``), export its head (``head [--out FILE]``)
and anchor entries written before the chain was keyed (``anchor``).

The key is ``HSEKG_AUDIT_KEY`` (a development install derives one from the secret key). An exported head is
kept outside the database (printed, mailed, committed elsewhere); ``verify --against`` then checks that the
chain still holds it at its position, which catches a rewrite or truncation after the export even by someone
who holds the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import JsonOpt, emit_json, settings_of
from api.container import Container
from api.services.audit import AuditVerification, ExportedHead
from kg.errors import ValidationFailedError

__all__ = ["audit_anchor", "audit_head", "audit_verify"]


def audit_verify(
    ctx: typer.Context,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="A head exported by `hsekg audit head --out`: the chain must still hold it."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify the HMAC-SM3 chain of the audit trail and the rows it covers; exit 1 naming the first broken entry."""
    exported = _read_head(against) if against is not None else None
    with Container(settings_of(ctx)) as container:
        result = container.audit.verify(against=exported)
    if as_json:
        emit_json(_payload(result))
    elif result.ok:
        unkeyed = f" ({result.unkeyed} written before the chain was keyed, anchored)" if result.unkeyed else ""
        held = f", holds the head exported at {exported.at}" if exported is not None else ""
        typer.echo(f"audit trail intact: {result.entries} entries{unkeyed}{held}, head {result.head_hash}")
    else:
        where = f" (row {result.row})" if result.row else ""
        typer.echo(f"audit trail broken at entry {result.seq}{where}: {result.problem} — {result.detail}", err=True)
    if not result.ok:
        raise typer.Exit(1)


def audit_head(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the head's JSON to this file.")] = None,
) -> None:
    """Print the chain's head as JSON (count, last hash, when, key id, HMAC) once the chain verifies; exit 1
    without exporting when it is broken."""
    with Container(settings_of(ctx)) as container:
        head = container.audit.head()
    text = json.dumps(head.to_json(), ensure_ascii=False)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    typer.echo(text)


def audit_anchor(
    ctx: typer.Context,
    actor: Annotated[str, typer.Option("--actor", help="Who anchors (recorded in the entry).")] = "cli",
) -> None:
    """Anchor entries written before the chain was keyed with a keyed entry, once the rest of the chain verifies
    (check them first: from now on the key vouches for them)."""
    with Container(settings_of(ctx)) as container:
        seq = container.audit.anchor(actor=actor)
    typer.echo(f"entries before {seq} anchored by keyed entry {seq}")


def _read_head(path: Path) -> ExportedHead:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValidationFailedError(f"cannot read the exported head {path}: {e}") from e
    return ExportedHead.from_json(data)


def _payload(result: AuditVerification) -> dict[str, object]:
    return {
        "ok": result.ok,
        "entries": result.entries,
        "head_hash": result.head_hash,
        "seq": result.seq,
        "problem": result.problem,
        "detail": result.detail,
        "row": result.row,
        "unkeyed": result.unkeyed,
    }
