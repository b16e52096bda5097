"""The audit trail: every write appended as an entry chained to the previous one by keyed SM3 (HMAC-SM3).

An entry holds who (actor, enterprise), when, what (action = route name, target) and the state
before and after (canonical JSON; sensitive values stay SM4-sealed). Its hash is
``HMAC-SM3(key, canonical JSON of {prev_hash, at, actor, enterprise, action, target, before, after, key id})``
(RFC 2104 over SM3) and ``prev_hash`` is the hash of the entry before it (64 zeros for the first), so
changing, deleting, inserting or reordering any entry breaks the chain at that point, and whoever rewrites
entries without the key cannot make them link again. The key comes from the settings
(``HSEKG_AUDIT_KEY``) and never reaches the database: an entry stores only the key's id (an HMAC of a
constant), so verifying under another key says so. A head row (entry count, last hash and their HMAC,
updated in the same transaction as every append) also catches a truncated or extended tail.

Entries written before the chain was keyed (``key_id`` NULL) carry the unkeyed SM3 of the same content.
They verify as such and are counted (``unkeyed``); the first keyed entry after them anchors them (its
HMAC covers the last unkeyed hash). An unkeyed entry after a keyed one is a rewrite; a chain that ends in
unkeyed entries fails as ``unkeyed`` until an operator holding the key checks and anchors it
(:meth:`AuditLog.anchor`).

:meth:`AuditLog.verify` walks the chain and names the first entry that broke it and how:

- ``changed``   its content no longer matches its hash, it was hashed with another key or unkeyed after
                keyed entries (or it was re-hashed: its successor no longer links to it while the
                numbering is continuous), or the head's HMAC does not match;
- ``deleted``   its predecessor's hash names no entry and the numbering has a gap, or the tail is
                shorter than the head records;
- ``inserted``  it is not linked from its successor, or it lies past the recorded head;
- ``reordered`` it links to an entry that comes after it;
- ``unkeyed``   the chain ends in entries written before it was keyed, which no keyed entry anchors.

Rows an entry wrote are covered too: an entry's ``after["content"]`` maps a covered table
(:data:`COVERED_TABLES`: inspection records, indicator reviews and states, proposal runs, proposals and
their decisions) to the SM3 of each row it stored, read back inside the same transaction (writers name
the rows with ``append(covers=...)``). :meth:`AuditLog.verify` recomputes them from the current rows,
each against the last entry that wrote it (an indicator's state changes with every review), and names a
row changed or deleted since (``row``: ``inspection_records:17``, ``api_indicator_state:i_fume``). Rows
written by no audited write (records imported from the command line) are not covered.

The head can be exported (:meth:`AuditLog.head`, ``hsekg audit head``) and checked later
(``verify(against=...)``): the chain must still hold that entry at that position, which catches a rewrite
or truncation by someone who holds the key, or a restore of an older database, after the export.

Appends are serialised by updating the head row first, which takes the write lock on SQLite and the
row lock on PostgreSQL, so concurrent workers cannot fork the chain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, Connection, Engine, Table, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from api.services.crypto import hmac_sm3, sm3_hex
from api.services.storage import (
    AuditEntryRow,
    AuditHeadRow,
    IndicatorReviewRow,
    IndicatorStateRow,
    ProposalDecisionRow,
    ProposalRow,
    ProposalRunRow,
)
from kg.errors import ConfigError, ConflictError, ScoringError, ValidationFailedError
from scoring.db import InspectionRecord, utcnow

__all__ = [
    "COVERED_TABLES",
    "GENESIS",
    "MIN_KEY_BYTES",
    "AuditLog",
    "AuditVerification",
    "ExportedHead",
    "Problem",
    "audit_key_id",
    "canonical_json",
    "entry_hash",
    "row_digests",
]

#: Tables whose rows an entry covers by their content hash (``after["content"][table][primary key]``).
COVERED_TABLES: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (
        InspectionRecord,
        IndicatorReviewRow,
        IndicatorStateRow,
        ProposalRunRow,
        ProposalRow,
        ProposalDecisionRow,
    )
}
_CHUNK = 500
#: The shortest audit key accepted (bytes).
MIN_KEY_BYTES = 16

GENESIS = "0" * 64
Problem = Literal["changed", "deleted", "inserted", "reordered", "unkeyed"]
_Found = tuple[int, Problem, str]


def canonical_json(value: object) -> str:
    """Sorted keys, no whitespace, UTF-8 text; datetimes and other objects as strings."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def audit_key_id(key: bytes) -> str:
    """The public id of an audit key: 16 hex characters of an HMAC of a constant (reveals nothing of the key)."""
    return hmac_sm3(key, b"hsekg-audit-key-id").hex()[:16]


def entry_hash(row: AuditEntryRow, key: bytes | None) -> str:
    """The hash an entry must carry: HMAC-SM3 under ``key`` when it names a key id, else the unkeyed SM3 of
    the entries written before the chain was keyed."""
    content: dict[str, str] = {
        "prev": row.prev_hash,
        "at": row.at.isoformat(),
        "actor": row.actor,
        "enterprise": row.enterprise_id,
        "action": row.action,
        "target": row.target,
        "before": row.before,
        "after": row.after,
    }
    if row.key_id is None:
        return sm3_hex(canonical_json(content).encode("utf-8"))
    if key is None:
        raise ConfigError("a keyed audit entry cannot be hashed without the audit key")
    content["key"] = row.key_id
    return hmac_sm3(key, canonical_json(content).encode("utf-8")).hex()


def _head_mac(key: bytes, count: int, last_hash: str) -> str:
    return hmac_sm3(key, f"hsekg-audit-head:{count}:{last_hash}".encode()).hex()


def _export_mac(key: bytes, count: int, last_hash: str, at: str) -> str:
    signed = canonical_json({"count": count, "last_hash": last_hash, "at": at, "export": "hsekg-audit-head"})
    return hmac_sm3(key, signed.encode("utf-8")).hex()


def _content_digest(row: Mapping[str, Any]) -> str:
    return sm3_hex(canonical_json(dict(row)).encode("utf-8"))


def _primary_key(t: Table) -> Column[Any]:
    (column,) = t.primary_key.columns
    return column


def row_digests(conn: Connection | Session, table: str, ids: Collection[int | str]) -> dict[str, str]:
    """The SM3 of each row of a covered table (all its columns, as the database returns them), by primary key."""
    t = COVERED_TABLES[table]
    key = _primary_key(t)
    wanted = sorted({int(i) if key.type.python_type is int else str(i) for i in ids})
    out: dict[str, str] = {}
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(select(t).where(key.in_(wanted[i : i + _CHUNK]))):
            values = dict(r._mapping)
            out[str(values[key.name])] = _content_digest(values)
    return out


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
    unkeyed: int = 0  # entries written before the chain was keyed


@dataclass(frozen=True)
class ExportedHead:
    """The chain's head as exported to be checked later: entry count, last hash, when, under which key.

    ``mac`` (HMAC-SM3 under the audit key) shows the export was made with the key it names.
    """

    count: int
    last_hash: str
    at: str
    key_id: str
    mac: str

    def to_json(self) -> dict[str, object]:
        """The exported JSON object."""
        return {"count": self.count, "last_hash": self.last_hash, "at": self.at, "key_id": self.key_id, "mac": self.mac}

    @classmethod
    def from_json(cls, data: object) -> ExportedHead:
        """Read an exported head.

        Raises:
            ValidationFailedError: not an object with count, last_hash, at, key_id and mac.
        """
        if not isinstance(data, dict):
            raise ValidationFailedError("an exported audit head is a JSON object")
        try:
            count, last_hash = int(data["count"]), str(data["last_hash"])
            head = cls(count, last_hash, str(data["at"]), str(data["key_id"]), str(data["mac"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ValidationFailedError(f"an exported audit head needs count, last_hash, at, key_id, mac: {e}") from e
        if count < 0 or len(last_hash) != len(GENESIS):
            raise ValidationFailedError("an exported audit head has a count >= 0 and a 64-character hash")
        return head


class AuditLog:
    """Append-only audit trail in the records database, chained by HMAC-SM3 under a key the database never sees.

    Args:
        engine: the records database (API tables created).
        key: the audit key (16 bytes or more), from the settings.
        clock: the current time.

    Raises:
        ConfigError: the key is shorter than :data:`MIN_KEY_BYTES`.
    """

    def __init__(self, engine: Engine, *, key: bytes, clock: Callable[[], datetime] = utcnow) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"the audit key must be at least {MIN_KEY_BYTES} bytes, got {len(key)}")
        self._engine = engine
        self._key = key
        self._key_id = audit_key_id(key)
        self._clock = clock

    @property
    def key_id(self) -> str:
        """The public id of the key this log writes and verifies with."""
        return self._key_id

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
        covers: Mapping[str, Collection[int | str]] | None = None,
    ) -> int:
        """Append an entry inside the caller's transaction (so the write and its entry commit together).

        Args:
            covers: rows of :data:`COVERED_TABLES` the write stored, by table and primary key; their hashes,
                read back in this transaction, go into ``after["content"]`` (``after`` must then be a mapping).

        Returns:
            The entry's sequence number.
        """
        if covers:
            if not isinstance(after, Mapping):
                raise TypeError("an entry that covers rows needs a mapping as its after state")
            session.flush()
            content = {table: row_digests(session, table, ids) for table, ids in covers.items() if ids}
            after = {**after, "content": content}
        # a no-op update as the first statement takes the write lock before the head is read (SQLite: no
        # shared→write upgrade that could deadlock; PostgreSQL: the row lock), so appends are serialised
        touched = session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(count=AuditHeadRow.count))
        if getattr(touched, "rowcount", 1) == 0:
            self._ensure_head(session)
        head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).scalar_one()
        row = AuditEntryRow(
            seq=head.count + 1,
            at=self._clock(),
            actor=actor,
            enterprise_id=enterprise_id,
            action=action,
            target=target[:300],
            before=canonical_json(before),
            after=canonical_json(after),
            prev_hash=head.last_hash,
            key_id=self._key_id,
        )
        row.hash = entry_hash(row, self._key)
        session.add(row)
        head.count = row.seq
        head.last_hash = row.hash
        head.mac = _head_mac(self._key, row.seq, row.hash)
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

    def head(self) -> ExportedHead:
        """The head of the chain, once it verifies, signed with the key, to be kept outside the database.

        Raises:
            ConflictError: the chain is broken (its head would vouch for the tampering).
        """
        v = self.verify()
        if not v.ok:
            raise ConflictError(f"not exporting the head of a broken chain: entry {v.seq}: {v.problem} — {v.detail}")
        at = self._clock().isoformat()
        mac = _export_mac(self._key, v.entries, v.head_hash, at)
        return ExportedHead(v.entries, v.head_hash, at, self._key_id, mac)

    def verify(self, *, against: ExportedHead | None = None) -> AuditVerification:
        """Walk the whole chain; the first entry that was changed, deleted, inserted or reordered (or keyed
        otherwise); then the first row an entry covers that was changed or deleted since it wrote it; then the
        head; with ``against``, whether the chain still holds that exported head at its position.

        Raises:
            ValidationFailedError: ``against`` was not exported under this key (altered, or another key's).
        """
        if against is not None:
            self._check_export(against)
        with Session(self._engine) as session:
            rows = list(session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars())
            head = session.get(AuditHeadRow, 1)
            found = _first_break(rows, self._key, self._key_id)
            changed_row = None if found is not None else _first_changed_row(session, rows)
        last = rows[-1].hash if rows else GENESIS
        unkeyed = sum(1 for r in rows if r.key_id is None)
        if changed_row is not None:
            seq, problem, detail, name = changed_row
            return AuditVerification(False, len(rows), last, seq, problem, detail, row=name, unkeyed=unkeyed)
        found = (
            found
            or self._head_problem(head, rows)
            or (_against_problem(rows, against) if against is not None else None)
            or _unkeyed_problem(rows)
        )
        if found is not None:
            seq, problem, detail = found
            return AuditVerification(False, len(rows), last, seq, problem, detail, unkeyed=unkeyed)
        return AuditVerification(True, len(rows), last, unkeyed=unkeyed)

    def anchor(self, *, actor: str) -> int:
        """Anchor entries written before the chain was keyed: append a keyed entry after them, once they verify.

        Returns:
            The anchoring entry's sequence number.

        Raises:
            ConflictError: nothing to anchor (the chain ends in a keyed entry), or the chain is broken.
        """
        v = self.verify()
        if v.ok:
            raise ConflictError("the audit chain ends in a keyed entry: nothing to anchor")
        if v.problem != "unkeyed":
            raise ConflictError(f"the audit chain is broken at entry {v.seq} ({v.problem}: {v.detail}); not anchoring")
        after = {"unkeyed": v.unkeyed, "anchored": v.head_hash}
        return self.record(
            actor=actor, enterprise_id="", action="audit.anchor", target=f"audit:{v.entries}", before=None, after=after
        )

    def _check_export(self, head: ExportedHead) -> None:
        if head.key_id != self._key_id:
            raise ValidationFailedError(
                f"the head was exported under key {head.key_id}, this log's key is {self._key_id}"
            )
        if _export_mac(self._key, head.count, head.last_hash, head.at) != head.mac:
            raise ValidationFailedError("the exported head's HMAC does not match: the file was altered")

    def _head_problem(self, head: AuditHeadRow | None, rows: list[AuditEntryRow]) -> _Found | None:
        count, last_hash, mac = (head.count, head.last_hash, head.mac) if head is not None else (0, GENESIS, None)
        last = rows[-1].hash if rows else GENESIS
        if len(rows) < count:
            seq = rows[-1].seq + 1 if rows else 1
            return seq, "deleted", f"the head records {count} entries, {len(rows)} remain: the tail was deleted"
        if len(rows) > count:
            detail = f"entries past the recorded head ({count} entries) were appended outside the API"
            return rows[count].seq, "inserted", detail
        if last_hash != last:
            return rows[-1].seq, "changed", "the last entry's hash differs from the recorded head"
        if rows and rows[-1].key_id is not None and mac != _head_mac(self._key, count, last_hash):
            detail = "the head's HMAC does not match its count and hash: the head was rewritten without the key"
            return rows[-1].seq, "changed", detail
        return None

    @staticmethod
    def _ensure_head(session: Session) -> None:
        if session.get(AuditHeadRow, 1) is not None:
            return
        try:
            with session.begin_nested():
                session.add(AuditHeadRow(id=1, count=0, last_hash=GENESIS))
        except IntegrityError:  # another worker created it first
            pass


def _against_problem(rows: list[AuditEntryRow], head: ExportedHead) -> _Found | None:
    """Whether the chain still holds the exported head at its position (the walk found it continuous)."""
    if head.count == 0:
        return None
    if len(rows) < head.count:
        detail = f"the head exported at {head.at} names entry {head.count}; the chain now ends at {len(rows)}"
        return len(rows) + 1, "deleted", detail + ": truncated since"
    if rows[head.count - 1].hash != head.last_hash:
        detail = f"entry {head.count} is not the one exported at {head.at}: the chain was rewritten since"
        return head.count, "changed", detail
    return None


def _unkeyed_problem(rows: list[AuditEntryRow]) -> _Found | None:
    if not rows or rows[-1].key_id is not None:
        return None
    detail = (
        f"entries {rows[0].seq}–{rows[-1].seq} carry an unkeyed SM3 and no keyed entry follows them: whoever can "
        "write the database could have rewritten them; check them and anchor them (hsekg audit anchor)"
    )
    return rows[0].seq, "unkeyed", detail


def _covered(rows: list[AuditEntryRow]) -> Iterator[tuple[int, str, str, str]]:
    """(entry seq, table, row key, recorded hash) of every covered row the entries recorded, in entry order."""
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
    """The first covered row (by the last entry that wrote it) whose content no longer matches, or that is gone."""
    last_written: dict[tuple[str, str], tuple[int, str]] = {}
    for seq, table, row_id, digest in _covered(rows):
        last_written[(table, row_id)] = (seq, digest)  # a later write of the same row supersedes the earlier
    current: dict[str, dict[str, str]] = {}
    for table in {t for t, _ in last_written}:
        current[table] = row_digests(session, table, [i for t, i in last_written if t == table])
    for (table, row_id), (seq, digest) in sorted(last_written.items(), key=lambda item: item[1][0]):
        now = current[table].get(row_id)
        if now is None:
            return seq, "deleted", f"row {row_id} of {table}, written by entry {seq}, is gone", f"{table}:{row_id}"
        if now != digest:
            detail = f"row {row_id} of {table} no longer matches what entry {seq} recorded of it"
            return seq, "changed", detail, f"{table}:{row_id}"
    return None


def _key_problem(row: AuditEntryRow, keyed_before: bool, key_id: str) -> str | None:
    if row.key_id is None:
        return "it carries an unkeyed SM3 after keyed entries: rewritten without the key" if keyed_before else None
    if row.key_id != key_id:
        return (
            f"it was hashed with another key (id {row.key_id}; the configured key's id is {key_id}): "
            "a wrong HSEKG_AUDIT_KEY, or rewritten by someone without the key"
        )
    return None


def _first_break(rows: list[AuditEntryRow], key: bytes, key_id: str) -> _Found | None:
    position = {GENESIS: -1}
    for i, row in enumerate(rows):
        position.setdefault(row.hash, i)
    prev = GENESIS
    keyed_before = False
    for i, row in enumerate(rows):
        wrong_key = _key_problem(row, keyed_before, key_id)
        if wrong_key is not None:
            return row.seq, "changed", wrong_key
        keyed_before = keyed_before or row.key_id is not None
        if entry_hash(row, key) != row.hash:
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
