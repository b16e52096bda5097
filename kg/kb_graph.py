"""Turn the validated knowledge base into graph writes (one :class:`~kg.store.GraphBatch`).

Clause nodes are created for every article the knowledge base cites or gives a topic (条文主旨),
carrying the article text when the caller supplies it (the statute files are read by ``ingestion``;
this layer does not read them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain

from kg.corpus import ArticleRef, IndicatorEntry, KnowledgeBase, ObligationEntry, TopicEntry
from kg.models import (
    Clause,
    Department,
    HazardClass,
    Indicator,
    Label,
    Node,
    Obligation,
    Position,
    Process,
    Regulation,
    Rel,
    Risk,
    Sector,
    Stage,
    TrainingCourse,
)
from kg.store import Edge, GraphBatch

__all__ = ["ArticleText", "KB_SOURCE", "knowledge_base_batch", "stage_id"]

KB_SOURCE = "knowledge base"


@dataclass(frozen=True)
class ArticleText:
    """The text and chapter path of one article, as read from a statute file."""

    text: str
    chapter: str = ""


def stage_id(sector_id: str, stage: str) -> str:
    """Id of a sector's stage node."""
    return f"{sector_id}/{stage}"


def _clause(ref: ArticleRef, texts: Mapping[str, ArticleText], topics: Mapping[str, TopicEntry]) -> Clause:
    found = texts.get(ref.clause_id)
    return Clause(
        id=ref.clause_id,
        regulation=ref.law,
        article=ref.article,
        text=found.text if found else "",
        chapter=found.chapter if found else "",
        **TopicEntry.clause_fields(topics.get(ref.clause_id)),
    )


def _obligation(entry: ObligationEntry) -> Obligation:
    return Obligation(
        id=entry.id,
        subject=entry.subject,
        modality=entry.modality,
        action=entry.action,
        condition=entry.condition,
        penalty_ref=entry.penalty[0].clause_id if entry.penalty else None,
        applies_if=list(entry.applies_if),
        key_terms=list(entry.key_terms),
        topics=list(entry.topics),
        source="kb",
    )


def _indicator(entry: IndicatorEntry) -> Indicator:
    return Indicator(
        id=entry.id,
        name=entry.name,
        level=entry.level,
        stage=entry.stage,
        position=entry.position,
        metric=entry.metric,
        target=entry.target,
        comparator=entry.comparator,
        unit=entry.unit,
        bands=entry.bands,
        method=entry.method,
        standard=entry.standard,
        data_source=entry.data_source,
        frequency=entry.frequency,
        owner=entry.owner,
        status="approved",
        provenance=f"{KB_SOURCE} indicator library",
    )


def _assignee(entry: IndicatorEntry) -> Node | None:
    if entry.level == "岗位":
        return Position(id=f"pos:{entry.position}", name=entry.position)
    if entry.level == "部门":
        return Department(id=f"dept:{entry.position}", name=entry.position)
    return None


#: Relationships only the knowledge base writes from its own nodes (ingestion also writes DERIVED_FROM and
#: PENALIZED_BY of obligations, and the structure of clauses, so those are upserted, never replaced; enterprise
#: steps and approved indicators are other nodes).
KB_OWNED_RELATIONS: tuple[tuple[Label, Rel], ...] = (
    (Label.SECTOR, Rel.HAS_STAGE),
    (Label.STAGE, Rel.HAS_PROCESS),
    (Label.PROCESS, Rel.HAS_RISK),
    (Label.RISK, Rel.GOVERNED_BY),
    (Label.INDICATOR, Rel.MEASURES),
    (Label.INDICATOR, Rel.CITES),
    (Label.INDICATOR, Rel.ASSIGNED_TO),
    (Label.HAZARD_CLASS, Rel.TRIGGERS),
    (Label.HAZARD_CLASS, Rel.GOVERNED_BY),
    (Label.TRAINING_COURSE, Rel.ADDRESSES),
)


def knowledge_base_batch(kb: KnowledgeBase, texts: Mapping[str, ArticleText] | None = None) -> GraphBatch:
    """All nodes and relationships of the knowledge base as one batch.

    Args:
        kb: the validated knowledge base.
        texts: article texts by clause id (``<law>#<article>``); missing ones leave the text empty.
    """
    texts = texts or {}
    batch = GraphBatch()
    _add_regulations(batch, kb)
    _add_taxonomy(batch, kb)
    _add_obligations(batch, kb, texts)
    _add_indicators(batch, kb)
    _add_hazard_classes(batch, kb)
    batch.add_nodes(
        TrainingCourse(id=c.id, title=c.title, hours=c.hours, audience=list(c.audience), description=c.description)
        for c in kb.courses
    )
    batch.add_edges(
        Rel.ADDRESSES,
        Label.TRAINING_COURSE,
        Label.RISK,
        (Edge(c.id, r, source=KB_SOURCE) for c in kb.courses for r in c.addresses),
    )
    # a link removed from the YAML goes from the graph at the next `hsekg init`
    return batch.replace_out_edges(KB_OWNED_RELATIONS)


def _add_hazard_classes(batch: GraphBatch, kb: KnowledgeBase) -> None:
    """Classes of catalogue fact, the risks they trigger per context, and the duties their condition governs."""
    batch.add_nodes(
        HazardClass(
            id=h.id,
            kind=h.kind,
            name=h.name,
            match=list(h.match),
            categories=list(h.categories),
            all_of=list(h.all_of),
            none_of=list(h.none_of),
            alone=h.alone,
            special_only=h.special_only,
            condition=h.condition,
            basis=h.basis,
        )
        for h in kb.hazard_classes
    )
    batch.add_edges(
        Rel.TRIGGERS,
        Label.HAZARD_CLASS,
        Label.RISK,
        # score: the link's place in the class's list (0 leads), so the graph keeps the order
        (
            Edge(h.id, rid, score=float(rank), reason=context, source=h.basis)
            for h in kb.hazard_classes
            for rank, (rid, context) in enumerate(h.linked())
        ),
    )
    governed = [
        Edge(h.id, o.id, reason=f"applies_if {h.condition}", source=h.basis)
        for h in kb.hazard_classes
        if h.condition
        for o in kb.obligations
        if h.condition in o.applies_if
    ]
    batch.add_edges(Rel.GOVERNED_BY, Label.HAZARD_CLASS, Label.OBLIGATION, governed)


def _add_regulations(batch: GraphBatch, kb: KnowledgeBase) -> None:
    batch.add_nodes(
        Regulation(
            id=r.id,
            title=r.title,
            doc_no=r.doc_no,
            kind=r.kind,
            issued=r.issued,
            effective=r.effective,
            status=r.status,
            replaced_by=r.replaced_by,
            source=r.file or "",
        )
        for r in kb.regulations
    )
    batch.add_edges(
        Rel.REPLACED_BY,
        Label.REGULATION,
        Label.REGULATION,
        (Edge(r.id, r.replaced_by, source=KB_SOURCE) for r in kb.regulations if r.replaced_by),
    )


def _add_taxonomy(batch: GraphBatch, kb: KnowledgeBase) -> None:
    batch.add_nodes(Sector(id=s.id, name=s.name, description=s.description) for s in kb.sectors)
    stages = [(s.id, stage, ids) for s in kb.sectors for stage, ids in s.stages.items()]
    batch.add_nodes(Stage(id=stage_id(sid, stage), name=stage, sector=sid) for sid, stage, _ in stages)
    batch.add_edges(
        Rel.HAS_STAGE,
        Label.SECTOR,
        Label.STAGE,
        (Edge(sid, stage_id(sid, st), source=KB_SOURCE) for sid, st, _ in stages),
    )
    batch.add_edges(
        Rel.HAS_PROCESS,
        Label.STAGE,
        Label.PROCESS,
        (Edge(stage_id(sid, st), pid, source=KB_SOURCE) for sid, st, ids in stages for pid in ids),
    )
    batch.add_nodes(
        Process(
            id=p.id,
            name=p.name,
            stage=p.stage,
            aliases=list(p.aliases),
            description=p.description,
            keywords=list(p.keywords),
        )
        for p in kb.processes
    )
    batch.add_nodes(
        Risk(
            id=r.id,
            name=r.name,
            category=r.category,
            hazard=r.hazard,
            consequence=r.consequence,
            keywords=list(r.keywords),
        )
        for r in kb.risks
    )
    batch.add_edges(
        Rel.HAS_RISK,
        Label.PROCESS,
        Label.RISK,
        (Edge(p.id, r, source=KB_SOURCE) for p in kb.processes for r in p.risks),
    )
    batch.add_edges(
        Rel.GOVERNED_BY,
        Label.RISK,
        Label.OBLIGATION,
        (Edge(r.id, o, source=KB_SOURCE) for r in kb.risks for o in r.obligations),
    )


def _unique_clauses(
    refs: Iterable[ArticleRef], texts: Mapping[str, ArticleText], topics: Mapping[str, TopicEntry]
) -> list[Clause]:
    seen: dict[str, Clause] = {}
    for ref in refs:
        seen.setdefault(ref.clause_id, _clause(ref, texts, topics))
    return list(seen.values())


def _add_obligations(batch: GraphBatch, kb: KnowledgeBase, texts: Mapping[str, ArticleText]) -> None:
    # articles with a topic (条文主旨) are written too, so editing a topic and running init updates the graph
    topics = kb.topics_by_article()
    refs = chain((ref for _, ref in kb.all_refs()), (t.ref for t in kb.topics))
    clauses = _unique_clauses(refs, texts, topics)
    batch.add_nodes(clauses)
    batch.add_edges(
        Rel.PART_OF, Label.CLAUSE, Label.REGULATION, (Edge(c.id, c.regulation, source=KB_SOURCE) for c in clauses)
    )
    batch.add_nodes(_obligation(o) for o in kb.obligations)
    derived = [
        Edge(o.id, ref.clause_id, score=1.0, reason="current", source=KB_SOURCE)
        for o in kb.obligations
        for ref in o.cites
    ]
    derived += [
        Edge(o.id, ref.clause_id, score=0.5, reason="historical", source=KB_SOURCE)
        for o in kb.obligations
        for ref in o.historical
    ]
    batch.add_edges(Rel.DERIVED_FROM, Label.OBLIGATION, Label.CLAUSE, derived)
    batch.add_edges(
        Rel.PENALIZED_BY,
        Label.OBLIGATION,
        Label.CLAUSE,
        (Edge(o.id, ref.clause_id, source=KB_SOURCE) for o in kb.obligations for ref in o.penalty),
    )


def _add_indicators(batch: GraphBatch, kb: KnowledgeBase) -> None:
    obligations = {o.id: o for o in kb.obligations}
    batch.add_nodes(_indicator(i) for i in kb.indicators)
    assignees = {i.id: a for i in kb.indicators if (a := _assignee(i)) is not None}
    batch.add_nodes({a.id: a for a in assignees.values()}.values())
    for label in (Label.POSITION, Label.DEPARTMENT):
        batch.add_edges(
            Rel.ASSIGNED_TO,
            Label.INDICATOR,
            label,
            (Edge(i, a.id, source=KB_SOURCE) for i, a in assignees.items() if a.label is label),
        )
    batch.add_edges(
        Rel.MEASURES,
        Label.INDICATOR,
        Label.RISK,
        (Edge(i.id, r, source=KB_SOURCE) for i in kb.indicators for r in i.measures_risks),
    )
    batch.add_edges(
        Rel.MEASURES,
        Label.INDICATOR,
        Label.OBLIGATION,
        (Edge(i.id, o, source=KB_SOURCE) for i in kb.indicators for o in i.measures_obligations),
    )
    cites = {
        (i.id, ref.clause_id) for i in kb.indicators for o in i.measures_obligations for ref in obligations[o].cites
    }
    batch.add_edges(Rel.CITES, Label.INDICATOR, Label.CLAUSE, (Edge(i, c, source=KB_SOURCE) for i, c in sorted(cites)))
