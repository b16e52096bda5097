"""From risks (and retrieved articles) to the applicable duties, and from duties to candidate indicators.

Duties come from the risks' ``GOVERNED_BY`` links and from hybrid retrieval over the change text
(articles → the knowledge-base duties deriving from them). A duty whose ``applies_if`` conditions the
enterprise does not meet is dropped with its reason. Each duty is cited by its current article; older
articles stay as history only.

Indicators are the library's indicators measuring the chosen duties or risks, and, for duties no
library indicator measures, a templated one: "{对象}{执行}率" ≥ 100% for 应当/必须, "{对象}违规发生次数"
≤ 0 for a prohibition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kg.models import RatingBands
from retrieval.change.catalog import CatalogDuty, ClauseLookup, KnowledgeCatalog, article_key
from retrieval.change.conditions import Conditions, duty_applies
from retrieval.change.inputs import LawArticle
from retrieval.change.models import IndicatorProposal, ObligationProposal, RiskProposal
from retrieval.change.text import contains_any, dice, hits

__all__ = ["DutySelector", "IndicatorDrafter", "level_for", "to_article"]

_POST_WORDS = ("持证", "佩戴", "点检", "操作", "班前", "上岗", "培训", "岗位", "作业人员", "监护")
_ENTERPRISE_WORDS = ("许可", "环评", "备案", "申报", "验收", "审核", "预案", "公开", "披露", "三同时", "责任制", "检测")


def to_article(key: str) -> LawArticle:
    """``<law>#<article>`` as a :class:`LawArticle`."""
    law, _, number = article_key(key).rpartition("#")
    return LawArticle(law=law, article=int(number))


def level_for(name: str) -> str:
    """The level an indicator belongs to, from the words of its name."""
    if contains_any(name, _POST_WORDS):
        return "岗位"
    if contains_any(name, _ENTERPRISE_WORDS):
        return "企业"
    return "部门"


@dataclass(frozen=True)
class _Scored:
    duty: CatalogDuty
    score: float
    risks: tuple[str, ...]
    evidence: tuple[str, ...]


class DutySelector:
    """Rank the applicable duties for a change.

    Args:
        catalog: the knowledge base.
        clauses: clause texts for the quotes.
    """

    def __init__(self, catalog: KnowledgeCatalog, clauses: ClauseLookup) -> None:
        self.catalog = catalog
        self.clauses = clauses

    def run(
        self,
        risks: Sequence[RiskProposal],
        focus: str,
        *,
        conditions: Conditions | None,
        retrieved: Sequence[str] = (),
        focus_conditions: Conditions | None = None,
    ) -> tuple[list[ObligationProposal], list[str]]:
        """The applicable duties (one per article, best first) and the dropped ones with the reason."""
        scored = self._candidates(risks, focus, retrieved, focus_conditions)
        kept: dict[str, _Scored] = {}
        dropped: list[str] = []
        for item in sorted(scored.values(), key=lambda s: -s.score):
            ok, missing = duty_applies(item.duty.applies_if, conditions)
            if not ok:
                dropped.append(f"{item.duty.id}：不满足适用条件 {'、'.join(missing)}")
                continue
            key = self.catalog.primary_article(item.duty)
            if key not in kept:
                kept[key] = item
        return [self._proposal(key, item) for key, item in kept.items()], dropped

    def _candidates(
        self, risks: Sequence[RiskProposal], focus: str, retrieved: Sequence[str], focus_conditions: Conditions | None
    ) -> dict[str, _Scored]:
        top = max((r.score for r in risks), default=1.0) or 1.0
        out: dict[str, _Scored] = {}

        def add(duty_id: str, score: float, risk: str | None, why: str) -> None:
            duty = self.catalog.duties.get(duty_id)
            if duty is None:
                return
            old = out.get(duty_id)
            risks_ = (*old.risks, risk) if old and risk else (old.risks if old else ((risk,) if risk else ()))
            evidence = (*old.evidence, why) if old else (why,)
            out[duty_id] = _Scored(duty, (old.score if old else 0.0) + score, tuple(dict.fromkeys(risks_)), evidence)

        for risk in risks:
            for duty_id in self.catalog.risk_duties.get(risk.id, []):
                add(duty_id, risk.score / top, risk.name, f"风险：{risk.name}")
        for rank, key in enumerate(retrieved):
            for duty_id in self.catalog.duties_by_article.get(article_key(key), []):
                add(duty_id, 1.2 / (1 + rank / 3), None, f"检索命中：{key}")
        for duty_id, item in list(out.items()):
            terms = hits((*item.duty.topics, *item.duty.key_terms), focus)
            bonus = 0.4 * min(len(terms), 3)
            if focus_conditions is not None:
                bonus += 0.6 * sum(c in focus_conditions for c in item.duty.applies_if)
            if bonus:
                out[duty_id] = _Scored(
                    item.duty, item.score + bonus, item.risks, (*item.evidence, f"主题：{'、'.join(terms)}")
                )
        return out

    def _proposal(self, key: str, item: _Scored) -> ObligationProposal:
        clause = self.clauses.clause(key) or {}
        article = to_article(key)
        history = [to_article(h) for h in item.duty.historical if article_key(h) != key]
        return ObligationProposal(
            duty_id=item.duty.id,
            law=article.law,
            article=article.article,
            quote=str(clause.get("text", ""))[:400],
            subject=item.duty.subject,
            modality=item.duty.modality,
            action=item.duty.action,
            score=round(item.score, 4),
            risks=list(item.risks),
            history=list(dict.fromkeys(history)),
            evidence=list(dict.fromkeys(item.evidence)),
        )


class IndicatorDrafter:
    """Candidate indicators for the chosen duties and risks: library ones first, then templated ones.

    Args:
        catalog: the knowledge base.
    """

    def __init__(self, catalog: KnowledgeCatalog) -> None:
        self.catalog = catalog

    def run(
        self, obligations: Sequence[ObligationProposal], risks: Sequence[RiskProposal], focus: str
    ) -> list[IndicatorProposal]:
        """Candidates, best first (not yet validated)."""
        duty_score = {o.duty_id: o.score for o in obligations}
        top_risk = max((r.score for r in risks), default=1.0) or 1.0
        risk_score = {r.id: r.score / top_risk for r in risks}
        out = [p for iid in self.catalog.indicators if (p := self._library(iid, duty_score, risk_score, focus))]
        covered = {d for p in out for d in p.duty_ids}
        top_duty = max(duty_score.values(), default=1.0) or 1.0
        for ob in obligations:
            if ob.duty_id not in covered:
                out.append(self._template(ob, ob.score / top_duty * 0.8, focus))
        out.sort(key=lambda p: -p.score)
        return out

    def _library(
        self, iid: str, duty_score: dict[str, float], risk_score: dict[str, float], focus: str
    ) -> IndicatorProposal | None:
        props = self.catalog.indicators[iid]
        duties = [d for d in self.catalog.indicator_duties.get(iid, []) if d in duty_score]
        risks = [r for r in self.catalog.indicator_risks.get(iid, []) if r in risk_score]
        if not duties and not risks:
            return None
        top_duty = max(duty_score.values(), default=1.0) or 1.0
        score = max((duty_score[d] / top_duty for d in duties), default=0.0)
        score += max((risk_score[r] for r in risks), default=0.0) + 2.0 * dice(str(props["name"]), focus)
        cites = [to_article(self.catalog.primary_article(self.catalog.duties[d])) for d in duties]
        bands = props.get("bands")
        return IndicatorProposal(
            name=str(props["name"]),
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
            duty_ids=duties,
            risk_ids=risks,
            source="library",
            library_id=iid,
            score=round(score, 4),
        )

    def _template(self, ob: ObligationProposal, score: float, focus: str) -> IndicatorProposal:
        duty = self.catalog.duties[ob.duty_id]
        topic = next((t for t in duty.topics if contains_any(focus, [t])), duty.topics[0] if duty.topics else "")
        topic = topic or duty.action[:12]
        prohibition = duty.is_prohibition
        name = f"{topic}违规发生次数" if prohibition else f"{topic}执行率"
        target, comparator, unit = (0.0, "<=", "次") if prohibition else (100.0, ">=", "%")
        return IndicatorProposal(
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
