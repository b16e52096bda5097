"""Record intake: single and batch submission, exactly once per client record id.

What "exactly once" means here: the client-generated ``client_id`` is the idempotency key. The first
submission of an id that passes validation is stored; any later submission of the same id with the
same payload (a retry, a duplicate inside a batch, a batch resent in another order) is answered
``duplicate`` and changes nothing; the same id with a *different* payload is ``rejected`` with a
reason and never overwrites what was stored. A record that was rejected for a domain reason is not
remembered, so a corrected resubmission under the same id can still be accepted. The payload hash
covers everything the client sent for the record, not the batch envelope, so a resend with a new
``sent_at`` is still a duplicate.

Each batch is applied in one transaction. Concurrent submissions of the same ids (a batch resent
while the first attempt is still in flight, two devices syncing the same records) are race-safe: rows
with a client id are inserted with ``ON CONFLICT (client_id) DO NOTHING`` (SQLite and PostgreSQL), in
client-id order so that two overlapping batches take their row locks in the same order, and a row
another request stored in the meantime is read back and answered ``duplicate`` (or ``rejected`` if its
payload differs), never an error. On another backend a unique-constraint race re-evaluates the batch.

Clock skew: ``server received_at - device sent_at`` is recorded on every record of a batch, and
``observed_at`` is corrected by it (the device's own reading stays in ``device_observed_at``), so a
device whose clock is an hour slow still files its records in the right month.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.sql.dml import ReturningInsert

from kg.errors import ScoringError
from scoring.db import IndicatorAssignment, IndicatorSnapshot, InspectionRecord, Person, month_of, utcnow
from scoring.schemas import BatchIn, BatchResult, RecordIn, RecordResult

__all__ = ["RecordIntake", "StoredHook", "payload_hash"]

#: Called inside the intake's transaction once the records are stored, with the connection and the result
#: (the application layer writes its audit entry there, so the records and their entry commit together).
StoredHook = Callable[[Connection, BatchResult], None]

_IN_BATCH = "repeated in the batch"

#: How far in the future (after skew correction) an observation may lie before it is rejected.
FUTURE_TOLERANCE = timedelta(minutes=5)


def payload_hash(record: RecordIn) -> str:
    """SHA-256 of the record's canonical JSON (sorted keys, UTC timestamps)."""
    data = record.model_dump(mode="json")
    data["observed_at"] = record.observed_at.timestamp()
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class _ConflictError(Exception):
    """A concurrent write got in the way; the batch is evaluated again."""


@dataclass(frozen=True)
class _Context:
    kinds: dict[str, str]  # indicator id -> metric kind
    assignments: dict[tuple[str, str, str], str]  # (indicator, level, unit) -> enterprise
    people: set[str]
    stored: dict[str, tuple[str, int]]  # client_id -> (payload hash, record id)


class RecordIntake:
    """Validates and stores inspection records.

    Args:
        engine: the records database.
        clock: the server clock (injected in tests).
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def submit_one(self, record: RecordIn, *, on_stored: StoredHook | None = None) -> RecordResult:
        """Submit one record (mobile, system or video analytics), without a batch envelope."""
        return self._apply([record], batch_id=None, device_id=None, sent_at=None, on_stored=on_stored).results[0]

    def submit_batch(self, batch: BatchIn, *, on_stored: StoredHook | None = None) -> BatchResult:
        """Apply an offline batch: every record is accepted, a duplicate or rejected with a reason."""
        return self._apply(
            batch.records,
            batch_id=batch.batch_id,
            device_id=batch.device_id,
            sent_at=batch.sent_at,
            on_stored=on_stored,
        )

    def _apply(
        self,
        records: Sequence[RecordIn],
        *,
        batch_id: str | None,
        device_id: str | None,
        sent_at: datetime | None,
        on_stored: StoredHook | None,
    ) -> BatchResult:
        for attempt in (1, 2, 3):
            received = self._clock()
            skew = (received - sent_at).total_seconds() if sent_at is not None else None
            try:
                with self._engine.begin() as conn:
                    ctx = self._context(conn, records)
                    results, rows = self._evaluate(records, ctx, received=received, skew=skew)
                    for _, row in rows:
                        row.update(batch_id=batch_id, device_id=device_id)
                    _store(conn, results, rows)
                    summary = _summarise(batch_id, received, skew, results)
                    if on_stored is not None:
                        on_stored(conn, summary)
            except (IntegrityError, _ConflictError) as e:
                if attempt == 3:
                    raise ScoringError(f"batch {batch_id!r} kept conflicting with concurrent writes: {e}") from e
                continue
            except SQLAlchemyError as e:
                raise ScoringError(f"records could not be stored: {e}") from e
            return summary
        raise AssertionError("unreachable")  # pragma: no cover

    def _context(self, conn: Connection, records: Sequence[RecordIn]) -> _Context:
        kinds_q = select(IndicatorSnapshot.id, IndicatorSnapshot.kind).where(
            IndicatorSnapshot.id.in_({r.indicator_id for r in records})
        )
        kinds = {i: k for i, k in conn.execute(kinds_q).all()}
        a = IndicatorAssignment
        keys = list({(r.indicator_id, r.level, r.unit_id) for r in records})
        stmt = select(a.indicator_id, a.level, a.unit_id, a.enterprise_id).where(
            tuple_(a.indicator_id, a.level, a.unit_id).in_(keys)
        )
        assignments = {(i, lv, u): e for i, lv, u, e in conn.execute(stmt).all()}
        person_ids = {r.person_id for r in records if r.person_id}
        people = (
            set(conn.execute(select(Person.id).where(Person.id.in_(person_ids))).scalars()) if person_ids else set()
        )
        client_ids = [r.client_id for r in records if r.client_id]
        stored: dict[str, tuple[str, int]] = {}
        rec = InspectionRecord
        for start in range(0, len(client_ids), 500):
            q = select(rec.client_id, rec.payload_hash, rec.id).where(
                rec.client_id.in_(client_ids[start : start + 500])
            )
            stored.update({str(c): (h, int(i)) for c, h, i in conn.execute(q).all()})
        return _Context(kinds, assignments, people, stored)

    def _evaluate(
        self, records: Sequence[RecordIn], ctx: _Context, *, received: datetime, skew: float | None
    ) -> tuple[list[RecordResult], list[tuple[int, dict[str, object]]]]:
        results: list[RecordResult] = []
        rows: list[tuple[int, dict[str, object]]] = []
        seen: dict[str, tuple[str, RecordResult]] = {}
        for record in records:
            digest = payload_hash(record)
            cid = record.client_id
            if cid is not None and cid in ctx.stored:
                results.append(_repeat(cid, digest, ctx.stored[cid][0], ctx.stored[cid][1]))
                continue
            if cid is not None and cid in seen:
                first_digest, first = seen[cid]
                results.append(_repeat_in_batch(cid, digest, first_digest, first))
                continue
            reason, row = _check(record, ctx, received=received, skew=skew)
            result = RecordResult(client_id=cid, status="rejected" if reason else "accepted", reason=reason or "")
            if row is not None:
                row["payload_hash"] = digest
                rows.append((len(results), row))
            if cid is not None:
                seen[cid] = (digest, result)
            results.append(result)
        return results, rows


def _store(conn: Connection, results: list[RecordResult], rows: list[tuple[int, dict[str, object]]]) -> None:
    """Insert the rows of accepted records and fill in the record ids of all results."""
    ids = _insert(conn, [row for _, row in rows])
    taken: dict[str, int] = {}  # client id -> result index, for ids a concurrent request stored first
    for (index, row), new_id in zip(rows, ids, strict=True):
        if new_id is None:
            taken[str(row["client_id"])] = index
        results[index].record_id = new_id
    if taken:
        _resolve_taken(conn, results, taken, {str(row["client_id"]): row for _, row in rows})
    _link_repeats(results)


def _insert(conn: Connection, rows: list[dict[str, object]]) -> list[int | None]:
    """Insert rows; their new ids in the order given, None where a concurrent request holds the client id."""
    if not rows:
        return []
    rec = InspectionRecord
    keyed = sorted((r for r in rows if r["client_id"] is not None), key=lambda r: str(r["client_id"]))
    unkeyed = [r for r in rows if r["client_id"] is None]
    new_ids: list[int] = []
    if unkeyed:
        stmt = insert(rec).returning(rec.id, sort_by_parameter_order=True)
        new_ids = [int(i) for i in conn.execute(stmt, unkeyed).scalars()]
    by_client: dict[str, int] = {}
    if keyed:
        returned = conn.execute(_insert_keyed(conn.dialect.name), keyed).all()
        by_client = {str(c): int(i) for c, i in returned}
    unkeyed_ids = iter(new_ids)
    return [next(unkeyed_ids) if r["client_id"] is None else by_client.get(str(r["client_id"])) for r in rows]


def _insert_keyed(dialect: str) -> ReturningInsert[str | None, int]:
    """INSERT … RETURNING client_id, id that skips rows whose client id is taken (SQLite, PostgreSQL)."""
    rec = InspectionRecord
    if dialect in ("sqlite", "postgresql"):
        dialect_insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        stmt = dialect_insert(rec).on_conflict_do_nothing(index_elements=[rec.client_id])
        return stmt.returning(rec.client_id, rec.id)
    return insert(rec).returning(rec.client_id, rec.id)  # a race raises IntegrityError: re-evaluated


def _resolve_taken(
    conn: Connection, results: list[RecordResult], taken: dict[str, int], rows: dict[str, dict[str, object]]
) -> None:
    """Answer the records whose client id a concurrent request stored first as that request's repeat.

    Raises:
        _ConflictError: a taken id cannot be read back (its writer rolled back): the batch is re-evaluated.
    """
    rec = InspectionRecord
    q = select(rec.client_id, rec.payload_hash, rec.id).where(rec.client_id.in_(list(taken)))
    stored = {str(c): (str(h), int(i)) for c, h, i in conn.execute(q).all()}
    for cid, index in taken.items():
        if cid not in stored:
            raise _ConflictError(f"client id {cid!r} was taken by a write that is not visible")
        digest, record_id = stored[cid]
        results[index] = _repeat(cid, str(rows[cid]["payload_hash"]), digest, record_id)


def _link_repeats(results: list[RecordResult]) -> None:
    """Give in-batch repeats the id (or the rejection) of their first occurrence."""
    first: dict[str, RecordResult] = {}
    for result in results:
        if result.client_id is None:
            continue
        head = first.setdefault(result.client_id, result)
        if head is result or result.reason != _IN_BATCH:
            continue
        if head.status == "rejected":  # the first occurrence lost a race to a different payload
            result.status, result.reason = "rejected", head.reason
        result.record_id = head.record_id


def _repeat(cid: str, digest: str, stored_digest: str, record_id: int) -> RecordResult:
    if digest == stored_digest:
        return RecordResult(client_id=cid, status="duplicate", reason="already stored", record_id=record_id)
    return RecordResult(
        client_id=cid,
        status="rejected",
        reason=f"client id {cid!r} already holds a different record (id {record_id}); not overwritten",
    )


def _repeat_in_batch(cid: str, digest: str, first_digest: str, first: RecordResult) -> RecordResult:
    if digest != first_digest:
        return RecordResult(
            client_id=cid, status="rejected", reason=f"client id {cid!r} used twice in the batch with different records"
        )
    if first.status == "rejected":
        return RecordResult(client_id=cid, status="rejected", reason=first.reason)
    return RecordResult(client_id=cid, status="duplicate", reason=_IN_BATCH)


def _check(
    record: RecordIn, ctx: _Context, *, received: datetime, skew: float | None
) -> tuple[str | None, dict[str, object] | None]:
    """A rejection reason, or the row to insert."""
    kind = ctx.kinds.get(record.indicator_id)
    if kind is None:
        return f"unknown indicator {record.indicator_id!r}", None
    enterprise = ctx.assignments.get((record.indicator_id, record.level, record.unit_id))
    if enterprise is None:
        return f"indicator {record.indicator_id!r} is not assigned to {record.level} {record.unit_id!r}", None
    if record.person_id is not None and record.person_id not in ctx.people:
        return f"unknown person {record.person_id!r}", None
    observed = record.observed_at + timedelta(seconds=skew) if skew is not None else record.observed_at
    if observed > received + FUTURE_TOLERANCE:
        return f"observed_at {observed.isoformat()} lies in the future (after clock-skew correction)", None
    if record.source == "video_analytics" and not record.evidence:
        return "video analytics records must carry the clip or frame as evidence", None
    measured = _measure(record, kind)
    if isinstance(measured, str):
        return measured, None
    numerator, denominator = measured
    return None, {
        "client_id": record.client_id,
        "enterprise_id": enterprise,
        "indicator_id": record.indicator_id,
        "level": record.level,
        "unit_id": record.unit_id,
        "person_id": record.person_id,
        "location": record.location,
        "observed_at": observed,
        "device_observed_at": record.observed_at if skew is not None else None,
        "month": month_of(observed),
        "outcome": record.outcome,
        "value": record.value,
        "numerator": numerator,
        "denominator": denominator,
        "evidence": json.dumps(record.evidence, ensure_ascii=False),
        "source": record.source,
        "clock_skew_s": skew,
        "received_at": received,
        "note": record.note,
    }


def _measure(record: RecordIn, kind: str) -> tuple[float, float] | str:
    """Numerator and denominator of a record under the indicator's kind, or a rejection reason.

    A pass of a compliance check counts 1/1 towards a rate; a fail of a check counts one occurrence
    per exposure towards an occurrence rate or a count.
    """
    if record.outcome is not None:
        passed = record.outcome == "pass"
        if kind == "rate":
            return (1.0 if passed else 0.0), 1.0
        return (0.0 if passed else 1.0), 1.0
    if record.value is not None:
        if kind == "count":
            return record.value, 1.0
        if record.value > 100:
            return f"value {record.value} is not a percentage"
        return record.value / 100.0, 1.0
    assert record.numerator is not None and record.denominator is not None
    if kind != "count" and record.numerator > record.denominator:
        return f"numerator {record.numerator} exceeds denominator {record.denominator}"
    return record.numerator, record.denominator


def _summarise(
    batch_id: str | None, received: datetime, skew: float | None, results: list[RecordResult]
) -> BatchResult:
    return BatchResult(
        batch_id=batch_id,
        received_at=received,
        clock_skew_s=skew,
        results=results,
        accepted=sum(r.status == "accepted" for r in results),
        duplicates=sum(r.status == "duplicate" for r in results),
        rejected=sum(r.status == "rejected" for r in results),
    )
