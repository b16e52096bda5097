"""The audit trail: every write appended as an entry chained to the previous one by SM3 hashes.

An entry holds who (actor, enterprise), when, what (action = route name, target) and the state
before and after (canonical JSON; sensitive values stay SM4-sealed). Its hash is
``SM3(canonical JSON of {prev_hash, at, actor, enterprise, action, target, before, after})`` and
``prev_hash`` is the hash of the entry before it (64 zeros for the first), so changing, deleting,
inserting or reordering any entry breaks the chain at that point. A head row (entry count and last
hash, updated in the same transaction as every append) also catches a truncated or extended tail.

:meth:`AuditLog.verify` walks the chain and names the first entry that broke it and how:

- ``changed``   its content no longer matches its hash (or it was re-hashed: its successor no longer
                links to it while the numbering is continuous);
- ``deleted``   its predecessor's hash names no entry and the numbering has a gap, or the tail is
                shorter than the head records;
- ``inserted``  it is not linked from its successor, or it lies past the recorded head;
- ``reordered`` it links to an entry that comes after it.

Rows an entry wrote are covered too: an entry's ``after["content"]`` maps a covered table
(:data:`COVERED_TABLES`: the inspection records) to the SM3 of each row it stored, read back inside the same
transaction; :meth:`AuditLog.verify` recomputes them from the current rows and names a row changed or deleted
since (``row``: ``inspection_records:17``). Rows written by no audited write (records imported from the command
line) are not covered.

Limits: the hash is unkeyed, so someone who can rewrite the whole table *and* the head can forge a
consistent chain; publish or export the head hash (``POST /audit/verify`` returns it) to anchor it.

Appends are serialised by updating the head row first, which takes the write lock on SQLite and the
row lock on PostgreSQL, so concurrent workers cannot fork the chain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Table, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from api.services.crypto import sm3_hex
from api.services.storage import AuditEntryRow, AuditHeadRow
from kg.errors import ScoringError
from scoring.db import InspectionRecord, utcnow

__all__ = [
    "COVERED_TABLES",
    "GENESIS",
    "AuditLog",
    "AuditVerification",
    "Problem",
    "canonical_json",
    "row_digests",
]

#: Tables whose rows an entry covers by their content hash (``after["content"][table][id]``).
COVERED_TABLES: dict[str, Table] = {"inspection_records": InspectionRecord.__table__}  # type: ignore[dict-item]
_CHUNK = 500

GENESIS = "0" * 64
Problem = Literal["changed", "deleted", "inserted", "reordered"]


def canonical_json(value: object) -> str:
    """Sorted keys, no whitespace, UTF-8 text; datetimes and other objects as strings."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(
    *, prev_hash: str, at: datetime, actor: str, enterprise_id: str, action: str, target: str, before: str, after: str
) -> str:
    content = {
        "prev": prev_hash,
        "at": at.isoformat(),
        "actor": actor,
        "enterprise": enterprise_id,
        "action": action,
        "target": target,
        "before": before,
        "after": after,
    }
    return sm3_hex(canonical_json(content).encode("utf-8"))


def _content_digest(row: Mapping[str, Any]) -> str:
    return sm3_hex(canonical_json(dict(row)).encode("utf-8"))


def row_digests(conn: Connection | Session, table: str, ids: Collection[int]) -> dict[str, str]:
    """The SM3 of each row of a covered table (all its columns, as the database returns them), by id."""
    t = COVERED_TABLES[table]
    out: dict[str, str] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(select(t).where(t.c.id.in_(wanted[i : i + _CHUNK]))):
            values = dict(r._mapping)
            out[str(values["id"])] = _content_digest(values)
    return out


def _row_digest(row: AuditEntryRow) -> str:
    return _digest(
        prev_hash=row.prev_hash,
        at=row.at,
        actor=row.actor,
        enterprise_id=row.enterprise_id,
        action=row.action,
        target=row.target,
        before=row.before,
        after=row.after,
    )


@dataclass(frozen=True)
class AuditVerification:
    """The result of walking the chain: ``ok``, or the first broken entry (``seq``) and how."""

    ok: bool
    entries: int
    head_hash: str
    seq: int | None = None
    problem: Problem | None = None
    detail: str = ""
    row: str | None = None  # a covered row changed or deleted since the entry wrote it (table:id)


class AuditLog:
    """Append-only, hash-chained audit trail in the records database.

    Args:
        engine: the records database (API tables created).
        clock: the current time.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def append(
        self,
        session: Session,
        *,
        actor: str,
        enterprise_id: str,
        action: str,
        target: str,
        before: object,
        after: object,
    ) -> int:
        """Append an entry inside the caller's transaction (so the write and its entry commit together).

        Returns:
            The entry's sequence number.
        """
        # a no-op update as the first statement takes the write lock before the head is read (SQLite: no
        # shared→write upgrade that could deadlock; PostgreSQL: the row lock), so appends are serialised
        touched = session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(count=AuditHeadRow.count))
        if getattr(touched, "rowcount", 1) == 0:
            self._ensure_head(session)
        head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).scalar_one()
        at = self._clock()
        row = AuditEntryRow(
            seq=head.count + 1,
            at=at,
            actor=actor,
            enterprise_id=enterprise_id,
            action=action,
            target=target[:300],
            before=canonical_json(before),
            after=canonical_json(after),
            prev_hash=head.last_hash,
        )
        row.hash = _row_digest(row)
        session.add(row)
        head.count = row.seq
        head.last_hash = row.hash
        session.flush()
        return row.seq

    def record(self, *, actor: str, enterprise_id: str, action: str, target: str, before: object, after: object) -> int:
        """Append an entry in a transaction of its own (for writes done by another layer).

        Raises:
            ScoringError: the database refused.
        """
        try:
            with Session(self._engine) as session, session.begin():
                return self.append(
                    session,
                    actor=actor,
                    enterprise_id=enterprise_id,
                    action=action,
                    target=target,
                    before=before,
                    after=after,
                )
        except SQLAlchemyError as e:
            raise ScoringError(f"the audit entry could not be written: {e}") from e

    def entries(self, *, enterprise_id: str | None, limit: int, offset: int) -> tuple[list[AuditEntryRow], int]:
        """Entries newest first, of one enterprise (or all with None), and their total."""
        with Session(self._engine) as session:
            where = [] if enterprise_id is None else [AuditEntryRow.enterprise_id == enterprise_id]
            total = session.execute(select(func.count()).select_from(AuditEntryRow).where(*where)).scalar_one()
            stmt = select(AuditEntryRow).where(*where).order_by(AuditEntryRow.seq.desc()).limit(limit).offset(offset)
            return list(session.execute(stmt).scalars()), int(total)

    def verify(self) -> AuditVerification:
        """Walk the whole chain; the first entry that was changed, deleted, inserted or reordered; then the first
        row an entry covers that was changed or deleted since it wrote it."""
        with Session(self._engine) as session:
            rows = list(session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars())
            head = session.get(AuditHeadRow, 1)
            found = _first_break(rows)
            last = rows[-1].hash if rows else GENESIS
            if found is not None:
                seq, problem, detail = found
                return AuditVerification(False, len(rows), last, seq=seq, problem=problem, detail=detail)
            content = _first_changed_row(session, rows)
        if content is not None:
            seq, problem, detail, row = content
            return AuditVerification(False, len(rows), last, seq=seq, problem=problem, detail=detail, row=row)
        head_count, head_hash = (head.count, head.last_hash) if head is not None else (0, GENESIS)
        if head_count == len(rows) and head_hash == last:
            return AuditVerification(True, len(rows), last)
        if len(rows) < head_count:
            seq = rows[-1].seq + 1 if rows else 1
            detail = f"the head records {head_count} entries, {len(rows)} remain: the tail was deleted"
            return AuditVerification(False, len(rows), last, seq=seq, problem="deleted", detail=detail)
        if len(rows) > head_count:
            extra = rows[head_count]
            detail = f"entries past the recorded head ({head_count} entries) were appended outside the API"
            return AuditVerification(False, len(rows), last, seq=extra.seq, problem="inserted", detail=detail)
        detail = "the last entry's hash differs from the recorded head"
        return AuditVerification(False, len(rows), last, seq=rows[-1].seq, problem="changed", detail=detail)

    @staticmethod
    def _ensure_head(session: Session) -> None:
        if session.get(AuditHeadRow, 1) is not None:
            return
        try:
            with session.begin_nested():
                session.add(AuditHeadRow(id=1, count=0, last_hash=GENESIS))
        except IntegrityError:  # another worker created it first
            pass


def _covered(rows: list[AuditEntryRow]) -> Iterator[tuple[int, str, str, str]]:
    """(entry seq, table, row id, recorded hash) of every covered row the entries recorded, in entry order."""
    for entry in rows:
        if '"content"' not in entry.after:
            continue
        after = json.loads(entry.after)
        content = after.get("content") if isinstance(after, dict) else None
        for table, digests in (content or {}).items():
            if table in COVERED_TABLES and isinstance(digests, dict):
                for row_id, digest in digests.items():
                    yield entry.seq, table, str(row_id), str(digest)


def _first_changed_row(session: Session, rows: list[AuditEntryRow]) -> tuple[int, Problem, str, str] | None:
    """The first covered row (by the entry that wrote it) whose content no longer matches, or that is gone."""
    recorded = list(_covered(rows))
    current: dict[str, dict[str, str]] = {}
    for table in {t for _, t, _, _ in recorded}:
        current[table] = row_digests(session, table, {int(i) for _, t, i, _ in recorded if t == table})
    for seq, table, row_id, digest in recorded:
        now = current[table].get(row_id)
        if now is None:
            return seq, "deleted", f"row {row_id} of {table}, written by entry {seq}, is gone", f"{table}:{row_id}"
        if now != digest:
            detail = f"row {row_id} of {table} no longer matches what entry {seq} recorded of it"
            return seq, "changed", detail, f"{table}:{row_id}"
    return None


def _first_break(rows: list[AuditEntryRow]) -> tuple[int, Problem, str] | None:
    position = {GENESIS: -1}
    for i, row in enumerate(rows):
        position.setdefault(row.hash, i)
    prev = GENESIS
    for i, row in enumerate(rows):
        if _row_digest(row) != row.hash:
            return row.seq, "changed", "its content no longer matches its hash"
        if row.prev_hash != prev:
            j = position.get(row.prev_hash)
            if j is None:
                before = rows[i - 1] if i > 0 else None
                if before is not None and row.seq == before.seq + 1:
                    return before.seq, "changed", f"it was re-hashed: entry {row.seq} no longer links to it"
                missing = before.seq + 1 if before is not None else 1
                return row.seq, "deleted", f"the entry before it (seq {missing}) is missing"
            if j < i - 1:
                return rows[j + 1].seq, "inserted", f"entry {row.seq} links past it to entry {rows[j].seq}"
            return row.seq, "reordered", f"it links to entry {rows[j].seq}, which comes after it"
        if row.seq != i + 1:
            return row.seq, "deleted", f"the numbering jumps to {row.seq} at position {i + 1}"
        prev = row.hash
    return None
