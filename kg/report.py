"""A process-centred report from the graph: processes → risks → obligations (with articles) → indicators.

Used by ``hsekg demo`` and later by the API: everything in it comes from graph queries, so the
article numbers shown are exactly those stored in the graph, never written by hand.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from pydantic import BaseModel

from kg.models import Label, Rel
from kg.store import ClausePath, Coverage, GraphStore, ProcessRisk, RiskObligation

__all__ = [
    "CitedArticle",
    "GraphEdge",
    "GraphNode",
    "Neighbourhood",
    "ObligationLine",
    "ProcessGraphReader",
    "ProcessReport",
    "RiskLine",
    "applies",
    "build_report",
    "process_neighbourhood",
]


class CitedArticle(BaseModel):
    """An article behind an obligation, with the regulation's status."""

    regulation: str
    article: int
    status: str
    current: bool
    replaced_by: str | None = None


class ObligationLine(BaseModel):
    """An obligation with its articles (current law first) and the indicators that cover it."""

    id: str
    subject: str
    modality: str
    action: str
    articles: list[CitedArticle]
    indicators: list[str]


class RiskLine(BaseModel):
    """A risk of a process with its obligations."""

    id: str
    name: str
    category: str
    obligations: list[ObligationLine]


class ProcessLine(BaseModel):
    """A process with its risks."""

    id: str
    name: str
    stage: str
    risks: list[RiskLine]


class ProcessReport(BaseModel):
    """The whole report: processes, indicators of the set, and the uncovered obligations."""

    processes: list[ProcessLine]
    indicators: list[dict[str, object]]
    uncovered: list[ObligationLine]


def applies(obligation: dict[str, object], conditions: Collection[str] | None) -> bool:
    """Whether a duty applies to an enterprise with these conditions (every ``applies_if`` is met).

    ``conditions`` None means unknown: every duty is taken to apply.
    """
    needed = obligation.get("applies_if") or []
    return conditions is None or (isinstance(needed, list) and all(c in conditions for c in needed))


def build_report(
    store: GraphStore,
    process_ids: Sequence[str],
    indicator_ids: Sequence[str],
    conditions: Collection[str] | None = None,
) -> ProcessReport:
    """Build the report for an enterprise's processes and its current indicator set.

    Duties whose ``applies_if`` conditions the enterprise does not meet are left out (a duty of a
    重点管理 unit is no gap for a 登记管理 one).
    """
    articles: dict[str, list[CitedArticle]] = {}
    for pid in process_ids:
        for path in store.clause_paths(pid):
            reg = path.regulation
            cited = CitedArticle(
                regulation=reg["id"],
                article=int(path.clause["article"]),
                status=reg.get("status", ""),
                current=reg.get("status") == "现行",
                replaced_by=reg.get("replaced_by"),
            )
            bucket = articles.setdefault(path.obligation_id, [])
            if cited not in bucket:
                bucket.append(cited)
    for bucket in articles.values():
        bucket.sort(key=lambda a: (not a.current, a.regulation, a.article))

    chosen = set(indicator_ids)
    risks = store.risks_of_processes(process_ids)
    risk_obligations = [
        ro
        for ro in store.obligations_of_risks(sorted({r.risk["id"] for r in risks}))
        if applies(ro.obligation, conditions)
    ]
    coverage = store.indicators_covering(obligation_ids=sorted({ro.obligation["id"] for ro in risk_obligations}))
    covering: dict[str, list[str]] = {}
    for c in coverage:
        if c.indicator["id"] in chosen:
            covering.setdefault(c.target_id, []).append(c.indicator["name"])

    def line(ob: dict[str, object]) -> ObligationLine:
        oid = str(ob["id"])
        return ObligationLine(
            id=oid,
            subject=str(ob.get("subject", "")),
            modality=str(ob.get("modality", "")),
            action=str(ob.get("action", "")),
            articles=articles.get(oid, []),
            indicators=sorted(covering.get(oid, [])),
        )

    by_risk: dict[str, list[ObligationLine]] = {}
    for ro in risk_obligations:
        by_risk.setdefault(ro.risk_id, []).append(line(ro.obligation))
    processes = []
    for node in store.find(Label.PROCESS, ids=list(process_ids)):
        own = [r.risk for r in risks if r.process_id == node["id"]]
        processes.append(
            ProcessLine(
                id=node["id"],
                name=node["name"],
                stage=node.get("stage", ""),
                risks=[
                    RiskLine(id=r["id"], name=r["name"], category=r["category"], obligations=by_risk.get(r["id"], []))
                    for r in own
                ],
            )
        )
    uncovered = [
        line(a.obligation)
        for a in store.uncovered_obligations(process_ids, indicator_ids)
        if applies(a.obligation, conditions)
    ]
    indicators = store.find(Label.INDICATOR, ids=list(indicator_ids))
    return ProcessReport(processes=processes, indicators=indicators, uncovered=uncovered)


class GraphNode(BaseModel):
    """A node of a process's neighbourhood, with a display name."""

    id: str
    label: str
    name: str


class GraphEdge(BaseModel):
    """An edge of a process's neighbourhood."""

    source: str
    target: str
    type: str


class Neighbourhood(BaseModel):
    """A process, its risks, their obligations with the clauses behind them, and the indicators measuring
    a risk or an obligation."""

    process: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class ProcessGraphReader(Protocol):
    """The batched reads a process's neighbourhood needs (every :class:`kg.store.GraphStore` has them)."""

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


def process_neighbourhood(store: ProcessGraphReader, process: dict[str, object]) -> Neighbourhood:
    """The neighbourhood of an existing process, in four batched queries."""
    pid = str(process["id"])
    nodes: dict[str, GraphNode] = {pid: _graph_node(Label.PROCESS, process)}
    edges: dict[tuple[str, str, str], GraphEdge] = {}

    def link(source: str, target: str, rel: Rel) -> None:
        edges.setdefault((source, target, rel.value), GraphEdge(source=source, target=target, type=rel.value))

    risk_ids = []
    for pr in store.risks_of_processes([pid]):
        rid = str(pr.risk["id"])
        nodes.setdefault(rid, _graph_node(Label.RISK, pr.risk))
        link(pid, rid, Rel.HAS_RISK)
        risk_ids.append(rid)
    obligation_ids = []
    for ro in store.obligations_of_risks(risk_ids):
        oid = str(ro.obligation["id"])
        nodes.setdefault(oid, _graph_node(Label.OBLIGATION, ro.obligation))
        link(ro.risk_id, oid, Rel.GOVERNED_BY)
        obligation_ids.append(oid)
    for path in store.clause_paths(pid):
        cid = str(path.clause["id"])
        nodes.setdefault(cid, _graph_node(Label.CLAUSE, path.clause))
        link(path.obligation_id, cid, Rel.DERIVED_FROM)
    for c in store.indicators_covering(risk_ids=risk_ids, obligation_ids=sorted(set(obligation_ids))):
        iid = str(c.indicator["id"])
        nodes.setdefault(iid, _graph_node(Label.INDICATOR, c.indicator))
        link(iid, c.target_id, Rel.MEASURES)
    return Neighbourhood(process=pid, nodes=list(nodes.values()), edges=list(edges.values()))


def _graph_node(label: Label, props: dict[str, object]) -> GraphNode:
    name = props.get("name") or props.get("title") or props.get("action") or props.get("id")
    if label == Label.CLAUSE:
        law, _, number = str(props["id"]).partition("#")
        name = f"《{law}》第{number}条" if number.isdigit() else str(props["id"])
    elif label == Label.OBLIGATION:
        name = f"{props.get('subject') or ''}{props.get('modality') or ''}{str(props.get('action') or '')[:30]}"
    return GraphNode(id=str(props["id"]), label=label.value, name=str(name))
