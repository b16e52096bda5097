"""国家危险废物名录（2021年版）附表, read at run time from its text (never copied into the repository), and
a conservative lookup of a plant's waste name against the 名录's descriptions.

The text is the 名录 as ``pdftotext -layout`` gives it: a row is a 废物代码 (xxx-xxx-xx) with its 危险废物
description, which the layout centres vertically on the code line (as many description lines above the
code line as below it), the 废物类别 and 行业来源 columns to the left of the code, the 危险特性 to the right.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.catalogues import WasteSourceEntry
from kg.errors import IngestionError

__all__ = ["HAZARDOUS_WASTE_LIST", "HazardousWasteList", "MadeWaste", "WasteEntry", "WasteMatch"]

#: the statute text whose 附表 is the list
HAZARDOUS_WASTE_LIST = "国家危险废物名录"

_CODE = re.compile(r"(?<![\d-])(\d{3}-\d{3}-(\d{2}))(?![\d-])")
_HAZARD_TAIL = re.compile(r"\s{2,}(?:T|C|I|R|In)(?:\s*[，,/、]\s*(?:T|C|I|R|In))*\s*$")
_HEADER = re.compile(r"废物类别\s+行业来源|^\s*\d{1,3}\s*$")
_SPACES = re.compile(r"\s+")
#: the kinds of waste the 名录's descriptions name, at the end of a plant's name for a waste (磷化渣, 电镀污泥)
_WASTE_KIND = re.compile(r"(?:污泥|残渣|残液|废液|渣|泥|液)$")


@dataclass(frozen=True)
class WasteEntry:
    """One row of the 附表: 废物代码, its 废物类别 (HWxx) and the 危险废物 description."""

    code: str
    hw_class: str
    description: str


@dataclass(frozen=True)
class WasteMatch:
    """What the 名录 says of a waste name: the code when one row fits best, else the class all fitting rows
    share; ``candidates`` are the codes considered."""

    hw_class: str
    code: str = ""
    candidates: tuple[str, ...] = ()

    @property
    def basis(self) -> str:
        """The match in words, for the expert."""
        if self.code:
            return f"国家危险废物名录（2021年版）{self.code}（{self.hw_class}）"
        codes = "、".join(self.candidates[:4]) + ("等" if len(self.candidates) > 4 else "")
        return f"国家危险废物名录（2021年版）{self.hw_class or '类别'}待核实（候选 {codes}）"


def _normal(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class MadeWaste:
    """The hazardous waste an activity a text names makes, by the rows whose source it is (喷漆 →
    900-252-12 HW12); ``confirmed`` when the text also names a material the rows say is used (油漆), or they
    name none."""

    activity: str
    start: int
    match: WasteMatch
    agents: tuple[str, ...] = ()
    confirmed: bool = True

    @property
    def name(self) -> str:
        """The waste as the reasoner names it (喷漆产生的HW12)."""
        return f"{self.activity}产生的{self.match.hw_class}"

    @property
    def basis(self) -> str:
        """The rows in words, for the expert (what is still to be confirmed is the reasoner's condition)."""
        return f"{self.activity}产生的危险废物：{self.match.basis}"


class HazardousWasteList:
    """The rows of the 附表, and the lookup of waste names."""

    def __init__(self, entries: list[WasteEntry]) -> None:
        self.entries = entries
        self._codes = {e.code: e for e in entries}

    def made_by(
        self, text: str, sources: Sequence[WasteSourceEntry], *, skip: Callable[[int], bool] | None = None
    ) -> list[MadeWaste]:
        """The hazardous wastes the activities a text names make (喷漆 → HW12; 镀镍 → HW17), one per activity
        and 废物类别, by the rows ``sources`` says what makes (``regulations_corpus/catalogues/waste_sources.yaml``).
        A row is left out when the text names what it excludes (水性漆), and is to be confirmed when the text
        names none of the materials it is made with; ``skip`` leaves out an activity at a position (a negated
        one: 不涉及电镀). Rows whose code this edition does not hold are ignored."""
        norm = _normal(text)
        hits: list[tuple[int, str, WasteSourceEntry, str, bool]] = []
        for src in sources:
            entry = self._codes.get(src.code)
            if entry is None or any(x in norm for x in src.excluded):
                continue
            confirmed = not src.agents or any(a in norm for a in src.agents)
            for activity in src.activities:
                start = norm.find(activity)
                if start >= 0 and (skip is None or not skip(start)):
                    hits.append((start, activity, src, entry.hw_class, confirmed))
        # an activity read across two words (酸蚀 of 氢氟酸蚀刻) gives way to a confirmed one it overlaps (蚀刻)
        sure = [(h[0], h[0] + len(h[1])) for h in hits if h[4]]
        found: dict[tuple[str, str], tuple[int, list[WasteSourceEntry], bool]] = {}
        for start, activity, src, hw_class, confirmed in hits:
            end = start + len(activity)
            if not confirmed and any(a < end and start < b and not (a <= start and end <= b) for a, b in sure):
                continue
            at, rows, was = found.setdefault((activity, hw_class), (start, [], False))
            rows.append(src)
            found[(activity, hw_class)] = (at, rows, was or confirmed)
        out = []
        for (activity, hw_class), (start, rows, confirmed) in found.items():
            codes = tuple(r.code for r in rows)
            match = WasteMatch(hw_class=hw_class, code=codes[0] if len(codes) == 1 else "", candidates=codes)
            agents = tuple(dict.fromkeys(a for r in rows for a in r.agents))
            out.append(MadeWaste(activity, start, match, agents, confirmed))
        return sorted(out, key=lambda w: (w.start, w.match.hw_class))

    @classmethod
    def read(cls, regulations_dir: Path) -> HazardousWasteList:
        """Parse ``国家危险废物名录.md`` under ``regulations_dir``.

        Raises:
            IngestionError: the text is missing or holds no row.
        """
        path = regulations_dir / f"{HAZARDOUS_WASTE_LIST}.md"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise IngestionError(f"{path}: cannot read the 危险废物名录: {e}") from e
        entries = parse_waste_list(text)
        if not entries:
            raise IngestionError(f"{path}: the 附表 lists no 废物代码")
        return cls(entries)

    def match(self, name: str, context: str = "") -> WasteMatch | None:
        """The 名录's rows for a waste name, conservatively: the name (or, for 废X, X) must be written in the
        description; rows of 非特定行业 (900-) come first; ``context`` (the row's source, the process) picks
        among them by the words it shares with a description. None when no description names it."""
        key = _normal(name)
        cores = [key] + ([key[1:]] if key.startswith("废") and len(key) >= 4 else [])
        hits = [e for e in self.entries if any(c in e.description for c in cores)]
        if not hits:
            # "<process><kind of waste>" (磷化渣, 电镀污泥): a row naming that process and that kind of waste
            # (…磷化…工艺产生的…槽渣…)
            kind = _WASTE_KIND.search(key.removeprefix("废"))
            process = key.removeprefix("废")[: kind.start()] if kind else ""
            if kind is None or len(process) < 2:
                return self._by_head(key)
            hits = [e for e in self.entries if process in e.description and kind.group(0) in e.description]
            cores = [process]
            if not hits:
                return self._by_head(key)
        general = [e for e in hits if e.code.startswith("900-")]
        hits = general or hits
        if len(hits) > 1 and context:
            # the source a row names before its waste (使用切削油或切削液进行机械加工过程中…) against the context
            grams = _bigrams(_normal(context)) - _bigrams(key)
            scores = [len(grams & _bigrams(_source(e.description, cores))) for e in hits]
            best = max(scores)
            if best >= 2 and scores.count(best) < len(hits):
                hits = [e for e, s in zip(hits, scores, strict=True) if s == best]
        classes = {e.hw_class for e in hits}
        if len(hits) == 1:
            return WasteMatch(hw_class=hits[0].hw_class, code=hits[0].code, candidates=(hits[0].code,))
        if len(classes) == 1:
            return WasteMatch(hw_class=hits[0].hw_class, candidates=tuple(e.code for e in hits))
        return WasteMatch(hw_class="", candidates=tuple(f"{e.code}" for e in hits))

    def _by_head(self, key: str) -> WasteMatch | None:
        """The rows of the name's head noun with 废 (废SCR催化剂 → 废催化剂), all candidates, none decided."""
        if not key.startswith("废"):
            return None
        for head in _head_nouns(key):
            hits = [e for e in self.entries if head in e.description]
            if hits:
                classes = {e.hw_class for e in hits}
                return WasteMatch(
                    hw_class=hits[0].hw_class if len(classes) == 1 else "", candidates=tuple(e.code for e in hits)
                )
        return None


def _head_nouns(key: str) -> list[str]:
    """废 + the name's head noun, longest first (Chinese compounds put the head last: 废SCR催化剂 → 废催化剂)."""
    body = key.removeprefix("废")
    return [f"废{body[-n:]}" for n in range(min(len(body) - 1, 5), 1, -1)]


def _source(description: str, cores: list[str]) -> str:
    at = min((description.find(c) for c in cores if c in description), default=len(description))
    return description[:at]


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def parse_waste_list(text: str) -> list[WasteEntry]:
    """The rows of the 附表 from its layout text (the 附录 豁免管理清单 after it is not read)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "附表"), 0)
    end = next((i for i, line in enumerate(lines) if i > start and line.strip() == "附录"), len(lines))
    # items: ("code", code, description) or ("part", fragment) or ("break",)
    items: list[tuple[str, ...]] = []
    column = 16
    for raw in lines[start + 1 : end]:
        if _HEADER.search(raw):
            items.append(("break",))
            continue
        m = _CODE.search(raw)
        # a code inside a description ("不包括 900-405-06、…") sits right of the code column
        if m and m.start() < column + 8:
            column = m.start()
            items.append(("code", m.group(1), _HAZARD_TAIL.sub("", raw[m.end() :]).strip()))
            continue
        fragment = _HAZARD_TAIL.sub("", raw[column + 8 :] if len(raw) > column + 8 else "").strip()
        if fragment:
            items.append(("part", fragment))
    codes = [i for i, item in enumerate(items) if item[0] == "code"]
    parts: dict[int, tuple[list[str], list[str]]] = {i: ([], []) for i in codes}
    previous: int | None = None
    pending: list[str] = []

    def settle(following: int | None) -> None:
        # the fragments between two codes: the first as many as the previous row had above it are below it
        nonlocal pending
        if previous is not None:
            above = len(parts[previous][0])
            take = len(pending) if following is None else min(above, len(pending))
            parts[previous][1].extend(pending[:take])
            pending = pending[take:]
        if following is not None:
            parts[following][0].extend(pending)
        pending = []

    for i, item in enumerate(items):
        if item[0] == "part":
            pending.append(item[1])
        elif item[0] == "break":
            settle(None)
            previous = None
        else:
            settle(i)
            previous = i
    settle(None)
    entries = []
    for i in codes:
        code, middle = items[i][1], items[i][2]
        above, below = parts[i]
        description = _normal("".join([*above, middle, *below]))
        entries.append(WasteEntry(code=code, hw_class=f"HW{code[-2:]}", description=description))
    return entries
