"""Graph writes for one parsed regulation: one batch, applied atomically.

Clause ids: ``<reg>#<article>``, ``<reg>#<article>.<paragraph>``, ``<reg>#<article>.<paragraph>.<item>`` for
statutes; ``<reg>#<number>`` (``4.1.2``, ``表1``, ``附录A``) for standards; archived text of an older version
is kept as ``<reg>@<version>#<key>`` with ``SUCCEEDED_BY`` to its successor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ingestion.links import Link
from ingestion.parse import ParsedRegulation
from ingestion.versions import ArticleDiff
from kg.corpus import TopicEntry
from kg.models import Clause, Label, LimitValue, Node, Obligation, Regulation, Rel
from kg.store import Edge, GraphBatch

__all__ = ["RegulationWrite", "regulation_batch"]


@dataclass
class RegulationWrite:
    """The batch and the ids it owns (kept with the version, so the next version can remove them)."""

    batch: GraphBatch
    owned: dict[str, list[str]] = field(default_factory=dict)


def _statute_clauses(
    parsed: ParsedRegulation, topics: Mapping[str, TopicEntry]
) -> tuple[list[Clause], list[tuple[str, str, Label]]]:
    assert parsed.statute is not None
    reg = parsed.id
    clauses: list[Clause] = []
    parents: list[tuple[str, str, Label]] = []
    for number, article in sorted(parsed.statute.articles.items()):
        art_id = Clause.make_id(reg, number)
        common = {"regulation": reg, "article": number, "chapter": article.chapter, "version": parsed.version}
        topic = TopicEntry.clause_fields(topics.get(art_id))
        clauses.append(Clause(id=art_id, text=article.text, page=article.page, **common, **topic))
        parents.append((art_id, reg, Label.REGULATION))
        for p_no, paragraph in enumerate(article.paragraphs, start=1):
            p_id = Clause.make_id(reg, number, p_no)
            clauses.append(Clause(id=p_id, paragraph=p_no, text=paragraph.full_text, **common))
            parents.append((p_id, art_id, Label.CLAUSE))
            for i_no, item in enumerate(paragraph.items, start=1):
                i_id = Clause.make_id(reg, number, p_no, i_no)
                clauses.append(Clause(id=i_id, paragraph=p_no, item=i_no, text=item, **common))
                parents.append((i_id, p_id, Label.CLAUSE))
    return clauses, parents


def _standard_clauses(parsed: ParsedRegulation) -> tuple[list[Clause], list[tuple[str, str, Label]]]:
    assert parsed.standard is not None
    reg = parsed.id
    clauses: list[Clause] = []
    parents: list[tuple[str, str, Label]] = []
    for number, clause in parsed.standard.clauses.items():
        cid = f"{reg}#{number}"
        clauses.append(
            Clause(id=cid, regulation=reg, article=0, number=number, text=clause.text, page=clause.page,
                   version=parsed.version, ocr_confidence=clause.ocr_confidence)
        )  # fmt: skip
        parent = clause.parent if clause.parent in parsed.standard.clauses else None
        parents.append((cid, f"{reg}#{parent}", Label.CLAUSE) if parent else (cid, reg, Label.REGULATION))
    return clauses, parents


def _limits(parsed: ParsedRegulation, clause_ids: set[str]) -> tuple[list[LimitValue], list[Edge]]:
    nodes: list[LimitValue] = []
    edges: list[Edge] = []
    for i, row in enumerate(parsed.limits):
        node = LimitValue(
            id=f"{parsed.id}#{row.table}:{i}", regulation=parsed.id, source_table=row.table, pollutant=row.pollutant,
            limit=row.limit, limit_text=row.limit_text, unit=row.unit, conditions=list(row.conditions), page=row.page,
            ocr_confidence=row.ocr_confidence,
        )  # fmt: skip
        nodes.append(node)
        table_clause = f"{parsed.id}#{row.table}"
        if table_clause in clause_ids:
            edges.append(Edge(node.id, table_clause, source="table"))
    return nodes, edges


def _obligation_nodes(parsed: ParsedRegulation, penalties: Sequence[Link]) -> list[Obligation]:
    first_penalty: dict[str, str] = {}
    for link in sorted(penalties, key=lambda x: -x.score):
        first_penalty.setdefault(link.source, link.target)
    return [
        Obligation(
            id=o.id,
            subject=o.subject,
            modality=o.modality,
            action=o.action,
            condition=o.condition,
            penalty_ref=first_penalty.get(o.id),
            source="extracted",
        )  # fmt: skip
        for o in parsed.obligations
    ]


def _edges(links: Sequence[Link], source: str) -> list[Edge]:
    return [Edge(link.source, link.target, score=link.score, reason=link.reason, source=source) for link in links]


def regulation_batch(
    parsed: ParsedRegulation,
    *,
    penalties: Sequence[Link],
    kb_obligations: Sequence[Link],
    kb_risks: Sequence[Link],
    previous: tuple[str, dict[str, str], dict[str, list[str]]] | None,
    diff: ArticleDiff | None,
    topics: Mapping[str, TopicEntry] | None = None,
) -> RegulationWrite:
    """All writes for a regulation version; ``previous`` is (version, texts, owned ids) of the last one.

    ``topics`` are the knowledge base's 条文主旨 by article id, stored on the article clauses.
    """
    if parsed.form == "statute":
        clauses, parents = _statute_clauses(parsed, topics or {})
    else:
        clauses, parents = _standard_clauses(parsed)
    limit_nodes, limit_edges = _limits(parsed, {c.id for c in clauses})
    obligations = _obligation_nodes(parsed, penalties)
    owned = {
        Label.CLAUSE.value: [c.id for c in clauses],
        Label.OBLIGATION.value: [o.id for o in obligations],
        Label.LIMIT_VALUE.value: [n.id for n in limit_nodes],
    }
    batch = GraphBatch()
    if previous is not None:
        for label, ids in previous[2].items():
            stale = sorted(set(ids) - set(owned.get(label, [])))
            if stale:
                batch.delete_nodes(Label(label), stale)
    regulation = Regulation(
        id=parsed.id, title=parsed.title, doc_no=parsed.doc_no, kind=parsed.kind, issued=parsed.issued,
        effective=parsed.effective, status=parsed.status, replaced_by=parsed.replaced_by, version=parsed.version,
        source="ingested",
    )  # fmt: skip
    nodes: list[Node] = [regulation, *clauses, *obligations, *limit_nodes]
    batch.add_nodes(nodes)
    for label in (Label.REGULATION, Label.CLAUSE):
        batch.add_edges(
            Rel.PART_OF, Label.CLAUSE, label, (Edge(c, p, source="structure") for c, p, lab in parents if lab is label)
        )
    batch.add_edges(Rel.PART_OF, Label.LIMIT_VALUE, Label.CLAUSE, limit_edges)
    batch.add_edges(
        Rel.DERIVED_FROM,
        Label.OBLIGATION,
        Label.CLAUSE,
        (Edge(o.id, o.clause_id, score=1.0, reason="extracted", source="extraction") for o in parsed.obligations),
    )
    batch.add_edges(Rel.PENALIZED_BY, Label.OBLIGATION, Label.CLAUSE, _edges(penalties, "penalty-link"))
    batch.add_edges(Rel.MATCHES, Label.OBLIGATION, Label.OBLIGATION, _edges(kb_obligations, "kb-link"))
    batch.add_edges(Rel.RELATES_TO, Label.OBLIGATION, Label.RISK, _edges(kb_risks, "kb-link"))
    if previous is not None and diff is not None:
        _archive(batch, parsed.id, previous[0], previous[1], diff)
    return RegulationWrite(batch=batch, owned=owned)


def _archive(batch: GraphBatch, reg: str, old_version: str, old_texts: dict[str, str], diff: ArticleDiff) -> None:
    """Keep the old text of changed and removed articles, linked to their successors."""
    keys = [*diff.changed, *diff.removed]
    archived = [
        Clause(
            id=f"{reg}@{old_version}#{key}",
            regulation=reg,
            article=int(key) if key.isdigit() else 0,
            number="" if key.isdigit() else key,
            text=old_texts[key],
            version=old_version,
        )  # fmt: skip
        for key in keys
    ]
    batch.add_nodes(archived)
    batch.add_edges(Rel.PART_OF, Label.CLAUSE, Label.REGULATION, (Edge(c.id, reg, source="archive") for c in archived))
    batch.add_edges(
        Rel.SUCCEEDED_BY,
        Label.CLAUSE,
        Label.CLAUSE,
        (
            Edge(f"{reg}@{old_version}#{old}", f"{reg}#{new}", score=score, reason="new version", source="version-diff")
            for old, (new, score) in diff.successors.items()
        ),
    )
