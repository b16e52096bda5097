"""The change pipeline: change → affected processes and risks → applicable duties → indicators, validated.

Caps (an expert reads the list): 12 risks, 15 obligations, 12 indicators, ranked. Duties are drawn
from more risks than are shown (a duty may matter through a lesser risk). Each indicator carries its
chain change → risk → obligation (with the clause text quoted from the graph) → indicator; a
near-duplicate of an indicator already proposed takes no slot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Sequence

from kg.errors import LLMError
from retrieval.change.catalog import ClauseLookup, KnowledgeCatalog
from retrieval.change.conditions import ConditionInferrer, FactReader
from retrieval.change.drafting import IndicatorDrafter, scoped
from retrieval.change.duties import DutySelector
from retrieval.change.hazards import FactRiskReasoner, change_contexts
from retrieval.change.inputs import ChangeScenario, EnterpriseProfile
from retrieval.change.llm_drafts import LlmIndicatorDrafter
from retrieval.change.matching import ProcessMatcher, RiskScorer
from retrieval.change.models import ChangeProposal, IndicatorProposal, ObligationProposal, ProcessMatch, RiskProposal
from retrieval.change.validator import IndicatorValidator
from retrieval.hybrid import HybridRetriever

__all__ = ["MAX_INDICATORS", "MAX_OBLIGATIONS", "MAX_RISKS", "ChangeProposer"]

log = logging.getLogger(__name__)

MAX_RISKS = 12
MAX_OBLIGATIONS = 15
MAX_INDICATORS = 12
#: Risks whose duties are candidates (more than are shown: a duty may matter through a lesser risk).
DUTY_RISKS = 20
#: A risk is kept when its score reaches this share of the best one (fewer, surer risks).
RISK_FLOOR = 0.1


class ChangeProposer:
    """Propose risks, duties and indicators for a change.

    Args:
        catalog: the knowledge base read from the graph.
        clauses: clause texts and successors.
        retriever: hybrid article retrieval over the change text; None to use the graph links only.
        matcher: process-template matcher (give it an embedder to match unseen process names).
        facts: reads substances and equipment against the national catalogues, whose facts then decide
            the conditions of their classes; None: trigger terms only.
        llm: drafts the indicators of duties no library indicator measures with a chat model (in place
            of the templated ones); its drafts pass the same validator. None: templates only.
        max_risks, max_obligations, max_indicators: how many of each a proposal holds.
        floor: share of the best risk's score a risk needs to be proposed (0: every risk with evidence).
    """

    def __init__(
        self,
        catalog: KnowledgeCatalog,
        clauses: ClauseLookup,
        *,
        retriever: HybridRetriever | None = None,
        matcher: ProcessMatcher | None = None,
        facts: FactReader | None = None,
        llm: LlmIndicatorDrafter | None = None,
        max_risks: int = MAX_RISKS,
        max_obligations: int = MAX_OBLIGATIONS,
        max_indicators: int = MAX_INDICATORS,
        floor: float = RISK_FLOOR,
    ) -> None:
        self.catalog = catalog
        self.max_risks = max_risks
        self.max_obligations = max_obligations
        self.max_indicators = max_indicators
        self.floor = floor
        self.llm = llm
        self.retriever = retriever
        self.matcher = matcher or ProcessMatcher(catalog)
        self.risks = RiskScorer(catalog)
        self.hazards = FactRiskReasoner(catalog.hazard_classes)
        self.inferrer = ConditionInferrer(facts=facts)
        self.duties = DutySelector(catalog, clauses)
        self.drafter = IndicatorDrafter(catalog)
        self.validator = IndicatorValidator(catalog, clauses)

    def run(self, scenario: ChangeScenario, existing: Sequence[IndicatorProposal] = ()) -> ChangeProposal:
        """The proposal for one change scenario."""
        started = time.perf_counter()
        change = scenario.change
        profile = scenario.profile()
        conditions = self.inferrer.run(profile, change)
        focus_conditions = self.inferrer.run(EnterpriseProfile(), change)
        templates = self._templates(scenario)
        focus = change.text
        laws = self.catalog.named_regulations(change.description)
        named = self.inferrer.read(change.text)
        before = "\n".join([scenario.enterprise, *(p.text for p in scenario.processes_before)])
        stage = change.process.stage if change.process is not None else ""
        facts = self.hazards.run(named, change_contexts(change.text, stage), known=self.inferrer.read(before))
        scored = self.risks.run(
            focus,
            templates,
            context=profile.text,
            conditions=conditions,
            triggered=focus_conditions,
            established=self.inferrer.established(named),
            laws=laws,
            facts=facts,
            contradicted=self.hazards.contradicted(named, facts),
            substances=[m.text for m in named.substances],
        )
        best = scored[0].score if scored else 0.0
        affected = [r for r in scored if r.score >= self.floor * best]
        risks = affected[: self.max_risks]
        # the risks the change's status brings about lead to duties however they rank
        for_duties = affected[:DUTY_RISKS] + [r for r in affected[DUTY_RISKS:] if r.conditions]
        retrieved = self._retrieve(change.description)
        obligations, dropped = self.duties.run(
            for_duties,
            focus,
            conditions=conditions,
            retrieved=retrieved,
            focus_conditions=focus_conditions,
            laws=laws,
        )
        obligations = obligations[: self.max_obligations]
        drafted = self.drafter.run(obligations, risks, focus)
        notes: list[str] = []
        if self.llm is not None:
            drafted, notes = self._with_llm(drafted, change.description, risks, obligations)
        fits = {r.id for r in affected}
        validated = self._validated(drafted, obligations, existing, change.description, fits)
        indicators = [_chained(scoped(i, risks), obligations, change.description) for i in validated]
        return ChangeProposal(
            id=scenario.id,
            change=change.description,
            conditions=conditions.met,
            processes=templates,
            risks=risks,
            obligations=obligations,
            indicators=indicators,
            dropped=dropped,
            model=self.llm.chat.name if self.llm is not None else None,
            notes=notes,
            unknown=[_unknown(u.text, u.candidates) for u in named.unknown],
            ms=(time.perf_counter() - started) * 1000,
        )

    def _templates(self, scenario: ChangeScenario) -> list[ProcessMatch]:
        change = scenario.change
        if change.process is not None:
            return self.matcher.run(
                change.process.name, f"{change.process.description} {change.description}", sector=scenario.sector
            )
        # no process named: the new or changed process is recognised from the change's own text, so that
        # proposals attach to it, never silently to an existing process the text does not name
        from_text = self.matcher.run("", change.description, top=3, sector=scenario.sector)
        if change.type == "add_process":
            return from_text
        named = [p for p in scenario.processes_before if len(p.name) >= 2 and p.name in change.description]
        if change.type != "regulation_change" and not named:
            return from_text
        found: dict[str, ProcessMatch] = {m.template_id: m for m in from_text}
        for p in named or scenario.processes_before:
            for m in self.matcher.run(p.name, p.description, top=1, sector=scenario.sector):
                if m.template_id not in found or found[m.template_id].score < m.score:
                    found[m.template_id] = m
        # a change of the law touches the processes its text names; keep those with evidence in it
        return sorted(found.values(), key=lambda m: -m.score)[:4]

    def _with_llm(
        self,
        drafted: Sequence[IndicatorProposal],
        change: str,
        risks: Sequence[RiskProposal],
        obligations: Sequence[ObligationProposal],
    ) -> tuple[list[IndicatorProposal], list[str]]:
        """The drafts with the model's indicator in place of each templated one (at its rank and score);
        the library's indicators stay. A failing model leaves the templates, with a note saying why."""
        assert self.llm is not None
        templated = {i.duty_ids[0]: i for i in drafted if i.source == "template" and i.duty_ids}
        wanted = [o for o in obligations if o.duty_id in templated]
        try:
            answer = self.llm.draft(change, risks, wanted)
        except LLMError as e:
            log.warning("LLM drafting failed, templates kept: %s", e)
            return list(drafted), [f"模型草拟失败，保留模板指标：{e}"]
        by_duty = {i.duty_ids[0]: i for i in answer.indicators}
        out = []
        for candidate in drafted:
            llm = by_duty.get(candidate.duty_ids[0]) if candidate.source == "template" and candidate.duty_ids else None
            if llm is None:
                out.append(candidate)
            else:
                risk_ids = llm.risk_ids or candidate.risk_ids
                out.append(llm.model_copy(update={"score": candidate.score, "risk_ids": risk_ids}))
        return out, answer.removed

    def _retrieve(self, text: str) -> list[str]:
        if self.retriever is None:
            return []
        return [hit.key for hit in self.retriever.search(text, k=10).hits]

    def _validated(
        self,
        drafted: Sequence[IndicatorProposal],
        obligations: Sequence[ObligationProposal],
        existing: Sequence[IndicatorProposal],
        change: str,
        affected: Collection[str],
    ) -> list[IndicatorProposal]:
        by_duty = {o.duty_id: o for o in obligations}
        chosen: list[IndicatorProposal] = []
        unfit: list[IndicatorProposal] = []
        for candidate in drafted:
            if len(chosen) >= self.max_indicators:
                break
            # a near-duplicate of an indicator already proposed takes no slot; one of an existing
            # indicator is still shown, with the verdict saying so
            if any(c.name == candidate.name for c in chosen) or not self.validator.distinct(candidate, chosen):
                continue
            checked = self.validator.run(
                candidate, [*existing, *chosen], affected=affected, chosen_duties=list(by_duty)
            )
            if not next(v.ok for v in checked.verdicts if v.rule == "fits_change"):
                # measuring none of the change's risks: shown only when no fitting indicator is left
                unfit.append(checked)
                continue
            chosen.append(checked)
        return chosen + unfit[: self.max_indicators - len(chosen)]


def _chained(indicator: IndicatorProposal, obligations: Sequence[ObligationProposal], change: str) -> IndicatorProposal:
    """The indicator with its evidence chain: change → risk → duty (the clause quoted) → indicator, by its
    final name (the one the expert reads)."""
    by_duty = {o.duty_id: o for o in obligations}
    chain = [f"变更：{change[:60]}"]
    for duty_id in indicator.duty_ids[:2]:
        ob = by_duty.get(duty_id)
        if ob is not None:
            chain += [f"风险：{r}" for r in ob.risks[:1]]
            chain.append(f"义务：《{ob.law}》第{ob.article}条“{ob.quote[:80]}”")
    chain.append(f"指标：{indicator.name}")
    return indicator.model_copy(update={"chain": chain})


def _unknown(name: str, candidates: Sequence[str]) -> str:
    """An unknown name as the expert reads it: not in the catalogues, and the closest names that are."""
    closest = f"；相近：{'、'.join(candidates)}" if candidates else ""
    return f"{name}（国家目录未收录此名称，请核实{closest}）"
