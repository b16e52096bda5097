"""The expert knowledge base in ``regulations_corpus/``: its YAML schema and loader.

The knowledge base is written by the project (paraphrased duties, never statute text). Each file is a
YAML mapping with one top-level list; every entry is validated by pydantic, and a failure names the
file and the line of the offending entry.

Files and their top-level keys::

    manifest.yaml     regulations:  RegulationEntry   (one per statute file, plus standards known as facts)
    sectors.yaml      sectors:      SectorEntry       (sector -> five stages -> process ids)
    processes.yaml    processes:    ProcessEntry      (process templates with aliases and risk ids)
    risks.yaml        risks:        RiskEntry         (risk points with the obligations that govern them)
    obligations*.yaml obligations:  ObligationEntry   (duties with law + article references)
    indicators.yaml   indicators:   IndicatorEntry    (five-level 环节-岗位-指标-标准-方法 library)
    training.yaml     courses:      CourseEntry       (training catalog addressing risks)
    topics_*.yaml     topics:       TopicEntry        (条文主旨 and practice keywords per article, a retrieval aid)
    hazards.yaml      classes:      HazardClassEntry  (a class of catalogue fact → the risks it brings, and why)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kg.errors import CorpusError
from kg.models import (
    STAGES,
    Comparator,
    IndicatorLevel,
    Method,
    Modality,
    RatingBands,
    RegulationKind,
    RegulationStatus,
    RiskCategory,
)

__all__ = [
    "ArticleRef",
    "LineLoader",
    "CourseEntry",
    "HazardClassEntry",
    "HazardKind",
    "IndicatorEntry",
    "KnowledgeBase",
    "ObligationEntry",
    "ProcessEntry",
    "RegulationEntry",
    "RiskEntry",
    "SectorEntry",
    "TopicEntry",
    "load_knowledge_base",
    "strip_lines",
]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArticleRef(_Entry):
    """A reference to one article (条), optionally one paragraph (款) and item (项)."""

    law: str = Field(description="File stem in the regulations folder, e.g. 安全生产法")
    article: int = Field(ge=1)
    paragraph: int | None = Field(default=None, ge=1)
    item: int | None = Field(default=None, ge=1)

    @property
    def clause_id(self) -> str:
        """The id of the article's clause node: ``<law>#<article>``."""
        return f"{self.law}#{self.article}"

    def __str__(self) -> str:
        return f"《{self.law}》第{self.article}条"


class RegulationEntry(_Entry):
    """One regulation or standard in the manifest."""

    id: str = Field(description="Short name; for statutes the file stem, e.g. 安全生产法")
    title: str
    doc_no: str = ""
    kind: RegulationKind
    issued: str = Field(description="YYYY-MM-DD")
    effective: str = Field(description="YYYY-MM-DD")
    status: RegulationStatus
    replaced_by: str | None = None
    file: str | None = Field(default=None, description="File name in the regulations folder, if held")
    articles: int | None = Field(default=None, ge=0, description="Article count of the held text")
    elements: list[str] = Field(default_factory=list, description="Known structure (standards as facts)")
    note: str = ""


class SectorEntry(_Entry):
    """A manufacturing sector with its processes grouped by the five stages of the seed."""

    id: str
    name: str
    description: str = ""
    stages: dict[str, list[str]] = Field(description="stage name -> process ids")

    @field_validator("stages")
    @classmethod
    def _five_stages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(STAGES)
        if unknown:
            raise ValueError(f"unknown stages {sorted(unknown)}; allowed: {list(STAGES)}")
        missing = set(STAGES) - set(value)
        if missing:
            raise ValueError(f"missing stages {sorted(missing)}")
        return value


class ProcessEntry(_Entry):
    """A process template (工序), shared by the sectors that list it."""

    id: str
    name: str
    stage: str
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    keywords: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)

    @field_validator("stage")
    @classmethod
    def _stage(cls, value: str) -> str:
        if value not in STAGES:
            raise ValueError(f"unknown stage {value!r}; allowed: {list(STAGES)}")
        return value


class RiskEntry(_Entry):
    """A risk point and the obligations that govern it."""

    id: str
    name: str
    category: RiskCategory
    hazard: str
    consequence: str
    keywords: list[str] = Field(default_factory=list)
    obligations: list[str] = Field(default_factory=list)


class ObligationEntry(_Entry):
    """A duty paraphrased in the project's own words, with its legal basis."""

    id: str
    subject: str
    modality: Modality
    action: str = Field(description="The duty in our own words")
    condition: str = ""
    cites: list[ArticleRef] = Field(min_length=1, description="Current law first")
    historical: list[ArticleRef] = Field(
        default_factory=list, description="Repealed or older articles stating the same duty"
    )
    penalty: list[ArticleRef] = Field(default_factory=list)
    key_terms: list[str] = Field(
        min_length=1, description="Terms of which at least one occurs in each cited article's text"
    )
    applies_if: list[str] = Field(
        default_factory=list,
        description="Applicability conditions, e.g. 重点管理, 危险化学品, 特种设备",
    )
    topics: list[str] = Field(default_factory=list)


class IndicatorEntry(_Entry):
    """An assessment indicator of the library (环节-岗位-指标-标准-方法)."""

    id: str
    name: str
    stage: str
    position: str = Field(description="岗位 or department the indicator is assigned to")
    level: IndicatorLevel
    metric: str = Field(description="Formula, e.g. 已整改隐患数/应整改隐患数×100%")
    target: float
    comparator: Comparator
    unit: str
    bands: RatingBands
    method: Method
    data_source: str
    frequency: str
    owner: str
    standard: str = Field(description="The 标准 column: what counts as meeting it")
    measures_risks: list[str] = Field(default_factory=list)
    measures_obligations: list[str] = Field(default_factory=list)
    seed: bool = Field(default=False, description="Named in the seed scheme")

    @model_validator(mode="after")
    def _measures_something(self) -> IndicatorEntry:
        if not self.measures_risks and not self.measures_obligations:
            raise ValueError("an indicator must measure at least one risk or obligation")
        return self


class TopicEntry(_Entry):
    """The 条文主旨 (heading) of one article and the words practitioners use for its subject.

    Written by the project in its own words; retrieval indexes it beside the article text, so a question
    put as a concept (事故等级, 双重预防机制) finds the article that governs it.
    """

    law: str = Field(description="File stem in the regulations folder")
    article: int = Field(ge=1)
    topic: str = Field(min_length=2, max_length=40)
    keywords: list[str] = Field(default_factory=list, max_length=12)

    @property
    def id(self) -> str:
        """Unique per article: ``topic:<law>#<article>``."""
        return f"topic:{self.law}#{self.article}"

    @property
    def ref(self) -> ArticleRef:
        """The article described."""
        return ArticleRef(law=self.law, article=self.article)

    @staticmethod
    def clause_fields(topic: TopicEntry | None) -> dict[str, Any]:
        """The ``topic`` and ``keywords`` properties of an article clause (empty without a topic)."""
        return {"topic": topic.topic, "keywords": list(topic.keywords)} if topic else {"topic": "", "keywords": []}


HazardKind = Literal["危险性类别", "名录", "特种设备", "职业病危害因素", "危险废物", "阈值", "污染物", "有限空间"]


class HazardClassEntry(_Entry):
    """A class of catalogue fact (a hazard class, a listing, an equipment class, a hazard factor) and the
    risks it brings into a process, with the standard or article it rests on.

    ``risks`` apply wherever the fact occurs, ``storage`` where the substance is stored, ``use`` where it is
    used in production, ``loading`` where it is loaded or unloaded (槽车卸料, 装车); ``special`` only for an
    item that 特种设备目录's parameters make special equipment.
    """

    id: str
    kind: HazardKind
    name: str
    match: list[str] = Field(min_length=1, description="Class names, listing names, equipment codes or factor names")
    categories: list[str] = Field(default_factory=list, description="Only these hazard categories (prefixes)")
    all_of: list[str] = Field(default_factory=list, description="Other hazard classes the substance must have")
    none_of: list[str] = Field(default_factory=list, description="Hazard classes the substance must not have")
    alone: bool = Field(default=False, description="Only when this is the substance's one hazard class")
    special_only: bool = Field(default=False, description="Only for items that are special equipment")
    condition: str = Field(default="", description="The applies_if condition this class establishes")
    risks: list[str] = Field(default_factory=list)
    storage: list[str] = Field(default_factory=list)
    use: list[str] = Field(default_factory=list)
    loading: list[str] = Field(default_factory=list)
    special: list[str] = Field(default_factory=list)
    basis: str = Field(min_length=4, description="The catalogue entry, standard or article the links rest on")

    def linked(self) -> list[tuple[str, str]]:
        """Every (risk id, context) pair, the class's leading risk first: context 装卸, 储存, 使用 (the activity's
        own risks lead), '' (anywhere) or 特种设备."""
        return [
            *((r, "装卸") for r in self.loading),
            *((r, "储存") for r in self.storage),
            *((r, "使用") for r in self.use),
            *((r, "") for r in self.risks),
            *((r, "特种设备") for r in self.special),
        ]


class CourseEntry(_Entry):
    """A training course that addresses risks."""

    id: str
    title: str
    hours: float = Field(gt=0)
    audience: list[str] = Field(min_length=1)
    addresses: list[str] = Field(min_length=1, description="risk ids")
    description: str = ""


_FILES: dict[str, tuple[str, type[_Entry]]] = {
    "manifest": ("regulations", RegulationEntry),
    "sectors": ("sectors", SectorEntry),
    "processes": ("processes", ProcessEntry),
    "risks": ("risks", RiskEntry),
    "obligations": ("obligations", ObligationEntry),
    "indicators": ("indicators", IndicatorEntry),
    "training": ("courses", CourseEntry),
    "topics": ("topics", TopicEntry),
    "hazards": ("classes", HazardClassEntry),
}


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base, with the source line of every entry."""

    regulations: list[RegulationEntry]
    sectors: list[SectorEntry]
    processes: list[ProcessEntry]
    risks: list[RiskEntry]
    obligations: list[ObligationEntry]
    indicators: list[IndicatorEntry]
    courses: list[CourseEntry]
    topics: list[TopicEntry] = field(default_factory=list)
    hazard_classes: list[HazardClassEntry] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)

    def where(self, entry_id: str) -> str:
        """``file:line`` of an entry, for error messages."""
        return self.origins.get(entry_id, "?")

    def all_refs(self) -> Iterator[tuple[str, ArticleRef]]:
        """Every article reference with the id of the entry holding it."""
        for ob in self.obligations:
            for ref in (*ob.cites, *ob.historical, *ob.penalty):
                yield ob.id, ref

    def topics_by_article(self) -> dict[str, TopicEntry]:
        """Topic entries by article id (``<law>#<article>``)."""
        return {t.ref.clause_id: t for t in self.topics}


class LineLoader(yaml.SafeLoader):
    """A SafeLoader that records the line of every mapping as ``__line__``."""


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


def _read_entries(path: Path, key: str, model: type[_Entry]) -> list[tuple[_Entry, int]]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)  # noqa: S506
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise CorpusError(f"{path}:{line}: malformed YAML: {e.problem}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: cannot read: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise CorpusError(f"{path}:1: expected a mapping with a list under {key!r}")
    out: list[tuple[_Entry, int]] = []
    for raw in doc[key]:
        line = raw.get("__line__", 0) if isinstance(raw, dict) else 0
        try:
            out.append((model.model_validate(strip_lines(raw)), line))
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise CorpusError(f"{path}:{line}: {model.__name__} {loc}: {first['msg']}") from e
    return out


def load_knowledge_base(root: Path) -> KnowledgeBase:
    """Load and validate every YAML file of the knowledge base under ``root``.

    Files named ``<kind>.yaml`` or ``<kind>_<part>.yaml`` are read in name order. Cross-references
    (process -> risk, risk -> obligation, indicator -> risk/obligation, course -> risk, sector ->
    process) and id uniqueness are checked here; article references are checked against statute
    texts by :mod:`ingestion.corpus_check`.

    Raises:
        CorpusError: naming the file and line of the first problem.
    """
    if not root.is_dir():
        raise CorpusError(f"{root}: knowledge base folder not found")
    found: dict[str, list[tuple[_Entry, int]]] = {name: [] for name in _FILES}
    origins: dict[str, str] = {}
    for path in sorted(root.glob("*.yaml")):
        kind = path.stem.split("_", 1)[0]
        if kind not in _FILES:
            raise CorpusError(f"{path}:1: unknown knowledge-base file (expected one of {sorted(_FILES)})")
        key, model = _FILES[kind]
        for entry, line in _read_entries(path, key, model):
            entry_id = str(getattr(entry, "id"))  # noqa: B009 - every entry model has an id
            if entry_id in origins:
                raise CorpusError(f"{path}:{line}: duplicate id {entry_id!r} (first at {origins[entry_id]})")
            origins[entry_id] = f"{path.name}:{line}"
            found[kind].append((entry, line))
    kb = KnowledgeBase(
        regulations=[e for e, _ in found["manifest"] if isinstance(e, RegulationEntry)],
        sectors=[e for e, _ in found["sectors"] if isinstance(e, SectorEntry)],
        processes=[e for e, _ in found["processes"] if isinstance(e, ProcessEntry)],
        risks=[e for e, _ in found["risks"] if isinstance(e, RiskEntry)],
        obligations=[e for e, _ in found["obligations"] if isinstance(e, ObligationEntry)],
        indicators=[e for e, _ in found["indicators"] if isinstance(e, IndicatorEntry)],
        courses=[e for e, _ in found["training"] if isinstance(e, CourseEntry)],
        topics=[e for e, _ in found["topics"] if isinstance(e, TopicEntry)],
        hazard_classes=[e for e, _ in found["hazards"] if isinstance(e, HazardClassEntry)],
        origins=origins,
    )
    _check_references(kb)
    return kb


def _check_references(kb: KnowledgeBase) -> None:
    processes = {p.id for p in kb.processes}
    risks = {r.id for r in kb.risks}
    obligations = {o.id for o in kb.obligations}
    regulations = {r.id for r in kb.regulations}

    def need(owner: str, kind: str, ids: list[str], known: set[str]) -> None:
        for ref in ids:
            if ref not in known:
                raise CorpusError(f"{kb.where(owner)}: {owner} refers to unknown {kind} {ref!r}")

    for sector in kb.sectors:
        for ids in sector.stages.values():
            need(sector.id, "process", ids, processes)
    for process in kb.processes:
        need(process.id, "risk", process.risks, risks)
    for risk in kb.risks:
        need(risk.id, "obligation", risk.obligations, obligations)
    for ind in kb.indicators:
        need(ind.id, "risk", ind.measures_risks, risks)
        need(ind.id, "obligation", ind.measures_obligations, obligations)
    for course in kb.courses:
        need(course.id, "risk", course.addresses, risks)
    for klass in kb.hazard_classes:
        need(klass.id, "risk", [r for r, _ in klass.linked()], risks)
    for reg in kb.regulations:
        if reg.replaced_by is not None:
            need(reg.id, "regulation", [reg.replaced_by], regulations)
    if regulations:
        for owner, ref in kb.all_refs():
            need(owner, "regulation", [ref.law], regulations)
        for topic in kb.topics:
            need(topic.id, "regulation", [topic.law], regulations)
