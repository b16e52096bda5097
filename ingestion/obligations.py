"""Deterministic extraction of duties from statute articles: who must or must not do what, when.

A duty is a sentence (split at 。；) carrying one of the modal words 应当 / 必须 / 须 / 不得 / 禁止 /
严禁. Its subject is the actor phrase before the modal word (or the last subject named earlier in
the same article, or the subject of the paragraph that introduces a list of items); a leading
``…的，`` or ``…时，`` clause is its condition; the rest of the sentence is the action. Items (项) under
a paragraph that ends with ``：`` and carries a modal inherit that paragraph's subject and modality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.statutes import Article, Statute
from kg.models import Modality

__all__ = ["AUTHORITY_SUFFIXES", "ExtractedObligation", "extract_obligations"]

# Longest first, so 必须 is not read as 须 and 严禁 not as 禁止.
_MODALS = ("严禁", "禁止", "不得", "必须", "应当", "须")
_MODAL_RE = re.compile("|".join(_MODALS))
_MODAL_OF: dict[str, Modality] = {
    "严禁": "严禁",
    "禁止": "禁止",
    "不得": "不得",
    "必须": "必须",
    "应当": "应当",
    "须": "须",
}
# 须 only counts as a modal where it is not part of another word.
_NOT_MODAL_XU = re.compile(r"须知|无须|毋须|必需|须要")
_SENTENCE_RE = re.compile(r"[^。；;]+[。；;]?")
_ACTORS = r"(?:单位|企业|经营者|负责人|人员|劳动者|机构|部门|政府|个人|组织|使用者|承包方|发包方|者)"
_SUBJECT_RE = re.compile(rf"^([^，,。]{{1,40}}?{_ACTORS})")
_SUBJECT_GREEDY_RE = re.compile(rf"^([^，,。]{{1,40}}{_ACTORS})")
_CONDITION_RE = re.compile(r"^(.{2,80}?(?:的|时|后|前|中))[，,]")
# A phrase opening with these is a circumstance ("对未利用地应当…"), never the actor.
_PREPOSITIONS = ("对", "在", "因", "为", "经", "按照", "依照", "根据", "除", "自", "从", "于")
AUTHORITY_SUFFIXES = ("人民政府", "部门", "机关", "国务院", "法院", "检察院", "委员会")


@dataclass(frozen=True)
class ExtractedObligation:
    """One duty found in a clause, with its exact provenance.

    Attributes:
        law: regulation id. article / paragraph / item: where (1-based; item None for a paragraph).
        index: position of the sentence within its paragraph or item (0-based).
        subject: the actor; ``""`` when the text names none and none could be inherited.
        modality: the modal word. action: what must (not) be done. condition: when it applies.
        sentence: the sentence as written. authority: whether the subject is a public authority.
    """

    law: str
    article: int
    paragraph: int
    item: int | None
    index: int
    subject: str
    modality: Modality
    action: str
    condition: str
    sentence: str
    authority: bool

    @property
    def clause_id(self) -> str:
        """Id of the clause the duty sits in (paragraph or item level)."""
        tail = f".{self.item}" if self.item is not None else ""
        return f"{self.law}#{self.article}.{self.paragraph}{tail}"

    @property
    def id(self) -> str:
        """Stable id of the extracted obligation."""
        return f"x:{self.clause_id}:{self.index}"


def _find_modal(sentence: str) -> re.Match[str] | None:
    for match in _MODAL_RE.finditer(sentence):
        if match.group(0) == "须":
            window = sentence[max(0, match.start() - 1) : match.end() + 1]
            if _NOT_MODAL_XU.search(window):
                continue
        return match
    return None


def _split_subject(pre: str, inherited: str) -> tuple[str, str]:
    """(subject, condition) from the text before the modal word.

    "X…的，应当" (pre ends in 的/时/后): X is the subject, the rest the condition. Otherwise the
    longest leading actor phrase is the subject ("生产经营单位的特种作业人员"), so that possessives and
    coordinated actors stay whole.
    """
    pre = pre.strip().rstrip("，, ")
    condition = ""
    lead = _CONDITION_RE.match(pre)
    if lead and not _SUBJECT_RE.match(pre[: lead.end(1)]):
        # "因…的，X应当" / "在…时，X应当": the leading clause is the condition
        condition, pre = lead.group(1), pre[lead.end() :].strip()
    matcher = _SUBJECT_RE if pre.endswith(("的", "时", "后")) else _SUBJECT_GREEDY_RE
    subject_match = matcher.match(pre)
    if subject_match:
        subject = subject_match.group(1)
        rest = pre[subject_match.end() :].strip("，, ")
        if rest:
            condition = f"{condition}，{rest}" if condition else rest
        return subject, condition
    if pre and len(pre) <= 12 and not condition and not pre.startswith(_PREPOSITIONS):
        return pre, ""
    if pre:
        condition = f"{condition}，{pre}" if condition else pre
    return inherited, condition


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]


def _from_sentence(
    law: str, article: Article, where: tuple[int, int | None, int], sentence: str, inherited: str
) -> ExtractedObligation | None:
    modal = _find_modal(sentence)
    if modal is None:
        return None
    subject, condition = _split_subject(sentence[: modal.start()], inherited)
    action = sentence[modal.end() :].strip().rstrip("。；;")
    if not action:
        return None
    paragraph, item, index = where
    return ExtractedObligation(
        law=law,
        article=article.number,
        paragraph=paragraph,
        item=item,
        index=index,
        subject=subject,
        modality=_MODAL_OF[modal.group(0)],
        action=action,
        condition=condition,
        sentence=sentence,
        authority=subject.endswith(AUTHORITY_SUFFIXES),
    )


def _article_obligations(law: str, article: Article) -> list[ExtractedObligation]:
    out: list[ExtractedObligation] = []
    subject = ""
    for p_no, paragraph in enumerate(article.paragraphs, start=1):
        lead: ExtractedObligation | None = None
        for s_no, sentence in enumerate(_sentences(paragraph.text)):
            found = _from_sentence(law, article, (p_no, None, s_no), sentence, subject)
            if found is not None:
                out.append(found)
                subject = found.subject or subject
                lead = found
        for i_no, item in enumerate(paragraph.items, start=1):
            for s_no, sentence in enumerate(_sentences(item)):
                found = _from_sentence(law, article, (p_no, i_no, s_no), sentence, subject)
                if found is None and lead is not None and paragraph.text.rstrip().endswith(("：", ":")):
                    # a list introduced by "X应当…：" — each item is one of X's duties
                    action = f"{lead.action.rstrip('：:')}：{sentence.rstrip('。；;')}"
                    found = ExtractedObligation(
                        law, article.number, p_no, i_no, s_no, lead.subject, lead.modality, action, lead.condition,
                        sentence, lead.authority,
                    )  # fmt: skip
                if found is not None:
                    out.append(found)
    return out


def extract_obligations(statute: Statute) -> list[ExtractedObligation]:
    """All duties of a statute, in article order."""
    out: list[ExtractedObligation] = []
    for number in sorted(statute.articles):
        out.extend(_article_obligations(statute.name, statute.articles[number]))
    return out
