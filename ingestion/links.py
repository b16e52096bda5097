"""Links from extracted duties to the penalties that enforce them and to the knowledge base.

Every link carries a score in [0, 1] and a reason a reviewer can check.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ingestion.numerals import chinese_to_int
from ingestion.obligations import ExtractedObligation
from ingestion.statutes import Article, Statute
from ingestion.textsim import bigrams, dice
from kg.corpus import KnowledgeBase

__all__ = ["Link", "knowledge_base_links", "penalty_links"]

_REF_RE = re.compile(r"本(?:法|条例|办法|规定|法典)第([零〇一二三四五六七八九十百千两]+)条")
_OFFENCE_NOISE = re.compile(r"^(?:未|不|没有)?(?:按照|依照)?(?:规定|本法规定)?|的[；。;]?$")
PENALTY_WORDS = ("罚款", "责令", "吊销", "没收", "拘留", "处分", "追究刑事责任")
MIN_PENALTY_SCORE = 0.45
# Offences shorter than this (in bigrams) are too generic to compare ("违反本法规定的").
MIN_OFFENCE_BIGRAMS = 6


@dataclass(frozen=True)
class Link:
    """A scored, explained link from an extracted duty to another node (by id)."""

    source: str
    target: str
    score: float
    reason: str


def is_penalty_article(article: Article) -> bool:
    """Articles of the 法律责任 chapter, or any article sanctioning a breach."""
    text = article.text
    return "法律责任" in article.chapter or ("违反" in text and any(w in text for w in PENALTY_WORDS))


def _offences(article: Article) -> list[tuple[str, str]]:
    """(clause id suffix, offence text) of a penalty article: its items, else its first sentence."""
    out: list[tuple[str, str]] = []
    for p_no, paragraph in enumerate(article.paragraphs, start=1):
        for i_no, item in enumerate(paragraph.items, start=1):
            out.append((f"{article.number}.{p_no}.{i_no}", item))
        if not paragraph.items:
            out.append((f"{article.number}.{p_no}", paragraph.text.split("，")[0]))
    return out


def penalty_links(statute: Statute, duties: Sequence[ExtractedObligation]) -> list[Link]:
    """Link each duty of ``statute`` to the penalty clauses that sanction breaking it.

    An offence naming an article ("违反本法第二十八条规定", "未采取本法第二十条规定的…") links to the
    duties of that article with score 1.0; otherwise the offence text is compared with the actions of
    the duties outside the penalty articles (character-bigram Dice) and the best duty is linked when
    the score reaches :data:`MIN_PENALTY_SCORE`.
    """
    penalty_articles = {n for n, a in statute.articles.items() if is_penalty_article(a)}
    by_article: dict[int, list[ExtractedObligation]] = defaultdict(list)
    for duty in duties:
        if not duty.authority and duty.article not in penalty_articles:
            by_article[duty.article].append(duty)
    candidates = [(bigrams(d.action), d) for ds in by_article.values() for d in ds]
    links: dict[tuple[str, str], Link] = {}
    for number in sorted(penalty_articles):
        for suffix, offence in _offences(statute.articles[number]):
            target = f"{statute.name}#{suffix}"
            refs = _REF_RE.findall(offence)
            for ref in refs:
                for duty in by_article.get(chinese_to_int(ref), []):
                    _keep(links, Link(duty.id, target, 1.0, f"罚则明文引用第{ref}条"))
            if refs or not candidates:
                continue
            core = bigrams(_OFFENCE_NOISE.sub("", offence))
            if len(core) < MIN_OFFENCE_BIGRAMS:
                continue
            score, best = max(((_dice_sets(core, b), d) for b, d in candidates), key=lambda x: x[0])
            if score >= MIN_PENALTY_SCORE:
                reason = f"罚则“{offence[:30]}”与义务文字相近（Dice {score:.2f}）"
                _keep(links, Link(best.id, target, round(score, 3), reason))
    return list(links.values())


def _dice_sets(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if len(a) >= MIN_OFFENCE_BIGRAMS and len(b) >= 3 else 0.0


def knowledge_base_links(duties: Sequence[ExtractedObligation], kb: KnowledgeBase) -> tuple[list[Link], list[Link]]:
    """(obligation links, risk links) from extracted duties into the knowledge base.

    A knowledge-base duty citing the same article links with 0.7 (same paragraph: 0.85) plus up to
    0.15 for similar wording; the risks governed by that duty link through it, scaled by 0.9.
    Historical citations link the same way with a lower base (0.6).
    """
    cited: dict[str, list[tuple[str, int | None, float]]] = defaultdict(list)
    for ob in kb.obligations:
        for refs, base in ((ob.cites, 0.7), (ob.historical, 0.6)):
            for ref in refs:
                cited[ref.clause_id].append((ob.id, ref.paragraph, base))
    actions = {ob.id: ob.action for ob in kb.obligations}
    risks_of: dict[str, list[str]] = defaultdict(list)
    for risk in kb.risks:
        for oid in risk.obligations:
            risks_of[oid].append(risk.id)
    ob_links: dict[tuple[str, str], Link] = {}
    risk_links: dict[tuple[str, str], Link] = {}
    for duty in duties:
        for kb_id, paragraph, base in cited.get(f"{duty.law}#{duty.article}", []):
            if paragraph is not None and paragraph != duty.paragraph:
                continue
            score = round(min(1.0, base + (0.15 if paragraph else 0.0) + 0.15 * dice(duty.action, actions[kb_id])), 3)
            where = f"第{duty.article}条" + (f"第{paragraph}款" if paragraph else "")
            _keep(ob_links, Link(duty.id, kb_id, score, f"知识库义务 {kb_id} 引用{where}"))
            for risk_id in risks_of.get(kb_id, []):
                _keep(risk_links, Link(duty.id, risk_id, round(score * 0.9, 3), f"经知识库义务 {kb_id}"))
    return list(ob_links.values()), list(risk_links.values())


def _keep(links: dict[tuple[str, str], Link], link: Link) -> None:
    key = (link.source, link.target)
    if key not in links or links[key].score < link.score:
        links[key] = link
