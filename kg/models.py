"""Domain models of the knowledge graph (DESIGN.md, "Domain model").

Nodes are pydantic models with an ``id``; :func:`to_properties` flattens one into the scalar and
string-list properties both graph backends store (nested values become JSON strings), and
:func:`from_properties` reads it back.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "STAGES",
    "Clause",
    "Comparator",
    "Department",
    "EquipmentClass",
    "HazardClass",
    "HazardFactor",
    "Enterprise",
    "EnterpriseProcess",
    "EnterpriseVersion",
    "Indicator",
    "IndicatorLevel",
    "IndicatorStatus",
    "Label",
    "LimitValue",
    "Method",
    "Modality",
    "Node",
    "Obligation",
    "Position",
    "Process",
    "RatingBands",
    "Regulation",
    "RegulationKind",
    "RegulationStatus",
    "Rel",
    "Risk",
    "RiskCategory",
    "Sector",
    "Stage",
    "Substance",
    "TrainingCourse",
    "WasteCode",
    "from_properties",
    "to_properties",
]

STAGES: tuple[str, ...] = ("原料采购与仓储", "生产加工", "成品检验", "仓储运输", "废弃物处置")

RegulationKind = Literal["法律", "行政法规", "部门规章", "国家标准", "行业标准", "地方标准", "司法解释", "规范性文件"]
RegulationStatus = Literal["现行", "已废止", "尚未施行"]
Modality = Literal["应当", "必须", "不得", "禁止", "严禁", "须"]
RiskCategory = Literal["安全", "环保", "职业健康", "消防"]
IndicatorLevel = Literal["企业", "部门", "岗位"]
Method = Literal["日常检查", "月度考核", "年度复盘"]
Comparator = Literal[">=", "<=", "="]
IndicatorStatus = Literal["proposed", "validated", "approved", "rejected", "retired"]

PROHIBITIONS: frozenset[str] = frozenset({"不得", "禁止", "严禁"})


class Label(StrEnum):
    """Node labels. The only place label names are spelled."""

    REGULATION = "Regulation"
    CLAUSE = "Clause"
    OBLIGATION = "Obligation"
    SECTOR = "Sector"
    STAGE = "Stage"
    PROCESS = "Process"
    RISK = "Risk"
    INDICATOR = "Indicator"
    POSITION = "Position"
    DEPARTMENT = "Department"
    ENTERPRISE = "Enterprise"
    ENTERPRISE_PROCESS = "EnterpriseProcess"
    ENTERPRISE_VERSION = "EnterpriseVersion"
    TRAINING_COURSE = "TrainingCourse"
    LIMIT_VALUE = "LimitValue"
    HAZARD_CLASS = "HazardClass"
    SUBSTANCE = "Substance"
    EQUIPMENT_CLASS = "EquipmentClass"
    HAZARD_FACTOR = "HazardFactor"
    WASTE_CODE = "WasteCode"


class Rel(StrEnum):
    """Relationship types. The only place relationship names are spelled."""

    HAS_STAGE = "HAS_STAGE"
    HAS_PROCESS = "HAS_PROCESS"
    HAS_RISK = "HAS_RISK"
    GOVERNED_BY = "GOVERNED_BY"
    DERIVED_FROM = "DERIVED_FROM"
    PENALIZED_BY = "PENALIZED_BY"
    PART_OF = "PART_OF"
    MEASURES = "MEASURES"
    CITES = "CITES"
    ASSIGNED_TO = "ASSIGNED_TO"
    REPLACED_BY = "REPLACED_BY"
    SUCCEEDED_BY = "SUCCEEDED_BY"
    ADDRESSES = "ADDRESSES"
    INSTANTIATES = "INSTANTIATES"
    HAS_DEPARTMENT = "HAS_DEPARTMENT"
    HAS_POSITION = "HAS_POSITION"
    MATCHES = "MATCHES"
    RELATES_TO = "RELATES_TO"
    HAS_VERSION = "HAS_VERSION"
    TRIGGERS = "TRIGGERS"
    IN_CLASS = "IN_CLASS"


class RatingBands(BaseModel):
    """Thresholds of the three grades 优秀 / 合格 / 待改进.

    The direction follows the indicator's comparator: for ``>=`` a value at or above ``excellent``
    is 优秀, at or above ``qualified`` is 合格, else 待改进; for ``<=`` and ``=`` lower is better.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    excellent: float
    qualified: float

    def grade(self, value: float, comparator: Comparator) -> Literal["优秀", "合格", "待改进"]:
        """The grade of ``value`` under these bands."""
        if comparator == ">=":
            if value >= self.excellent:
                return "优秀"
            return "合格" if value >= self.qualified else "待改进"
        if value <= self.excellent:
            return "优秀"
        return "合格" if value <= self.qualified else "待改进"


class Node(BaseModel):
    """Base of all graph nodes."""

    model_config = ConfigDict(extra="forbid")
    label: ClassVar[Label]

    id: str = Field(min_length=1)


class Regulation(Node):
    """A law, regulation, rule, standard or judicial interpretation."""

    label: ClassVar[Label] = Label.REGULATION

    title: str
    doc_no: str = ""
    kind: RegulationKind
    issued: str = ""
    effective: str = ""
    status: RegulationStatus
    replaced_by: str | None = None
    version: str = ""
    source: str = ""


class Clause(Node):
    """A 条, 款 or 项: ``id = "<regulation>#<article>[.<paragraph>[.<item>]]"``."""

    label: ClassVar[Label] = Label.CLAUSE

    regulation: str
    article: int = Field(ge=0)
    paragraph: int | None = None
    item: int | None = None
    number: str = Field(default="", description="Clause number of standards, e.g. 4.1.2")
    text: str = ""
    chapter: str = ""
    page: int | None = None
    version: str = ""
    topic: str = Field(default="", description="条文主旨 of an article, from the knowledge base")
    keywords: list[str] = Field(default_factory=list, description="Practice words for the article's subject")
    ocr_confidence: float | None = Field(default=None, description="Set when the text was OCR'd from a scan")

    @staticmethod
    def make_id(regulation: str, article: int, paragraph: int | None = None, item: int | None = None) -> str:
        """Build the canonical clause id."""
        parts = [str(article)]
        if paragraph is not None:
            parts.append(str(paragraph))
            if item is not None:
                parts.append(str(item))
        return f"{regulation}#{'.'.join(parts)}"


class Obligation(Node):
    """A duty extracted from a clause or written in the knowledge base."""

    label: ClassVar[Label] = Label.OBLIGATION

    subject: str
    modality: Modality
    action: str
    condition: str = ""
    penalty_ref: str | None = None
    applies_if: list[str] = Field(default_factory=list)
    key_terms: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    source: str = Field(default="kb", description="kb (knowledge base) or extracted")

    @property
    def is_prohibition(self) -> bool:
        """Whether the duty forbids something (不得/禁止/严禁)."""
        return self.modality in PROHIBITIONS


class Sector(Node):
    """A manufacturing sector."""

    label: ClassVar[Label] = Label.SECTOR

    name: str
    description: str = ""


class Stage(Node):
    """One of the five stages within a sector: ``id = "<sector>/<stage>"``."""

    label: ClassVar[Label] = Label.STAGE

    name: str
    sector: str


class Process(Node):
    """A process template of the knowledge base (an enterprise's own steps are :class:`EnterpriseProcess`)."""

    label: ClassVar[Label] = Label.PROCESS

    name: str
    stage: str
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    keywords: list[str] = Field(default_factory=list)
    enterprise: str | None = Field(
        default=None, description="Legacy: an enterprise's own steps are EnterpriseProcess nodes now"
    )


class Risk(Node):
    """A risk point."""

    label: ClassVar[Label] = Label.RISK

    name: str
    category: RiskCategory
    hazard: str = ""
    consequence: str = ""
    keywords: list[str] = Field(default_factory=list)


class Indicator(Node):
    """An assessment indicator (考核指标)."""

    label: ClassVar[Label] = Label.INDICATOR

    name: str
    level: IndicatorLevel
    stage: str = ""
    position: str = ""
    metric: str = ""
    target: float | None = None
    comparator: Comparator | None = None
    unit: str = ""
    bands: RatingBands | None = None
    method: Method | None = None
    standard: str = ""
    data_source: str = ""
    frequency: str = ""
    owner: str = ""
    status: IndicatorStatus = "approved"
    provenance: str = ""

    @model_validator(mode="after")
    def _target_needs_comparator(self) -> Indicator:
        if self.target is not None and self.comparator is None:
            raise ValueError("a target needs a comparator")
        return self


class Position(Node):
    """A post (岗位)."""

    label: ClassVar[Label] = Label.POSITION

    name: str
    enterprise: str | None = None
    department: str | None = None


class Department(Node):
    """A department (部门)."""

    label: ClassVar[Label] = Label.DEPARTMENT

    name: str
    enterprise: str | None = None


class Enterprise(Node):
    """An enterprise (企业) with the facts read from its documents.

    Its process map hangs below it (``HAS_PROCESS`` → :class:`EnterpriseProcess`) and every import of
    its documents is kept as an :class:`EnterpriseVersion` (``HAS_VERSION``), whose extraction holds the
    provenance (file, page, paragraph or cell) of each material, piece of equipment and pollutant.
    """

    label: ClassVar[Label] = Label.ENTERPRISE

    name: str
    sector: str = ""
    headcount: int | None = None
    permit_class: str = ""
    description: str = Field(default="", description="Free-text profile for the gap and change steps")
    materials: list[str] = Field(default_factory=list)
    hazardous_materials: list[str] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)
    special_equipment: list[str] = Field(default_factory=list)
    pollutants: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    version: int = Field(default=0, description="Version of the stored process map; 0 before any import")
    source: str = Field(default="", description="Where headcount and permit class were read")


class EnterpriseProcess(Node):
    """A step of an enterprise's own process map: ``id = "<enterprise>/<step key>"``.

    ``status`` matched: it ``INSTANTIATES`` a process template (the link carries score, evidence and the
    confirmation); new: no template fits, and its candidate risks hang on ``HAS_RISK`` links. The
    provenance is the file, page, paragraph or cell where the step was read.
    """

    label: ClassVar[Label] = Label.ENTERPRISE_PROCESS

    enterprise: str
    name: str
    extracted_name: str = Field(default="", description="The name as read, before an expert renamed it")
    stage: str = ""
    description: str = ""
    step: int = Field(default=0, description="1-based position in the enterprise's flow")
    status: Literal["matched", "new"] = "new"
    decided_by: Literal["matcher", "expert"] = "matcher"
    confirmed: bool = False
    confirmed_by: str = ""
    confirmed_at: str = ""
    candidates: str = Field(default="", description="JSON: the matcher's best templates with scores and evidence")
    file: str = ""
    page: int | None = None
    paragraph: int | None = None
    cell: str = ""
    version: int = 0


class EnterpriseVersion(Node):
    """One import of an enterprise's documents: ``id = "<enterprise>@v<version>"``."""

    label: ClassVar[Label] = Label.ENTERPRISE_VERSION

    enterprise: str
    version: int = Field(ge=1)
    imported_at: str = ""
    imported_by: str = ""
    files: list[str] = Field(default_factory=list)
    fingerprint: str = Field(default="", description="SHA-256 of the extraction: an unchanged import keeps it")
    extraction: str = Field(default="", description="JSON of the extraction, every item with its provenance")
    diff: str = Field(default="", description="JSON of the difference from the previous version; empty for v1")


class TrainingCourse(Node):
    """A course of the training catalog."""

    label: ClassVar[Label] = Label.TRAINING_COURSE

    title: str
    hours: float = 0.0
    audience: list[str] = Field(default_factory=list)
    description: str = ""


class HazardClass(Node):
    """A class of catalogue fact (危险性类别, 名录, 特种设备 class, 职业病危害因素) with what it matches.

    ``TRIGGERS`` edges lead to the risks the class brings (``reason`` = the context: '' anywhere, 储存, 使用,
    特种设备), ``GOVERNED_BY`` edges to the duties its condition governs; ``basis`` names the source.
    """

    label: ClassVar[Label] = Label.HAZARD_CLASS

    kind: str
    name: str
    match: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    all_of: list[str] = Field(default_factory=list)
    none_of: list[str] = Field(default_factory=list)
    alone: bool = False
    special_only: bool = False
    condition: str = ""
    basis: str = ""


class Substance(Node):
    """A substance of the national catalogues, its facts merged over the lists that name it.

    ``hazards`` are the 分类信息表's classes ("易燃液体 类别2"), ``flags`` its listings (剧毒化学品, 易制爆 …),
    ``threshold_t`` its GB 18218 临界量; ``sources`` the catalogues (title and edition) that list it.
    ``IN_CLASS`` edges lead to its :class:`HazardClass` nodes.
    """

    label: ClassVar[Label] = Label.SUBSTANCE

    name: str
    aliases: list[str] = Field(default_factory=list)
    cas: list[str] = Field(default_factory=list)
    hazards: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    threshold_t: float | None = None
    threshold_entry: str = ""
    sources: list[str] = Field(default_factory=list)


class EquipmentClass(Node):
    """An entry of 特种设备目录 (种类/类别/品种; id = its code), with the parameter bounds that make an item special
    equipment (on a 种类, as text) and its place in the tree (``PART_OF`` its parent)."""

    label: ClassVar[Label] = Label.EQUIPMENT_CLASS

    name: str
    level: str
    parent: str = ""
    aliases: list[str] = Field(default_factory=list)
    criteria: list[str] = Field(default_factory=list)
    source: str = ""


class HazardFactor(Node):
    """A factor of 职业病危害因素分类目录 (粉尘, 化学因素, 物理因素 …)."""

    label: ClassVar[Label] = Label.HAZARD_FACTOR

    name: str
    category: str
    cas: str = ""
    source: str = ""


class WasteCode(Node):
    """A 废物代码 of 国家危险废物名录 (id = the code), its class and description, read at run time from the text."""

    label: ClassVar[Label] = Label.WASTE_CODE

    hw_class: str
    description: str = ""
    source: str = ""


class LimitValue(Node):
    """One limit value of a standard's table: pollutant, limit, unit and the conditions of its column."""

    label: ClassVar[Label] = Label.LIMIT_VALUE

    regulation: str
    source_table: str
    pollutant: str
    limit: float | None = None
    limit_text: str = ""
    unit: str = ""
    conditions: list[str] = Field(default_factory=list)
    page: int | None = None
    ocr_confidence: float | None = Field(default=None, description="Set when the table was OCR'd from a scan")


NODE_TYPES: dict[Label, type[Node]] = {
    cls.label: cls
    for cls in (
        Regulation,
        Clause,
        Obligation,
        Sector,
        Stage,
        Process,
        Risk,
        Indicator,
        Position,
        Department,
        Enterprise,
        EnterpriseProcess,
        EnterpriseVersion,
        TrainingCourse,
        LimitValue,
        HazardClass,
        Substance,
        EquipmentClass,
        HazardFactor,
        WasteCode,
    )
}

N = TypeVar("N", bound=Node)


def to_properties(node: Node) -> dict[str, Any]:
    """Flatten a node into storable properties: scalars and string lists; nested models as JSON."""
    props: dict[str, Any] = {}
    for name, value in node.model_dump(mode="json").items():
        if isinstance(value, dict):
            props[name] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        else:
            props[name] = value
    return props


def from_properties(cls: type[N], props: dict[str, Any]) -> N:
    """Rebuild a node from stored properties (inverse of :func:`to_properties`)."""
    data: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if name not in props or props[name] is None:
            continue
        value = props[name]
        if isinstance(value, str) and _is_model_field(info.annotation):
            value = json.loads(value)
        data[name] = value
    return cls.model_validate(data)


def _is_model_field(annotation: Any) -> bool:
    args = getattr(annotation, "__args__", (annotation,))
    return any(isinstance(a, type) and issubclass(a, BaseModel) for a in args)
