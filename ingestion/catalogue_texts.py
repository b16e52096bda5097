"""Catalogues published inside statute texts, read from those texts at run time (never copied):
易制毒化学品的分类和品种目录, the 附表 of 易制毒化学品管理条例."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from kg.errors import IngestionError

__all__ = ["DRUG_PRECURSOR_STATUTE", "read_drug_precursors"]

#: the statute whose 附表 lists the 易制毒 chemicals by class
DRUG_PRECURSOR_STATUTE = "易制毒化学品管理条例"

_CLASS = re.compile(r"^第([一二三])类\s*$")
_ITEM = re.compile(r"^\d+\s*[．.、]\s*(.+?)\s*\*?\s*$")


def read_drug_precursors(regulations_dir: Path) -> dict[str, str]:
    """The 易制毒 chemicals by name → 第一类 / 第二类 / 第三类, from the statute's 附表.

    Raises:
        IngestionError: the statute text is missing or holds no 附表.
    """
    path = regulations_dir / f"{DRUG_PRECURSOR_STATUTE}.md"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise IngestionError(f"{path}: cannot read the 易制毒 list: {e}") from e
    start = next((i for i, line in enumerate(lines) if line.strip() == "附表"), None)
    if start is None:
        raise IngestionError(f"{path}: no 附表 (the 易制毒 list) found")
    found: dict[str, str] = {}
    klass = ""
    for raw in lines[start + 1 :]:
        line = unicodedata.normalize("NFKC", raw).strip()
        if line.startswith("说明"):
            break
        if m := _CLASS.match(line):
            klass = f"第{m.group(1)}类"
        elif (m := _ITEM.match(line)) and klass:
            name = m.group(1).rstrip("*").strip().replace("—", "-")
            found.setdefault(name, klass)
    if not found:
        raise IngestionError(f"{path}: the 附表 lists no chemical")
    return found
