"""Rule gaps: which applicable duties no current indicator covers, and which citations are stale.

Applicable duties are reached as in the change pipeline (process text → templates → risks → duties,
``applies_if`` respected). A current indicator covers a duty when it cites the duty's article, or a
repealed article whose ``SUCCEEDED_BY`` successor (or historical twin) the duty cites, or when its name
and method match the duty's topics strongly. A covered article is never reported as a gap. Citations
of repealed regulations are reported apart, with the successor article.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from pydantic import BaseModel, Field

from retrieval.change.catalog import CatalogDuty, ClauseLookup, KnowledgeCatalog, article_key
from retrieval.change.conditions import ConditionInferrer, Conditions, duty_applies
from retrieval.change.duties import IndicatorDrafter
from retrieval.change.inputs import CurrentIndicator, GapScenario, LawArticle
from retrieval.change.matching import ProcessMatcher
from retrieval.change.models import IndicatorProposal, ObligationProposal, RiskProposal
from retrieval.change.text import dice, hits

__all__ = ["Coverage", "GapDetector", "GapReport", "StaleCitation"]

MAX_GAPS = 12
#: Topic similarity from which an indicator's wording alone covers a duty.
TOPIC_COVER = 0.5


class Coverage(BaseModel):
    """A duty with the current indicators covering it and why."""

    duty_id: str
    law: str
    article: int
    risk: str = ""
    covered_by: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


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


class GapDetector:
    """Find the rule gaps of an enterprise's indicator set.

    Args:
        catalog: the knowledge base.
        clauses: clause texts and successors.
        matcher: process-template matcher.
    """

    def __init__(
        self, catalog: KnowledgeCatalog, clauses: ClauseLookup, *, matcher: ProcessMatcher | None = None
    ) -> None:
        self.catalog = catalog
        self.clauses = clauses
        self.matcher = matcher or ProcessMatcher(catalog)
        self.inferrer = ConditionInferrer()
        self.drafter = IndicatorDrafter(catalog)

    def run(self, scenario: GapScenario) -> GapReport:
        """The gap report of one enterprise."""
        started = time.perf_counter()
        conditions = self.inferrer.run(scenario.profile())
        duties = self._applicable(scenario, conditions)
        cited = self._cited_articles(scenario.indicators)
        covered: list[Coverage] = []
        gaps: list[Coverage] = []
        covered_articles: set[str] = set()
        for duty, risk, _ in duties:
            line = self._coverage(duty, risk, scenario.indicators, cited)
            (covered if line.covered_by else gaps).append(line)
            if line.covered_by:
                covered_articles.add(f"{line.law}#{line.article}")
        seen: set[str] = set()
        open_gaps: list[Coverage] = []
        for gap in gaps:
            key = f"{gap.law}#{gap.article}"
            if key not in covered_articles and key not in seen:
                seen.add(key)
                open_gaps.append(gap)
        open_gaps = open_gaps[:MAX_GAPS]
        return GapReport(
            id=scenario.id,
            conditions=conditions.met,
            covered=covered,
            gaps=open_gaps,
            suggestions=self._suggestions(open_gaps),
            stale_citations=self._stale(scenario.indicators),
            ms=(time.perf_counter() - started) * 1000,
        )

    def _applicable(self, scenario: GapScenario, conditions: Conditions) -> list[tuple[CatalogDuty, str, float]]:
        scored: dict[str, tuple[CatalogDuty, str, float]] = {}
        for process in scenario.processes:
            for match in self.matcher.run(process.name, process.description, top=1):
                for rid in self.catalog.process_risks.get(match.template_id, []):
                    risk = self.catalog.risks[rid]
                    weight = 1.0 + 0.5 * len(hits(risk.get("keywords") or [], process.text))
                    # a risk lists its specific duties first: later ones weigh less, so the report
                    # reaches across risks instead of listing every article of one of them
                    for position, oid in enumerate(self.catalog.risk_duties.get(rid, [])):
                        duty = self.catalog.duties[oid]
                        ok, _ = duty_applies(duty.applies_if, conditions)
                        score = weight / (1 + position)
                        old = scored.get(oid)
                        # the best path counts, not the number of paths: generic duties reachable
                        # from every process must not outrank the specific ones
                        if ok and (old is None or old[2] < score):
                            scored[oid] = (duty, str(risk["name"]), score)
        return sorted(scored.values(), key=lambda t: -t[2])

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
        self,
        duty: CatalogDuty,
        risk: str,
        indicators: Sequence[CurrentIndicator],
        cited: dict[str, list[tuple[str, str]]],
    ) -> Coverage:
        primary = self.catalog.primary_article(duty)
        law, _, number = primary.rpartition("#")
        line = Coverage(duty_id=duty.id, law=law, article=int(number), risk=risk)
        for key in (*duty.current, *duty.historical):
            for name, why in cited.get(article_key(key), []):
                if name not in line.covered_by:
                    line.covered_by.append(name)
                    line.reasons.append(why)
        for ind in indicators:
            text = f"{ind.name} {ind.method}"
            strength = max((dice(t, ind.name) for t in duty.topics), default=0.0)
            if ind.name not in line.covered_by and (strength >= TOPIC_COVER or len(hits(duty.topics, text)) >= 2):
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
