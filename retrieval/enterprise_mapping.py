"""Map an enterprise extraction onto the knowledge base and into the change pipeline's inputs.

Each extracted process is matched to process templates with :class:`~retrieval.change.matching.ProcessMatcher`
(score and evidence kept); a process with no template good enough stays a *new* process with candidate
risks from :class:`~retrieval.change.matching.RiskScorer` rather than being dropped. The result carries the
:class:`~retrieval.change.inputs.EnterpriseProfile` the gap and change steps take. A diff between two
versions of the documents converts into :class:`~retrieval.change.inputs.ChangeScenario` records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from ingestion.enterprise.findings import process_key
from ingestion.enterprise.models import EnterpriseExtraction, ExtractedProcess, ExtractionDiff, Provenance
from kg.corpus import KnowledgeBase
from kg.errors import NotFoundError, UnsupportedDocumentError
from retrieval.change.catalog import KnowledgeCatalog
from retrieval.change.hazards import hazard_classes_of
from retrieval.change.inputs import ChangeRequest, ChangeScenario, EnterpriseProfile, GapScenario, ProcessInput
from retrieval.change.matching import ProcessMatcher, RiskScorer
from retrieval.change.models import ProcessMatch, RiskProposal

__all__ = [
    "MATCH_THRESHOLD",
    "EnterpriseImport",
    "EnterpriseMapper",
    "MappedProcessMatcher",
    "ProcessMapping",
    "catalog_from_knowledge_base",
    "change_scenarios",
    "describe",
]

#: A template is accepted when its matcher score reaches this (a name or alias hit alone scores 2).
MATCH_THRESHOLD = 2.0
MAX_CANDIDATE_RISKS = 5


class ProcessMapping(BaseModel):
    """One extracted process and the templates it matched (best first), or its candidate risks.

    ``score`` and ``evidence`` are those of the chosen template (none when an expert chose it). Once
    stored, ``id`` names the process in the graph and the confirmation fields say who accepted or
    corrected the mapping, and when.
    """

    name: str
    stage: str = ""
    order: int = 0
    source: Provenance
    status: Literal["matched", "new"]
    template_id: str | None = None
    template_name: str = ""
    matches: list[ProcessMatch] = Field(default_factory=list)
    candidate_risks: list[RiskProposal] = Field(default_factory=list)
    description: str = ""
    score: float | None = None
    evidence: list[str] = Field(default_factory=list)
    id: str = ""
    extracted_name: str = Field(default="", description="The name as read, before an expert renamed it")
    decided_by: Literal["matcher", "expert"] = "matcher"
    confirmed: bool = False
    confirmed_by: str = ""
    confirmed_at: str = ""

    @property
    def key(self) -> str:
        """The step's identity across versions of the documents (its name as read, suffixes dropped)."""
        return process_key(self.extracted_name or self.name)


class EnterpriseImport(BaseModel):
    """The profile for the gap and change steps, the process mapping and the raw extraction.

    When stored, ``enterprise_id`` and ``version`` name it in the graph and ``diff`` is the change from
    the previous version (None for the first).
    """

    profile: EnterpriseProfile
    mappings: list[ProcessMapping]
    extraction: EnterpriseExtraction
    enterprise_id: str = ""
    version: int = 0
    diff: ExtractionDiff | None = None

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
        hazard_classes=hazard_classes_of(kb),
        sectors={s.name: sorted({p for ids in s.stages.values() for p in ids}) for s in kb.sectors},
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
            UnsupportedDocumentError: no document yielded anything (the message gives each document's reason).
        """
        if extraction.is_empty:
            reasons = extraction.reasons() or "no documents"
            raise UnsupportedDocumentError(f"nothing extracted from the documents: {reasons}")
        mappings = [self.map_process(p, sector=sector) for p in extraction.processes]
        profile = self.profile(
            mappings,
            sector=sector,
            enterprise=describe(extraction),
            materials=[m.name for m in extraction.materials],
            equipment=[e.name for e in extraction.equipment],
            headcount=extraction.headcount,
            permit_class=extraction.permit_class,
        )
        return EnterpriseImport(profile=profile, mappings=mappings, extraction=extraction)

    def profile(
        self,
        mappings: Sequence[ProcessMapping],
        *,
        sector: str,
        enterprise: str,
        materials: list[str],
        equipment: list[str],
        headcount: int | None,
        permit_class: str,
    ) -> EnterpriseProfile:
        """The profile of mapped processes: a step without a stage of its own takes its template's."""
        return EnterpriseProfile(
            sector=sector,
            enterprise=enterprise,
            processes=[
                ProcessInput(
                    stage=m.stage or _stage(self.catalog, m.template_id), name=m.name, description=m.description
                )
                for m in mappings
            ],
            materials=materials,
            equipment=equipment,
            headcount=headcount,
            permit_class=permit_class,
        )

    def map_process(self, process: ExtractedProcess, *, sector: str = "") -> ProcessMapping:
        """The templates of one process, or, when none reaches the threshold, its candidate risks; the
        templates of the plant's own sector come first."""
        matches = self.matcher.run(process.name, process.description, sector=sector)
        mapping = ProcessMapping(
            name=process.name,
            extracted_name=process.name,
            stage=process.stage,
            description=process.description,
            order=process.order,
            source=process.source,
            status="new",
            matches=matches,
        )
        if matches and matches[0].score >= self.threshold:
            return self.with_template(mapping, matches[0].template_id, decided_by="matcher")
        return self.as_new(mapping)

    def with_template(
        self, mapping: ProcessMapping, template_id: str, *, decided_by: Literal["matcher", "expert"] = "expert"
    ) -> ProcessMapping:
        """The mapping set to a template (the matcher's score and evidence kept when it proposed it too).

        Raises:
            NotFoundError: the knowledge base has no such template.
        """
        template = self.catalog.processes.get(template_id)
        if template is None:
            raise NotFoundError(f"no process template {template_id!r}")
        match = next((m for m in mapping.matches if m.template_id == template_id), None)
        return mapping.model_copy(
            update={
                "status": "matched",
                "template_id": template_id,
                "template_name": str(template["name"]),
                "score": match.score if match else None,
                "evidence": list(match.evidence) if match else [],
                "candidate_risks": [],
                "decided_by": decided_by,
            }
        )

    def as_new(
        self, mapping: ProcessMapping, *, decided_by: Literal["matcher", "expert"] = "matcher"
    ) -> ProcessMapping:
        """The mapping as a new process without template, with candidate risks from its text."""
        risks = self.risks.run(f"{mapping.name}：{mapping.description}", [])[:MAX_CANDIDATE_RISKS]
        return mapping.model_copy(
            update={
                "status": "new",
                "template_id": None,
                "template_name": "",
                "score": None,
                "evidence": [],
                "candidate_risks": risks,
                "decided_by": decided_by,
            }
        )


def _stage(catalog: KnowledgeCatalog, template_id: str | None) -> str:
    return str(catalog.processes.get(template_id or "", {}).get("stage", ""))


def describe(extraction: EnterpriseExtraction) -> str:
    """The free-text description of an enterprise: name, headcount, hazards, special equipment, pollutants."""
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


class MappedProcessMatcher(ProcessMatcher):
    """A matcher that answers an enterprise's own steps with their stored (and confirmed) mapping.

    The gap and change steps recognise templates in process text; given this matcher, a step an expert
    mapped to another template gets that template, and a step marked new gets none, whatever its
    wording. Text that names no step of the map goes to the plain matcher.

    Args:
        catalog: the knowledge base.
        mappings: the enterprise's process map.
        fallback: the matcher for other text (by default one without embedder).
    """

    def __init__(
        self, catalog: KnowledgeCatalog, mappings: Sequence[ProcessMapping], *, fallback: ProcessMatcher | None = None
    ) -> None:
        super().__init__(catalog)
        self.fallback = fallback or ProcessMatcher(catalog)
        self.mappings: dict[str, ProcessMapping] = {}
        for m in mappings:
            self.mappings.setdefault(process_key(m.name), m)
            self.mappings.setdefault(m.key, m)

    def run(self, name: str, text: str, *, top: int = 3, sector: str = "") -> list[ProcessMatch]:
        """The mapped template of a known step (none for a new one), else the plain matcher's answer."""
        m = self.mappings.get(process_key(name))
        if m is None:
            return self.fallback.run(name, text, top=top, sector=sector)
        if m.template_id is None:
            return []
        who = "专家指定" if m.decided_by == "expert" else "自动匹配"
        evidence = [f"企业工序映射（{who}，{'已确认' if m.confirmed else '待确认'}）", *m.evidence]
        return [ProcessMatch(template_id=m.template_id, name=m.template_name, score=m.score or 10.0, evidence=evidence)]


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
