"""Risks reasoned from the catalogues' facts: what a text names → the classes it belongs to → their risks.

A substance of 危险化学品目录 brings the risks of its hazard classes (易燃液体 → fires and explosions where it is
used, VOCs; 急性毒性 → acute poisoning; 皮肤腐蚀 类别1 → chemical burns …) and of its listings (剧毒, 易制爆, 易制毒,
高毒, 重点监管, a stored amount at or above its GB 18218 临界量); a 特种设备目录 item brings the risks of its class
(起重机械 → 起重伤害 …) and, when its parameters make it special equipment, the registration and inspection
risks; a 职业病危害因素 brings its occupational disease; a waste 国家危险废物名录 lists (HW17 磷化渣) brings the
hazardous-waste risks and those of its class, and so does a waste an activity of the text makes by the 名录's
rows of what makes them (喷漆 → 900-252-12 HW12; to be confirmed while the row's material, 油漆, is not
named). The classes and their links are the knowledge base's ``HazardClass`` nodes
(``regulations_corpus/hazards.yaml``, each with the standard or article it rests on), so no substance,
machine or factor is named here: a name the catalogues hold is enough.

The context decides between storage and use risks, by the activities of 危险化学品安全管理条例 第二条: a
change that stores (储存, 仓库, 储罐 …, or a process of a storage stage) gets the storage risks, one that uses
a substance in production gets the use risks; a change that says neither gets both.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ingestion.entities import EquipmentMention, Extracted, FactorMention, SubstanceMention, WasteMention
from ingestion.pollutants import PollutantMention
from ingestion.spaces import SpaceMention
from ingestion.wastes import MadeWaste, WasteMatch
from kg.corpus import KnowledgeBase
from kg.fact_classes import (
    equipment_classes,
    factor_classes,
    pollutant_classes,
    space_classes,
    substance_classes,
    sum_classes,
    threshold_classes,
    waste_classes,
)
from retrieval.change.catalog import CatalogHazardClass
from retrieval.change.text import normalize

__all__ = [
    "LOADING",
    "STORAGE",
    "USE",
    "FactRisk",
    "FactRiskReasoner",
    "change_contexts",
    "hazard_classes_of",
]

STORAGE = "储存"
USE = "使用"
LOADING = "装卸"
_ACTIVITIES = (STORAGE, USE, LOADING)
_SPECIAL = "特种设备"
#: the listing a stored amount decides, not the substance alone (GB 18218-2018 表1、表2 临界量)
_BY_AMOUNT = "重大危险源"
#: Words of 危险化学品安全管理条例 for storing, and for using in production.
_STORAGE_WORDS = ("储存", "贮存", "仓库", "库房", "储罐", "贮罐", "罐区", "存放", "仓储", "暂存")
_USE_WORDS = ("使用", "用于", "投料", "投加", "调配", "配制", "生产线", "工序", "加工", "作业", "替代", "改用", "改为")
#: Words for loading and unloading (危险化学品安全法 第六十六条 装卸作业): a tanker's delivery, a filling of vehicles.
_LOADING_WORDS = ("装卸", "卸车", "卸料", "卸货", "装车", "槽车", "罐车", "鹤管")
_STORAGE_STAGES = ("原料采购与仓储", "仓储运输")
_USE_STAGES = ("生产加工", "成品检验")


def change_contexts(text: str, stage: str = "") -> frozenset[str]:
    """The activities a change's text and its process's stage speak of (储存, 使用); both when neither is said.
    Loading and unloading (装卸) only where the text speaks of it."""
    norm = normalize(text)
    found = set()
    if any(w in norm for w in _LOADING_WORDS):
        found.add(LOADING)
    if stage in _STORAGE_STAGES or any(w in norm for w in _STORAGE_WORDS):
        found.add(STORAGE)
    if stage in _USE_STAGES or any(w in norm for w in _USE_WORDS):
        found.add(USE)
    if not found - {LOADING}:
        found |= {STORAGE, USE}
    return frozenset(found)


def hazard_classes_of(kb: KnowledgeBase) -> list[CatalogHazardClass]:
    """The knowledge base's classes as the graph would hold them (for catalogs built without a graph)."""
    return [
        CatalogHazardClass(
            id=h.id,
            kind=h.kind,
            name=h.name,
            match=tuple(h.match),
            basis=h.basis,
            triggers=tuple(h.linked()),
            categories=tuple(h.categories),
            all_of=tuple(h.all_of),
            none_of=tuple(h.none_of),
            alone=h.alone,
            special_only=h.special_only,
            condition=h.condition,
        )
        for h in kb.hazard_classes
    ]


@dataclass
class FactRisk:
    """A risk the facts bring, with what the text names and the classes that lead to it."""

    risk_id: str
    specific: bool  # through a hazard class, an equipment class or a factor, not only a listing
    leading: bool  # the leading risk of some class the entity is in (the first its activities reach)
    confirmed: bool  # some entity is in the class outright, not only under a condition to confirm
    entities: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    new: bool = False  # some entity is new with the change (not named by the enterprise before it)
    crossing: bool = False  # the change crosses a bound the law sets (a 临界量, a headcount) it had not crossed

    def add(self, entity: str, evidence: str) -> None:
        # a name inside a longer one named too (起重机 of 桥式起重机) adds nothing
        if entity not in self.entities and not any(entity in e for e in self.entities):
            self.entities = [e for e in self.entities if e not in entity] + [entity]
        if evidence not in self.evidence:
            self.evidence.append(evidence)


def _names(found: Extracted) -> set[str]:
    """The entities of an extraction as the reasoner names them."""
    return {
        *(m.text for m in found.substances),
        *(e.text for e in found.equipment),
        *(f.text for f in found.factors),
        *(w.text for w in found.wastes),
        *(w.name for w in found.made_wastes),
        *(f"污染物:{p.name}:{p.tags[0]}" for p in found.pollutants),
        *(f"有限空间:{s.type}" for s in found.spaces),
    }


@dataclass(frozen=True)
class _Hit:
    klass: CatalogHazardClass
    entity: str
    fact: str  # the fact of the catalogue that puts the entity in the class
    special: bool = False  # an item 特种设备目录's parameters make special equipment (or may: undecided)
    condition: str = ""  # the 目录 lists the entity only so (闭杯闪点≤60℃): to confirm
    key: str = ""  # what the enterprise must have had before for the risk not to be new (default: the entity)
    bound: bool = False  # the class is a bound the law sets (临界量, headcount), crossed by an amount or a count


class FactRiskReasoner:
    """Reason from an extraction to the risks its facts bring.

    Args:
        classes: the knowledge base's classes of catalogue fact (:attr:`KnowledgeCatalog.hazard_classes`).
    """

    def __init__(self, classes: Sequence[CatalogHazardClass]) -> None:
        self.classes = list(classes)

    def contradicted(self, found: Extracted, facts: Mapping[str, FactRisk]) -> frozenset[str]:
        """The risks a hazard class of GB 30000 (危险性类别) brings that the substances ``found`` names do not
        have, when it names some and every one is classified (危险化学品分类信息表): the facts then say what their
        hazards are (三氯乙烯 and 二氯甲烷 are not 易燃液体, 硫酸 is no solvent), and a risk of another class has no
        substance to be about. Empty when nothing is named, or a name is unknown or unclassified (its hazards
        are not known)."""
        if not found.substances or found.unknown or any(not m.facts.hazards for m in found.substances):
            return frozenset()
        of_classes = {rid for k in self.classes if k.kind == "危险性类别" for rid, _ in k.triggers}
        # a risk of a class the substances have, in whatever activity (a storage risk of a solvent in use), is
        # not contradicted: only its context is not the change's
        had = {rid for m in found.substances for hit in self._substance(m) for rid, _ in hit.klass.triggers}
        return frozenset(of_classes - had - set(facts))

    def run(
        self, found: Extracted, contexts: Collection[str] = (STORAGE, USE), *, known: Extracted | None = None
    ) -> dict[str, FactRisk]:
        """Risk id → the facts that bring it, for the activities in ``contexts``.

        ``known`` is what the enterprise named before the change: a risk all of whose entities it already
        had is not new with the change (``FactRisk.new`` False).
        """
        before: set[str] = set()
        if known is not None:
            before = _names(known) | {f"阈值:{k.id}" for k in threshold_classes(known.headcount, self.classes)}
            before |= {f"阈值:{k.id}" for k in sum_classes(known.hazard_sum, self.classes)}
            before |= {h.key for m in known.substances for h in self._substance(m) if h.key}
        out: dict[str, FactRisk] = {}
        hits = [
            *(h for m in found.substances for h in self._substance(m)),
            *(h for e in found.equipment for h in self._equipment(e)),
            *(h for f in found.factors for h in self._factor(f)),
            *(h for w in found.wastes for h in self._waste(w)),
            *(h for w in found.made_wastes for h in self._made_waste(w)),
            *(h for p in found.pollutants for h in self._pollutant(p)),
            *(h for s in found.spaces for h in self._space(s)),
            *self._thresholds(found),
        ]
        for hit in hits:
            reached = [
                (rid, context)
                for rid, context in hit.klass.triggers
                if (context != _SPECIAL or hit.special) and (context not in _ACTIVITIES or context in contexts)
            ]
            for place, (rid, _) in enumerate(reached):
                specific = hit.klass.kind != "名录" and not hit.klass.special_only
                risk = out.setdefault(rid, FactRisk(rid, specific, place == 0, not hit.condition))
                risk.specific = risk.specific or specific
                risk.leading = risk.leading or place == 0
                risk.confirmed = risk.confirmed or not hit.condition
                risk.new = risk.new or (hit.key or hit.entity) not in before
                risk.crossing = risk.crossing or (hit.bound and hit.key not in before)
                check = f"，待确认：{hit.condition}" if hit.condition else ""
                risk.add(hit.entity, f"{hit.entity}：{hit.fact}{check} → {hit.klass.name}（{hit.klass.basis}）")
        return out

    def _substance(self, m: SubstanceMention) -> Iterable[_Hit]:
        for klass, fact in substance_classes(m.facts, self.classes, amount_t=m.amount_t):
            # a listing the stored amount decides (GB 18218 临界量) is new when the amount crosses it, even for
            # a substance the enterprise had before (1.5 t of 环氧乙烷 then, 12 t now)
            key = f"{klass.id}:{m.text}" if _BY_AMOUNT in klass.match else ""
            yield _Hit(klass, m.text, fact, condition=m.condition, key=key, bound=bool(key))

    def _equipment(self, e: EquipmentMention) -> Iterable[_Hit]:
        special = e.special is not False
        state = {True: "达到目录参数", None: "参数未给出，待确认", False: "未达到目录参数"}[e.special]
        for klass in equipment_classes(e.entry.code, e.kind.code, self.classes):
            if not klass.special_only or special:
                yield _Hit(klass, e.text, f"特种设备目录 {e.entry.code} {e.entry.name}（{state}）", special=special)

    def _factor(self, f: FactorMention) -> Iterable[_Hit]:
        graded = f"（{f.grade}：{f.grade_basis}）" if f.grade else ""
        for klass in factor_classes(f.entry.category, f.entry.name, self.classes, grade=f.grade):
            yield _Hit(klass, f.text, f"职业病危害因素分类目录 {f.entry.category} {f.entry.name}{graded}")

    def _waste(self, w: WasteMention) -> Iterable[_Hit]:
        return self._waste_hits(w.text, w.match)

    def _made_waste(self, w: MadeWaste) -> Iterable[_Hit]:
        # made by an activity with none of the materials its rows name (喷漆 without 油漆): to be confirmed
        return self._waste_hits(w.name, w.match, "" if w.confirmed else f"使用{'、'.join(w.agents)}")

    def _waste_hits(self, entity: str, m: WasteMatch, check: str = "") -> Iterable[_Hit]:
        for klass, decided in waste_classes(m.code, m.hw_class, self.classes, candidates=m.candidates):
            condition = "、".join(c for c in (check, "" if decided else "废物代码待核实") if c)
            yield _Hit(klass, entity, m.basis, condition=condition)

    def _pollutant(self, p: PollutantMention) -> Iterable[_Hit]:
        for klass in pollutant_classes(p.tags, self.classes):
            yield _Hit(klass, p.name, f"{p.source} → {p.standard}", key=f"污染物:{p.name}:{p.tags[0]}")

    def _space(self, s: SpaceMention) -> Iterable[_Hit]:
        # a space of a type the enterprise had before (another 污水池) brings nothing new
        for klass in space_classes(s.tags, self.classes):
            yield _Hit(klass, s.text, s.basis, key=f"有限空间:{s.type}")

    def _thresholds(self, found: Extracted) -> Iterable[_Hit]:
        for klass in threshold_classes(found.headcount, self.classes):
            fact = f"从业人员{found.headcount}人，{klass.name}"
            yield _Hit(klass, f"从业人员{found.headcount}人", fact, key=f"阈值:{klass.id}", bound=True)
        # the text writes the sum of GB 18218-2018 4.2.2 (Σ q/Q ≥ 1): the unit is a 重大危险源, a bound crossed
        for klass in sum_classes(found.hazard_sum, self.classes):
            entity = f"Σq/Q={found.hazard_sum:g}"
            fact = f"{entity} ≥ 1，GB 18218-2018 4.2.2 构成重大危险源"
            yield _Hit(klass, entity, fact, key=f"阈值:{klass.id}", bound=True)
