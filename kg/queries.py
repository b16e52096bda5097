"""All Cypher of hsekg, in the subset LadybugDB and Neo4j (and ArcadeDB's Bolt endpoint) share.

Labels and relationship types come from :class:`kg.models.Label` / :class:`kg.models.Rel`; values are
always ``$params``; writes are batched with ``UNWIND $rows``. The two dialects differ only in how a
node's label and a relationship's type are read, which :class:`Dialect` spells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from kg.models import Label, Rel
from kg.schema import rel_properties

__all__ = ["Dialect", "Q"]


class Dialect(StrEnum):
    """Cypher dialect of a backend."""

    LADYBUG = "ladybug"
    NEO4J = "neo4j"

    def label_of(self, var: str) -> str:
        """Expression giving the (first) label of node ``var``."""
        return f"label({var})" if self is Dialect.LADYBUG else f"labels({var})[0]"

    def cast(self, expr: str, kind: str) -> str:
        """``expr`` cast to a declared column type where the dialect needs it."""
        return expr if self is Dialect.NEO4J or kind == "STRING" else f"CAST({expr} AS {kind})"

    def type_of(self, var: str) -> str:
        """Expression giving the type of relationship ``var``."""
        return f"label({var})" if self is Dialect.LADYBUG else f"type({var})"


def _rel_filter(rels: Sequence[Rel] | None) -> str:
    return "" if not rels else ":" + "|".join(r.value for r in rels)


class Q:
    """Query builders. Each returns Cypher text; parameters are documented per builder."""

    @staticmethod
    def upsert_nodes(dialect: Dialect, label: Label, columns: Mapping[str, str]) -> str:
        """``$rows``: list of property maps with ``id``; ``columns`` maps names to LadybugDB types.

        LadybugDB infers parameter types from the values (an all-null column reads as STRING), so
        its dialect casts every non-string column to the declared type.
        """
        sets = ", ".join(f"n.{c} = {dialect.cast(f'r.{c}', kind)}" for c, kind in columns.items() if c != "id")
        return f"UNWIND $rows AS r MERGE (n:{label} {{id: r.id}})" + (f" SET {sets}" if sets else "")

    @staticmethod
    def upsert_edges(dialect: Dialect, rel: Rel, src: Label, dst: Label) -> str:
        """``$rows``: list of ``{src, dst}`` with every property of :func:`kg.schema.rel_properties`."""
        sets = ", ".join(f"e.{p} = {dialect.cast(f'r.{p}', kind)}" for p, kind in rel_properties(rel).items())
        return (
            # two MATCH clauses, not one comma pattern: LadybugDB plans the comma form as a join (~50x slower)
            f"UNWIND $rows AS r MATCH (a:{src} {{id: r.src}}) MATCH (b:{dst} {{id: r.dst}}) "
            f"MERGE (a)-[e:{rel}]->(b) SET {sets}"
        )

    @staticmethod
    def get_node(label: Label) -> str:
        """``$id``."""
        return f"MATCH (n:{label} {{id: $id}}) RETURN n"

    @staticmethod
    def find_nodes(label: Label, *, with_ids: bool, with_limit: bool) -> str:
        """``$ids`` when ``with_ids``; ``$skip``; ``$limit`` when ``with_limit``."""
        # with ids, UNWIND turns the filter into primary-key lookups instead of a label scan
        match = f"UNWIND $ids AS k MATCH (n:{label} {{id: k}})" if with_ids else f"MATCH (n:{label})"
        limit = " LIMIT $limit" if with_limit else ""
        return f"{match} RETURN DISTINCT n ORDER BY n.id SKIP $skip{limit}"

    @staticmethod
    def count_ids(label: Label) -> str:
        """``$ids``."""
        return f"MATCH (n:{label}) WHERE n.id IN $ids RETURN count(n) AS c"

    @staticmethod
    def delete_nodes(label: Label) -> str:
        """``$ids``."""
        return f"MATCH (n:{label}) WHERE n.id IN $ids DETACH DELETE n"

    @staticmethod
    def delete_children(parent: Label, rel: Rel, child: Label) -> str:
        """``$id`` of the parent. Deletes the nodes it reaches through ``rel`` (and their relationships)."""
        return f"MATCH (a:{parent} {{id: $id}})-[:{rel}]->(c:{child}) DETACH DELETE c"

    @staticmethod
    def delete_out_edges(label: Label, rel: Rel) -> str:
        """``$ids``. Deletes the outgoing ``rel`` relationships of these nodes."""
        return f"UNWIND $ids AS k MATCH (a:{label} {{id: k}})-[e:{rel}]->() DELETE e"

    @staticmethod
    def neighbours(dialect: Dialect, label: Label, rels: Sequence[Rel] | None, *, outgoing: bool) -> str:
        """``$id``. Returns ``rel, label, node, props``."""
        pattern = f"-[e{_rel_filter(rels)}]->" if outgoing else f"<-[e{_rel_filter(rels)}]-"
        return (
            f"MATCH (a:{label} {{id: $id}}){pattern}(b) "
            f"RETURN {dialect.type_of('e')} AS rel, {dialect.label_of('b')} AS label, b AS node, e AS props"
        )

    @staticmethod
    def count_label(label: Label) -> str:
        """No parameters."""
        return f"MATCH (n:{label}) RETURN count(n) AS c"

    @staticmethod
    def count_rel(rel: Rel) -> str:
        """No parameters."""
        return f"MATCH ()-[e:{rel}]->() RETURN count(e) AS c"

    CLEAR = "MATCH (n) DETACH DELETE n"

    RISKS_OF_PROCESSES = (
        f"MATCH (p:{Label.PROCESS})-[:{Rel.HAS_RISK}]->(r:{Label.RISK}) WHERE p.id IN $ids "
        "RETURN p.id AS process_id, r AS risk ORDER BY process_id, r.id"
    )
    OBLIGATIONS_OF_RISKS = (
        f"MATCH (r:{Label.RISK})-[g:{Rel.GOVERNED_BY}]->(o:{Label.OBLIGATION}) WHERE r.id IN $ids "
        "RETURN r.id AS risk_id, o AS obligation, g.score AS score, g.reason AS reason ORDER BY risk_id, o.id"
    )

    RISKS_OF_OBLIGATIONS = (
        f"MATCH (r:{Label.RISK})-[:{Rel.GOVERNED_BY}]->(o:{Label.OBLIGATION}) WHERE o.id IN $ids "
        "RETURN o.id AS obligation_id, r AS risk ORDER BY obligation_id, r.id"
    )

    @staticmethod
    def indicators_measuring(target: Label) -> str:
        """``$ids`` of targets. Returns ``indicator, target_id``."""
        return (
            f"MATCH (i:{Label.INDICATOR})-[:{Rel.MEASURES}]->(t:{target}) WHERE t.id IN $ids "
            "RETURN i AS indicator, t.id AS target_id ORDER BY target_id, i.id"
        )

    APPLICABLE_OBLIGATIONS = (
        f"UNWIND $ids AS pid MATCH (p:{Label.PROCESS} {{id: pid}})-[:{Rel.HAS_RISK}]->(r:{Label.RISK})"
        f"-[:{Rel.GOVERNED_BY}]->(o:{Label.OBLIGATION}) "
        "RETURN p.id AS process_id, r.id AS risk_id, o.id AS obligation_id"
    )

    @staticmethod
    def covered_obligations(*, restricted: bool) -> tuple[str, ...]:
        """``$ids`` of obligations, ``$indicators`` when ``restricted``. Each returns ``id``.

        An obligation is covered when an indicator measures it, cites the clause it derives from, or
        cites an older clause that the obligation's clause succeeds (a stale citation still covers).
        Each pattern starts from the anchored end (the indicator set, or else the obligation ids):
        ArcadeDB's planner otherwise scans every indicator (12 s instead of 0.05 s at 50k nodes).
        """
        paths = (
            f"-[:{Rel.MEASURES}]->(o:{Label.OBLIGATION})",
            f"-[:{Rel.CITES}]->(c:{Label.CLAUSE})<-[:{Rel.DERIVED_FROM}]-(o:{Label.OBLIGATION})",
            f"-[:{Rel.CITES}]->(c:{Label.CLAUSE})-[:{Rel.SUCCEEDED_BY}]->(s:{Label.CLAUSE})"
            f"<-[:{Rel.DERIVED_FROM}]-(o:{Label.OBLIGATION})",
        )
        if restricted:
            return tuple(
                f"UNWIND $indicators AS k MATCH (i:{Label.INDICATOR} {{id: k}}){path} WHERE o.id IN $ids "
                "RETURN DISTINCT o.id AS id"
                for path in paths
            )
        return tuple(
            f"UNWIND $ids AS k MATCH (o:{Label.OBLIGATION} {{id: k}}) MATCH (i:{Label.INDICATOR}){path} "
            "RETURN DISTINCT o.id AS id"
            for path in paths
        )

    CLAUSE_PATHS = (
        f"MATCH (p:{Label.PROCESS} {{id: $id}})-[:{Rel.HAS_RISK}]->(r:{Label.RISK})-[:{Rel.GOVERNED_BY}]->"
        f"(o:{Label.OBLIGATION})-[:{Rel.DERIVED_FROM}]->(c:{Label.CLAUSE}), (g:{Label.REGULATION}) "
        "WHERE g.id = c.regulation "
        "RETURN p.id AS process_id, r.id AS risk_id, o.id AS obligation_id, c AS clause, g AS regulation "
        "ORDER BY risk_id, obligation_id, c.id"
    )
    INDICATORS_CITING_REGULATION = (
        f"MATCH (i:{Label.INDICATOR})-[:{Rel.CITES}]->(c:{Label.CLAUSE}) WHERE c.regulation = $regulation "
        "RETURN i AS indicator, c AS clause ORDER BY i.id, c.id"
    )

    ENTERPRISE_PROCESSES = (
        f"MATCH (e:{Label.ENTERPRISE} {{id: $id}})-[:{Rel.HAS_PROCESS}]->(p:{Label.ENTERPRISE_PROCESS}) "
        "RETURN p AS process ORDER BY p.step, p.id"
    )
    TEMPLATES_OF_ENTERPRISE_PROCESSES = (
        f"UNWIND $ids AS k MATCH (p:{Label.ENTERPRISE_PROCESS} {{id: k}})-[i:{Rel.INSTANTIATES}]->(t:{Label.PROCESS}) "
        "RETURN p.id AS process_id, t AS template, i AS link"
    )
    CANDIDATE_RISKS_OF_ENTERPRISE_PROCESSES = (
        f"UNWIND $ids AS k MATCH (p:{Label.ENTERPRISE_PROCESS} {{id: k}})-[h:{Rel.HAS_RISK}]->(r:{Label.RISK}) "
        "RETURN p.id AS process_id, r AS risk, h.score AS score, h.reason AS reason"
    )
