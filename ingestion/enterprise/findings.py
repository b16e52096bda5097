"""The mutable collector each reader fills, and the name helpers shared by the text and Excel readers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingestion.enterprise.models import (
    ExtractedEquipment,
    ExtractedMaterial,
    ExtractedPollutant,
    ExtractedProcess,
    Provenance,
)

__all__ = ["Findings", "clean_name", "labelled_yes", "process_key", "split_items"]

_BRACKETS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")
_QUANTITY = re.compile(r"\s*(约)?\d+(\.\d+)?\s*(台套|台|套|辆|座|个|条|把|t/a|吨/年|kg/a|L/a|吨|t|kg|L|桶|瓶)\s*$")
_ITEM_SPLIT = re.compile(r"[、，,；;]|(?<![\d.])及(?=[^\d])|和")
_LABELLED_YES = ("是", "√", "✓", "Y", "y", "yes", "危化品", "危险化学品")


@dataclass
class Findings:
    """What one document yielded, in reading order."""

    processes: list[ExtractedProcess] = field(default_factory=list)
    materials: list[ExtractedMaterial] = field(default_factory=list)
    equipment: list[ExtractedEquipment] = field(default_factory=list)
    pollutants: list[ExtractedPollutant] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    headcount: tuple[int, Provenance] | None = None
    permit_class: tuple[str, Provenance] | None = None

    @property
    def empty(self) -> bool:
        """Whether nothing was found."""
        return not (self.processes or self.materials or self.equipment or self.pollutants)

    def counts(self) -> dict[str, int]:
        """Item counts for the per-document report."""
        return {
            "processes": len(self.processes),
            "materials": len(self.materials),
            "hazardous_materials": sum(m.hazardous for m in self.materials),
            "equipment": len(self.equipment),
            "special_equipment": sum(e.special for e in self.equipment),
            "pollutants": len(self.pollutants),
        }


def clean_name(text: str) -> str:
    """A name without bracketed notes, trailing quantities, numbering or spaces."""
    name = _BRACKETS.sub("", text).strip(" \t:：。.;；")
    name = re.sub(r"^(\d+[.、．)]|（\d+）|\(\d+\)|[①-⑳])\s*", "", name)
    return _QUANTITY.sub("", name).strip()


def process_key(name: str) -> str:
    """The key under which two spellings of a step are the same step (工序/工段 suffixes dropped)."""
    return re.sub(r"(工序|工段|岗位|作业|工艺|过程)$", "", clean_name(name)).replace(" ", "")


def split_items(text: str) -> list[tuple[str, str, str]]:
    """``钢板(50t/a)、稀释剂（成分乙酸丁酯、二甲苯）2t`` → ``[("钢板", "50t/a", "钢板(50t/a)"), ("稀释剂", "2t",
    "稀释剂（成分乙酸丁酯、二甲苯）2t")]``: names with their note or quantity and the item as written (a
    separator inside brackets does not part items)."""
    out: list[tuple[str, str, str]] = []
    for raw in _outside_brackets_split(text.strip("。. ")):
        raw = raw.strip()
        note = " ".join(m.strip("（）()") for m in _BRACKETS.findall(raw))
        quantity = _QUANTITY.search(_BRACKETS.sub("", raw))
        name = clean_name(raw)
        if 2 <= len(name) <= 20:
            out.append((name, note or (quantity.group(0).strip() if quantity else ""), raw))
    return out


def _outside_brackets_split(text: str) -> list[str]:
    parts: list[str] = []
    depth, last = 0, 0
    for m in re.finditer(r"[（(\[【]|[）)\]】]|" + _ITEM_SPLIT.pattern, text):
        token = m.group(0)
        if token in "（([【":
            depth += 1
        elif token in "）)]】":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(text[last : m.start()])
            last = m.end()
    parts.append(text[last:])
    return parts


def labelled_yes(cell: str) -> bool:
    """Whether a 是否… column says yes."""
    value = cell.strip()
    return bool(value) and value.startswith(_LABELLED_YES) and not value.startswith(("否", "非"))
