"""Conversions shared by the knowledge-graph routers (graph rows → response schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.container import GraphReader
from api.contracts.common import NeighbourOut, NodeOut, Page
from api.http.deps import Pagination
from kg.errors import NotFoundError
from kg.models import Label, Rel

__all__ = ["neighbours", "node", "node_page", "page_rows"]


def page_rows(graph: GraphReader, label: Label, page: Pagination) -> tuple[list[dict[str, Any]], int]:
    """The rows of a page of nodes of a label, ordered by id, and the label's total.

    A page past the end is answered without a query: LadybugDB 0.22 crashes the process (SIGSEGV) on
    ``ORDER BY … SKIP n`` when ``n`` exceeds the row count by more than about 11,900.
    """
    total = graph.counts().nodes.get(label.value, 0)
    rows = graph.find(label, limit=page.limit, skip=page.offset) if page.offset < total else []
    return rows, total


def node_page(graph: GraphReader, label: Label, page: Pagination) -> Page[NodeOut]:
    """A page of nodes of a label, ordered by id, with the label's total."""
    rows, total = page_rows(graph, label, page)
    items = [NodeOut(id=str(r["id"]), label=label.value, properties=r) for r in rows]
    return Page[NodeOut](items=items, total=total, limit=page.limit, offset=page.offset)


def node(graph: GraphReader, label: Label, node_id: str) -> NodeOut:
    """One node.

    Raises:
        NotFoundError: no such node.
    """
    props = graph.get(label, node_id)
    if props is None:
        raise NotFoundError(f"no {label.value} {node_id!r}")
    return NodeOut(id=node_id, label=label.value, properties=props)


def neighbours(
    graph: GraphReader, label: Label, node_id: str, *, rels: Sequence[Rel], direction: str, other: Label
) -> list[NeighbourOut]:
    """Neighbours of an existing node through ``rels`` in one direction, of label ``other``.

    Raises:
        NotFoundError: no such node.
    """
    node(graph, label, node_id)
    return [
        NeighbourOut(rel=n.rel, direction=n.direction, label=n.label, node=n.node, props=n.props)
        for n in graph.neighbours(label, node_id, rels=rels)
        if n.direction == direction and n.label == other.value
    ]
