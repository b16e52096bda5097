"""Request and response schemas of the review queue, gaps, impact and process-graph routes.

The evidence inside them (indicators with verdicts, obligations with quoted clauses, risks, gap
reports) and the scenarios they take are the wire models of :mod:`api.contracts.change`.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.contracts.change import (
    ChangeScenario,
    GapReport,
    GapScenario,
    IndicatorProposal,
    LawArticle,
    ObligationProposal,
    RatingBands,
    RiskProposal,
)

__all__ = [
    "BulkDecisionIn",
    "BulkDecisionOut",
    "BulkResult",
    "DecisionIn",
    "DecisionOut",
    "GapRunIn",
    "GapRunOut",
    "GraphEdgeOut",
    "GraphNodeOut",
    "ProcessGraphOut",
    "ProposalEdit",
    "ProposalFacetsOut",
    "ProposalOut",
    "ProposalRunIn",
    "ProposalRunOut",
]

_CHANGE_EXAMPLE: dict[str, Any] = {
    "sector": "汽车零部件",
    "enterprise": "某汽车零部件公司",
    "processes_before": [{"stage": "机加工", "name": "数控车削", "description": "数控车床加工轴类零件"}],
    "change": {
        "type": "add_process",
        "description": "新增一条喷涂线，使用含二甲苯的溶剂型涂料",
        "process": {"stage": "表面处理", "name": "喷涂", "description": "喷漆房内人工喷涂，烘干"},
    },
    "permit_class": "简化管理",
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProposalRunIn(_In):
    """A change to propose indicators for (the ``change_*.jsonl`` record format)."""

    scenario: ChangeScenario

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scenario": _CHANGE_EXAMPLE}]})


class ProposalOut(BaseModel):
    """A stored proposal: the indicator with its verdicts, the evidence chain, the review state."""

    id: str
    run_id: str
    source: Literal["change", "gap", "impact"] | str
    status: Literal["proposed", "validated", "approved", "rejected", "edited"] | str
    valid: bool
    enterprise: str
    sector: str
    process: str
    change: str
    indicator: IndicatorProposal
    original: IndicatorProposal = Field(description="The indicator as proposed, before any edit")
    obligations: list[ObligationProposal] = Field(description="The duties it measures, with the quoted clause")
    risks: list[RiskProposal]
    created_at: datetime
    created_by: str
    decided_at: datetime | None = None
    decided_by: str | None = None
    comment: str = ""
    model: str | None = Field(default=None, description="The LLM that drafted it, if any")


class ProposalRunOut(BaseModel):
    """A change run: its id and the proposals stored."""

    run_id: str
    change: str
    proposals: list[ProposalOut]
    risks: list[RiskProposal] = Field(default_factory=list)
    obligations: list[ObligationProposal] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list, description="Duties left out for unmet conditions, and why")
    notes: list[str] = Field(default_factory=list, description="What an LLM's drafts lost, or why it was not used")
    unknown: list[str] = Field(
        default_factory=list,
        description="Chemical-looking names of the change no catalogue holds, with the closest catalogue names",
    )
    ms: float = 0.0


class ProposalFacetsOut(BaseModel):
    """The values the queue's filters can take."""

    status: list[str]
    sector: list[str]
    source: list[str]


class ProposalEdit(_In):
    """Fields an expert may correct on a proposed indicator."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    level: Literal["企业", "部门", "岗位"] | None = None
    target: float | None = None
    comparator: Literal[">=", "<=", "="] | None = None
    unit: str | None = Field(default=None, max_length=20)
    target_text: str | None = Field(default=None, max_length=200)
    bands: RatingBands | None = Field(default=None, description="优秀 / 合格 thresholds")
    method: str | None = Field(default=None, max_length=200)
    data_source: str | None = Field(default=None, max_length=500)
    owner: str | None = Field(default=None, max_length=100)
    cites: list[LawArticle] | None = Field(default=None, max_length=20, description="The articles to cite")

    @field_validator("target")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("the target must be a finite number")
        return value


class DecisionIn(_In):
    """An expert's decision on a proposal; ``reopen`` takes back an earlier one (comment required)."""

    decision: Literal["approve", "reject", "edit", "reopen"]
    comment: str = Field(default="", max_length=2000)
    changes: ProposalEdit | None = Field(default=None, description="Only with decision 'edit'")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "approve", "comment": "依据充分"},
                {"decision": "edit", "comment": "目标值收紧", "changes": {"target": 100, "comparator": ">="}},
                {"decision": "reject", "comment": "已由现有指标覆盖"},
                {"decision": "reopen", "comment": "工艺参数已更新，需重新审核"},
            ]
        },
    )


class DecisionOut(BaseModel):
    """A recorded decision."""

    id: int
    decision: str
    status: str
    comment: str
    changes: dict[str, Any]
    actor: str
    at: datetime


class BulkDecisionIn(_In):
    """One decision (approve or reject) applied to several proposals; each succeeds or fails alone."""

    ids: list[str] = Field(min_length=1, max_length=200)
    decision: Literal["approve", "reject"]
    comment: str = Field(default="", max_length=2000)


class BulkResult(BaseModel):
    """The outcome for one proposal of a bulk decision."""

    id: str
    ok: bool
    status: str | None = None
    detail: str = ""


class BulkDecisionOut(BaseModel):
    """The outcome of a bulk decision, per proposal."""

    results: list[BulkResult]


class GapRunIn(_In):
    """An enterprise's processes and 考核细则 (the ``gaps_*.jsonl`` record format)."""

    scenario: GapScenario
    send_to_review: bool = Field(default=False, description="Store the suggested indicators in the review queue")


class GapRunOut(BaseModel):
    """The gap report and, when sent to review, the proposals stored from its suggestions."""

    report: GapReport
    proposal_ids: list[str] = Field(default_factory=list)
    run_id: str | None = None
    unresolved: list[str] = Field(default_factory=list, description="Citations in the file the graph does not know")
    skipped: list[str] = Field(default_factory=list, description="Rows of the file left out, and why")


class GraphNodeOut(BaseModel):
    """A node of a process's neighbourhood."""

    id: str
    label: str
    name: str


class GraphEdgeOut(BaseModel):
    """An edge of a process's neighbourhood."""

    source: str
    target: str
    type: str


class ProcessGraphOut(BaseModel):
    """A process with its risks, the obligations of those risks and the indicators measuring them."""

    process: str
    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]
