"""The ``GraphStore`` protocol: what every layer above may ask of the graph, and its result types.

Two implementations share one contract test suite: :class:`kg.ladybug_store.LadybugGraphStore`
(embedded, default) and :class:`kg.neo4j_store.Neo4jGraphStore` (official driver, any Bolt server).
Constructors do no I/O; :meth:`GraphStore.verify` connects and checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from kg.models import Label, Node, Rel, from_properties, to_properties

__all__ = [
    "ApplicableObligation",
    "CandidateRisk",
    "ClausePath",
    "Coverage",
    "Edge",
    "EnterpriseProcessLinks",
    "GraphBatch",
    "GraphCounts",
    "GraphStore",
    "IndicatorCitation",
    "Neighbour",
    "ProcessRisk",
    "ObligationRisk",
    "RiskObligation",
    "load_node",
]

Props = dict[str, Any]


@dataclass(frozen=True)
class Edge:
    """A relationship to upsert: endpoints by id, with optional score, reason and source.

    ``extra`` holds the properties only some relationship types have (:data:`kg.schema.REL_EXTRA_PROPERTIES`).
    """

    src: str
    dst: str
    score: float | None = None
    reason: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def row(self) -> Props:
        """The row passed to the batched Cypher write."""
        row = {"src": self.src, "dst": self.dst, "score": self.score, "reason": self.reason, "source": self.source}
        return row | self.extra


@dataclass
class GraphBatch:
    """Writes applied together in one transaction: deletions, then nodes, then relationships."""

    node_deletes: list[tuple[Label, list[str]]] = field(default_factory=list)
    node_upserts: list[tuple[Label, list[Props]]] = field(default_factory=list)
    edge_upserts: list[tuple[Rel, Label, Label, list[Edge]]] = field(default_factory=list)
    child_deletes: list[tuple[Label, str, Rel, Label]] = field(default_factory=list)
    edge_deletes: list[tuple[Label, Rel, list[str]]] = field(default_factory=list)

    def add_nodes(self, nodes: Iterable[Node]) -> GraphBatch:
        """Queue node upserts, grouped by label."""
        by_label: dict[Label, list[Props]] = {}
        for node in nodes:
            by_label.setdefault(node.label, []).append(to_properties(node))
        self.node_upserts.extend(by_label.items())
        return self

    def add_edges(self, rel: Rel, src: Label, dst: Label, edges: Iterable[Edge]) -> GraphBatch:
        """Queue relationship upserts of one type between two labels."""
        rows = list(edges)
        if rows:
            self.edge_upserts.append((rel, src, dst, rows))
        return self

    def delete_nodes(self, label: Label, ids: Iterable[str]) -> GraphBatch:
        """Queue deletion of nodes (and their relationships)."""
        self.node_deletes.append((label, list(ids)))
        return self

    def delete_children(self, parent: Label, parent_id: str, rel: Rel, child: Label) -> GraphBatch:
        """Queue deletion of the ``child`` nodes ``parent_id`` reaches through ``rel`` (before everything else)."""
        self.child_deletes.append((parent, parent_id, rel, child))
        return self

    def delete_out_edges(self, label: Label, rel: Rel, ids: Iterable[str]) -> GraphBatch:
        """Queue deletion of the outgoing ``rel`` relationships of nodes (before the upserts)."""
        self.edge_deletes.append((label, rel, list(ids)))
        return self

    def replace_out_edges(self, owned: Iterable[tuple[Label, Rel]]) -> GraphBatch:
        """Make the batch the whole truth of relationships it alone writes: for each ``(label, rel)`` of
        ``owned``, the outgoing ``rel`` relationships of every ``label`` node the batch upserts are deleted first
        and only those the batch writes remain (a link removed from the source goes from the graph too)."""
        for label, rel in owned:
            ids = [str(props["id"]) for lab, rows in self.node_upserts if lab is label for props in rows]
            if ids:
                self.delete_out_edges(label, rel, ids)
        return self

    def __len__(self) -> int:
        return (
            len(self.child_deletes)
            + sum(len(ids) for *_, ids in self.edge_deletes)
            + sum(len(ids) for _, ids in self.node_deletes)
            + sum(len(rows) for _, rows in self.node_upserts)
            + sum(len(rows) for *_, rows in self.edge_upserts)
        )


class GraphCounts(BaseModel):
    """Node counts per label and relationship counts per type (zero counts included)."""

    nodes: dict[str, int]
    relationships: dict[str, int]


class Neighbour(BaseModel):
    """A node adjacent to another, with the relationship that joins them."""

    rel: str
    direction: Literal["out", "in"]
    label: str
    node: Props
    props: Props = {}


class ProcessRisk(BaseModel):
    """A risk of a process."""

    process_id: str
    risk: Props


class RiskObligation(BaseModel):
    """An obligation governing a risk, with the link's score and reason."""

    risk_id: str
    obligation: Props
    score: float | None = None
    reason: str | None = None


class ObligationRisk(BaseModel):
    """A risk an obligation governs (the other direction of :class:`RiskObligation`)."""

    obligation_id: str
    risk: Props


class Coverage(BaseModel):
    """An indicator measuring a risk or an obligation."""

    indicator: Props
    target_label: str
    target_id: str


class ApplicableObligation(BaseModel):
    """An obligation applicable to some processes, with the (process, risk) pairs that lead to it."""

    obligation: Props
    via: list[tuple[str, str]]


class ClausePath(BaseModel):
    """One chain process -> risk -> obligation -> clause -> regulation."""

    process_id: str
    risk_id: str
    obligation_id: str
    clause: Props
    regulation: Props


class IndicatorCitation(BaseModel):
    """An indicator citing a clause of a regulation."""

    indicator: Props
    clause: Props


class CandidateRisk(BaseModel):
    """A risk proposed for an enterprise's process no template fits, with the link's score and evidence."""

    risk: Props
    score: float | None = None
    reason: str | None = None


class EnterpriseProcessLinks(BaseModel):
    """An enterprise's process with the template it instantiates (and that link's properties) or its risks."""

    process: Props
    template: Props | None = None
    link: Props = {}
    risks: list[CandidateRisk] = []


@runtime_checkable
class GraphStore(Protocol):
    """What the layers above may ask of the graph. Every write is batched and idempotent."""

    def verify(self) -> None:
        """Connect and check the backend answers; raise GraphUnavailableError naming the URI if not."""

    def ensure_schema(self) -> None:
        """Create missing tables, columns, constraints and indexes (idempotent)."""

    def close(self) -> None:
        """Release connections."""

    def apply(self, batch: GraphBatch) -> None:
        """Apply a batch atomically: all of it or, on failure, none of it."""

    def upsert_nodes(self, nodes: Sequence[Node]) -> int:
        """Create or update nodes by id; returns how many were written."""

    def upsert_edges(self, rel: Rel, src: Label, dst: Label, edges: Sequence[Edge]) -> int:
        """Create or update relationships between existing nodes; returns how many rows were sent."""

    def get(self, label: Label, node_id: str) -> Props | None:
        """A node's properties, or None."""

    def find(
        self, label: Label, *, ids: Sequence[str] | None = None, limit: int | None = None, skip: int = 0
    ) -> list[Props]:
        """Nodes of a label ordered by id, optionally restricted to ``ids``, paginated."""

    def delete_nodes(self, label: Label, ids: Sequence[str]) -> int:
        """Delete nodes and their relationships; returns how many existed."""

    def neighbours(self, label: Label, node_id: str, *, rels: Sequence[Rel] | None = None) -> list[Neighbour]:
        """Adjacent nodes in both directions, optionally only through ``rels``."""

    def counts(self) -> GraphCounts:
        """Counts per node label and relationship type."""

    def clear(self) -> None:
        """Delete everything (tests and re-initialisation)."""

    def risks_of_processes(self, process_ids: Sequence[str]) -> list[ProcessRisk]:
        """Risks linked to the given processes."""

    def obligations_of_risks(self, risk_ids: Sequence[str]) -> list[RiskObligation]:
        """Obligations governing the given risks."""

    def risks_of_obligations(self, obligation_ids: Sequence[str]) -> list[ObligationRisk]:
        """Risks governed by the given obligations, ordered by obligation and risk id."""

    def indicators_covering(
        self, *, risk_ids: Sequence[str] = (), obligation_ids: Sequence[str] = ()
    ) -> list[Coverage]:
        """Indicators measuring any of the given risks or obligations."""

    def applicable_obligations(self, process_ids: Sequence[str]) -> list[ApplicableObligation]:
        """Obligations reached from the processes through their risks, with the paths."""

    def uncovered_obligations(
        self, process_ids: Sequence[str], indicator_ids: Sequence[str] | None = None
    ) -> list[ApplicableObligation]:
        """Applicable obligations that no indicator (or none of ``indicator_ids``) measures."""

    def clause_paths(self, process_id: str) -> list[ClausePath]:
        """Every chain from a process to the clauses and regulations behind its obligations."""

    def indicators_citing_regulation(self, regulation_id: str) -> list[IndicatorCitation]:
        """Indicators citing clauses of a regulation (for law-change impact)."""

    def enterprise_processes(self, enterprise_id: str) -> list[EnterpriseProcessLinks]:
        """An enterprise's process map in flow order, each step with its template link or candidate risks."""


N = TypeVar("N", bound=Node)


def load_node(store: GraphStore, cls: type[N], node_id: str) -> N | None:
    """Read one node as its domain model."""
    props = store.get(cls.label, node_id)
    return None if props is None else from_properties(cls, props)
