"""Legal obligations extracted from clauses."""

from __future__ import annotations

from fastapi import APIRouter

from api.contracts.common import NodeOut, Page
from api.http.deps import CurrentUser, GraphDep, PageParams
from api.http.errors import problem_responses
from api.http.routes._nodes import node, node_page
from kg.models import Label

__all__ = ["router"]

router = APIRouter(tags=["obligations"], responses=problem_responses(401, 403, 404, 422, 500, 503))


@router.get("/obligations", name="obligations.list", response_model=Page[NodeOut])
def list_obligations(user: CurrentUser, graph: GraphDep, page: PageParams) -> Page[NodeOut]:
    """Obligations (subject, 应当/必须/不得 …, action, condition) ordered by id."""
    return node_page(graph, Label.OBLIGATION, page)


@router.get("/obligations/{obligation_id}", name="obligations.get", response_model=NodeOut)
def get_obligation(obligation_id: str, user: CurrentUser, graph: GraphDep) -> NodeOut:
    """One obligation."""
    return node(graph, Label.OBLIGATION, obligation_id)
