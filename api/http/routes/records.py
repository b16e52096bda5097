"""Inspection records: one at a time, or an offline batch from a mobile device (exactly once per client id),
read back one by one or listed with filters (the drill-down of the score dashboard).

Every record must concern a unit of the caller's enterprise (and department, if the caller is scoped
to one); the list shows only such records. Evidence notes and references are SM4-sealed before they
reach the records database and opened again for authorised readers; sealing is deterministic, so a
retried record is still recognised as a duplicate.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from api.contracts.common import Page, RecordOut
from api.contracts.records import BatchIn, BatchResult, Level, RecordIn, RecordResult
from api.http.deps import CurrentUser, PageParams, RecordsDep
from api.http.errors import problem_responses
from api.http.mapping import batch_in, record_in, to_wire
from api.services.records import OpenedRecord
from kg.errors import ValidationFailedError
from scoring.records import RecordFilter

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


@router.post(
    "/records",
    name="records.submit",
    response_model=RecordResult,
    status_code=201,
    responses={
        200: {"model": RecordResult, "description": "A retry of a stored record: ``duplicate``, nothing stored"},
        **problem_responses(422),
    },
)
def submit_record(
    record: Annotated[RecordIn, Body(openapi_examples={"check": {"value": _RECORD_EXAMPLE}})],
    user: CurrentUser,
    records: RecordsDep,
    response: Response,
) -> RecordResult:
    """Submit one record: **201** ``accepted``; with a ``client_id`` a retry is **200** ``duplicate`` and stores
    nothing; a record the intake refuses (unknown indicator, impossible value, a client id already holding a
    different record) is **422** problem+json whose detail gives the client id and the reason."""
    result = records.submit(record_in(record), user=user)
    if result.status == "rejected":
        raise ValidationFailedError(f"record {result.client_id!r} rejected: {result.reason}")
    if result.status == "duplicate":
        response.status_code = 200
    return to_wire(result, RecordResult)


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
    records: RecordsDep,
) -> BatchResult:
    """Offline sync: always **200** once the batch is read, with one result per record in order: ``accepted``,
    ``duplicate`` (retry, resend, repeat: nothing stored) or ``rejected`` with its reason, and the counts of each.
    A client retries only the records that were neither accepted nor duplicates, after fixing them."""
    return to_wire(records.submit_batch(batch_in(batch), user=user), BatchResult)


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


def _out(opened: OpenedRecord) -> RecordOut:
    row = opened.record
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
        evidence=opened.evidence,
        source=row.source,
        note=opened.note,
    )


@router.get("/records", name="records.list", response_model=Page[RecordOut])
def list_records(user: CurrentUser, records: RecordsDep, where: RecordFilterDep, page: PageParams) -> Page[RecordOut]:
    """Stored records of the caller's enterprise (and department), newest first, note and evidence decrypted."""
    rows, total = records.find(where, user=user, limit=page.limit, offset=page.offset)
    return Page[RecordOut](items=[_out(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get("/records/{record_id}", name="records.get", response_model=RecordOut)
def get_record(record_id: Annotated[int, Path(ge=1, le=2**62)], user: CurrentUser, records: RecordsDep) -> RecordOut:
    """One stored record of the caller's enterprise (and department, if scoped to one), note and evidence
    decrypted."""
    return _out(records.get(record_id, user=user))
