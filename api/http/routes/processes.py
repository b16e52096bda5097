"""Production processes and their risks."""

from __future__ import annotations

from fastapi import APIRouter

from api.contracts.common import NeighbourOut, NodeOut, Page
from api.contracts.process_map import ProcessRiskMap
from api.contracts.review import ProcessGraphOut
from api.http.deps import CurrentUser, GraphDep, PageParams, ProcessMapDep
from api.http.errors import problem_responses
from api.http.mapping import to_wire
from api.http.routes._nodes import neighbours, node, node_page
from kg.models import Label, Rel
from kg.report import process_neighbourhood

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
    """A process with its risks, their obligations (and the clauses behind them) and the indicators measuring
    a risk or an obligation, as nodes and edges."""
    hood = process_neighbourhood(graph, node(graph, Label.PROCESS, process_id).properties)
    return ProcessGraphOut.model_validate(hood.model_dump())


@router.get("/processes/{process_id}/risk-map", name="processes.risk_map", response_model=ProcessRiskMap)
def process_risk_map(process_id: str, user: CurrentUser, process_map: ProcessMapDep) -> ProcessRiskMap:
    """A process's risks, each with the duties (and clause texts) governing it and the indicators that measure
    it, those written for it first; an indicator that only cites a duty the process shares is not among them."""
    return to_wire(process_map.risk_map(process_id), ProcessRiskMap)


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
