"""Map an enterprise extraction onto the knowledge base and into the change pipeline's inputs.

Each extracted process is matched to process templates with :class:`~retrieval.change.matching.ProcessMatcher`
(score and evidence kept); a process with no template good enough stays a *new* process with candidate
risks from :class:`~retrieval.change.matching.RiskScorer` rather than being dropped. The result carries the
:class:`~retrieval.change.inputs.EnterpriseProfile` the gap and change steps take. A diff between two
versions of the documents converts into :class:`~retrieval.change.inputs.ChangeScenario` records.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ingestion.enterprise.models import EnterpriseExtraction, ExtractedProcess, ExtractionDiff, Provenance
from kg.corpus import KnowledgeBase
from kg.errors import IngestionError
from retrieval.change.catalog import KnowledgeCatalog
from retrieval.change.inputs import ChangeRequest, ChangeScenario, EnterpriseProfile, GapScenario, ProcessInput
from retrieval.change.matching import ProcessMatcher, RiskScorer
from retrieval.change.models import ProcessMatch, RiskProposal

__all__ = [
    "MATCH_THRESHOLD",
    "EnterpriseImport",
    "EnterpriseMapper",
    "ProcessMapping",
    "catalog_from_knowledge_base",
    "change_scenarios",
]

#: A template is accepted when its matcher score reaches this (a name or alias hit alone scores 2).
MATCH_THRESHOLD = 2.0
MAX_CANDIDATE_RISKS = 5


class ProcessMapping(BaseModel):
    """One extracted process and the templates it matched (best first), or its candidate risks."""

    name: str
    stage: str = ""
    order: int = 0
    source: Provenance
    status: Literal["matched", "new"]
    template_id: str | None = None
    template_name: str = ""
    matches: list[ProcessMatch] = Field(default_factory=list)
    candidate_risks: list[RiskProposal] = Field(default_factory=list)


class EnterpriseImport(BaseModel):
    """The profile for the gap and change steps, the process mapping and the raw extraction."""

    profile: EnterpriseProfile
    mappings: list[ProcessMapping]
    extraction: EnterpriseExtraction

    def gap_scenario(self, indicators: list[dict[str, object]] | None = None) -> GapScenario:
        """A gap scenario of this enterprise with its current indicator set."""
        p = self.profile
        return GapScenario.model_validate(
            {
                "id": self.extraction.name or "enterprise",
                "sector": p.sector,
                "enterprise": p.enterprise,
                "processes": [q.model_dump() for q in p.processes],
                "indicators": indicators or [],
                "permit_class": p.permit_class,
            }
        )


def catalog_from_knowledge_base(kb: KnowledgeBase) -> KnowledgeCatalog:
    """A catalog for matching (templates, risks and their links) read from the YAML, without a graph.

    Duties and indicators are left empty: the gap and change steps need the graph catalog.
    """
    return KnowledgeCatalog(
        processes={p.id: p.model_dump() for p in kb.processes},
        risks={r.id: r.model_dump() for r in kb.risks},
        process_risks={p.id: list(p.risks) for p in kb.processes},
        risk_duties={},
        duties={},
        indicators={},
        indicator_risks={},
        indicator_duties={},
        regulations={},
    )


class EnterpriseMapper:
    """Turn an extraction into an :class:`EnterpriseImport`.

    Args:
        catalog: the knowledge base (graph catalog, or :func:`catalog_from_knowledge_base`).
        matcher: process-template matcher; by default one without embedder.
        threshold: the least score for a template to count as the process's template.
    """

    def __init__(
        self, catalog: KnowledgeCatalog, *, matcher: ProcessMatcher | None = None, threshold: float = MATCH_THRESHOLD
    ) -> None:
        if threshold <= 0:
            raise ValueError("threshold must be positive")
        self.catalog = catalog
        self.matcher = matcher or ProcessMatcher(catalog)
        self.risks = RiskScorer(catalog)
        self.threshold = threshold

    def run(self, extraction: EnterpriseExtraction, *, sector: str = "") -> EnterpriseImport:
        """Map every process and build the profile.

        Raises:
            IngestionError: no document yielded anything (the message gives each document's reason).
        """
        if extraction.is_empty:
            raise IngestionError(f"nothing extracted from the documents: {extraction.reasons() or 'no documents'}")
        mappings = [self.map_process(p) for p in extraction.processes]
        profile = EnterpriseProfile(
            sector=sector,
            enterprise=_description(extraction),
            processes=[
                ProcessInput(
                    stage=m.stage or _stage(self.catalog, m.template_id), name=p.name, description=p.description
                )
                for p, m in zip(extraction.processes, mappings, strict=True)
            ],
            materials=[m.name for m in extraction.materials],
            equipment=[e.name for e in extraction.equipment],
            headcount=extraction.headcount,
            permit_class=extraction.permit_class,
        )
        return EnterpriseImport(profile=profile, mappings=mappings, extraction=extraction)

    def map_process(self, process: ExtractedProcess) -> ProcessMapping:
        """The templates of one process, or, when none reaches the threshold, its candidate risks."""
        matches = self.matcher.run(process.name, process.description)
        base = {"name": process.name, "stage": process.stage, "order": process.order, "source": process.source}
        if matches and matches[0].score >= self.threshold:
            best = matches[0]
            return ProcessMapping(
                **base, status="matched", template_id=best.template_id, template_name=best.name, matches=matches
            )
        risks = self.risks.run(f"{process.name}：{process.description}", [])[:MAX_CANDIDATE_RISKS]
        return ProcessMapping(**base, status="new", matches=matches, candidate_risks=risks)


def _stage(catalog: KnowledgeCatalog, template_id: str | None) -> str:
    return str(catalog.processes.get(template_id or "", {}).get("stage", ""))


def _description(extraction: EnterpriseExtraction) -> str:
    parts = [extraction.name]
    if extraction.headcount:
        parts.append(f"员工约{extraction.headcount}人")
    hazardous = [m.name for m in extraction.hazardous_materials]
    if hazardous:
        parts.append("使用危险化学品：" + "、".join(hazardous))
    special = [e.name for e in extraction.special_equipment]
    if special:
        parts.append("特种设备：" + "、".join(special))
    pollutants = list(dict.fromkeys(p.name for p in extraction.pollutants))
    if pollutants:
        parts.append("排放污染物：" + "、".join(pollutants))
    if extraction.outlets:
        parts.append("排放口：" + "、".join(extraction.outlets))
    return "；".join(p for p in parts if p)


def change_scenarios(before: EnterpriseImport, diff: ExtractionDiff) -> list[ChangeScenario]:
    """One change scenario per added or changed step, new material and new piece of equipment.

    Removed steps and materials are not changes the proposal pipeline handles; they stay in the diff.
    """
    base = before.profile
    out: list[ChangeScenario] = []

    def add(kind: str, description: str, process: ProcessInput | None) -> None:
        request = ChangeRequest.model_validate({"type": kind, "description": description, "process": process})
        out.append(
            ChangeScenario(
                id=f"{before.extraction.name or 'enterprise'}-{len(out) + 1}",
                sector=base.sector,
                enterprise=base.enterprise,
                processes_before=base.processes,
                change=request,
                permit_class=base.permit_class,
            )
        )

    for p in diff.added:
        add("add_process", f"新增工序{p.name}：{p.description}".rstrip("："), _process(p))
    for c in diff.changed:
        add("expand", f"工序{c.name}变更（{'、'.join(c.fields)}）：{c.after.description}", _process(c.after))
    for m in diff.new_materials:
        label = "危险化学品" if m.hazardous else "原辅材料"
        add("new_material", f"新增{label}{m.name}" + (f"（{m.reason}）" if m.reason else ""), None)
    for e in diff.new_equipment:
        label = f"特种设备（{e.category}）" if e.special else "设备"
        add("new_equipment", f"新增{label}{e.name}", None)
    return out


def _process(p: ExtractedProcess) -> ProcessInput:
    return ProcessInput(stage=p.stage, name=p.name, description=p.description)
