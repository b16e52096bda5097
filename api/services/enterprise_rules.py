"""An enterprise's current 考核细则 as the gap detector's input, from the records database and the KB.

The records database holds the indicators assigned to the enterprise (what it is scored on) and its
sector; the knowledge base gives each library indicator's measured duties, whose articles become the
row's citations, and the sector's template processes. Composition only: no gap logic here.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kg.corpus import KnowledgeBase
from kg.errors import NotFoundError
from retrieval.change.inputs import CurrentIndicator, GapScenario, LawArticle, ProcessInput
from scoring.db import Enterprise, IndicatorAssignment, IndicatorSnapshot

__all__ = ["enterprise_rules"]


def enterprise_rules(engine: Engine, kb: KnowledgeBase, enterprise_id: str) -> GapScenario:
    """The enterprise's processes (its sector's templates) and its assigned indicators with their citations.

    Raises:
        NotFoundError: the enterprise is not in the records database.
    """
    with Session(engine) as session:
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None:
            raise NotFoundError(f"no enterprise {enterprise_id!r} in the records database")
        stmt = (
            select(IndicatorSnapshot)
            .join(IndicatorAssignment, IndicatorAssignment.indicator_id == IndicatorSnapshot.id)
            .where(IndicatorAssignment.enterprise_id == enterprise_id)
            .distinct()
            .order_by(IndicatorSnapshot.stage, IndicatorSnapshot.id)
        )
        snapshots = list(session.execute(stmt).scalars())
        name, sector_name = enterprise.name, enterprise.sector
    library = {i.id: i for i in kb.indicators}
    duties = {o.id: o for o in kb.obligations}
    indicators = []
    for ind in snapshots:
        entry = library.get(ind.id)
        cites: list[LawArticle] = []
        for duty_id in entry.measures_obligations if entry else []:
            for ref in duties[duty_id].cites[:1] if duty_id in duties else []:
                article = LawArticle(law=ref.law, article=ref.article)
                if article not in cites:
                    cites.append(article)
        op = {">=": "≥", "<=": "≤", "=": "="}.get(ind.comparator, ind.comparator)
        indicators.append(
            CurrentIndicator(
                name=ind.name,
                level=ind.level,
                target=f"{op}{ind.target:g}{ind.unit}",
                method=ind.method,
                data_source=ind.data_source,
                owner=ind.owner,
                cites=cites,
            )
        )
    sector = next((s for s in kb.sectors if s.name == sector_name or s.id == sector_name), None)
    templates = {p.id: p for p in kb.processes}
    processes = [
        ProcessInput(stage=stage, name=templates[pid].name, description=templates[pid].description)
        for stage, ids in (sector.stages.items() if sector else [])
        for pid in ids
        if pid in templates
    ]
    return GapScenario(
        id=enterprise_id,
        sector=sector.name if sector else sector_name,
        enterprise=name,
        processes=processes,
        indicators=indicators,
    )
