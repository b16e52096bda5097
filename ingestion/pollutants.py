"""The pollutants a text's substances and words make, by the national discharge standards' own indicator names.

- 废水: a water named as carrying an element (含氟废水, 含镍漂洗水) or a catalogued substance of that element used
  where the text speaks of wastewater, as GB 8978-1996《污水综合排放标准》 names the pollutant: 表1's 第一类污染物
  (总汞, 总镉, 总铬, 六价铬, 总砷, 总铅, 总镍, 总铍, 总银: sampled at the workshop outlet) and 表4's 氟化物, 总铜, 总锌,
  总锰, 总氰化合物.
- 废气: the acids GB 16297-1996《大气污染物综合排放标准》 表2 names by their mist or gas when they are used (硫酸 →
  硫酸雾, 盐酸 → 氯化氢, 铬酸 → 铬酸雾, 氢氟酸 → 氟化物, 硝酸 → 氮氧化物: its 表2 row for 硝酸使用).

Each pollutant carries its tags (废水, 第一类污染物, 酸雾) for the classes of ``regulations_corpus/hazards.yaml``
that say which risks a pollutant brings, and what it was read from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ACID_MISTS", "ELEMENT_POLLUTANTS", "FIRST_CLASS", "PollutantMention", "pollutants_of"]

#: GB 8978-1996 表1: the 第一类污染物 of an element (sampled at the workshop or its treatment outlet).
FIRST_CLASS: frozenset[str] = frozenset({"总汞", "总镉", "总铬", "六价铬", "总砷", "总铅", "总镍", "总铍", "总银"})
#: An element of a substance or a water → the GB 8978-1996 indicators it is measured by (表1, 表4).
ELEMENT_POLLUTANTS: dict[str, tuple[str, ...]] = {
    "汞": ("总汞",),
    "镉": ("总镉",),
    "铬": ("总铬",),
    "砷": ("总砷",),
    "铅": ("总铅",),
    "镍": ("总镍",),
    "铍": ("总铍",),
    "银": ("总银",),
    "氟": ("氟化物",),
    "铜": ("总铜",),
    "锌": ("总锌",),
    "锰": ("总锰",),
    "氰": ("总氰化合物",),
}
#: Hexavalent chromium: 铬酐 (三氧化铬), 铬酸 and 重铬酸盐 are Cr(VI), GB 8978-1996 表1 六价铬 besides 总铬.
_HEXAVALENT = re.compile(r"铬酐|铬酸|三氧化铬")
#: GB 16297-1996 表2: an acid in use → the pollutant the standard names for its mist or gas.
ACID_MISTS: dict[str, str] = {
    "硫酸": "硫酸雾",
    "盐酸": "氯化氢",
    "氯化氢": "氯化氢",
    "铬酐": "铬酸雾",
    "铬酸": "铬酸雾",
    "三氧化铬": "铬酸雾",
    "氢氟酸": "氟化物",
    "氟化氢": "氟化物",
    "硝酸": "氮氧化物",
}
#: a water the text names as carrying an element: 含氟废水, 含镍漂洗水, 含铬废液
_CARRYING = re.compile(r"含(" + "|".join(ELEMENT_POLLUTANTS) + r")[^，。；;,\n]{0,4}?(?:废水|污水|漂洗水|清洗水|废液)")
#: the text speaks of wastewater (a substance's element then reaches the water)
_WASTEWATER = re.compile(r"废水|污水|漂洗水|清洗水|排水")
_QUALIFIER = re.compile(r"[\[［(（].*$")


@dataclass(frozen=True)
class PollutantMention:
    """A pollutant by its name in the discharge standard, its tags, and what the text says that makes it."""

    name: str
    tags: tuple[str, ...]
    source: str  # the substance or words it was read from
    standard: str


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _water(name: str, source: str) -> PollutantMention:
    tags = ("废水", "第一类污染物") if name in FIRST_CLASS else ("废水",)
    table = "表1 第一类污染物" if name in FIRST_CLASS else "表4"
    return PollutantMention(name, tags, source, f"GB 8978-1996 {table} {name}")


def _of_element(substance: str) -> list[str]:
    names = [p for element, ps in ELEMENT_POLLUTANTS.items() if element in substance for p in ps]
    if _HEXAVALENT.search(substance):
        names.append("六价铬")
    return names


def pollutants_of(text: str, substances: Iterable[tuple[str, str]]) -> list[PollutantMention]:
    """The pollutants of a text: the waters it names as carrying an element, and those of the substances it
    names (``(as written, catalogue name)`` pairs): their element's in the water where it speaks of
    wastewater, an acid's mist where it is used. One mention per pollutant and kind."""
    norm = _normal(text)
    out: dict[tuple[str, str], PollutantMention] = {}

    def add(p: PollutantMention) -> None:
        out.setdefault((p.name, p.tags[0]), p)

    for m in _CARRYING.finditer(norm):
        for name in ELEMENT_POLLUTANTS[m.group(1)]:
            add(_water(name, m.group(0)))
    wet = _WASTEWATER.search(norm) is not None
    for written, listed in substances:
        # the catalogue name without its bracketed note (磷及其化合物（磷化氢、磷化锌…） is no zinc)
        base = _QUALIFIER.sub("", listed)
        if wet:
            for name in _of_element(f"{written} {base}"):
                add(_water(name, written))
        # the acid itself, not a salt of it (硫酸镍 makes no 硫酸雾)
        mist = ACID_MISTS.get(base) or ACID_MISTS.get(written)
        if mist is not None:
            add(PollutantMention(mist, ("废气", "酸雾"), written, f"GB 16297-1996 表2 {mist}"))
    return list(out.values())
