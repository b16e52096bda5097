"""Wire models of an enterprise's own process map: the import of its documents, the stored map and its
versions, the expert's confirmation, the comparison with new documents.

What was read from the documents, each item with its provenance, mirrors
:mod:`ingestion.enterprise.models`; the mapping onto the knowledge base's templates mirrors
:mod:`retrieval.enterprise_mapping`; the stored map, the confirmation and the comparison mirror
:mod:`api.services.enterprises`. Field for field the same (``tests/api/test_contracts.py`` holds each pair
to one JSON schema); :mod:`api.http.mapping` converts between them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.contracts.change import ChangeScenario, EnterpriseProfile, ProcessMatch, RiskProposal

__all__ = [
    "ConfirmationResult",
    "DocumentReport",
    "DocumentStatus",
    "EnterpriseDiff",
    "EnterpriseExtraction",
    "EnterpriseImport",
    "EnterpriseView",
    "ExtractedEquipment",
    "ExtractedMaterial",
    "ExtractedPollutant",
    "ExtractedProcess",
    "ExtractionDiff",
    "MappingConfirmation",
    "MappingCorrection",
    "ProcessChange",
    "ProcessMapping",
    "Provenance",
    "VersionInfo",
]

DocumentStatus = Literal["extracted", "empty", "unrelated", "failed"]


# --- what the documents gave -------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Provenance(_Frozen):
    """Where an item was read: the file, and the page and paragraph, or the table cell."""

    file: str
    page: int | None = None
    paragraph: int | None = Field(default=None, description="0-based line index in the loaded document")
    cell: str = Field(default="", description="Excel 'Sheet!B3' or 'table N row R'")


class ExtractedProcess(_Frozen):
    """A process (工序) in document order, under its stage (工段) when the document names one."""

    name: str
    stage: str = ""
    description: str = ""
    order: int = 0
    source: Provenance


class ExtractedMaterial(_Frozen):
    """A raw or auxiliary material; ``hazardous`` with the reason (the 危险化学品目录 entry, a listed component,
    or the document's own label) and the catalogue facts; ``verify`` when the 目录 lists it only under a
    condition (闭杯闪点≤60℃ …) the documents do not settle, or no catalogue names it."""

    name: str
    hazardous: bool = False
    reason: str = ""
    quantity: str = ""
    source: Provenance
    catalogue_name: str = Field(default="", description="危险化学品目录（2015版）品名 of the entry")
    catalogue_no: int | None = Field(default=None, description="危险化学品目录（2015版）序号")
    cas: str = ""
    flags: list[str] = Field(default_factory=list, description="剧毒化学品, 易制爆, 易制毒（…类）, 高毒物品, 重点监管…")
    components: list[str] = Field(default_factory=list, description="listed components the document names")
    verify: bool = Field(default=False, description="待核实: the decision needs a fact the documents do not give")
    candidates: list[str] = Field(default_factory=list, description="closest catalogue names of an unknown name")


class ExtractedEquipment(_Frozen):
    """A piece of equipment; ``special`` (特种设备) with its category, decided by the criteria of its 特种设备目录
    种类 on the parameters written with it (``basis``); ``verify`` when a deciding parameter is missing."""

    name: str
    special: bool = False
    category: str = ""
    quantity: str = ""
    source: Provenance
    catalogue_code: str = Field(default="", description="特种设备目录 code of its class")
    parameters: list[str] = Field(default_factory=list, description="parameters read, e.g. 额定起重量=5t")
    basis: str = ""
    verify: bool = Field(default=False, description="待核实: a parameter that decides it is not given")


class ExtractedPollutant(_Frozen):
    """A pollutant or waste with its kind (废气/废水/噪声/一般固废/危险废物) and outlet code when given; a hazardous
    waste with its 废物类别 and 废物代码 (written, or matched in 国家危险废物名录, ``basis``)."""

    name: str
    kind: str = ""
    outlet: str = ""
    source: Provenance
    hw_class: str = Field(default="", description="废物类别, e.g. HW08")
    waste_code: str = Field(default="", description="废物代码, e.g. 900-249-08")
    basis: str = ""


class DocumentReport(_Frozen):
    """The outcome of one document: what kind it looked like and what was found, or why nothing."""

    file: str
    kind: str = ""
    status: DocumentStatus
    reason: str = ""
    counts: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


class EnterpriseExtraction(_Frozen):
    """Everything read from an enterprise's documents, with one report per document."""

    name: str = ""
    processes: list[ExtractedProcess] = Field(default_factory=list)
    materials: list[ExtractedMaterial] = Field(default_factory=list)
    equipment: list[ExtractedEquipment] = Field(default_factory=list)
    pollutants: list[ExtractedPollutant] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    headcount: int | None = None
    headcount_source: Provenance | None = None
    permit_class: str = ""
    permit_source: Provenance | None = None
    documents: list[DocumentReport] = Field(default_factory=list)

    @property
    def hazardous_materials(self) -> list[ExtractedMaterial]:
        """The materials flagged as hazardous chemicals."""
        return [m for m in self.materials if m.hazardous]

    @property
    def special_equipment(self) -> list[ExtractedEquipment]:
        """The equipment flagged as special equipment."""
        return [e for e in self.equipment if e.special]


class ProcessChange(_Frozen):
    """A step present in both versions whose stage, description or position changed."""

    name: str
    before: ExtractedProcess
    after: ExtractedProcess
    fields: list[str]


class ExtractionDiff(_Frozen):
    """The difference between two versions of an enterprise's process map."""

    added: list[ExtractedProcess] = Field(default_factory=list)
    removed: list[ExtractedProcess] = Field(default_factory=list)
    changed: list[ProcessChange] = Field(default_factory=list)
    new_materials: list[ExtractedMaterial] = Field(default_factory=list)
    removed_materials: list[ExtractedMaterial] = Field(default_factory=list)
    new_equipment: list[ExtractedEquipment] = Field(default_factory=list)
    removed_equipment: list[ExtractedEquipment] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Whether the two versions describe the same process map."""
        return not (
            self.added
            or self.removed
            or self.changed
            or self.new_materials
            or self.removed_materials
            or self.new_equipment
            or self.removed_equipment
        )


# --- the mapping onto the knowledge base -------------------------------------------------------------


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


# --- the stored map, the expert's confirmation, a comparison -----------------------------------------


class MappingCorrection(BaseModel):
    """An expert's correction of one step: another template, or new (no template), and/or a new name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    process_id: str = Field(min_length=1, max_length=300)
    template_id: str | None = Field(default=None, min_length=1, max_length=100)
    new: bool = False
    name: str | None = Field(default=None, min_length=1, max_length=60)

    @model_validator(mode="after")
    def _one_decision(self) -> MappingCorrection:
        if self.template_id is not None and self.new:
            raise ValueError("a step gets another template or is marked new, not both")
        if self.template_id is None and not self.new and self.name is None:
            raise ValueError("a correction sets template_id, new or name")
        return self


class MappingConfirmation(BaseModel):
    """Accept every step (``accept_all``) or some (``accept``), and apply corrections, each confirmed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accept_all: bool = False
    accept: list[str] = Field(default_factory=list, max_length=1000)
    corrections: list[MappingCorrection] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _something(self) -> MappingConfirmation:
        if not (self.accept_all or self.accept or self.corrections):
            raise ValueError("nothing to confirm: set accept_all, accept or corrections")
        return self


class VersionInfo(BaseModel):
    """One import of the enterprise's documents and how it changed the previous one."""

    version: int
    imported_at: str
    imported_by: str
    files: list[str]
    changes: dict[str, int] = Field(default_factory=dict)


class EnterpriseView(BaseModel):
    """An enterprise as stored: its facts, its mapped steps with their confirmation, its versions."""

    id: str
    name: str
    sector: str = ""
    headcount: int | None = None
    permit_class: str = ""
    description: str = ""
    materials: list[str] = Field(default_factory=list)
    hazardous_materials: list[str] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)
    special_equipment: list[str] = Field(default_factory=list)
    pollutants: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    source: str = ""
    version: int
    processes: list[ProcessMapping]
    pending: int = Field(description="Steps whose mapping no expert has confirmed yet")
    versions: list[VersionInfo] = Field(default_factory=list)
    diff: ExtractionDiff | None = Field(default=None, description="From the previous version to this one")
    extraction: EnterpriseExtraction | None = Field(
        default=None,
        description="What the current version's documents gave: each document's result, and where every step, "
        "material, piece of equipment and pollutant was read",
    )


class ConfirmationResult(BaseModel):
    """The steps an expert's confirmation changed, before and after, and the enterprise now."""

    before: list[ProcessMapping]
    after: list[ProcessMapping]
    enterprise: EnterpriseView


class EnterpriseDiff(BaseModel):
    """New documents compared with the stored version, and the change scenarios that follow."""

    enterprise_id: str
    version: int
    diff: ExtractionDiff
    scenarios: list[ChangeScenario]
