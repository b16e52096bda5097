"""Wire models of the knowledge graph as an expert reads it: an enterprise's processes in flow order, and for
one process its risks, the duties and clauses behind each risk, and the indicators that measure the risk.

Field for field the same as :mod:`api.services.process_map` (``tests/api/test_app_process_map.py`` holds
each pair to one JSON schema); :func:`api.http.mapping.to_wire` converts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "Clause",
    "RiskDuty",
    "FlowStep",
    "MeasuringIndicator",
    "ProcessFlow",
    "ProcessRiskMap",
    "RiskEntry",
]


class FlowStep(BaseModel):
    """One step of an enterprise's flow."""

    step: int = Field(description="1-based position in the flow")
    name: str
    stage: str
    process_id: str | None = Field(description="The process template it is (None: a step no template fits)")
    template_name: str = ""


class ProcessFlow(BaseModel):
    """An enterprise's processes in flow order: its imported process map, else its sector's templates."""

    enterprise_id: str
    sector: str
    source: Literal["imported", "sector"] = Field(
        description="imported: the enterprise's own process map; sector: no map imported, the sector's templates"
    )
    steps: list[FlowStep]


class Clause(BaseModel):
    """A clause behind a duty, with its text and its regulation's status."""

    id: str
    regulation: str
    article: int
    text: str
    current: bool = Field(description="Its regulation is 现行")
    status: str = ""


class RiskDuty(BaseModel):
    """A legal duty governing a risk."""

    id: str
    name: str = Field(description="subject + modality + action")
    clauses: list[Clause]


class MeasuringIndicator(BaseModel):
    """An indicator measuring at least one risk of the process."""

    id: str
    name: str
    level: str
    stage: str = ""
    position: str = ""
    metric: str = ""
    target: str = Field(default="", description="comparator, value and unit, e.g. ≥100%")
    method: str = ""
    frequency: str = ""
    data_source: str = ""
    owner: str = ""
    standard: str = ""
    written_for: str = Field(default="", description="The risk it was written for (its first measured risk)")
    risks: list[str] = Field(description="The process's risks it measures")
    duties: list[str] = Field(default_factory=list, description="The duties it measures")


class RiskEntry(BaseModel):
    """A risk of the process with its duties and the indicators measuring it (those written for it first)."""

    id: str
    name: str
    category: str = ""
    hazard: str = ""
    consequence: str = ""
    duties: list[RiskDuty]
    indicators: list[str] = Field(description="Ids of the indicators measuring it, those written for it first")


class ProcessRiskMap(BaseModel):
    """A process, its risks and the indicators that measure them (not those that only cite a shared duty)."""

    process_id: str
    name: str
    stage: str = ""
    description: str = ""
    risks: list[RiskEntry]
    indicators: list[MeasuringIndicator]
