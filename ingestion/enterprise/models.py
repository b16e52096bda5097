"""What the enterprise-document parser extracts, each item with its provenance."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DocumentReport",
    "DocumentStatus",
    "EnterpriseExtraction",
    "ExtractedEquipment",
    "ExtractedMaterial",
    "ExtractedPollutant",
    "ExtractedProcess",
    "ExtractionDiff",
    "ProcessChange",
    "Provenance",
]

DocumentStatus = Literal["extracted", "empty", "unrelated", "failed"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Provenance(_Model):
    """Where an item was read: the file, and the page and paragraph, or the table cell."""

    file: str
    page: int | None = None
    paragraph: int | None = Field(default=None, description="0-based line index in the loaded document")
    cell: str = Field(default="", description="Excel 'Sheet!B3' or 'table N row R'")

    def __str__(self) -> str:
        where = [self.file]
        if self.page is not None:
            where.append(f"p.{self.page}")
        if self.paragraph is not None:
            where.append(f"¶{self.paragraph}")
        if self.cell:
            where.append(self.cell)
        return " ".join(where)


class ExtractedProcess(_Model):
    """A process (工序) in document order, under its stage (工段) when the document names one."""

    name: str
    stage: str = ""
    description: str = ""
    order: int = 0
    source: Provenance


class ExtractedMaterial(_Model):
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


class ExtractedEquipment(_Model):
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


class ExtractedPollutant(_Model):
    """A pollutant or waste with its kind (废气/废水/噪声/一般固废/危险废物) and outlet code when given; a hazardous
    waste with its 废物类别 and 废物代码 (written, or matched in 国家危险废物名录, ``basis``)."""

    name: str
    kind: str = ""
    outlet: str = ""
    source: Provenance
    hw_class: str = Field(default="", description="废物类别, e.g. HW08")
    waste_code: str = Field(default="", description="废物代码, e.g. 900-249-08")
    basis: str = ""


class DocumentReport(_Model):
    """The outcome of one document: what kind it looked like and what was found, or why nothing."""

    file: str
    kind: str = ""
    status: DocumentStatus
    reason: str = ""
    counts: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


class EnterpriseExtraction(_Model):
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
    def is_empty(self) -> bool:
        """Whether no process, material, equipment or pollutant was found in any document."""
        return not (self.processes or self.materials or self.equipment or self.pollutants)

    @property
    def hazardous_materials(self) -> list[ExtractedMaterial]:
        """The materials flagged as hazardous chemicals."""
        return [m for m in self.materials if m.hazardous]

    @property
    def special_equipment(self) -> list[ExtractedEquipment]:
        """The equipment flagged as special equipment."""
        return [e for e in self.equipment if e.special]

    def reasons(self) -> str:
        """Why each document yielded nothing, one clause per document."""
        return "; ".join(f"{d.file}: {d.reason}" for d in self.documents if d.status != "extracted")


class ProcessChange(_Model):
    """A step present in both versions whose stage, description or position changed."""

    name: str
    before: ExtractedProcess
    after: ExtractedProcess
    fields: list[str]


class ExtractionDiff(_Model):
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
