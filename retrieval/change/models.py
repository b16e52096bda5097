"""Result models of the change, gap and impact steps (what the CLI and API return)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kg.models import Comparator, RatingBands
from retrieval.change.inputs import LawArticle

__all__ = [
    "ChangeProposal",
    "IndicatorProposal",
    "ObligationProposal",
    "ProcessMatch",
    "RiskProposal",
    "Verdict",
]


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

    @property
    def key(self) -> str:
        """``<law>#<article>``."""
        return f"{self.law}#{self.article}"


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


class ChangeProposal(BaseModel):
    """What a change asks of the enterprise: affected risks, duties and indicators, ranked."""

    id: str
    change: str
    conditions: dict[str, list[str]] = Field(default_factory=dict)
    processes: list[ProcessMatch] = Field(default_factory=list)
    risks: list[RiskProposal] = Field(default_factory=list)
    obligations: list[ObligationProposal] = Field(default_factory=list)
    indicators: list[IndicatorProposal] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list, description="Duties left out for unmet conditions, why")
    model: str | None = Field(default=None, description="The chat model that drafted indicators, if any")
    notes: list[str] = Field(default_factory=list, description="What the model's drafts lost, or why it was not used")
    unknown: list[str] = Field(
        default_factory=list,
        description="Chemical-looking names of the change no catalogue holds, with the closest catalogue names",
    )
    ms: float = 0.0
