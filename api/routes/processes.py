"""Production processes and their risks."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, GraphDep, PageParams
from api.errors import problem_responses
from api.review_schemas import GraphEdgeOut, GraphNodeOut, ProcessGraphOut
from api.routes._nodes import neighbours, node, node_page
from api.schemas import NeighbourOut, NodeOut, Page
from kg.models import Label, Rel

__all__ = ["router"]

router = APIRouter(tags=["processes and risks"], responses=problem_responses(401, 403, 404, 422, 500, 503))


@router.get("/processes", name="processes.list", response_model=Page[NodeOut])
def list_processes(user: CurrentUser, graph: GraphDep, page: PageParams) -> Page[NodeOut]:
    """Processes (焊接, 喷涂, SMT …) ordered by id."""
    return node_page(graph, Label.PROCESS, page)


@router.get("/processes/{process_id}", name="processes.get", response_model=NodeOut)
def get_process(process_id: str, user: CurrentUser, graph: GraphDep) -> NodeOut:
    """One process."""
    return node(graph, Label.PROCESS, process_id)


@router.get("/processes/{process_id}/risks", name="processes.risks", response_model=list[NeighbourOut])
def process_risks(process_id: str, user: CurrentUser, graph: GraphDep) -> list[NeighbourOut]:
    """The risks of a process."""
    return neighbours(graph, Label.PROCESS, process_id, rels=[Rel.HAS_RISK], direction="out", other=Label.RISK)


@router.get("/processes/{process_id}/graph", name="processes.graph", response_model=ProcessGraphOut)
def process_graph(process_id: str, user: CurrentUser, graph: GraphDep) -> ProcessGraphOut:
    """A process with its risks, their obligations and the indicators measuring either, as nodes and edges."""
    root = node(graph, Label.PROCESS, process_id)
    nodes: dict[str, GraphNodeOut] = {process_id: _graph_node(Label.PROCESS.value, root.properties)}
    edges: list[GraphEdgeOut] = []

    def link(source: str, label: str, props: dict[str, object], rel: str, *, reverse: bool = False) -> str:
        target = str(props["id"])
        nodes.setdefault(target, _graph_node(label, props))
        edges.append(GraphEdgeOut(source=target if reverse else source, target=source if reverse else target, type=rel))
        return target

    measured = [Rel.MEASURES, Rel.DERIVED_FROM]
    for risk in graph.neighbours(Label.PROCESS, process_id, rels=[Rel.HAS_RISK]):
        if risk.direction != "out" or risk.label != Label.RISK.value:
            continue
        risk_id = link(process_id, risk.label, risk.node, risk.rel)
        for n in graph.neighbours(Label.RISK, risk_id, rels=[Rel.GOVERNED_BY, Rel.MEASURES]):
            if n.label == Label.OBLIGATION.value and n.direction == "out":
                obligation_id = link(risk_id, n.label, n.node, n.rel)
                for m in graph.neighbours(Label.OBLIGATION, obligation_id, rels=measured):
                    if m.label == Label.INDICATOR.value and m.direction == "in":
                        link(obligation_id, m.label, m.node, m.rel, reverse=True)
                    elif m.label == Label.CLAUSE.value and m.direction == "out":
                        link(obligation_id, m.label, m.node, m.rel)
            elif n.label == Label.INDICATOR.value and n.direction == "in":
                link(risk_id, n.label, n.node, n.rel, reverse=True)
    unique = list({(e.source, e.target, e.type): e for e in edges}.values())
    return ProcessGraphOut(process=process_id, nodes=list(nodes.values()), edges=unique)


def _graph_node(label: str, props: dict[str, object]) -> GraphNodeOut:
    name = props.get("name") or props.get("title") or props.get("action") or props.get("id")
    if label == Label.CLAUSE.value and "#" in str(props["id"]):
        law, _, number = str(props["id"]).partition("#")
        name = f"《{law}》第{number}条" if number.isdigit() else str(props["id"])
    elif label == Label.OBLIGATION.value:
        name = f"{props.get('subject') or ''}{props.get('modality') or ''}{str(props.get('action') or '')[:30]}"
    return GraphNodeOut(id=str(props["id"]), label=label, name=str(name))


@router.get("/risks", name="risks.list", response_model=Page[NodeOut])
def list_risks(user: CurrentUser, graph: GraphDep, page: PageParams) -> Page[NodeOut]:
    """Risks (安全/环保/职业健康/消防) ordered by id."""
    return node_page(graph, Label.RISK, page)


@router.get("/risks/{risk_id}", name="risks.get", response_model=NodeOut)
def get_risk(risk_id: str, user: CurrentUser, graph: GraphDep) -> NodeOut:
    """One risk."""
    return node(graph, Label.RISK, risk_id)


@router.get("/risks/{risk_id}/obligations", name="risks.obligations", response_model=list[NeighbourOut])
def risk_obligations(risk_id: str, user: CurrentUser, graph: GraphDep) -> list[NeighbourOut]:
    """The obligations governing a risk."""
    return neighbours(graph, Label.RISK, risk_id, rels=[Rel.GOVERNED_BY], direction="out", other=Label.OBLIGATION)
