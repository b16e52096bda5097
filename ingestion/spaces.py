"""The confined spaces (有限空间) a text names, by the types of 有限空间作业安全指导手册.

A name is one of a type's ``terms`` (储罐, 污水处理站, 筒仓), longest first, or a word ending in one of its
``heads`` (厌氧罐 and 发酵罐 of 罐, 脱硫塔 of 塔, 调节池 of 池) that lies in none of the type's ``not`` words
(电池, 仓库, 塔吊). A head word is named with the two characters before it (调节池, 厌氧反应器), less what
comes up to a count, verb or conjunction (新增2座发酵罐 → 发酵罐); the head alone (池体, 进入罐内) refers back
and names nothing, and a head before 区 names an area (罐区), not a space. A name in a clause that says the
space is removed or not there (取消化粪池, 不设地下室) is not a mention.

Each mention carries its type and group (密闭设备, 地下有限空间, 地上有限空间): the tags by which
``regulations_corpus/hazards.yaml``'s 有限空间 classes bring their risks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from kg.catalogues import ConfinedSpaceType

__all__ = ["SpaceMention", "SpaceReader"]

_HAN = re.compile(r"[\u4e00-\u9fff]")
#: characters that do not belong to a space's name when they lead it (counts, verbs, conjunctions)
_LEAD = frozenset("座台个只套条口新建增设改扩的和及与或并配各其该原现进入在于到从向把将对")
#: a clause that says the space is not there, or no longer
_ABSENT = re.compile(r"(?:不设|未设|没有|取消|拆除|停用|封堵|废除|不再)[^，。；;,\n]{0,8}$")
_CLAUSE_END = re.compile(r"[，。；;,\n]")


@dataclass(frozen=True)
class SpaceMention:
    """A confined space named in a text: as written, its type of the 指导手册 and the type's group."""

    text: str
    start: int
    type: str
    kind: str

    @property
    def tags(self) -> tuple[str, str]:
        """What the 有限空间 classes match: the group, then the type."""
        return (self.kind, self.type)

    @property
    def basis(self) -> str:
        return f"有限空间作业安全指导手册 {self.kind}：{self.type}"


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


class SpaceReader:
    """Find the confined spaces of a text against the types of ``catalogues/confined_spaces.yaml``."""

    def __init__(self, types: Sequence[ConfinedSpaceType]) -> None:
        terms: dict[str, ConfinedSpaceType] = {}
        heads: dict[str, ConfinedSpaceType] = {}
        for t in types:
            for term in t.terms:
                terms.setdefault(_normal(term), t)
            for head in t.heads:
                heads.setdefault(_normal(head), t)
        self._terms = sorted(terms.items(), key=lambda kv: -len(kv[0]))
        self._heads = sorted(heads.items(), key=lambda kv: -len(kv[0]))
        self._not = {t.name: [_normal(n) for n in t.not_] for t in types}

    def run(self, text: str) -> list[SpaceMention]:
        """The confined spaces of one text, once per name, in the order they are first named."""
        norm = _normal(text)
        taken = [False] * len(norm)
        found: list[SpaceMention] = []
        for term, kind in self._terms:
            for m in re.finditer(re.escape(term), norm):
                if not any(taken[m.start() : m.end()]) and not _excluded(
                    norm, m.start(), m.end(), self._not[kind.name]
                ):
                    taken[m.start() : m.end()] = [True] * len(term)
                    found.append(SpaceMention(term, m.start(), kind.name, kind.kind))
        for head, kind in self._heads:
            for m in re.finditer(re.escape(head), norm):
                if any(taken[m.start() : m.end()]) or _excluded(norm, m.start(), m.end(), self._not[kind.name]):
                    continue
                if norm[m.end() : m.end() + 1] == "区":
                    continue  # a head before 区 names an area (罐区: 计算罐区 names no tank), its terms still count
                start = m.start()
                while start > 0 and m.start() - start < 2 and _HAN.match(norm[start - 1]) and not taken[start - 1]:
                    start -= 1
                # the name starts after the last count, verb or conjunction before the head (送入仓 names none)
                leads = [i for i in range(start, m.start()) if norm[i] in _LEAD]
                start = leads[-1] + 1 if leads else start
                if start == m.start():
                    continue  # the head alone (池体, 罐内) refers back to a space, it names none
                taken[start : m.end()] = [True] * (m.end() - start)
                found.append(SpaceMention(norm[start : m.end()], start, kind.name, kind.kind))
        out: dict[str, SpaceMention] = {}
        for mention in sorted(found, key=lambda f: f.start):
            if not _absent(norm, mention.start):
                out.setdefault(mention.text, mention)
        return list(out.values())


def _excluded(norm: str, start: int, end: int, words: Sequence[str]) -> bool:
    """Whether the name at ``start:end`` lies in a word its type says is not of it (电池 for 池, 仓库 for 仓)."""
    for word in words:
        window = max(0, start - len(word))
        for m in re.finditer(re.escape(word), norm[window : end + len(word)]):
            if window + m.start() < end and window + m.end() > start:
                return True
    return False


def _absent(norm: str, start: int) -> bool:
    """Whether the clause before a name says the space is not there, or no longer (取消化粪池)."""
    before = norm[:start]
    ends = list(_CLAUSE_END.finditer(before))
    clause = before[ends[-1].end() :] if ends else before
    return _ABSENT.search(clause) is not None
