"""Wire models of inspection records as clients submit them (one, or an offline batch) and of their fate.

Mirrors :mod:`scoring.schemas` field for field, validators included (``tests/api/test_contracts.py``
holds each pair to one JSON schema); a stored record as read back is :class:`api.contracts.common.RecordOut`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "BatchIn",
    "BatchResult",
    "Level",
    "Outcome",
    "RecordIn",
    "RecordResult",
    "Source",
]

Level = Literal["企业", "部门", "岗位"]
Outcome = Literal["pass", "fail"]
Source = Literal["mobile", "offline_batch", "system", "online_monitoring", "video_analytics"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordIn(_Model):
    """One inspection record as a client submits it.

    Give exactly one of: ``outcome`` (pass/fail of one check), ``value`` (a percentage for rate
    indicators, a number of occurrences for count indicators) or ``numerator`` + ``denominator``
    (e.g. 19 of 20 extinguishers intact; 2 violations in 40 checks).
    """

    client_id: str | None = Field(default=None, min_length=1, max_length=64, description="Idempotency key")
    indicator_id: str = Field(min_length=1, max_length=100)
    level: Level
    unit_id: str = Field(min_length=1, max_length=64)
    person_id: str | None = Field(default=None, max_length=64, description="Who checked")
    location: str = Field(default="", max_length=200)
    observed_at: AwareDatetime
    outcome: Outcome | None = None
    value: float | None = Field(default=None, ge=0)
    numerator: float | None = Field(default=None, ge=0)
    denominator: float | None = Field(default=None, gt=0)
    evidence: list[str] = Field(default_factory=list, max_length=20, description="Photo/video/document refs")
    source: Source = "mobile"
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _one_measurement(self) -> RecordIn:
        given = [self.outcome is not None, self.value is not None, self.numerator is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of outcome, value, or numerator with denominator")
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("numerator and denominator go together")
        return self


class BatchIn(_Model):
    """An offline batch from a mobile device; every record carries its client-generated id."""

    batch_id: str = Field(min_length=1, max_length=64)
    device_id: str = Field(min_length=1, max_length=64)
    sent_at: AwareDatetime = Field(description="The device's clock when it sent the batch")
    records: list[RecordIn] = Field(min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _ids_present(self) -> BatchIn:
        missing = [i for i, r in enumerate(self.records) if r.client_id is None]
        if missing:
            raise ValueError(f"offline records need a client_id (records {missing[:10]})")
        return self


class RecordResult(_Model):
    """The fate of one submitted record.

    ``accepted``: stored now. ``duplicate``: the same id with the same payload was stored before (or
    earlier in this batch), nothing changed. ``rejected``: not stored, ``reason`` says why.
    """

    client_id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str = ""
    record_id: int | None = None


class BatchResult(_Model):
    """Per-record results of a submission, with the device clock skew measured on arrival."""

    batch_id: str | None
    received_at: datetime
    clock_skew_s: float | None = Field(description="server time minus device time at sending")
    results: list[RecordResult]
    accepted: int
    duplicates: int
    rejected: int
