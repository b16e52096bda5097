"""The knowledge graph as an expert reads it: an enterprise's processes in flow order, and per process its
risks with the duties and clauses behind them and the indicators that *measure* them.

An indicator belongs under a process when it measures one of the process's risks (``MEASURES → Risk``);
one that only cites a duty the process shares with every other (维护安全设备, 教育培训 …) does not. Under each
risk the indicators written for it (the knowledge base's first measured risk) come first, then those that
measure it beside another risk, the narrower ones first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kg.corpus import IndicatorEntry, KnowledgeBase
from kg.errors import NotFoundError
from kg.models import Label
from kg.store import ClausePath, Coverage, EnterpriseProcessLinks, ProcessRisk, Props, RiskObligation
from scoring.db import Enterprise

__all__ = [
    "Clause",
    "RiskDuty",
    "FlowStep",
    "MeasuringIndicator",
    "ProcessFlow",
    "ProcessMapReader",
    "ProcessMapService",
    "ProcessRiskMap",
    "RiskEntry",
]

_COMPARATORS = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}


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


class ProcessMapReader(Protocol):
    """The graph reads the service needs (every :class:`kg.store.GraphStore` has them)."""

    def get(self, label: Label, node_id: str) -> Props | None:
        """A node's properties, or None."""
        ...

    def risks_of_processes(self, process_ids: Sequence[str]) -> list[ProcessRisk]:
        """Risks linked to the given processes."""
        ...

    def obligations_of_risks(self, risk_ids: Sequence[str]) -> list[RiskObligation]:
        """Obligations governing the given risks."""
        ...

    def clause_paths(self, process_id: str) -> list[ClausePath]:
        """Every chain from a process to the clauses behind its obligations."""
        ...

    def indicators_covering(
        self, *, risk_ids: Sequence[str] = (), obligation_ids: Sequence[str] = ()
    ) -> list[Coverage]:
        """Indicators measuring any of the given risks or obligations."""
        ...

    def enterprise_processes(self, enterprise_id: str) -> list[EnterpriseProcessLinks]:
        """An enterprise's imported process map in flow order."""
        ...


class ProcessMapService:
    """Processes in flow order and the risk map of one process.

    Args:
        graph: the knowledge graph.
        kb: the knowledge base (sector stage order, the risk an indicator was written for).
        engine: the records database (an enterprise's sector).
    """

    def __init__(self, graph: ProcessMapReader, kb: KnowledgeBase, engine: Engine) -> None:
        self._graph = graph
        self._kb = kb
        self._engine = engine

    def flow(self, enterprise_id: str) -> ProcessFlow:
        """The enterprise's imported process map in its order; without one, its sector's templates in the
        sector's stage order.

        Raises:
            NotFoundError: the enterprise has neither an imported map nor a record in the records database.
        """
        imported = self._graph.get(Label.ENTERPRISE, enterprise_id)
        links = self._graph.enterprise_processes(enterprise_id) if imported and imported.get("version") else []
        if imported and links:
            steps = [_imported_step(i, link) for i, link in enumerate(links, start=1)]
            return ProcessFlow(
                enterprise_id=enterprise_id, sector=str(imported.get("sector") or ""), source="imported", steps=steps
            )
        with Session(self._engine) as session:
            row = session.get(Enterprise, enterprise_id)
            sector_name = row.sector if row is not None else None
        if sector_name is None:
            raise NotFoundError(f"no enterprise {enterprise_id!r}")
        sector = next((s for s in self._kb.sectors if sector_name in (s.name, s.id)), None)
        templates = {p.id: p for p in self._kb.processes}
        ordered = [
            (stage, pid) for stage, ids in (sector.stages.items() if sector else []) for pid in ids if pid in templates
        ]
        steps = [
            FlowStep(step=i, name=templates[pid].name, stage=stage, process_id=pid, template_name=templates[pid].name)
            for i, (stage, pid) in enumerate(ordered, start=1)
        ]
        return ProcessFlow(enterprise_id=enterprise_id, sector=sector_name, source="sector", steps=steps)

    def risk_map(self, process_id: str) -> ProcessRiskMap:
        """A process's risks, each with its duties (and their clauses) and the indicators measuring it.

        Raises:
            NotFoundError: no such process.
        """
        process = self._graph.get(Label.PROCESS, process_id)
        if process is None:
            raise NotFoundError(f"no Process {process_id!r}")
        risks = _in_authored_order(self._graph.risks_of_processes([process_id]), self._kb, process_id)
        risk_ids = [str(r["id"]) for r in risks]
        duties = self._duties(process_id, risk_ids)
        library = {i.id: i for i in self._kb.indicators}
        measuring: dict[str, Props] = {}
        measured: dict[str, list[str]] = {}
        for c in self._graph.indicators_covering(risk_ids=risk_ids):
            iid = str(c.indicator["id"])
            measuring.setdefault(iid, c.indicator)
            measured.setdefault(iid, []).append(c.target_id)
        indicators = {
            iid: _indicator(props, library.get(iid), sorted(set(measured[iid]), key=risk_ids.index))
            for iid, props in measuring.items()
        }
        entries = [
            RiskEntry(
                id=str(r["id"]),
                name=str(r.get("name") or r["id"]),
                category=str(r.get("category") or ""),
                hazard=str(r.get("hazard") or ""),
                consequence=str(r.get("consequence") or ""),
                duties=duties.get(str(r["id"]), []),
                indicators=_ranked(str(r["id"]), [i for i in indicators.values() if r["id"] in i.risks], library),
            )
            for r in risks
        ]
        order = {iid: n for n, iid in enumerate(i for e in entries for i in e.indicators)}
        return ProcessRiskMap(
            process_id=process_id,
            name=str(process.get("name") or process_id),
            stage=str(process.get("stage") or ""),
            description=str(process.get("description") or ""),
            risks=entries,
            indicators=sorted(indicators.values(), key=lambda i: order.get(i.id, len(order))),
        )

    def _duties(self, process_id: str, risk_ids: list[str]) -> dict[str, list[RiskDuty]]:
        clauses: dict[str, list[Clause]] = {}
        for path in self._graph.clause_paths(process_id):
            clause = _clause(path.clause, path.regulation)
            bucket = clauses.setdefault(path.obligation_id, [])
            if all(c.id != clause.id for c in bucket):
                bucket.append(clause)
        by_risk: dict[str, list[RiskDuty]] = {}
        for ro in self._graph.obligations_of_risks(risk_ids):
            ob = ro.obligation
            name = f"{ob.get('subject') or ''}{ob.get('modality') or ''}{ob.get('action') or ''}"
            oid = str(ob["id"])
            by_risk.setdefault(ro.risk_id, []).append(RiskDuty(id=oid, name=name, clauses=clauses.get(oid, [])))
        return by_risk


def _imported_step(position: int, links: EnterpriseProcessLinks) -> FlowStep:
    p, template = links.process, links.template
    return FlowStep(
        step=int(p.get("step") or position),
        name=str(p.get("name") or ""),
        stage=str(p.get("stage") or (template or {}).get("stage") or ""),
        process_id=str(template["id"]) if template is not None else None,
        template_name=str(template.get("name") or "") if template is not None else "",
    )


def _in_authored_order(risks: list[ProcessRisk], kb: KnowledgeBase, process_id: str) -> list[Props]:
    """The process's risks in the order its template lists them (the knowledge base's), others after."""
    template = next((p for p in kb.processes if p.id == process_id), None)
    place = {rid: n for n, rid in enumerate(template.risks if template else [])}
    props = [r.risk for r in risks]
    return sorted(props, key=lambda r: (place.get(str(r["id"]), len(place)), str(r["id"])))


def _ranked(risk_id: str, indicators: list[MeasuringIndicator], library: dict[str, IndicatorEntry]) -> list[str]:
    """Ids of the indicators of a risk: written for it first, then the narrower (fewer risks measured)."""

    def key(i: MeasuringIndicator) -> tuple[bool, int, str]:
        entry = library.get(i.id)
        breadth = len(entry.measures_risks) if entry else len(i.risks)
        return (i.written_for not in ("", risk_id), breadth, i.name)

    return [i.id for i in sorted(indicators, key=key)]


def _indicator(props: Props, entry: IndicatorEntry | None, risks: list[str]) -> MeasuringIndicator:
    target = props.get("target")
    value = f"{target:g}" if isinstance(target, float) else str(target if target is not None else "")
    comparator = _COMPARATORS.get(str(props.get("comparator") or ""), "")
    return MeasuringIndicator(
        id=str(props["id"]),
        name=str(props.get("name") or props["id"]),
        level=str(props.get("level") or ""),
        stage=str(props.get("stage") or ""),
        position=str(props.get("position") or ""),
        metric=str(props.get("metric") or ""),
        target=f"{comparator}{value}{props.get('unit') or ''}" if value else "",
        method=str(props.get("method") or ""),
        frequency=str(props.get("frequency") or ""),
        data_source=str(props.get("data_source") or ""),
        owner=str(props.get("owner") or ""),
        standard=str(props.get("standard") or ""),
        written_for=entry.measures_risks[0] if entry and entry.measures_risks else "",
        risks=risks,
        duties=list(entry.measures_obligations) if entry else [],
    )


def _clause(clause: Props, regulation: Props) -> Clause:
    status = str(regulation.get("status") or "")
    return Clause(
        id=str(clause["id"]),
        regulation=str(clause.get("regulation") or regulation.get("id") or ""),
        article=int(clause.get("article") or 0),
        text=str(clause.get("text") or ""),
        current=status == "现行",
        status=status,
    )
