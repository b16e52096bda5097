"""Inspection records: one at a time, or an offline batch from a mobile device (exactly once per client id),
read back one by one or listed with filters (the drill-down of the score dashboard).

Every record must concern a unit of the caller's enterprise (and department, if the caller is scoped
to one); the list shows only such records. Evidence notes and references are SM4-sealed before they
reach the records database and opened again for authorised readers; sealing is deterministic, so a
retried record is still recognised as a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from api.contracts.common import Page, RecordOut
from api.http.deps import (
    AuditDep,
    CipherDep,
    CurrentUser,
    PageParams,
    RecordReaderDep,
    RecordScopeDep,
    ScoringDep,
)
from api.http.errors import problem_responses
from api.services.crypto import FieldCipher
from api.services.security import Principal
from api.services.storage import RecordFilter, RecordScope, StoredRecord
from scoring.schemas import BatchIn, BatchResult, Level, RecordIn, RecordResult

__all__ = ["router"]

router = APIRouter(tags=["records"], responses=problem_responses(400, 401, 403, 404, 413, 422, 500))

_RECORD_EXAMPLE: dict[str, Any] = {
    "client_id": "pad7-000123",
    "indicator_id": "ind_fire_facility_intact",
    "level": "岗位",
    "unit_id": "P1",
    "person_id": "u1",
    "location": "焊接车间",
    "observed_at": "2026-10-05T09:00:00+08:00",
    "numerator": 19,
    "denominator": 20,
    "evidence": ["photo:2026-10-05/0001.jpg"],
    "note": "1具灭火器压力不足，已更换",
}


def _check_scope(user: Principal, scope: RecordScope, records: Sequence[RecordIn]) -> None:
    for level, unit_id in sorted({(r.level, r.unit_id) for r in records}):
        found = scope.of_unit(level, unit_id)
        if found is not None:  # an unknown unit is rejected per record by the intake, with a reason
            user.check_unit(*found)


def _sealed(cipher: FieldCipher, record: RecordIn) -> RecordIn:
    # model_copy skips validation on purpose: sealed text is longer than the plaintext limits
    return record.model_copy(
        update={"note": cipher.seal(record.note), "evidence": [cipher.seal(e) for e in record.evidence]}
    )


@router.post("/records", name="records.submit", response_model=RecordResult, status_code=201)
def submit_record(
    record: Annotated[RecordIn, Body(openapi_examples={"check": {"value": _RECORD_EXAMPLE}})],
    user: CurrentUser,
    scoring: ScoringDep,
    scope: RecordScopeDep,
    cipher: CipherDep,
    audit: AuditDep,
) -> RecordResult:
    """Submit one record; with a ``client_id`` a retry is answered ``duplicate`` and stores nothing."""
    _check_scope(user, scope, [record])
    result = scoring.submit_record(_sealed(cipher, record))
    if result.status == "accepted":
        audit.record(
            actor=user.username,
            enterprise_id=user.enterprise_id,
            action="records.submit",
            target=f"record:{result.record_id}",
            before=None,
            after={"record_id": result.record_id, "client_id": result.client_id, "indicator": record.indicator_id},
        )
    return result


@router.post("/records/batch", name="records.batch", response_model=BatchResult)
def submit_batch(
    batch: Annotated[
        BatchIn,
        Body(
            openapi_examples={
                "offline sync": {
                    "value": {
                        "batch_id": "pad7-20261005-1",
                        "device_id": "pad7",
                        "sent_at": "2026-10-05T18:00:00+08:00",
                        "records": [_RECORD_EXAMPLE],
                    }
                }
            }
        ),
    ],
    user: CurrentUser,
    scoring: ScoringDep,
    scope: RecordScopeDep,
    cipher: CipherDep,
    audit: AuditDep,
) -> BatchResult:
    """Offline sync: each record is accepted, a duplicate (retry, resend, repeat) or rejected with a reason."""
    _check_scope(user, scope, batch.records)
    sealed = batch.model_copy(update={"records": [_sealed(cipher, r) for r in batch.records]})
    result = scoring.submit_batch(sealed)
    if result.accepted:
        audit.record(
            actor=user.username,
            enterprise_id=user.enterprise_id,
            action="records.batch",
            target=f"batch:{batch.batch_id}",
            before=None,
            after={
                "device_id": batch.device_id,
                "accepted": result.accepted,
                "duplicates": result.duplicates,
                "rejected": result.rejected,
                "record_ids": [r.record_id for r in result.results if r.status == "accepted"],
            },
        )
    return result


def record_filter(
    level: Annotated[Level | None, Query(description="Only records of this level (企业/部门/岗位)")] = None,
    unit_id: Annotated[str | None, Query(min_length=1, max_length=64, description="Only this unit")] = None,
    indicator_id: Annotated[str | None, Query(min_length=1, max_length=100, description="Only this indicator")] = None,
    period: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$",
            description="Only records observed in this month (YYYY-MM) or year (YYYY), China time",
            examples=["2026-10"],
        ),
    ] = None,
) -> RecordFilter:
    """The list filters from the query string."""
    return RecordFilter(level=level, unit_id=unit_id, indicator_id=indicator_id, period=period)


RecordFilterDep = Annotated[RecordFilter, Depends(record_filter)]


def _out(row: StoredRecord, cipher: FieldCipher) -> RecordOut:
    return RecordOut(
        id=row.id,
        client_id=row.client_id,
        enterprise_id=row.enterprise_id,
        indicator_id=row.indicator_id,
        level=row.level,
        unit_id=row.unit_id,
        person_id=row.person_id,
        location=row.location,
        observed_at=row.observed_at,
        outcome=row.outcome,
        value=row.value,
        numerator=row.numerator,
        denominator=row.denominator,
        evidence=[cipher.open(e) for e in row.evidence],
        source=row.source,
        note=cipher.open(row.note),
    )


@router.get("/records", name="records.list", response_model=Page[RecordOut])
def list_records(
    user: CurrentUser, records: RecordReaderDep, cipher: CipherDep, where: RecordFilterDep, page: PageParams
) -> Page[RecordOut]:
    """Stored records of the caller's enterprise (and department), newest first, note and evidence decrypted."""
    rows, total = records.find(
        user.enterprise_id, where, department_id=user.department_id, limit=page.limit, offset=page.offset
    )
    return Page[RecordOut](items=[_out(r, cipher) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get("/records/{record_id}", name="records.get", response_model=RecordOut)
def get_record(
    record_id: Annotated[int, Path(ge=1, le=2**62)],
    user: CurrentUser,
    records: RecordReaderDep,
    cipher: CipherDep,
    scope: RecordScopeDep,
) -> RecordOut:
    """One stored record of the caller's enterprise (and department, if scoped to one), note and evidence
    decrypted."""
    row = records.get(record_id)
    user.check_enterprise(row.enterprise_id)
    if user.department_id is not None:
        found = scope.of_unit(row.level, row.unit_id)
        user.check_unit(*(found or (row.enterprise_id, None)))
    return _out(row, cipher)
