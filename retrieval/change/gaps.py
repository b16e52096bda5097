"""Rule gaps: which applicable duties no current indicator covers, and which citations are stale.

Applicable duties are reached as in the change pipeline: each process's text → its best templates →
their risks (weighted by the risk's keywords in the process text) → the risks' duties, most relevant
first, ``applies_if`` respected; the catalogues' facts of what each process names (乙炔、氧气 are 危险化学品
and 加压气体, a 桥式起重机 of 5t is special equipment, 电焊烟尘 an occupational hazard factor, 磷化渣 HW17) bring
the risks of their classes, and a gap keeps the facts that make its duty apply; risks the enterprise's
status brings about (a permit, a 重点管理 class, a soil-supervision listing …) are reached from its
conditions even when no process lists them.

A current indicator covers a duty when it cites one of the duty's articles, or a repealed article whose
``SUCCEEDED_BY`` successor the duty cites; an indicator citing nothing covers a duty when its name and
method match the duty's topics, one with citations only when the wording is unmistakable. A covered
article is never reported as a gap. Citations of repealed regulations are reported apart, with the
successor article.

Gaps are ranked by the strongest path from a process to them (the template's match, the risk's
keywords in the process text, the duty's place among the risk's duties), with more weight for a duty
bound to a condition the enterprise meets (specific to it rather than generic), for a duty whose breach
the law penalises (an enforceable duty rather than a principle such as 职业病防治法 第四条) and for a duty whose
theme the enterprise's description of its scheme names (…细则无职业健康板块); the report stops at
``MAX_GAPS`` or where the scores fall below ``GAP_FLOOR`` of the best one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from retrieval.change.catalog import CatalogDuty, ClauseLookup, KnowledgeCatalog, article_key
from retrieval.change.conditions import ConditionInferrer, Conditions, FactReader, duty_applies
from retrieval.change.drafting import IndicatorDrafter
from retrieval.change.hazards import FactRiskReasoner, change_contexts
from retrieval.change.inputs import CurrentIndicator, GapScenario, LawArticle
from retrieval.change.matching import ProcessMatcher, fact_score, status_conditions
from retrieval.change.models import IndicatorProposal, ObligationProposal, RiskProposal
from retrieval.change.text import contains_any, dice, hits

__all__ = ["Coverage", "GapDetector", "GapReport", "StaleCitation"]

MAX_GAPS = 15
#: Gaps scoring below this share of the best gap are left out (fewer, surer gaps).
GAP_FLOOR = 0.4
#: Topic similarity from which an indicator's wording alone covers a duty.
TOPIC_COVER = 0.5
#: A second template of a process counts when it matches this close to the best one.
SECOND_TEMPLATE = 0.8
#: Ranking of gaps (chosen on the gap dev set, see evals/README.md).
KEYWORD_EVIDENCE = 0.5  # per keyword of the risk in the process text (at most 3)
STATUS_WEIGHT = 1.5  # a risk the enterprise's status (permit, 重点管理, project …) brings about
CONDITION_WEIGHT = 0.6  # a risk governed by another condition the enterprise meets (职业病危害 …)
POSITION_DECAY = 0.6  # a duty's place among its risk's duties, most relevant first
SPECIFIC = 0.3  # the duty is bound to a condition the enterprise meets
THEME = 0.5  # the enterprise's description of its scheme names the duty's theme
PENALTY = 0.3  # the law penalises a breach (a 法律责任 article, PENALIZED_BY): an enforceable duty, not a principle
#: A risk the catalogues' facts of a process bring (甲苯 → 易燃液体 → …; a 桥式起重机 → 起重机械 → …), as a
#: template path of that weight: a class's leading risk in full, its further ones, listings and entries held
#: only under a condition at the shares of the change step.


_SCHEME_WORDS = ("细则", "考核", "板块", "条款", "指标")

#: Themes an enterprise may say its scheme lacks (…无职业健康板块), by the regulations stating them.
THEMES: Mapping[str, tuple[str, ...]] = {
    "职业病防治法": ("职业健康", "职业卫生", "职业病"),
    "消防法": ("消防",),
    "特种设备安全法": ("特种设备",),
    "危险化学品安全法": ("危化品", "危险化学品"),
    "危险化学品安全管理条例": ("危化品", "危险化学品"),
    "生态环境法典": ("环保", "环境"),
    "排污许可管理条例": ("排污许可", "环保"),
}


class Coverage(BaseModel):
    """A duty with the current indicators covering it and why."""

    duty_id: str
    law: str
    article: int
    risk: str = ""
    covered_by: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    score: float = 0.0
    facts: list[str] = Field(
        default_factory=list, description="The catalogue facts of the plant that make the duty apply (甲苯：易燃液体 …)"
    )


class StaleCitation(BaseModel):
    """An indicator citing a repealed article, with the current successor."""

    indicator: str
    law: str
    article: int
    status: str
    successor: LawArticle | None = None
    score: float | None = None


class GapReport(BaseModel):
    """Applicable duties, their coverage, the gaps with suggestions, and stale citations."""

    id: str
    conditions: dict[str, list[str]] = Field(default_factory=dict)
    covered: list[Coverage] = Field(default_factory=list)
    gaps: list[Coverage] = Field(default_factory=list)
    suggestions: list[IndicatorProposal] = Field(default_factory=list)
    stale_citations: list[StaleCitation] = Field(default_factory=list)
    ms: float = 0.0


@dataclass
class _Reach:
    """How the processes lead to a duty: the weight of each path and the risks on them."""

    duty: CatalogDuty
    paths: list[float] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def strength(self) -> float:
        # the best path counts, not the number of paths: generic duties reachable from every
        # process must not outrank the specific ones
        return max(self.paths, default=0.0)


class GapDetector:
    """Find the rule gaps of an enterprise's indicator set.

    Args:
        catalog: the knowledge base.
        clauses: clause texts and successors.
        matcher: process-template matcher.
        facts: reads substances, equipment, factors and wastes against the national catalogues.
        max_gaps: the most gaps reported (``MAX_GAPS``; more to see where a known gap ranks).
        floor: gaps scoring below this share of the best one are left out (``GAP_FLOOR``).
    """

    def __init__(
        self,
        catalog: KnowledgeCatalog,
        clauses: ClauseLookup,
        *,
        matcher: ProcessMatcher | None = None,
        facts: FactReader | None = None,
        max_gaps: int = MAX_GAPS,
        floor: float = GAP_FLOOR,
    ) -> None:
        self.max_gaps = max_gaps
        self.floor = floor
        self.catalog = catalog
        self.clauses = clauses
        self.matcher = matcher or ProcessMatcher(catalog)
        self.inferrer = ConditionInferrer(facts=facts)
        self.hazards = FactRiskReasoner(catalog.hazard_classes)
        self.drafter = IndicatorDrafter(catalog)

    def run(self, scenario: GapScenario) -> GapReport:
        """The gap report of one enterprise."""
        started = time.perf_counter()
        conditions = self.inferrer.run(scenario.profile())
        reached = self._applicable(scenario, conditions)
        cited = self._cited_articles(scenario.indicators)
        covered: list[Coverage] = []
        open_lines: list[tuple[Coverage, _Reach]] = []
        for reach in reached.values():
            line = self._coverage(reach, scenario.indicators, cited)
            if line.covered_by:
                covered.append(line)
            else:
                open_lines.append((line, reach))
        gaps = self._ranked(open_lines, covered, scenario)[: self.max_gaps]
        return GapReport(
            id=scenario.id,
            conditions=conditions.met,
            covered=covered,
            gaps=gaps,
            suggestions=self._suggestions(gaps),
            stale_citations=self._stale(scenario.indicators),
            ms=(time.perf_counter() - started) * 1000,
        )

    def _applicable(self, scenario: GapScenario, conditions: Conditions) -> dict[str, _Reach]:
        weights: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        # the catalogues' facts of what each process names (its substances, equipment, factors, wastes) and of
        # what the enterprise's own description names (探伤机 2 台, 废 SCR 催化剂 …) whichever process holds them
        texts = [(p.text, p.stage) for p in scenario.processes]
        if scenario.enterprise:
            texts.append((scenario.enterprise, ""))
        for text, stage in texts:
            facts = self.hazards.run(self.inferrer.read(text), change_contexts(text, stage))
            for rid, fact in facts.items():
                if rid in self.catalog.risks:
                    weights[rid] = max(weights.get(rid, 0.0), fact_score(fact))
                    known = evidence.setdefault(rid, [])
                    known.extend(e for e in fact.evidence if e not in known)
        for process in scenario.processes:
            matches = self.matcher.run(process.name, process.description, top=2, sector=scenario.sector)
            best = matches[0].score if matches else 0.0
            for match in matches:
                if match.score < SECOND_TEMPLATE * best:
                    continue
                for rid in self.catalog.process_risks.get(match.template_id, []):
                    found = hits(self.catalog.risks[rid].get("keywords") or [], process.text)
                    weight = match.score / best * (1.0 + KEYWORD_EVIDENCE * min(len(found), 3))
                    weights[rid] = max(weights.get(rid, 0.0), weight)
        for rid in self.catalog.risks:
            if status_conditions(self.catalog, rid, conditions, conditions):
                weights[rid] = max(weights.get(rid, 0.0), STATUS_WEIGHT)
            elif status_conditions(self.catalog, rid, conditions, conditions, kinds=conditions.names()):
                weights[rid] = max(weights.get(rid, 0.0), CONDITION_WEIGHT)
        reached: dict[str, _Reach] = {}
        for rid, weight in weights.items():
            name = str(self.catalog.risks[rid]["name"])
            applicable = [
                self.catalog.duties[o]
                for o in self.catalog.risk_duties.get(rid, [])
                if o in self.catalog.duties and duty_applies(self.catalog.duties[o].applies_if, conditions)[0]
            ]
            for position, duty in enumerate(applicable):
                reach = reached.setdefault(duty.id, _Reach(duty))
                reach.paths.append(weight / (1 + POSITION_DECAY * position))
                reach.risks.append(name)
                reach.facts.extend(e for e in evidence.get(rid, []) if e not in reach.facts)
        return reached

    def _ranked(
        self,
        lines: Sequence[tuple[Coverage, _Reach]],
        covered: Sequence[Coverage],
        scenario: GapScenario,
    ) -> list[Coverage]:
        """Uncovered duties, one per article, best first, down to ``floor`` of the best one."""
        covered_articles = {f"{c.law}#{c.article}" for c in covered}
        text = _about_the_scheme(scenario.enterprise)
        best: dict[str, Coverage] = {}
        for line, reach in lines:
            key = f"{line.law}#{line.article}"
            if key in covered_articles:
                continue
            score = reach.strength + SPECIFIC * bool(reach.duty.applies_if) + PENALTY * bool(reach.duty.penalties)
            score += THEME * contains_any(text, THEMES.get(line.law, ()))
            line.score = round(score, 4)
            if key not in best or best[key].score < line.score:
                best[key] = line
        ranked = sorted(best.values(), key=lambda g: (-g.score, g.law, g.article))
        top = ranked[0].score if ranked else 0.0
        return [g for g in ranked if g.score >= self.floor * top]

    def _cited_articles(self, indicators: Sequence[CurrentIndicator]) -> dict[str, list[tuple[str, str]]]:
        """Article key → (indicator name, reason), including successors of repealed citations."""
        out: dict[str, list[tuple[str, str]]] = {}
        for ind in indicators:
            for ref in ind.cites:
                out.setdefault(ref.key, []).append((ind.name, f"引用《{ref.law}》第{ref.article}条"))
                if not self.catalog.is_current(ref.law):
                    for s in self.clauses.successors(ref.key):
                        why = f"引用的《{ref.law}》第{ref.article}条由《{s.law}》第{s.article}条承接"
                        out.setdefault(s.key, []).append((ind.name, why))
        return out

    def _coverage(
        self, reach: _Reach, indicators: Sequence[CurrentIndicator], cited: dict[str, list[tuple[str, str]]]
    ) -> Coverage:
        duty = reach.duty
        law, _, number = self.catalog.primary_article(duty).rpartition("#")
        line = Coverage(
            duty_id=duty.id,
            law=law,
            article=int(number),
            risk=reach.risks[0] if reach.risks else "",
            facts=reach.facts[:3],
        )
        for key in (*duty.current, *duty.historical):
            for name, why in cited.get(article_key(key), []):
                if name not in line.covered_by:
                    line.covered_by.append(name)
                    line.reasons.append(why)
        for ind in indicators:
            if ind.name in line.covered_by:
                continue
            strength = max((dice(t, ind.name) for t in duty.topics), default=0.0)
            named = len(hits(duty.topics, f"{ind.name} {ind.method}"))
            # a row citing articles says what it measures: its wording covers more only when unmistakable
            worded = strength >= TOPIC_COVER and named >= 2 if ind.cites else strength >= TOPIC_COVER or named >= 2
            if worded:
                line.covered_by.append(ind.name)
                line.reasons.append(f"指标名称/方法与义务主题相符（相似度 {strength:.2f}）")
        return line

    def _suggestions(self, gaps: Sequence[Coverage]) -> list[IndicatorProposal]:
        obligations = [
            ObligationProposal(duty_id=g.duty_id, law=g.law, article=g.article, score=1.0, risks=[g.risk]) for g in gaps
        ]
        risks = [
            RiskProposal(id=r, name="", category="", score=1.0)
            for g in gaps
            for r in self.catalog.risks_of_duty.get(g.duty_id, [])[:1]
        ]
        drafted = self.drafter.run(obligations, risks, " ".join(g.risk for g in gaps))
        return [d for d in drafted if d.duty_ids][: len(gaps)]

    def _stale(self, indicators: Sequence[CurrentIndicator]) -> list[StaleCitation]:
        out: list[StaleCitation] = []
        for ind in indicators:
            for ref in ind.cites:
                if self.catalog.is_current(ref.law):
                    continue
                status = str(self.catalog.regulations.get(ref.law, {}).get("status", "未知"))
                successors = self.clauses.successors(ref.key)
                best = successors[0] if successors else None
                out.append(
                    StaleCitation(
                        indicator=ind.name,
                        law=ref.law,
                        article=ref.article,
                        status=status,
                        successor=LawArticle(law=best.law, article=best.article) if best else None,
                        score=best.score if best else None,
                    )
                )
        return out


def _about_the_scheme(text: str) -> str:
    """The sentences of an enterprise's description that speak of its current scheme (细则, 考核, 板块 …)."""
    parts = re.split(r"[。；;\n]", text)
    return "。".join(p for p in parts if contains_any(p, _SCHEME_WORDS))
