"""Recognise knowledge-base process templates and risks in an enterprise's free text.

A template matches through its name and aliases (substring or bigram similarity), its keywords, and,
when an embedder is given, the cosine of the text to the template's description, so process names the
knowledge base has never seen still find their template. Risks are scored by their keywords in the
text of the change, plus the weight of the templates that list them, plus two kinds of evidence no
keyword carries: a status the change brings about (a construction project, a permit class, 四新) that
governs the risk's duties, a regulation the change names that states the risk's leading duty, and the
catalogues' facts of what the change names (:mod:`retrieval.change.hazards`: 甲苯 is 易燃液体 → fire and
explosion where it is used; a 桥式起重机 is 起重机械 → 起重伤害). A
risk whose name speaks of a situation the enterprise is not in (易制爆, 剧毒, 射线 …) gets neither.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from retrieval.change.catalog import KnowledgeCatalog
from retrieval.change.conditions import FACT_CONDITIONS, PROJECT_CONDITIONS, TRIGGERS, Conditions, duty_applies
from retrieval.change.hazards import FactRisk
from retrieval.change.models import ProcessMatch, RiskProposal
from retrieval.change.text import dice, hits, normalize
from retrieval.embedder import Embedder

__all__ = [
    "FACT_WEIGHT",
    "LISTING_WEIGHT",
    "LAW_WEIGHT",
    "TRIGGER_WEIGHT",
    "ProcessMatcher",
    "RiskScorer",
    "fact_score",
    "names_absent",
    "status_conditions",
]

#: Conditions whose trigger words (化学品, 焊, 废气 …) are too common to mark a risk as another situation's.
_BROAD = frozenset(
    {
        "职业病危害",
        "危险化学品",
        "危险废物",
        "工业固体废物",
        "排放废水",
        "排放废气",
        "挥发性有机物",
        "工业噪声",
        "特种作业",
    }
)

#: Score a template of the plant's own sector gets over other sectors' templates with the same evidence.
SECTOR_BONUS = 1.5
#: Listings the catalogues' facts decide: a risk named for one (电镀氰化物中毒 → 剧毒化学品) is not the plant's
#: while no substance of the listing is named, whatever keywords it shares with the change.
_LISTED = frozenset({"剧毒化学品", "易制爆", "易制毒化学品", "高毒物品", "重大危险源", "放射工作"})
#: Score a risk gets when the change brings about the status its leading duty depends on.
TRIGGER_WEIGHT = 0.8
#: Score a risk gets when the change names the regulation that states its leading duty.
LAW_WEIGHT = 1.5
#: Score a risk gets when a hazard class, equipment class or hazard factor of what the change names brings it.
FACT_WEIGHT = 1.5
#: Score a risk gets when only a listing (危险化学品目录, 剧毒, 易制爆 …) of what the change names brings it.
LISTING_WEIGHT = 0.8
#: Share of those scores when the catalogue holds the entity only under a condition to confirm (闭杯闪点≤60℃).
UNCONFIRMED_SHARE = 0.5
#: Share for a class's further risks: its leading one (the first its activity reaches) counts in full.
FOLLOWING_SHARE = 0.5
#: Share when every entity bringing the risk was the enterprise's before the change (a scale-up of a paint
#: line it already ran): the change's new facts come first.
KNOWN_SHARE = 0.5


class ProcessMatcher:
    """Score the catalog's process templates against a text.

    Args:
        catalog: the knowledge base.
        embedder: optional; adds the cosine to each template's description as a signal.
    """

    def __init__(self, catalog: KnowledgeCatalog, embedder: Embedder | None = None) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self._ids = sorted(catalog.processes)
        self._vectors: np.ndarray | None = None

    def _template_vectors(self, embedder: Embedder) -> np.ndarray:
        if self._vectors is None:
            texts = []
            for pid in self._ids:
                p = self.catalog.processes[pid]
                texts.append(f"{p['name']}（{'、'.join(p.get('aliases') or [])}）：{p.get('description', '')}")
            self._vectors = np.asarray(embedder.embed_passages(texts))
        return self._vectors

    def _cosines(self, text: str) -> dict[str, float]:
        if self.embedder is None or not self._ids:
            return {}
        vectors = self._template_vectors(self.embedder)
        query = np.asarray(self.embedder.embed_queries([text]))[0]
        scores = vectors @ query
        order = np.argsort(-scores)
        # rank, don't threshold (e5 cosines bunch): the best five get a decreasing bonus
        return {self._ids[i]: 1.0 - 0.2 * rank for rank, i in enumerate(order[:5])}

    def run(self, name: str, text: str, *, top: int = 3, sector: str = "") -> list[ProcessMatch]:
        """The ``top`` templates best matching a process called ``name`` described by ``text``; a template of
        the plant's ``sector`` gets :data:`SECTOR_BONUS` once it has evidence of its own (a step is not
        mapped onto another sector's template on a shared word: 锡膏印刷 is SMT, not publishing)."""
        norm_name, norm_text = normalize(name), normalize(f"{name} {text}")
        own = self.catalog.sector_templates(sector) if sector else set()
        cosines = self._cosines(f"{name}：{text}")
        found: list[ProcessMatch] = []
        for pid in self._ids:
            p = self.catalog.processes[pid]
            names = [str(p["name"]), *(p.get("aliases") or [])]
            evidence = [n for n in names if len(n) >= 2 and (normalize(n) in norm_text or norm_name in normalize(n))]
            keywords = hits(p.get("keywords") or [], norm_text)
            similarity = max((dice(norm_name, n) for n in names), default=0.0)
            score = 2.0 * bool(evidence) + 0.5 * min(len(keywords), 6) + 2.0 * similarity + cosines.get(pid, 0.0)
            if pid in own and score > 0:
                score += SECTOR_BONUS
            if score >= 1.0:
                found.append(
                    ProcessMatch(template_id=pid, name=str(p["name"]), score=score, evidence=evidence + keywords)
                )
        found.sort(key=lambda m: -m.score)
        return found[:top]


class RiskScorer:
    """Score risks by their keywords in a focus text and by the templates that list them.

    Args:
        catalog: the knowledge base.
    """

    def __init__(self, catalog: KnowledgeCatalog) -> None:
        self.catalog = catalog

    def run(
        self,
        focus: str,
        templates: Sequence[ProcessMatch],
        *,
        context: str = "",
        conditions: Conditions | None = None,
        triggered: Conditions | None = None,
        established: Conditions | None = None,
        laws: Collection[str] = (),
        facts: Mapping[str, FactRisk] | None = None,
        contradicted: Collection[str] = (),
        substances: Collection[str] = (),
    ) -> list[RiskProposal]:
        """Every risk with some evidence, best first.

        Args:
            focus: the text of the change (its description and process).
            templates: the templates matched for the changed processes.
            context: the rest of the enterprise's text, a weak signal.
            conditions: the conditions the enterprise meets after the change.
            triggered: the conditions the change itself brings about (a construction project, a permit
                class …); a risk most of whose duties such a condition governs counts as evidenced.
            established: the conditions the catalogues' facts establish for what the change names (a
                substance of 危险化学品目录, an item of 特种设备目录 …): a risk most of whose duties such a class
                governs counts as evidenced, like one of a status the change brings about.
            laws: regulations the change names (a new law): a risk whose leading duty one of them states
                counts as evidenced.
            facts: the risks the catalogues' facts of what the change names bring
                (:class:`retrieval.change.hazards.FactRiskReasoner`); the risk's name then says what it is
                about (易燃溶剂使用场所火灾爆炸（甲苯）).
            contradicted: risks a hazard class of GB 30000 brings that the catalogued substances the change
                names do not have (:meth:`retrieval.change.hazards.FactRiskReasoner.contradicted`): their
                keywords and templates (溶剂, 清洗) are not evidence for 三氯乙烯. Environmental risks are not
                decided by those classes (VOCs, discharges) and are kept, and so is a risk whose own keywords
                name one of the change's ``substances`` (the knowledge base says it is about that substance).
            substances: the substances the change names, as written.
        """
        facts = facts or {}
        own = {normalize(s) for s in substances}
        best = max((t.score for t in templates), default=1.0) or 1.0
        weight: dict[str, tuple[float, str]] = {}
        for t in templates:
            for rid in self.catalog.process_risks.get(t.template_id, []):
                if t.score / best > weight.get(rid, (0.0, ""))[0]:
                    weight[rid] = (t.score / best, t.name)
        out: list[RiskProposal] = []
        for rid, risk in self.catalog.risks.items():
            terms = [*(risk.get("keywords") or []), str(risk["name"])]
            found = hits(terms, focus)
            around = hits(terms, context) if context else []
            tmpl, via = weight.get(rid, (0.0, ""))
            score = (
                1.0 * min(len(found), 5) + 1.5 * tmpl + 0.2 * min(len(around), 3) + 3.0 * dice(str(risk["name"]), focus)
            )
            status = status_conditions(self.catalog, rid, conditions, triggered)
            classes = status_conditions(self.catalog, rid, conditions, established, kinds=FACT_CONDITIONS)
            status = sorted({*status, *classes})
            named = bool(laws) and self._states(rid, conditions, laws)
            fact = facts.get(rid)
            if not found and tmpl == 0.0 and not status and not named and fact is None:
                continue
            if fact is None and names_absent(self.catalog, rid, conditions, kinds=_LISTED):
                continue  # it names a listing (氰化物, 易制爆 …) the enterprise is not in, and no fact brings it
            if fact is None and rid in contradicted and risk.get("category") != "环保" and not set(found) & own:
                continue  # a fire, burn or poisoning risk of a hazard class none of the named substances has
            # a status the change names outright (升为重点管理) weighs more than one inferred from its kind
            spelled = any(c in normalize(focus) for c in status)
            score += TRIGGER_WEIGHT * bool(status) * (1 + spelled) + LAW_WEIGHT * named
            name = str(risk["name"])
            if fact is not None:
                score += fact_score(fact) * (1.0 if fact.new else KNOWN_SHARE)
                # a bound of the law the change crosses (12 t ≥ 临界量 10 t; 160 staff > 100) is a status the
                # change brings about, its number written in the change
                score += 2 * TRIGGER_WEIGHT * fact.crossing
                about = [e for e in fact.entities if normalize(e) not in normalize(name)]
                if about:
                    name = f"{name}（{'、'.join(about[:3])}）"
            evidence = [f"目录事实：{e}" for e in fact.evidence[:3]] if fact is not None else []
            if found:
                evidence.append(f"关键词：{'、'.join(found)}")
            if status:
                evidence.append(f"变更带来：{'、'.join(status)}")
            if named:
                evidence.append(f"变更涉及的法规：{'、'.join(sorted(laws))}")
            if via:
                evidence.append(f"工序模板：{via}")
            out.append(
                RiskProposal(
                    id=rid,
                    name=name,
                    category=str(risk.get("category", "")),
                    score=score,
                    evidence=evidence,
                    conditions=status,
                    facts=list(fact.entities) if fact is not None else [],
                )
            )
        out.sort(key=lambda r: (-r.score, r.id))
        return out

    def _states(self, rid: str, conditions: Conditions | None, laws: Collection[str]) -> bool:
        """Whether the risk's leading applicable duty is stated by one of ``laws`` and the risk is the
        enterprise's (its name speaks of no situation the enterprise is not in)."""
        duties = [self.catalog.duties[o] for o in self.catalog.risk_duties.get(rid, []) if o in self.catalog.duties]
        lead = next((d for d in duties if duty_applies(d.applies_if, conditions)[0]), None)
        return (
            lead is not None and self.catalog.cites_any(lead, laws) and not names_absent(self.catalog, rid, conditions)
        )


def fact_score(fact: FactRisk) -> float:
    """The score the catalogues' facts give a risk: a class's leading risk in full, its further risks, a
    listing's risks and an entity held only under a condition at their shares."""
    share = (1.0 if fact.leading else FOLLOWING_SHARE) * (1.0 if fact.confirmed else UNCONFIRMED_SHARE)
    return (FACT_WEIGHT if fact.specific else LISTING_WEIGHT) * share


def status_conditions(
    catalog: KnowledgeCatalog,
    rid: str,
    conditions: Conditions | None,
    triggered: Conditions | None,
    *,
    kinds: Collection[str] = PROJECT_CONDITIONS,
) -> list[str]:
    """The conditions among ``triggered`` (and ``kinds``) that govern a risk's leading or most duties.

    A risk such a condition governs (a permit's reporting, a construction project's 三同时) belongs to an
    enterprise in that status even when none of its processes lists it. The risk must otherwise be the
    enterprise's: its duties outside any such condition all apply, and its name speaks of no situation the
    enterprise is not in (a radiation licence stays out of a paint shop, whatever projects it runs).
    """
    if triggered is None or conditions is None:
        return []
    duties = [catalog.duties[o] for o in catalog.risk_duties.get(rid, []) if o in catalog.duties]
    applicable = [d for d in duties if duty_applies(d.applies_if, conditions)[0]]
    governed = [d for d in applicable if any(c in kinds and c in triggered for c in d.applies_if)]
    lead_governed = bool(applicable) and applicable[0] in governed
    if not governed or (not lead_governed and 2 * len(governed) < len(duties)):
        return []
    others = [d for d in duties if not set(kinds).intersection(d.applies_if)]
    if not all(duty_applies(d.applies_if, conditions)[0] for d in others) or names_absent(catalog, rid, conditions):
        return []
    return sorted({c for d in governed for c in d.applies_if if c in kinds and c in triggered})


def names_absent(
    catalog: KnowledgeCatalog, rid: str, conditions: Conditions | None, *, kinds: Collection[str] | None = None
) -> bool:
    """Whether a risk's name names a situation (易制爆, 剧毒, 射线 …) whose condition the enterprise does not meet
    (of ``kinds`` only, when given)."""
    if conditions is None:
        return False
    name = normalize(str(catalog.risks[rid]["name"]))
    return any(
        c not in conditions and c not in _BROAD and any(len(t) >= 2 and normalize(t) in name for t in terms)
        for c, terms in TRIGGERS.items()
        if kinds is None or c in kinds
    )
