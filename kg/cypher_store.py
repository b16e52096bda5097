"""Shared implementation of :class:`kg.store.GraphStore` over any backend that runs Cypher.

A backend supplies three primitives: :meth:`CypherGraphStore._read` (one query, rows as dicts with
nodes and relationships already flattened to property maps), :meth:`CypherGraphStore._write` (a list
of statements in one transaction) and the dialect. Everything else, including the domain queries,
lives here once.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kg.models import Label, Node, Rel
from kg.queries import Dialect, Q
from kg.schema import node_columns, rel_properties
from kg.store import (
    ApplicableObligation,
    CandidateRisk,
    ClausePath,
    Coverage,
    Edge,
    EnterpriseProcessLinks,
    GraphBatch,
    GraphCounts,
    IndicatorCitation,
    Neighbour,
    ObligationRisk,
    ProcessRisk,
    RiskObligation,
)

__all__ = ["BATCH_ROWS", "CypherGraphStore", "Statement"]

#: Rows per ``UNWIND`` statement: large enough to amortise round trips, small enough for memory.
BATCH_ROWS = 2000

Statement = tuple[str, dict[str, Any]]
Row = dict[str, Any]


def _chunks(rows: Sequence[Any], size: int = BATCH_ROWS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class CypherGraphStore(abc.ABC):
    """GraphStore logic common to the Cypher backends."""

    dialect: Dialect

    @abc.abstractmethod
    def _read(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        """Run a read query; nodes and relationships in rows are property dicts."""

    @abc.abstractmethod
    def _write(self, statements: Sequence[Statement]) -> None:
        """Run write statements in one transaction."""

    # -- writes ---------------------------------------------------------------------------------

    def _node_statements(self, label: Label, rows: Sequence[Row]) -> list[Statement]:
        columns = node_columns(label)
        query = Q.upsert_nodes(self.dialect, label, columns)
        return [(query, {"rows": [self._complete(label, r, columns) for r in chunk]}) for chunk in _chunks(rows)]

    def _complete(self, label: Label | Rel, row: Row, columns: Mapping[str, str]) -> Row:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{label} has no properties {sorted(unknown)}")
        return {c: row.get(c) for c in columns}

    def _edge_statements(self, rel: Rel, src: Label, dst: Label, edges: Sequence[Edge]) -> list[Statement]:
        query = Q.upsert_edges(self.dialect, rel, src, dst)
        columns = {"src": "STRING", "dst": "STRING"} | rel_properties(rel)
        return [(query, {"rows": [self._complete(rel, e.row(), columns) for e in chunk]}) for chunk in _chunks(edges)]

    def apply(self, batch: GraphBatch) -> None:
        """Apply deletions, node upserts and relationship upserts in one transaction."""
        statements: list[Statement] = []
        for parent, parent_id, rel, child in batch.child_deletes:
            statements.append((Q.delete_children(parent, rel, child), {"id": parent_id}))
        for label, rel, ids in batch.edge_deletes:
            statements.extend((Q.delete_out_edges(label, rel), {"ids": list(chunk)}) for chunk in _chunks(ids))
        for label, ids in batch.node_deletes:
            statements.extend((Q.delete_nodes(label), {"ids": list(chunk)}) for chunk in _chunks(ids))
        for label, rows in batch.node_upserts:
            statements.extend(self._node_statements(label, rows))
        for rel, src, dst, edges in batch.edge_upserts:
            statements.extend(self._edge_statements(rel, src, dst, edges))
        if statements:
            self._write(statements)

    def upsert_nodes(self, nodes: Sequence[Node]) -> int:
        """Create or update nodes by id."""
        self.apply(GraphBatch().add_nodes(nodes))
        return len(nodes)

    def upsert_edges(self, rel: Rel, src: Label, dst: Label, edges: Sequence[Edge]) -> int:
        """Create or update relationships between existing nodes."""
        self.apply(GraphBatch().add_edges(rel, src, dst, edges))
        return len(edges)

    def delete_nodes(self, label: Label, ids: Sequence[str]) -> int:
        """Delete nodes and their relationships; returns how many existed."""
        existing = self._read(Q.count_ids(label), {"ids": list(ids)})[0]["c"]
        self.apply(GraphBatch().delete_nodes(label, ids))
        return int(existing)

    def clear(self) -> None:
        """Delete every node and relationship."""
        self._write([(Q.CLEAR, {})])

    # -- generic reads --------------------------------------------------------------------------

    def get(self, label: Label, node_id: str) -> Row | None:
        """A node's properties, or None."""
        rows = self._read(Q.get_node(label), {"id": node_id})
        return dict(rows[0]["n"]) if rows else None

    def find(
        self, label: Label, *, ids: Sequence[str] | None = None, limit: int | None = None, skip: int = 0
    ) -> list[Row]:
        """Nodes of a label ordered by id, optionally restricted to ``ids``, paginated."""
        params: dict[str, Any] = {"skip": skip}
        if ids is not None:
            params["ids"] = list(ids)
        if limit is not None:
            params["limit"] = limit
        query = Q.find_nodes(label, with_ids=ids is not None, with_limit=limit is not None)
        return [dict(r["n"]) for r in self._read(query, params)]

    def neighbours(self, label: Label, node_id: str, *, rels: Sequence[Rel] | None = None) -> list[Neighbour]:
        """Adjacent nodes in both directions."""
        out: list[Neighbour] = []
        for outgoing, direction in ((True, "out"), (False, "in")):
            query = Q.neighbours(self.dialect, label, rels, outgoing=outgoing)
            for r in self._read(query, {"id": node_id}):
                out.append(
                    Neighbour(
                        rel=r["rel"], direction=direction, label=r["label"], node=r["node"], props=r["props"] or {}
                    )
                )
        return sorted(out, key=lambda n: (n.rel, n.direction, n.label, str(n.node.get("id"))))

    def counts(self) -> GraphCounts:
        """Counts per node label and relationship type."""
        nodes = {label.value: int(self._read(Q.count_label(label))[0]["c"]) for label in Label}
        rels = {rel.value: int(self._read(Q.count_rel(rel))[0]["c"]) for rel in Rel}
        return GraphCounts(nodes=nodes, relationships=rels)

    # -- domain queries -------------------------------------------------------------------------

    def risks_of_processes(self, process_ids: Sequence[str]) -> list[ProcessRisk]:
        """Risks linked to the given processes."""
        rows = self._read(Q.RISKS_OF_PROCESSES, {"ids": list(process_ids)})
        return [ProcessRisk(process_id=r["process_id"], risk=r["risk"]) for r in rows]

    def obligations_of_risks(self, risk_ids: Sequence[str]) -> list[RiskObligation]:
        """Obligations governing the given risks."""
        rows = self._read(Q.OBLIGATIONS_OF_RISKS, {"ids": list(risk_ids)})
        return [RiskObligation(**r) for r in rows]

    def risks_of_obligations(self, obligation_ids: Sequence[str]) -> list[ObligationRisk]:
        """Risks governed by the given obligations, ordered by obligation and risk id."""
        rows = self._read(Q.RISKS_OF_OBLIGATIONS, {"ids": list(obligation_ids)})
        return [ObligationRisk(obligation_id=r["obligation_id"], risk=dict(r["risk"])) for r in rows]

    def indicators_covering(
        self, *, risk_ids: Sequence[str] = (), obligation_ids: Sequence[str] = ()
    ) -> list[Coverage]:
        """Indicators measuring any of the given risks or obligations."""
        out: list[Coverage] = []
        for target, ids in ((Label.RISK, risk_ids), (Label.OBLIGATION, obligation_ids)):
            if ids:
                for r in self._read(Q.indicators_measuring(target), {"ids": list(ids)}):
                    out.append(Coverage(indicator=r["indicator"], target_label=target.value, target_id=r["target_id"]))
        return out

    def applicable_obligations(self, process_ids: Sequence[str]) -> list[ApplicableObligation]:
        """Obligations reached from the processes through their risks, with the paths, ordered by id."""
        via: dict[str, list[tuple[str, str]]] = {}
        for r in self._read(Q.APPLICABLE_OBLIGATIONS, {"ids": list(process_ids)}):
            via.setdefault(r["obligation_id"], []).append((r["process_id"], r["risk_id"]))
        if not via:
            return []
        return [
            ApplicableObligation(obligation=ob, via=sorted(via[ob["id"]]))
            for ob in self.find(Label.OBLIGATION, ids=list(via))
        ]

    def uncovered_obligations(
        self, process_ids: Sequence[str], indicator_ids: Sequence[str] | None = None
    ) -> list[ApplicableObligation]:
        """Applicable obligations that no indicator (or none of ``indicator_ids``) covers."""
        applicable = self.applicable_obligations(process_ids)
        if not applicable:
            return []
        params: dict[str, Any] = {"ids": [a.obligation["id"] for a in applicable]}
        if indicator_ids is not None:
            params["indicators"] = list(indicator_ids)
        covered: set[str] = set()
        for query in Q.covered_obligations(restricted=indicator_ids is not None):
            covered.update(r["id"] for r in self._read(query, params))
        return [a for a in applicable if a.obligation["id"] not in covered]

    def clause_paths(self, process_id: str) -> list[ClausePath]:
        """Every chain from a process to the clauses and regulations behind its obligations."""
        return [ClausePath(**r) for r in self._read(Q.CLAUSE_PATHS, {"id": process_id})]

    def indicators_citing_regulation(self, regulation_id: str) -> list[IndicatorCitation]:
        """Indicators citing clauses of a regulation."""
        rows = self._read(Q.INDICATORS_CITING_REGULATION, {"regulation": regulation_id})
        return [IndicatorCitation(**r) for r in rows]

    def enterprise_processes(self, enterprise_id: str) -> list[EnterpriseProcessLinks]:
        """An enterprise's process map in flow order, each step with its template link or candidate risks."""
        steps = [dict(r["process"]) for r in self._read(Q.ENTERPRISE_PROCESSES, {"id": enterprise_id})]
        ids = {"ids": [p["id"] for p in steps]}
        if not steps:
            return []
        links = {r["process_id"]: r for r in self._read(Q.TEMPLATES_OF_ENTERPRISE_PROCESSES, ids)}
        risks: dict[str, list[CandidateRisk]] = {}
        for r in self._read(Q.CANDIDATE_RISKS_OF_ENTERPRISE_PROCESSES, ids):
            risks.setdefault(r["process_id"], []).append(
                CandidateRisk(risk=r["risk"], score=r["score"], reason=r["reason"])
            )
        out: list[EnterpriseProcessLinks] = []
        for p in steps:
            link = links.get(p["id"])
            found = sorted(risks.get(p["id"], []), key=lambda c: (-(c.score or 0.0), str(c.risk.get("id"))))
            out.append(
                EnterpriseProcessLinks(
                    process=p,
                    template=link["template"] if link else None,
                    link=(link["link"] or {}) if link else {},
                    risks=found,
                )
            )
        return out
