"""Inspection records as a use case: submit one or an offline batch (scoped, sealed, audited), read them back.

Every record must concern a unit of the caller's enterprise (and department, if the caller is scoped to
one); listings show only such records. Evidence notes and references are SM4-sealed before they reach the
records database and opened again for authorised readers; sealing is deterministic, so a retried record is
still recognised as a duplicate. The audit entry of accepted records is written inside the intake's own
transaction, so records and their entry commit together (or neither does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from api.services.audit import AuditLog, row_digests
from api.services.crypto import FieldCipher
from api.services.security import Principal
from scoring.records import RecordFilter, RecordReader, RecordScope, StoredRecord
from scoring.schemas import BatchIn, BatchResult, RecordIn, RecordResult
from scoring.service import ScoringService

__all__ = ["OpenedRecord", "RecordService"]


@dataclass(frozen=True)
class OpenedRecord:
    """A stored record with its note and evidence decrypted for an authorised reader."""

    record: StoredRecord
    note: str
    evidence: list[str]


class RecordService:
    """Submit and read inspection records on behalf of a caller.

    Args:
        scoring: the scoring layer (its intake stores the records).
        scope: which enterprise and department a unit belongs to.
        reader: stored records.
        cipher: the SM4 field cipher.
        audit: the audit trail.
    """

    def __init__(
        self, scoring: ScoringService, scope: RecordScope, reader: RecordReader, cipher: FieldCipher, audit: AuditLog
    ) -> None:
        self._scoring = scoring
        self._scope = scope
        self._reader = reader
        self._cipher = cipher
        self._audit = audit

    def submit(self, record: RecordIn, *, user: Principal) -> RecordResult:
        """Submit one record; with a ``client_id`` a retry is answered ``duplicate`` and stores nothing.

        Raises:
            PermissionDeniedError: the record's unit is outside the caller's scope.
        """
        self._check_scope(user, [record])

        def audited(conn: Connection, result: BatchResult) -> None:
            stored = result.results[0]
            if stored.status == "accepted" and stored.record_id is not None:
                after = {
                    "record_id": stored.record_id,
                    "client_id": stored.client_id,
                    "indicator": record.indicator_id,
                    "content": {"inspection_records": row_digests(conn, "inspection_records", [stored.record_id])},
                }
                self._append(conn, user, action="records.submit", target=f"record:{stored.record_id}", after=after)

        return self._scoring.submit_record(self._sealed(record), on_stored=audited)

    def submit_batch(self, batch: BatchIn, *, user: Principal) -> BatchResult:
        """Offline sync: each record is accepted, a duplicate (retry, resend, repeat) or rejected with a reason.

        Raises:
            PermissionDeniedError: a record's unit is outside the caller's scope.
        """
        self._check_scope(user, batch.records)

        def audited(conn: Connection, result: BatchResult) -> None:
            if result.accepted:
                ids = [r.record_id for r in result.results if r.status == "accepted" and r.record_id is not None]
                after = {
                    "device_id": batch.device_id,
                    "accepted": result.accepted,
                    "duplicates": result.duplicates,
                    "rejected": result.rejected,
                    "record_ids": ids,
                    "content": {"inspection_records": row_digests(conn, "inspection_records", ids)},
                }
                self._append(conn, user, action="records.batch", target=f"batch:{batch.batch_id}", after=after)

        sealed = batch.model_copy(update={"records": [self._sealed(r) for r in batch.records]})
        return self._scoring.submit_batch(sealed, on_stored=audited)

    def find(self, where: RecordFilter, *, user: Principal, limit: int, offset: int) -> tuple[list[OpenedRecord], int]:
        """The caller's enterprise's (and department's) records, newest first, and their total."""
        rows, total = self._reader.find(
            user.enterprise_id, where, department_id=user.department_id, limit=limit, offset=offset
        )
        return [self._opened(r) for r in rows], total

    def get(self, record_id: int, *, user: Principal) -> OpenedRecord:
        """One stored record of the caller's enterprise (and department, if scoped to one).

        Raises:
            NotFoundError: no such record.
            PermissionDeniedError: the record is outside the caller's scope.
        """
        row = self._reader.get(record_id)
        user.check_enterprise(row.enterprise_id)
        if user.department_id is not None:
            found = self._scope.of_unit(row.level, row.unit_id)
            user.check_unit(*(found or (row.enterprise_id, None)))
        return self._opened(row)

    def _check_scope(self, user: Principal, records: Sequence[RecordIn]) -> None:
        for level, unit_id in sorted({(r.level, r.unit_id) for r in records}):
            found = self._scope.of_unit(level, unit_id)
            if found is not None:  # an unknown unit is rejected per record by the intake, with a reason
                user.check_unit(*found)

    def _sealed(self, record: RecordIn) -> RecordIn:
        # model_copy skips validation on purpose: sealed text is longer than the plaintext limits
        cipher = self._cipher
        return record.model_copy(
            update={"note": cipher.seal(record.note), "evidence": [cipher.seal(e) for e in record.evidence]}
        )

    def _opened(self, row: StoredRecord) -> OpenedRecord:
        return OpenedRecord(
            record=row, note=self._cipher.open(row.note), evidence=[self._cipher.open(e) for e in row.evidence]
        )

    def _append(self, conn: Connection, user: Principal, *, action: str, target: str, after: object) -> None:
        with Session(bind=conn) as session:  # joins the intake's transaction; committed with the records
            self._audit.append(
                session,
                actor=user.username,
                enterprise_id=user.enterprise_id,
                action=action,
                target=target,
                before=None,
                after=after,
            )
