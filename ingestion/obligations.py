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
# "者" ends an actor (经营者, 使用者) but not "或者"
_ACTORS = (
    r"(?:单位|企业|负责人|人员|劳动者|机构|机关|部门|政府|委员会|个人|组织|承包方|发包方|行业|船舶|媒体|(?<!工)厂"
    r"|(?<!或)者|(?<![个他])人(?![民单员事]))"
)
_SUBJECT_RE = re.compile(rf"^([^，,。]{{0,40}}?{_ACTORS})")
_ACTOR_END_RE = re.compile(_ACTORS)
_CONDITION_RE = re.compile(r"^(.{2,80}?(?:的|时|后|前|中))[，,]")
# A phrase opening with these is a circumstance ("对未利用地应当…"), never the actor.
_PREPOSITIONS = ("对", "在", "因", "为了", "经", "按照", "依照", "根据", "除")
# A verb between two actor words means the second is an object ("主管部门发现重点排污单位").
_VERB_RE = re.compile(
    r"发现|委托|使用|对|从事|进行|采用|接到|向|将|把|按照|依照|应当|(?<!所)在|发生|造成|违反|取得|申请|承担|由"
)
# "应当包括下列内容" / "应当是…" define what something contains; they are not duties of anyone.
_DEFINITIONS = ("包括", "主要包括", "具体包括", "是指", "是", "为", "载明", "记载")
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


def _modals(sentence: str) -> list[re.Match[str]]:
    out = []
    for match in _MODAL_RE.finditer(sentence):
        if sentence[match.end() : match.end() + 1] == "的":
            continue  # "禁止的时段" / "不得的": an adjective, not a modal verb
        if match.group(0) == "须":
            window = sentence[max(0, match.start() - 1) : match.end() + 1]
            if _NOT_MODAL_XU.search(window):
                continue
        out.append(match)
    return out


def _find_modal(sentence: str) -> re.Match[str] | None:
    """The modal word that carries the duty.

    The first one, unless it sits inside a relative clause ("对依法应当编制报告书的建设项目，建设单位
    应当…"): then the first later one whose clause names an actor.
    """
    if sentence.startswith("违反"):
        return None  # the offence of a penalty clause ("违反本法规定，…的，处…罚款"), not a duty
    found = _modals(sentence)
    if not found:
        return None
    first = found[0]
    clause = sentence[: first.start()].rpartition("，")[2]
    if clause and not clause.startswith(_PREPOSITIONS) and _actor(clause):
        return first
    for later in found[1:]:
        if _actor(sentence[: later.start()].rpartition("，")[2]):
            return later
    return first


def _actor(text: str) -> str | None:
    """The actor phrase opening ``text``.

    The longest prefix ending in an actor word whose continuation past the first actor holds no verb:
    "县级以上地方人民政府农业农村等有关部门" and "企业事业单位和其他生产经营者" stay whole, while
    "环境保护主管部门发现重点排污单位…" stops at "环境保护主管部门".
    """
    first = _SUBJECT_RE.match(text)
    if first is None:
        return None
    end = first.end()
    clause = text.split("，", 1)[0]
    for match in _ACTOR_END_RE.finditer(clause, end):
        if _VERB_RE.search(clause, end, match.end()):
            break
        end = match.end()
    return text[:end]


def _split_subject(pre: str, inherited: str) -> tuple[str, str]:
    """(subject, condition) from the text before the modal word.

    The actor usually stands right before the modal word, after the last comma ("发生事故时，用人单位
    应当"): the longest actor phrase there is the subject and what precedes it the condition. With no
    actor there, a sentence opening with one ("生产经营单位使用被派遣劳动者的，应当") has that actor as
    subject. Otherwise the text names none: the subject is inherited and the whole phrase is condition.
    """
    pre = pre.strip().rstrip("，, ")
    head, _, tail = pre.rpartition("，")
    tail_actor = None if tail.startswith(_PREPOSITIONS) else _actor(tail)
    if tail_actor:
        rest = tail[len(tail_actor) :].strip()
        condition = "，".join(p for p in (head, rest) if p)
        return tail_actor, condition
    lead_actor = None if pre.startswith(_PREPOSITIONS) else _SUBJECT_RE.match(pre)
    if lead_actor:
        return lead_actor.group(1), pre[lead_actor.end() :].strip("，, ")
    # a phrase that names no actor ("运输放射性物质，应当…") is a circumstance; only a bare continuation
    # ("…，并应当…") carries the actor of the sentence before
    return (inherited if not pre else ""), pre


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
    if not action or action.startswith(_DEFINITIONS) or (action.endswith("除外") and len(action) < 12):
        return None  # definitions and "依法应当保密的除外"-style exceptions are not duties
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
    if "法律责任" in article.chapter:
        return out  # sanctions, not duties: penalty_links() ties them to the duties they enforce
    subject = ""
    for p_no, paragraph in enumerate(article.paragraphs, start=1):
        lead: ExtractedObligation | None = None
        for s_no, sentence in enumerate(_sentences(paragraph.text)):
            found = _from_sentence(law, article, (p_no, None, s_no), sentence, subject)
            if found is None:
                continue
            subject = found.subject or subject
            lead = found
            if not (paragraph.items and found.action.endswith(("：", ":"))):
                out.append(found)  # a lead like "应当履行下列义务：" is a duty only through its items
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
