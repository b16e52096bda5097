"""Pollutants and wastes from the pollution tables and 产污 lines of 环评报告表 and 排污许可证副本.

A table is a pollution table by its header (污染物名称/污染因子/污染物种类/排放口/产污环节/固废名称/危废名称/
废物类别/废物代码/处置去向); every pollutant of a cell is one item ("颗粒物、SO2、NOx" → three), of the kind the
table, its caption or its section states (废气/废水/噪声/一般固废/危险废物). Running text names pollutants by the
indicator names of the emission standards (:data:`INDICATORS`).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "FORMULAS",
    "INDICATORS",
    "formulas_in",
    "indicator_kind",
    "kind_of",
    "normalise",
    "split_pollutants",
    "waste_code",
]

#: Formula or abbreviation → the indicator name of the standard that names it so.
FORMULAS: dict[str, str] = {
    "so2": "二氧化硫",  # GB 16297-1996 表2
    "nox": "氮氧化物",  # GB 16297-1996 表2
    "hcl": "氯化氢",  # GB 16297-1996 表2
    "nmhc": "非甲烷总烃",  # GB 16297-1996 表2, GB 37822-2019
    "cod": "化学需氧量",  # GB 8978-1996 表4 化学需氧量(COD)
    "codcr": "化学需氧量",
    "bod5": "五日生化需氧量",  # GB 8978-1996 表4 五日生化需氧量(BOD5)
    "bod": "五日生化需氧量",
    "ss": "悬浮物",  # GB 8978-1996 表4 悬浮物(SS)
    "nh3-n": "氨氮",  # GB 8978-1996 表4
    "tp": "总磷",  # GB 18918-2002 表1 总磷(以P计)
    "tn": "总氮",  # GB 18918-2002 表1 总氮(以N计)
}

#: Indicator names of the national emission standards, for pollutants named in running text, by kind.
#: 废气: GB 16297-1996 大气污染物综合排放标准 表2; GB 37822-2019 挥发性有机物无组织排放控制标准 (非甲烷总烃,
#: 挥发性有机物 VOCs); GB 14554-93 恶臭污染物排放标准 (臭气浓度, 硫化氢, 氨); GB 18483-2001 饮食业油烟排放标准.
_AIR: tuple[str, ...] = (
    "颗粒物",
    "二氧化硫",
    "氮氧化物",
    "氯化氢",
    "硫酸雾",
    "铬酸雾",
    "氟化物",
    "氯气",
    "苯",
    "甲苯",
    "二甲苯",
    "甲醛",
    "甲醇",
    "酚类",
    "苯胺类",
    "氯苯类",
    "非甲烷总烃",
    "挥发性有机物",
    "VOCs",
    "铅及其化合物",
    "锡及其化合物",
    "镍及其化合物",
    "沥青烟",
    "臭气浓度",
    "硫化氢",
    "氨",
    "油烟",
)
#: 废水: GB 8978-1996 污水综合排放标准 表1/表4; GB 4287-2012 纺织染整工业水污染物排放标准 表2 (苯胺类, 总锑);
#: GB 18918-2002 表1 (总氮, 总磷).
_WATER: tuple[str, ...] = (
    "化学需氧量",
    "五日生化需氧量",
    "悬浮物",
    "氨氮",
    "总磷",
    "总氮",
    "石油类",
    "动植物油",
    "色度",
    "pH值",
    "总铬",
    "六价铬",
    "总镍",
    "总铜",
    "总锌",
    "总氰化物",
    "总氰化合物",
    "挥发酚",
    "阴离子表面活性剂",
    "硫化物",
    "总锑",
    "苯胺类",
    "氟化物",
    "甲醛",
    "苯",
    "甲苯",
    "二甲苯",
)
#: 噪声: GB 12348-2008 工业企业厂界环境噪声排放标准.
INDICATORS: dict[str, tuple[str, ...]] = {}
for _name in _AIR:
    INDICATORS[_name] = ("废气",)
for _name in _WATER:
    INDICATORS[_name] = (*INDICATORS.get(_name, ()), "废水")
INDICATORS["噪声"] = ("噪声",)


def indicator_kind(name: str, stated: str) -> str:
    """The kind of a standard indicator: the stated kind (the line's or the section's) when a standard of
    that kind names it, else the kind of the first standard that does; "" for other names."""
    kinds = INDICATORS.get(name, ())
    if stated in kinds:
        return stated
    return kinds[0] if kinds else ""


_KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("危险废物", "危险废物"),
    ("危废", "危险废物"),
    ("一般固废", "一般固废"),
    ("一般工业固体废物", "一般固废"),
    ("一般固体废物", "一般固废"),
    ("废气", "废气"),
    ("大气", "废气"),
    ("有组织", "废气"),
    ("无组织", "废气"),
    ("排气筒", "废气"),
    ("废水", "废水"),
    ("水污染", "废水"),
    ("噪声", "噪声"),
    ("固体废物", "固废"),
    ("固废", "固废"),
)
_SPLIT = re.compile(r"[、，,；;/]|及(?![其])|和")
_CODE = re.compile(r"\b(\d{3}-\d{3}-\d{2})\b")
_HW = re.compile(r"\bHW\s*(\d{2})\b", re.IGNORECASE)
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z])?(?![A-Za-z0-9])")
_NOT_A_NAME = re.compile(r"^(无|/|—|-|－|—+|合计|小计|等|少量|其他)$")


def kind_of(text: str) -> str:
    """The kind a table, caption, heading or line states, or "" (固废: a solid waste of no stated class)."""
    for word, kind in _KIND_WORDS:
        if word in text:
            return kind
    return ""


def normalise(name: str) -> str:
    """A pollutant's name as the standards write it (SO2 → 二氧化硫); other names as written."""
    key = unicodedata.normalize("NFKC", name).strip().casefold().replace(" ", "").replace("₂", "2")
    return FORMULAS.get(key, name.strip())


def split_pollutants(cell: str) -> list[str]:
    """The pollutants a cell lists, each once, bracketed notes and quantities dropped."""
    text = re.sub(r"[（(][^）)]*[）)]", "", unicodedata.normalize("NFKC", cell))
    out: list[str] = []
    for part in _SPLIT.split(text):
        part = part.strip(" 。.:：")
        if part.casefold().replace(" ", "") in FORMULAS:
            name = part
        else:
            name = re.sub(r"\s*\d+(\.\d+)?\s*(t/a|吨/年|kg/a|mg/m3|mg/L|dB\(A\)|t|kg)\s*$", "", part).strip()
        if 2 <= len(name) <= 20 or name.casefold() in FORMULAS:
            if not _NOT_A_NAME.match(name):
                name = normalise(name)
                if name not in out:
                    out.append(name)
    return out


def formulas_in(text: str) -> list[str]:
    """The standards' names of the formulas and abbreviations a text writes (COD、SS → 化学需氧量、悬浮物)."""
    found = [
        FORMULAS[t.casefold()] for t in _TOKEN.findall(unicodedata.normalize("NFKC", text)) if t.casefold() in FORMULAS
    ]
    return list(dict.fromkeys(found))


def waste_code(text: str) -> tuple[str, str]:
    """(废物类别, 废物代码) written in a text, e.g. ("HW08", "900-249-08"); empty strings when not."""
    code = _CODE.search(text)
    if code:
        return f"HW{code.group(1)[-2:]}", code.group(1)
    hw = _HW.search(text)
    return (f"HW{hw.group(1)}", "") if hw else ("", "")
