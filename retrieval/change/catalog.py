"""The knowledge base as read from the graph once, for the change, gap and impact steps.

Process templates, risks, knowledge-base duties (with the clauses they are derived from, current and
historical), library indicators (with what they measure and cite) and regulations are loaded by
:class:`GraphCatalogLoader` in a few hundred queries; clause texts and ``SUCCEEDED_BY`` successors are
looked up lazily and cached by :class:`ClauseLookup`. Everything stays as the graph stores it, so an
article shown to an expert is the graph's, never written by hand.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from kg.models import Label, Rel
from kg.store import GraphStore
from retrieval.change.text import bigrams, dice, normalize

__all__ = [
    "CatalogDuty",
    "CatalogHazardClass",
    "ClauseLookup",
    "GraphCatalogLoader",
    "KnowledgeCatalog",
    "Successor",
    "article_key",
]

Props = dict[str, Any]

_KIND_RANK = {"法律": 0, "行政法规": 1, "部门规章": 2, "司法解释": 3, "国家标准": 4, "行业标准": 5}


def article_key(clause_id: str) -> str:
    """The article part of a clause id: ``法#12.2.1`` → ``法#12``."""
    law, _, number = clause_id.rpartition("#")
    return f"{law}#{number.split('.', 1)[0]}"


class Successor(BaseModel):
    """A current article that took over a repealed one (``SUCCEEDED_BY``), with the mapping's score."""

    law: str
    article: int
    score: float | None = None
    reason: str = ""

    @property
    def key(self) -> str:
        """``<law>#<article>``."""
        return f"{self.law}#{self.article}"


@dataclass(frozen=True)
class CatalogDuty:
    """A knowledge-base duty with its articles: ``current`` (current law first) and ``historical``."""

    id: str
    subject: str
    modality: str
    action: str
    applies_if: tuple[str, ...]
    topics: tuple[str, ...]
    key_terms: tuple[str, ...]
    current: tuple[str, ...]
    historical: tuple[str, ...]
    penalties: tuple[str, ...] = ()  # the articles of 法律责任 that penalise a breach (PENALIZED_BY)

    @property
    def text(self) -> str:
        """Subject, modality, action and topics, for matching."""
        return f"{self.subject}{self.modality}{self.action} {' '.join(self.topics)}"

    @property
    def is_prohibition(self) -> bool:
        """Whether the duty forbids something."""
        return self.modality in ("不得", "禁止", "严禁")


@dataclass(frozen=True)
class CatalogHazardClass:
    """A class of catalogue fact as the graph holds it (``HazardClass``), with the risks it triggers.

    ``triggers`` are (risk id, context) pairs, the class's leading risk first; context '' is anywhere,
    储存 storage, 使用 use in production, 特种设备 an item that is special equipment.
    """

    id: str
    kind: str
    name: str
    match: tuple[str, ...]
    basis: str
    triggers: tuple[tuple[str, str], ...]
    categories: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    alone: bool = False
    special_only: bool = False
    condition: str = ""


@dataclass
class KnowledgeCatalog:
    """Everything the change, gap and impact steps read from the graph, indexed by id."""

    processes: dict[str, Props]
    risks: dict[str, Props]
    process_risks: dict[str, list[str]]
    risk_duties: dict[str, list[str]]
    duties: dict[str, CatalogDuty]
    indicators: dict[str, Props]
    indicator_risks: dict[str, list[str]]
    indicator_duties: dict[str, list[str]]
    regulations: dict[str, Props]
    hazard_classes: list[CatalogHazardClass] = field(default_factory=list)
    sectors: dict[str, list[str]] = field(default_factory=dict)
    """Sector name → the process templates its stages list."""
    duties_by_article: dict[str, list[str]] = field(default_factory=dict)
    risks_of_duty: dict[str, list[str]] = field(default_factory=dict)
    indicators_of_duty: dict[str, list[str]] = field(default_factory=dict)
    indicators_of_risk: dict[str, list[str]] = field(default_factory=dict)
    relevance: dict[tuple[str, str], float] = field(default_factory=dict)
    """(risk, duty) → how much the duty is about the risk (bigram Dice); each risk's duties are in this order."""

    def __post_init__(self) -> None:
        for duty in self.duties.values():
            for key in (*duty.current, *duty.historical):
                self.duties_by_article.setdefault(article_key(key), []).append(duty.id)
        for rid, oids in self.risk_duties.items():
            for oid in oids:
                self.risks_of_duty.setdefault(oid, []).append(rid)
        for iid, oids in self.indicator_duties.items():
            for oid in oids:
                self.indicators_of_duty.setdefault(oid, []).append(iid)
        for iid, rids in self.indicator_risks.items():
            for rid in rids:
                self.indicators_of_risk.setdefault(rid, []).append(iid)
        self._rank_risk_duties()

    def _rank_risk_duties(self) -> None:
        """Order each risk's duties by how much each is about the risk (the graph keeps no order)."""
        for rid, oids in self.risk_duties.items():
            risk = self.risks.get(rid, {})
            about = bigrams(f"{risk.get('name', '')} {risk.get('hazard', '')} {' '.join(risk.get('keywords') or [])}")
            for oid in oids:
                found = self.duties.get(oid)
                if found is not None:
                    words = f"{found.action} {found.text} {' '.join(found.key_terms)}"
                    self.relevance[(rid, oid)] = dice(about, words)
            oids.sort(key=lambda o: -self.relevance.get((rid, o), 0.0))

    def sector_templates(self, sector: str) -> set[str]:
        """The templates of the knowledge-base sector a plant's sector names (its name, or one name inside the
        other: 造纸 → 造纸和纸制品业); none when it names no sector of the knowledge base."""
        key = normalize(sector)
        if len(key) < 2:
            return set()
        exact = [ids for name, ids in self.sectors.items() if normalize(name) == key]
        inside = [ids for name, ids in self.sectors.items() if key in normalize(name) or normalize(name) in key]
        found = exact or inside
        return set(found[0]) if len(found) == 1 else set()

    def named_regulations(self, text: str) -> set[str]:
        """The regulations a text names, by id (file stem) or title, e.g. 《危险化学品安全法》."""
        norm = normalize(text)
        out: set[str] = set()
        for rid, props in self.regulations.items():
            title = str(props.get("title") or "")
            names = {str(rid), title, title.removeprefix("中华人民共和国")}
            if any(len(n) >= 4 and normalize(n) in norm for n in names):
                out.add(str(rid))
        return out

    def cites_any(self, duty: CatalogDuty, laws: Collection[str]) -> bool:
        """Whether a duty's current or historical articles belong to one of ``laws``."""
        return any(article_key(k).rpartition("#")[0] in laws for k in (*duty.current, *duty.historical))

    def is_current(self, law: str) -> bool:
        """Whether a regulation is in force (unknown regulations are not)."""
        return self.regulations.get(law, {}).get("status") == "现行"

    def primary_article(self, duty: CatalogDuty) -> str:
        """The article to cite for a duty: its first current article, as an article key."""
        return article_key(duty.current[0] if duty.current else duty.historical[0])


class ClauseLookup:
    """Clause texts and successors from the graph, cached per clause id.

    Args:
        store: the graph.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._clauses: dict[str, Props | None] = {}
        self._successors: dict[str, list[Successor]] = {}

    def clause(self, clause_id: str) -> Props | None:
        """The clause node, or None when the graph has no such clause."""
        if clause_id not in self._clauses:
            self._clauses[clause_id] = self.store.get(Label.CLAUSE, clause_id)
        return self._clauses[clause_id]

    def successors(self, clause_id: str) -> list[Successor]:
        """The current articles that took over a (repealed) article, best score first."""
        if clause_id not in self._successors:
            found = [
                Successor(
                    law=str(n.node.get("regulation", "")),
                    article=int(n.node.get("article", 0)),
                    score=n.props.get("score"),
                    reason=str(n.props.get("reason") or ""),
                )
                for n in self.store.neighbours(Label.CLAUSE, clause_id, rels=[Rel.SUCCEEDED_BY])
                if n.direction == "out"
            ]
            found.sort(key=lambda s: -(s.score or 0.0))
            self._successors[clause_id] = found
        return self._successors[clause_id]


class GraphCatalogLoader:
    """Read the knowledge base part of the graph into a :class:`KnowledgeCatalog`.

    Args:
        store: the graph, verified.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def run(self) -> KnowledgeCatalog:
        """Load the catalog (about 1,000 small queries on the full knowledge base)."""
        store = self.store
        regulations = {r["id"]: r for r in store.find(Label.REGULATION)}
        processes = {p["id"]: p for p in store.find(Label.PROCESS) if not p.get("enterprise")}
        risks = {r["id"]: r for r in store.find(Label.RISK)}
        process_risks: dict[str, list[str]] = {}
        for pr in store.risks_of_processes(sorted(processes)):
            process_risks.setdefault(pr.process_id, []).append(pr.risk["id"])
        risk_duties: dict[str, list[str]] = {}
        duty_props: dict[str, Props] = {}
        for ro in store.obligations_of_risks(sorted(risks)):
            risk_duties.setdefault(ro.risk_id, []).append(ro.obligation["id"])
            duty_props[ro.obligation["id"]] = ro.obligation
        for ob in store.find(Label.OBLIGATION):
            if ob.get("source", "kb") == "kb":
                duty_props.setdefault(ob["id"], ob)
        duties = {oid: self._duty(props, regulations) for oid, props in duty_props.items()}
        # a duty linked to no article cannot be cited, so it is left out (every reference must resolve)
        duties = {oid: d for oid, d in duties.items() if d.current or d.historical}
        risk_duties = {rid: [d for d in ids if d in duties] for rid, ids in risk_duties.items()}
        indicators = {i["id"]: i for i in store.find(Label.INDICATOR) if i.get("status") != "retired"}
        indicator_risks: dict[str, list[str]] = {}
        indicator_duties: dict[str, list[str]] = {}
        coverage = store.indicators_covering(risk_ids=sorted(risks), obligation_ids=sorted(duties))
        for c in coverage:
            target = indicator_risks if c.target_label == Label.RISK else indicator_duties
            target.setdefault(c.indicator["id"], []).append(c.target_id)
        return KnowledgeCatalog(
            processes=processes,
            risks=risks,
            process_risks=process_risks,
            risk_duties=risk_duties,
            duties=duties,
            indicators=indicators,
            indicator_risks=indicator_risks,
            indicator_duties=indicator_duties,
            regulations=regulations,
            hazard_classes=self._hazard_classes(set(risks)),
            sectors=self._sectors(),
        )

    def _sectors(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for sector in self.store.find(Label.SECTOR):
            templates: list[str] = []
            for stage in self.store.neighbours(Label.SECTOR, str(sector["id"]), rels=[Rel.HAS_STAGE]):
                for p in self.store.neighbours(Label.STAGE, str(stage.node["id"]), rels=[Rel.HAS_PROCESS]):
                    if p.direction == "out":
                        templates.append(str(p.node["id"]))
            out[str(sector.get("name") or sector["id"])] = sorted(set(templates))
        return out

    def _hazard_classes(self, risks: Collection[str]) -> list[CatalogHazardClass]:
        out = []
        for props in sorted(self.store.find(Label.HAZARD_CLASS), key=lambda p: str(p["id"])):
            edges = sorted(
                (float(n.props.get("score") or 0.0), str(n.node["id"]), str(n.props.get("reason") or ""))
                for n in self.store.neighbours(Label.HAZARD_CLASS, str(props["id"]), rels=[Rel.TRIGGERS])
                if n.direction == "out" and n.node["id"] in risks
            )
            triggers = [(rid, context) for _, rid, context in edges]
            out.append(
                CatalogHazardClass(
                    id=str(props["id"]),
                    kind=str(props.get("kind") or ""),
                    name=str(props.get("name") or ""),
                    match=tuple(props.get("match") or ()),
                    basis=str(props.get("basis") or ""),
                    triggers=tuple(triggers),
                    categories=tuple(props.get("categories") or ()),
                    all_of=tuple(props.get("all_of") or ()),
                    none_of=tuple(props.get("none_of") or ()),
                    alone=bool(props.get("alone")),
                    special_only=bool(props.get("special_only")),
                    condition=str(props.get("condition") or ""),
                )
            )
        return out

    def _duty(self, props: Props, regulations: dict[str, Props]) -> CatalogDuty:
        current: list[tuple[int, str]] = []
        historical: list[str] = []
        penalties: list[str] = []
        for n in self.store.neighbours(Label.OBLIGATION, props["id"], rels=[Rel.DERIVED_FROM, Rel.PENALIZED_BY]):
            cid = str(n.node["id"])
            if n.rel == Rel.PENALIZED_BY:
                penalties.append(cid)
            elif n.props.get("reason") == "historical":
                historical.append(cid)
            else:
                kind = regulations.get(str(n.node.get("regulation", "")), {}).get("kind", "")
                current.append((_KIND_RANK.get(kind, 9), cid))
        current.sort()
        return CatalogDuty(
            id=props["id"],
            subject=str(props.get("subject", "")),
            modality=str(props.get("modality", "")),
            action=str(props.get("action", "")),
            applies_if=tuple(props.get("applies_if") or ()),
            topics=tuple(props.get("topics") or ()),
            key_terms=tuple(props.get("key_terms") or ()),
            current=tuple(c for _, c in current),
            historical=tuple(sorted(historical)),
            penalties=tuple(sorted(penalties)),
        )
