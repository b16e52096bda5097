"""From the affected risks and the applicable duties to candidate indicators, one per risk first.

An expert expects a short list in which each affected risk is measured once, most important risk first:
the library's indicators are scored by how much of what they measure the change affects (the risks and
duties they measure, weighted by rank), how well their name fits the change, and rates are preferred to
counts of violations; then a greedy pass discounts every further indicator whose main risk is already
measured. A chosen duty no library indicator measures gets a templated one: "{主题}{动作}率" ≥ 100% for
应当/必须, "{主题}违规发生次数" ≤ 0 for a prohibition. :func:`scoped` names an indicator measuring a risk that
the catalogues' facts of the change bring for those facts (…检测点合格率（甲苯、丁酮）).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kg.models import RatingBands
from retrieval.change.catalog import KnowledgeCatalog
from retrieval.change.duties import level_for, to_article
from retrieval.change.inputs import LawArticle
from retrieval.change.models import IndicatorProposal, ObligationProposal, RiskProposal
from retrieval.change.text import bigrams, contains_any, dice

__all__ = ["IndicatorDrafter", "scoped"]

#: Scoring of library indicators (chosen on the change dev set, see evals/README.md).
RISK_WEIGHT = 1.0  # the best affected risk the indicator measures
FOCUS_SHARE = 0.5  # share of the indicator's measured risks that the change affects
DUTY_WEIGHT = 0.5  # the best chosen duty it measures
NAME_WEIGHT = 1.5  # bigram overlap of its name with the change and the risk names
RATE_BONUS = 0.2  # a rate to reach rather than a count of violations
DIVERSITY = 0.7  # each indicator already chosen for the same main risk discounts the next
TEMPLATE_WEIGHT = 0.6  # a templated indicator against a library one

#: Action words of a duty → the rate its templated indicator measures.
_ACTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("检测", "监测", "评价"), "检测完成率"),
    (("培训", "教育"), "培训合格率"),
    (("备案", "申报", "报告", "公开", "披露", "报批", "申领", "登记"), "按期完成率"),
    (("检查", "巡查", "点检", "维护", "保养"), "检查完成率"),
    (("配备", "设置", "安装", "配置"), "配备率"),
    (("验收", "三同时"), "验收完成率"),
)


@dataclass(frozen=True)
class _Candidate:
    proposal: IndicatorProposal
    main: str


class IndicatorDrafter:
    """Candidate indicators for the chosen duties and risks, best first.

    Args:
        catalog: the knowledge base.
    """

    def __init__(self, catalog: KnowledgeCatalog) -> None:
        self.catalog = catalog

    def run(
        self, obligations: Sequence[ObligationProposal], risks: Sequence[RiskProposal], focus: str
    ) -> list[IndicatorProposal]:
        """Candidates, best first (not yet validated)."""
        top_duty = max((o.score for o in obligations), default=1.0) or 1.0
        duty_score = {o.duty_id: o.score / top_duty for o in obligations}
        top_risk = max((r.score for r in risks), default=1.0) or 1.0
        risk_score = {r.id: r.score / top_risk for r in risks}
        context = bigrams(" ".join([focus, *(r.name for r in risks[:6])]))
        found = [c for iid in self.catalog.indicators if (c := self._library(iid, duty_score, risk_score, context))]
        covered = {d for c in found for d in c.proposal.duty_ids}
        for ob in obligations:
            if ob.duty_id not in covered:
                found.append(self._template(ob, TEMPLATE_WEIGHT * duty_score[ob.duty_id], focus, risk_score))
        return _diversified(found)

    def _library(
        self, iid: str, duty_score: dict[str, float], risk_score: dict[str, float], context: set[str]
    ) -> _Candidate | None:
        props = self.catalog.indicators[iid]
        measured = self.catalog.indicator_risks.get(iid, [])
        risks = sorted((r for r in measured if r in risk_score), key=lambda r: -risk_score[r])
        duties = [d for d in self.catalog.indicator_duties.get(iid, []) if d in duty_score]
        if not duties and not risks:
            return None
        name = str(props["name"])
        score = RISK_WEIGHT * (risk_score[risks[0]] if risks else 0.0)
        score += FOCUS_SHARE * len(risks) / max(len(measured), 1)
        score += DUTY_WEIGHT * max((duty_score[d] for d in duties), default=0.0)
        score += NAME_WEIGHT * dice(name, context) + RATE_BONUS * (props.get("comparator") == ">=")
        cited = duties or self.catalog.indicator_duties.get(iid, [])[:2]
        cites = [to_article(self.catalog.primary_article(self.catalog.duties[d])) for d in cited]
        bands = props.get("bands")
        proposal = IndicatorProposal(
            name=name,
            level=str(props.get("level", "")),
            target=props.get("target"),
            comparator=props.get("comparator"),
            unit=str(props.get("unit", "")),
            bands=RatingBands.model_validate_json(bands) if isinstance(bands, str) else bands,
            metric=str(props.get("metric", "")),
            method=str(props.get("method") or ""),
            data_source=str(props.get("data_source", "")),
            owner=str(props.get("owner", "")),
            cites=list(dict.fromkeys(cites)),
            duty_ids=duties or cited,
            risk_ids=risks,
            source="library",
            library_id=iid,
            score=round(score, 4),
        )
        # the risk it measures most specifically (by name) is the one it stands for in the list
        main = max(risks, key=lambda r: (dice(name, str(self.catalog.risks[r]["name"])), risk_score[r]), default="")
        return _Candidate(proposal, main or f"duty:{duties[0]}")

    def _template(self, ob: ObligationProposal, score: float, focus: str, risk_score: dict[str, float]) -> _Candidate:
        duty = self.catalog.duties[ob.duty_id]
        topic = next((t for t in duty.topics if contains_any(focus, [t])), duty.topics[0] if duty.topics else "")
        topic = topic or duty.action[:12]
        prohibition = duty.is_prohibition
        rate = next((r for words, r in _ACTIONS if contains_any(duty.action, words)), "落实率")
        name = f"{topic}违规发生次数" if prohibition else f"{topic}{rate}"
        target, comparator, unit = (0.0, "<=", "次") if prohibition else (100.0, ">=", "%")
        proposal = IndicatorProposal(
            name=name,
            level=level_for(name),
            target=target,
            comparator=comparator,
            unit=unit,
            bands=RatingBands(excellent=target, qualified=target),
            metric="违规发生次数（起）" if prohibition else f"按要求完成“{topic}”的次数/应完成次数×100%",
            method="月度考核",
            data_source="检查记录、台账及相关文件",
            owner="安全环保部经理",
            cites=[LawArticle(law=ob.law, article=ob.article)],
            duty_ids=[ob.duty_id],
            risk_ids=[],
            source="template",
            score=round(score, 4),
        )
        affected = [r for r in self.catalog.risks_of_duty.get(ob.duty_id, []) if r in risk_score]
        main = max(affected, key=lambda r: risk_score[r]) if affected else f"duty:{ob.duty_id}"
        if affected:
            proposal = proposal.model_copy(update={"risk_ids": [main]})
        return _Candidate(proposal, main)


def scoped(proposal: IndicatorProposal, risks: Sequence[RiskProposal]) -> IndicatorProposal:
    """The indicator named for what the change names that brings its risks (职业病危害因素检测点合格率（甲苯、丁酮）),
    so the expert sees what it is to watch (after validation: the suffix is no part of what it measures)."""
    facts = {r.id: r.facts for r in risks if r.facts}
    about = list(dict.fromkeys(e for r in proposal.risk_ids for e in facts.get(r, [])))
    about = [e for e in about if e not in proposal.name and not any(e != o and e in o for o in about)][:3]
    if not about:
        return proposal
    return proposal.model_copy(update={"name": f"{proposal.name}（{'、'.join(about)}）"})


def _diversified(candidates: Sequence[_Candidate]) -> list[IndicatorProposal]:
    """Best first, each further indicator of an already measured main risk discounted by ``DIVERSITY``."""
    left = sorted(candidates, key=lambda c: (-c.proposal.score, c.proposal.name))
    chosen: dict[str, int] = {}
    out: list[IndicatorProposal] = []
    while left:
        best = max(left, key=lambda c: c.proposal.score * DIVERSITY ** chosen.get(c.main, 0))
        left.remove(best)
        chosen[best.main] = chosen.get(best.main, 0) + 1
        out.append(best.proposal)
    return out
