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
    """A raw or auxiliary material; ``hazardous`` with the reason (common 危化品 or labelled so)."""

    name: str
    hazardous: bool = False
    reason: str = ""
    quantity: str = ""
    source: Provenance


class ExtractedEquipment(_Model):
    """A piece of equipment; ``special`` (特种设备) with its category."""

    name: str
    special: bool = False
    category: str = ""
    quantity: str = ""
    source: Provenance


class ExtractedPollutant(_Model):
    """A pollutant with its kind (废气/废水/噪声/固废) and outlet code when given."""

    name: str
    kind: str = ""
    outlet: str = ""
    source: Provenance


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
