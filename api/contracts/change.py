"""Wire models of the change, gap and impact analyses: what they take and what they return.

Inputs (an enterprise's profile, a change, its current 考核细则) mirror :mod:`retrieval.change.inputs`;
results (proposed risks, duties and indicators with the validator's verdicts, gap reports, law-change
impact) mirror :mod:`retrieval.change.models`, :mod:`retrieval.change.gaps` and
:mod:`retrieval.change.impact`, and the rating bands :class:`kg.models.RatingBands`. Field for field the
same (``tests/api/test_contracts.py`` holds each pair to one JSON schema), so the OpenAPI document is
unchanged; :mod:`api.http.mapping` converts between them.

As their domain twins, the inputs ignore unknown fields (the evaluation records carry their gold
answers beside them) and are frozen.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema

from api.contracts._naming import published_as

__all__ = [
    "CHANGE_TYPE_NAMES",
    "ChangeRequest",
    "ChangeScenario",
    "ChangeType",
    "Comparator",
    "Coverage",
    "CurrentIndicator",
    "EnterpriseProfile",
    "GapReport",
    "GapScenario",
    "ImpactReport",
    "ImpactedCitation",
    "IndicatorProposal",
    "LawArticle",
    "ObligationProposal",
    "ProcessInput",
    "ProcessMatch",
    "RatingBands",
    "RiskProposal",
    "StaleCitation",
    "Successor",
    "Verdict",
]

ChangeType = Literal["add_process", "new_material", "new_equipment", "expand", "regulation_change"]

# The Chinese names each change type is accepted under, as in retrieval.change.inputs (held equal by
# tests/api/test_contracts.py): 安全生产法 第二十九条's 四新, 扩建 / 扩产, 法规变更.
CHANGE_TYPE_NAMES: dict[str, tuple[str, ...]] = {
    "add_process": ("新增工序", "新增工艺", "新工艺", "新增生产线"),
    "new_material": ("新材料", "新物料", "原辅材料变更"),
    "new_equipment": ("新设备", "新增设备"),
    "expand": ("扩产", "扩建", "改扩建", "扩能"),
    "regulation_change": ("法规变更", "法规修订", "标准变更"),
}
_CHANGE_TYPE_OF = {name: key for key, names in CHANGE_TYPE_NAMES.items() for name in (key, *names)}
_CHANGE_TYPE_HELP = "；".join(f"{key}（{'/'.join(names)}）" for key, names in CHANGE_TYPE_NAMES.items())


def _change_type_of(value: object) -> object:
    """A change type in English or Chinese as its English value; an unknown string lists both spellings."""
    if not isinstance(value, str):
        return value
    key = _CHANGE_TYPE_OF.get(value.strip())
    if key is None:
        raise ValueError(f"unknown change type {value!r}: one of {_CHANGE_TYPE_HELP}")
    return key


Comparator = Literal[">=", "<=", "="]


# --- inputs ------------------------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LawArticle(_Input):
    """An article reference: ``law`` is the statute file stem, ``article`` the N of 第N条."""

    law: str = Field(min_length=1)
    article: int = Field(ge=1)


class ProcessInput(_Input):
    """A process of the enterprise as it describes it."""

    stage: str = ""
    name: str = Field(min_length=1)
    description: str = ""


class CurrentIndicator(_Input):
    """A row of the enterprise's current 考核细则."""

    name: str = Field(min_length=1)
    level: str = ""
    target: str = ""
    method: str = ""
    data_source: str = ""
    owner: str = ""
    cites: list[LawArticle] = Field(default_factory=list)


class EnterpriseProfile(_Input):
    """What the system knows of an enterprise."""

    sector: str = ""
    enterprise: str = Field(default="", description="Free-text description of the enterprise")
    processes: list[ProcessInput] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)
    headcount: int | None = None
    permit_class: str = Field(default="", description="重点管理 / 简化管理 / 登记管理, if known")


class ChangeRequest(_Input):
    """A change of the enterprise or of the law."""

    type: Annotated[ChangeType, BeforeValidator(_change_type_of)] = Field(
        description="The kind of change, in English or Chinese: " + _CHANGE_TYPE_HELP
    )
    description: str = Field(min_length=1)
    process: ProcessInput | None = None


class ChangeScenario(_Input):
    """An enterprise before a change, and the change (a ``change_*.jsonl`` record)."""

    id: str = "change"
    sector: str = ""
    enterprise: str = ""
    processes_before: list[ProcessInput] = Field(default_factory=list)
    change: ChangeRequest
    permit_class: str = ""


class GapScenario(_Input):
    """Processes and the current indicator set of an enterprise (a ``gaps_*.jsonl`` record)."""

    id: str = "gaps"
    sector: str = ""
    enterprise: str = ""
    processes: list[ProcessInput] = Field(default_factory=list)
    indicators: list[CurrentIndicator] = Field(default_factory=list)
    permit_class: str = ""


# --- proposals ---------------------------------------------------------------------------------------


class RatingBands(BaseModel):
    """Thresholds of the three grades 优秀 / 合格 / 待改进.

    The direction follows the indicator's comparator: for ``>=`` a value at or above ``excellent``
    is 优秀, at or above ``qualified`` is 合格, else 待改进; for ``<=`` and ``=`` lower is better.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    excellent: float
    qualified: float


class ProcessMatch(BaseModel):
    """A knowledge-base process template recognised in the enterprise's text."""

    template_id: str
    name: str
    score: float
    evidence: list[str] = Field(default_factory=list)


class RiskProposal(BaseModel):
    """A risk affected by the change, with the evidence that led to it."""

    id: str
    name: str
    category: str
    score: float
    evidence: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(
        default_factory=list, description="The enterprise's statuses the change brings about that govern it"
    )
    facts: list[str] = Field(
        default_factory=list,
        description="What the change names whose catalogue classes bring the risk (substances, equipment, factors)",
    )


class ObligationProposal(BaseModel):
    """An applicable duty: the article to cite (current law), its text, and older twins as history."""

    duty_id: str
    law: str
    article: int
    quote: str = ""
    subject: str = ""
    modality: str = ""
    action: str = ""
    score: float = 0.0
    risks: list[str] = Field(default_factory=list, description="Names of the risks leading to it")
    history: list[LawArticle] = Field(default_factory=list, description="Repealed or older articles, history only")
    evidence: list[str] = Field(default_factory=list)


class Verdict(BaseModel):
    """One rule of the validator applied to one indicator."""

    rule: str
    ok: bool
    reason: str
    suggestion: str = ""


class IndicatorProposal(BaseModel):
    """A candidate indicator with its chain change → risk → obligation → indicator and its verdicts."""

    name: str
    level: Literal["企业", "部门", "岗位"] | str
    target: float | None = None
    comparator: Comparator | None = None
    unit: str = ""
    target_text: str = ""
    bands: RatingBands | None = None
    metric: str = ""
    method: str = ""
    data_source: str = ""
    owner: str = ""
    cites: list[LawArticle] = Field(default_factory=list)
    duty_ids: list[str] = Field(default_factory=list)
    risk_ids: list[str] = Field(default_factory=list)
    source: Literal["library", "template", "existing", "llm"] = "library"
    library_id: str | None = None
    score: float = 0.0
    chain: list[str] = Field(default_factory=list, description="change → risk → obligation (quote) → indicator")
    verdicts: list[Verdict] = Field(default_factory=list)
    status: Literal["proposed", "validated", "approved", "rejected", "edited"] = "proposed"

    @property
    def valid(self) -> bool:
        """Whether every verdict passed (and there is at least one)."""
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)

    @property
    def failures(self) -> list[Verdict]:
        """The failed verdicts."""
        return [v for v in self.verdicts if not v.ok]


# --- gaps --------------------------------------------------------------------------------------------


class Coverage(BaseModel):
    """A duty with the current indicators covering it and why."""

    duty_id: str
    law: str
    article: int
    risk: str = ""
    covered_by: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    score: float = 0.0
    facts: list[str] = Field(
        default_factory=list, description="The catalogue facts of the plant that make the duty apply (甲苯：易燃液体 …)"
    )


class StaleCitation(BaseModel):
    """An indicator citing a repealed article, with the current successor."""

    indicator: str
    law: str
    article: int
    status: str
    successor: LawArticle | None = None
    score: float | None = None


class GapReport(BaseModel):
    """Applicable duties, their coverage, the gaps with suggestions, and stale citations."""

    id: str
    conditions: dict[str, list[str]] = Field(default_factory=dict)
    covered: list[Coverage] = Field(default_factory=list)
    gaps: list[Coverage] = Field(default_factory=list)
    suggestions: list[IndicatorProposal] = Field(default_factory=list)
    stale_citations: list[StaleCitation] = Field(default_factory=list)
    ms: float = 0.0


# --- impact ------------------------------------------------------------------------------------------


class Successor(BaseModel):
    """A current article that took over a repealed one (``SUCCEEDED_BY``), with the mapping's score."""

    law: str
    article: int
    score: float | None = None
    reason: str = ""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler, /) -> CoreSchema:
        # named retrieval__change__catalog__Successor in the OpenAPI document, beside the answer's Successor
        return published_as(handler(source), cls, "retrieval.change.catalog")


class ImpactedCitation(BaseModel):
    """One indicator citing one article of the replaced regulation."""

    indicator_id: str
    indicator: str
    law: str
    article: int
    successors: list[Successor] = Field(default_factory=list)
    proposal: str = ""


class ImpactReport(BaseModel):
    """The impact of a regulation's replacement on the indicator set."""

    regulation: str
    status: str
    replaced_by: str | None = None
    citations: list[ImpactedCitation] = Field(default_factory=list)
    unmapped: list[str] = Field(default_factory=list, description="Cited articles without a successor")
