"""Request and response schemas of the HTTP API shared by several resources: pages, problems, graph nodes,
indicators and their review, users, stored records, the audit trail.

The other resources have their own module: :mod:`api.contracts.qa`, :mod:`api.contracts.change`,
:mod:`api.contracts.review`, :mod:`api.contracts.enterprises`, :mod:`api.contracts.records`,
:mod:`api.contracts.scores`. Like every contract module, this one imports only the standard library,
pydantic and other contract modules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from api.contracts.permissions import Role

__all__ = [
    "AuditEntryOut",
    "AuditHeadIn",
    "AuditHeadOut",
    "AuditVerifyOut",
    "SecurityEventKind",
    "SecurityEventOut",
    "ClauseTextOut",
    "HealthOut",
    "IndicatorEdit",
    "IndicatorOut",
    "NeighbourOut",
    "NodeOut",
    "Page",
    "ProblemOut",
    "QaIn",
    "RecordOut",
    "ReviewIn",
    "ReviewOut",
    "ReviewStateOut",
    "TokenOut",
    "UserCreateIn",
    "UserOut",
]

T = TypeVar("T")

#: Bounds of list endpoints.
MAX_LIMIT = 200


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, at most ``limit``, of ``total``."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ProblemOut(BaseModel):
    """An error, as RFC 7807 ``application/problem+json``."""

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(default=None, description="Per-field problems of a request")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:hsekg:problem:not-found",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "no Regulation 'xyz'",
                    "instance": "/regulations/xyz",
                }
            ]
        }
    )


class HealthOut(BaseModel):
    """Liveness."""

    status: Literal["ok"] = "ok"


class NodeOut(BaseModel):
    """A node of the knowledge graph with its properties."""

    id: str
    label: str
    properties: dict[str, Any]


class NeighbourOut(BaseModel):
    """A node adjacent to another, with the relationship that joins them."""

    rel: str
    direction: Literal["out", "in"]
    label: str
    node: dict[str, Any]
    props: dict[str, Any] = Field(default_factory=dict)


class ClauseTextOut(BaseModel):
    """The text of a clause (条/款/项)."""

    id: str
    regulation: str
    article: int
    text: str


class ReviewStateOut(BaseModel):
    """Where an indicator stands in expert review."""

    status: str
    edits: dict[str, Any]
    updated_by: str
    updated_at: datetime | None


class IndicatorOut(BaseModel):
    """An indicator of the graph, its review state and its properties with the reviewed edits applied."""

    id: str
    properties: dict[str, Any]
    review: ReviewStateOut | None
    effective: dict[str, Any]


class IndicatorEdit(_In):
    """Fields an expert may change when editing an indicator."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    level: Literal["企业", "部门", "岗位"] | None = None
    metric: str | None = Field(default=None, max_length=500)
    target: float | None = None
    comparator: Literal[">=", "<=", "="] | None = None
    unit: str | None = Field(default=None, max_length=20)
    method: Literal["日常检查", "月度考核", "年度复盘"] | None = None
    data_source: str | None = Field(default=None, max_length=500)
    frequency: str | None = Field(default=None, max_length=50)
    owner: str | None = Field(default=None, max_length=100)


class ReviewIn(_In):
    """A review decision on an indicator."""

    decision: Literal["approve", "reject", "edit"]
    comment: str = Field(default="", max_length=2000)
    changes: IndicatorEdit | None = Field(default=None, description="Only with decision 'edit'")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "approve", "comment": "与安全生产法第四十一条一致"},
                {"decision": "edit", "comment": "目标值按新标准收紧", "changes": {"target": 100, "comparator": ">="}},
                {"decision": "reject", "comment": "重复指标，已由动火作业审批率覆盖"},
            ]
        },
    )


class ReviewOut(BaseModel):
    """A recorded review decision."""

    id: int
    indicator_id: str
    decision: str
    comment: str
    changes: dict[str, Any]
    reviewer: str
    at: datetime


class QaIn(_In):
    """A question about regulations."""

    question: str = Field(min_length=1, max_length=500)
    k: int = Field(default=10, ge=1, le=50, description="How many ranked citations to return")

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "动火作业前需要办理什么手续？", "k": 5}]}
    )


class TokenOut(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class UserCreateIn(_In):
    """A new user of the caller's enterprise."""

    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    department_id: str | None = Field(default=None, max_length=64)
    full_name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "li.inspector",
                    "password": "a-long-passphrase",
                    "role": "inspector",
                    "department_id": "D1",
                    "full_name": "李四",
                    "phone": "13800000000",
                }
            ]
        },
    )


class UserOut(BaseModel):
    """A user (contact data opened for authorised readers)."""

    username: str
    role: str
    enterprise_id: str
    department_id: str | None
    full_name: str = ""
    phone: str = ""
    email: str = ""
    active: bool = True
    created_at: datetime | None = None


class RecordOut(BaseModel):
    """A stored inspection record (note and evidence opened for authorised readers)."""

    id: int
    client_id: str | None
    enterprise_id: str
    indicator_id: str
    level: str
    unit_id: str
    person_id: str | None
    location: str
    observed_at: datetime
    outcome: str | None
    value: float | None
    numerator: float
    denominator: float
    evidence: list[str]
    source: str
    note: str


class AuditEntryOut(BaseModel):
    """An entry of the audit trail."""

    seq: int
    at: datetime
    actor: str
    enterprise_id: str
    action: str
    target: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


class AuditVerifyOut(BaseModel):
    """The result of verifying the audit chain."""

    ok: bool
    entries: int
    head_hash: str
    seq: int | None = None
    problem: Literal["changed", "deleted", "inserted", "reordered", "unkeyed"] | None = None
    detail: str = ""
    row: str | None = Field(
        default=None, description="A row an entry covers (table:id) changed or deleted since the entry wrote it"
    )
    unkeyed: int = Field(default=0, description="Entries written before the chain was keyed (unkeyed SM3)")


class AuditHeadOut(BaseModel):
    """The chain's head as exported, to keep outside the database and verify against later."""

    count: int = Field(ge=0, description="Entries in the chain when exported")
    last_hash: str = Field(min_length=64, max_length=64, description="The hash of entry ``count``")
    at: str = Field(description="When exported (ISO 8601)")
    key_id: str = Field(description="The public id of the audit key (never the key)")
    mac: str = Field(description="HMAC-SM3 of count, last_hash and at under the audit key")


class AuditHeadIn(AuditHeadOut):
    """An exported head to verify the chain against (``POST /audit/verify``)."""

    model_config = ConfigDict(extra="forbid")


SecurityEventKind = Literal["login_failed", "login_locked", "token_rejected", "forbidden"]


class SecurityEventOut(BaseModel):
    """Refusals of one kind, subject and source within one minute, counted (``*``: the minute's overflow)."""

    kind: SecurityEventKind
    subject: str = Field(description="The username tried or refused; empty when unknown (a bad token)")
    source: str = Field(description="The client address")
    minute: datetime
    count: int
    enterprise_id: str
    detail: str
    last_at: datetime
