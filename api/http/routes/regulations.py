"""Regulations and their clauses (条/款/项)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.contracts.common import ClauseTextOut, NeighbourOut, NodeOut, Page
from api.http.deps import CurrentUser, GraphDep, PageParams
from api.http.errors import problem_responses
from api.http.routes._nodes import neighbours, node, node_page
from kg.errors import ValidationFailedError
from kg.models import Label, Rel

__all__ = ["router"]

router = APIRouter(tags=["regulations"], responses=problem_responses(401, 403, 404, 422, 500, 503))


_STATUSES = ("现行", "已废止", "尚未施行")


@router.get("/regulations", name="regulations.list", response_model=Page[NodeOut])
def list_regulations(
    user: CurrentUser,
    graph: GraphDep,
    page: PageParams,
    status: Annotated[str | None, Query(description="现行 / 已废止 / 尚未施行", max_length=10)] = None,
) -> Page[NodeOut]:
    """Regulations (laws, regulations, standards) ordered by id, optionally of one status."""
    if status is None:
        return node_page(graph, Label.REGULATION, page)
    if status not in _STATUSES:
        raise ValidationFailedError(f"unknown status {status!r}; one of {', '.join(_STATUSES)}")
    rows = [r for r in graph.find(Label.REGULATION) if r.get("status") == status]
    items = [NodeOut(id=str(r["id"]), label=Label.REGULATION.value, properties=r) for r in rows]
    return Page[NodeOut](
        items=items[page.offset : page.offset + page.limit], total=len(rows), limit=page.limit, offset=page.offset
    )


# Ids may hold a "/" (GB/T 33000-2016): the path converter takes it, and the routes with a suffix come first.
@router.get("/regulations/{regulation_id:path}/clauses", name="regulations.clauses", response_model=list[NeighbourOut])
def regulation_clauses(regulation_id: str, user: CurrentUser, graph: GraphDep) -> list[NeighbourOut]:
    """The clauses that are part of a regulation."""
    return neighbours(graph, Label.REGULATION, regulation_id, rels=[Rel.PART_OF], direction="in", other=Label.CLAUSE)


@router.get("/regulations/{regulation_id:path}", name="regulations.get", response_model=NodeOut)
def get_regulation(regulation_id: str, user: CurrentUser, graph: GraphDep) -> NodeOut:
    """One regulation: title, kind, status (现行/已废止/尚未施行), replacement."""
    return node(graph, Label.REGULATION, regulation_id)


@router.get("/clauses/{clause_id:path}/text", name="clauses.text", response_model=ClauseTextOut)
def clause_text(clause_id: str, user: CurrentUser, graph: GraphDep) -> ClauseTextOut:
    """The text of a clause."""
    props = node(graph, Label.CLAUSE, clause_id).properties
    return ClauseTextOut(
        id=clause_id,
        regulation=str(props.get("regulation", "")),
        article=int(props.get("article", 0)),
        text=str(props.get("text", "")),
    )


@router.get("/clauses/{clause_id:path}", name="clauses.get", response_model=NodeOut)
def get_clause(clause_id: str, user: CurrentUser, graph: GraphDep) -> NodeOut:
    """One clause; its id is ``<regulation>#<article>[.<paragraph>[.<item>]]`` (URL-encode the ``#``)."""
    return node(graph, Label.CLAUSE, clause_id)
