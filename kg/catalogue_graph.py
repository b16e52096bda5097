"""Turn the national catalogues into graph writes: ``Substance``, ``EquipmentClass``, ``HazardFactor`` and
``WasteCode`` nodes, each ``IN_CLASS`` of the knowledge base's classes of fact (:mod:`kg.fact_classes`), so
that a substance, a machine, a factor or a waste reaches its risks (``TRIGGERS``) and duties
(``GOVERNED_BY``) in the graph itself, with the catalogue and edition that state each fact.

国家危险废物名录 is a statute text under ``../shared``: its rows are read by ``ingestion`` and given here as
plain (code, class, description) triples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kg.catalogues import CatalogueSet, EquipmentEntry, SubstanceFacts
from kg.corpus import HazardClassEntry
from kg.fact_classes import equipment_classes, factor_classes, substance_classes, waste_classes
from kg.models import EquipmentClass, HazardFactor, Label, Rel, Substance, WasteCode
from kg.store import Edge, GraphBatch

__all__ = ["WASTE_LIST", "WasteRow", "catalogue_batch", "substance_id"]

#: The 名录 the waste rows come from, as their nodes name it.
WASTE_LIST = "国家危险废物名录（2021年版）"


@dataclass(frozen=True)
class WasteRow:
    """One row of 国家危险废物名录's 附表."""

    code: str
    hw_class: str
    description: str


def substance_id(facts: SubstanceFacts) -> str:
    """The node id of a substance: ``sub:`` and its name (names are unique after merging)."""
    return f"sub:{facts.name}"


def _criteria(entry: EquipmentEntry) -> list[str]:
    out = []
    for c in entry.criteria:
        bounds = "且".join(f"{t.parameter}{t.op}{t.value:g}{t.unit}" for t in c.all_of)
        media = f"（介质：{'、'.join(c.media)}）" if c.media else ""
        out.append(f"{c.applies_to + '：' if c.applies_to else ''}{bounds}{media}")
    return out


def catalogue_batch(
    catalogues: CatalogueSet, classes: Sequence[HazardClassEntry], wastes: Iterable[WasteRow] = ()
) -> GraphBatch:
    """All catalogue nodes and their ``IN_CLASS`` edges (and ``PART_OF`` of the 特种设备目录 tree) as one batch."""
    titles = {
        cid: info.title if info.edition in info.title else f"{info.title}（{info.edition}）"
        for cid, info in catalogues.infos.items()
    }
    batch = GraphBatch()
    members: dict[Label, list[Edge]] = {}
    facts = {f.name: f for _, f in catalogues.substance_names()}
    substances = []
    for f in sorted(facts.values(), key=lambda f: f.name):
        sid = substance_id(f)
        substances.append(
            Substance(
                id=sid,
                name=f.name,
                aliases=list(f.aliases),
                cas=list(f.cas),
                hazards=[f"{c} 类别{k}" if k else c for c, k in f.hazards],
                flags=f.flags,
                threshold_t=f.threshold_t,
                threshold_entry=f.threshold_entry,
                sources=[titles.get(s, s) for s in f.sources],
            )
        )
        members.setdefault(Label.SUBSTANCE, []).extend(
            Edge(sid, rule.id, reason=fact, source="catalogue") for rule, fact in substance_classes(f, classes)
        )
    batch.add_nodes(substances)
    source = titles.get("special_equipment", "特种设备目录")
    batch.add_nodes(
        EquipmentClass(
            id=e.code,
            name=e.name,
            level=e.level,
            parent=e.parent or "",
            aliases=list(e.aliases),
            criteria=_criteria(e),
            source=source,
        )
        for e in catalogues.equipment
    )
    batch.add_edges(
        Rel.PART_OF,
        Label.EQUIPMENT_CLASS,
        Label.EQUIPMENT_CLASS,
        (Edge(e.code, e.parent, source=source) for e in catalogues.equipment if e.parent),
    )
    for e in catalogues.equipment:
        kind = catalogues.equipment_kind(e)
        members.setdefault(Label.EQUIPMENT_CLASS, []).extend(
            Edge(e.code, rule.id, reason=f"特种设备目录 {e.code}", source="catalogue")
            for rule in equipment_classes(e.code, kind.code, classes)
        )
    source = titles.get("occupational_hazards", "职业病危害因素分类目录")
    factors = [
        HazardFactor(id=f"{h.category}{h.no}", name=h.name, category=h.category, cas=h.cas or "", source=source)
        for h in catalogues.hazard_factors
    ]
    batch.add_nodes(factors)
    for h, node in zip(catalogues.hazard_factors, factors, strict=True):
        members.setdefault(Label.HAZARD_FACTOR, []).extend(
            Edge(node.id, rule.id, reason=f"职业病危害因素分类目录 {h.category}", source="catalogue")
            for rule in factor_classes(h.category, h.name, classes)
        )
    rows = list(wastes)
    batch.add_nodes(
        WasteCode(id=w.code, hw_class=w.hw_class, description=w.description, source=WASTE_LIST) for w in rows
    )
    for w in rows:
        members.setdefault(Label.WASTE_CODE, []).extend(
            Edge(w.code, rule.id, reason=f"{WASTE_LIST} {w.hw_class}", source="catalogue")
            for rule, _ in waste_classes(w.code, w.hw_class, classes)
        )
    for label, edges in members.items():
        batch.add_edges(Rel.IN_CLASS, label, Label.HAZARD_CLASS, edges)
    # a catalogue entry's classes are those the facts give now: one no longer in a class leaves it
    members_of = (Label.SUBSTANCE, Label.EQUIPMENT_CLASS, Label.HAZARD_FACTOR, Label.WASTE_CODE)
    return batch.replace_out_edges((label, Rel.IN_CLASS) for label in members_of)
