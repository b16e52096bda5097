"""From the affected risks (and retrieved articles) to the applicable duties, ranked.

Duties come from the risks' ``GOVERNED_BY`` links (most relevant to the risk first) and from hybrid
retrieval over the change text (articles → the knowledge-base duties deriving from them). A duty scores
by the best risk leading to it, a little more for every further risk, and the evidence of the change
itself: its articles retrieved, its topics named, its conditions brought about, its regulation named.
A duty whose ``applies_if`` conditions the enterprise does not meet is dropped with its reason. Each
duty is cited by its current article; older articles stay as history only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from retrieval.change.catalog import CatalogDuty, ClauseLookup, KnowledgeCatalog, article_key
from retrieval.change.conditions import Conditions, duty_applies
from retrieval.change.inputs import LawArticle
from retrieval.change.models import ObligationProposal, RiskProposal
from retrieval.change.text import contains_any, hits

__all__ = ["DutySelector", "level_for", "to_article"]

#: Ranking of duties, chosen on the change dev set (see evals/README.md). A duty scores by the best
#: risk leading to it (the risk's score relative to the best one, discounted by the duty's place in the
#: risk's duties, most relevant first), plus a little for each further risk leading to it, plus the
#: evidence of the change text itself: retrieved articles, topics named, conditions it brings about,
#: the regulation it names.
POSITION_DECAY = 0.6
EXTRA_PATH = 0.3
RETRIEVAL_WEIGHT = 1.2
TOPIC_WEIGHT = 0.4
CONDITION_WEIGHT = 0.3
LAW_DUTY_WEIGHT = 0.5
#: The kind of change brings its own duties: 四新 (new processes, materials, equipment: 安全生产法 第二十九条)
#: and a construction project's (环评, 三同时, 职业病危害预评价, 消防设计审查 …). Of the duties a kind governs
#: that apply, each regulation's one nearest the change text is a candidate at this score, whether or not
#: a risk leads to it (a regulation's project duties form one cluster: one stands for them). Chosen on both
#: development sets (see evals/README.md): change_dev obligations 0.761 → 0.718, evals/dev2 0.495 → 0.533.
CHANGE_DUTY = 0.8
_CHANGE_KINDS = ("四新", "建设项目")

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
        laws: Collection[str] = (),
    ) -> tuple[list[ObligationProposal], list[str]]:
        """The applicable duties (one per article, best first) and the dropped ones with the reason.

        Args:
            risks: the affected risks, best first.
            focus: the text of the change.
            conditions: the conditions the enterprise meets (None: unknown, every duty applies).
            retrieved: article keys retrieved for the change text, best first.
            focus_conditions: the conditions the change text itself brings about.
            laws: regulations the change names; their duties weigh more.
        """
        scored = self._candidates(risks, focus, retrieved, focus_conditions, laws, conditions)
        kept: dict[str, _Scored] = {}
        dropped: list[str] = []
        for item in sorted(scored.values(), key=lambda s: (-s.score, s.duty.id)):
            ok, missing = duty_applies(item.duty.applies_if, conditions)
            if not ok:
                dropped.append(f"{item.duty.id}：不满足适用条件 {'、'.join(missing)}")
                continue
            key = self.catalog.primary_article(item.duty)
            if key not in kept:
                kept[key] = item
        return [self._proposal(key, item) for key, item in kept.items()], dropped

    def _candidates(
        self,
        risks: Sequence[RiskProposal],
        focus: str,
        retrieved: Sequence[str],
        focus_conditions: Conditions | None,
        laws: Collection[str],
        conditions: Conditions | None,
    ) -> dict[str, _Scored]:
        top = max((r.score for r in risks), default=1.0) or 1.0
        paths: dict[str, list[float]] = {}
        via: dict[str, list[str]] = {}
        evidence: dict[str, list[str]] = {}
        for risk in risks:
            # a duty's place counts among the risk's duties that apply to the enterprise; the others
            # stay candidates so that the proposal says why they were left out
            position = 0
            for duty_id in self.catalog.risk_duties.get(risk.id, []):
                if duty_id not in self.catalog.duties:
                    continue
                weight = risk.score / top / (1 + POSITION_DECAY * position)
                position += duty_applies(self.catalog.duties[duty_id].applies_if, conditions)[0]
                paths.setdefault(duty_id, []).append(weight)
                via.setdefault(duty_id, []).append(risk.name)
                evidence.setdefault(duty_id, []).append(f"风险：{risk.name}")
        found: dict[str, float] = {}
        for rank, key in enumerate(retrieved):
            for duty_id in self.catalog.duties_by_article.get(article_key(key), []):
                if duty_id in self.catalog.duties and duty_id not in found:
                    found[duty_id] = RETRIEVAL_WEIGHT / (1 + rank / 3)
                    evidence.setdefault(duty_id, []).append(f"检索命中：{key}")
        own = self._change_duties(focus, focus_conditions, conditions)
        for duty_id, kinds in own.items():
            evidence.setdefault(duty_id, []).append(f"变更性质：{kinds}")
        out: dict[str, _Scored] = {}
        for duty_id in dict.fromkeys([*paths, *found, *own]):
            duty = self.catalog.duties[duty_id]
            ranked = sorted(paths.get(duty_id, []), reverse=True)
            score = max(ranked[0] if ranked else 0.0, CHANGE_DUTY if duty_id in own else 0.0)
            score += EXTRA_PATH * sum(ranked[1:4]) + found.get(duty_id, 0.0)
            terms = hits((*duty.topics, *duty.key_terms), focus)
            score += TOPIC_WEIGHT * min(len(terms), 3)
            if focus_conditions is not None and duty.applies_if:
                score += CONDITION_WEIGHT * all(c in focus_conditions for c in duty.applies_if)
            if laws and self.catalog.cites_any(duty, laws):
                score += LAW_DUTY_WEIGHT
            notes = [*evidence.get(duty_id, [])] + ([f"主题：{'、'.join(terms)}"] if terms else [])
            out[duty_id] = _Scored(duty, score, tuple(dict.fromkeys(via.get(duty_id, []))), tuple(notes))
        return out

    def _change_duties(
        self, focus: str, focus_conditions: Conditions | None, conditions: Conditions | None
    ) -> dict[str, str]:
        """Per regulation and kind, the applicable duty of the change's own kinds nearest the change text."""
        if focus_conditions is None:
            return {}
        best: dict[str, tuple[tuple[int, int], str, str]] = {}
        for duty in self.catalog.duties.values():
            kinds = [c for c in duty.applies_if if c in _CHANGE_KINDS]
            if not kinds or not all(c in focus_conditions for c in kinds):
                continue
            if not duty_applies(duty.applies_if, conditions)[0]:
                continue
            law, _, number = self.catalog.primary_article(duty).rpartition("#")
            near = len(hits((*duty.topics, *duty.key_terms), focus))
            rank = (-near, int(number))
            slot = f"{law}/{'、'.join(kinds)}"
            if slot not in best or rank < best[slot][0]:
                best[slot] = (rank, duty.id, "、".join(kinds))
        return {duty_id: kinds for _, duty_id, kinds in best.values()}

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
