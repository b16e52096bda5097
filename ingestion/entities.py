"""Entities in free text, read against the national catalogues: substances (with concentrations and
amounts), equipment (with its parameters), headcounts. One extractor for plant documents and change
descriptions alike, so a substance or a machine reaches its duties through the catalogues' facts.

- Substances are the names and aliases of :class:`kg.catalogues.CatalogueSet` found in the text, longest
  first, a negated mention ("不使用甲苯") skipped. A name the 目录 lists only with a qualifier
  (柴油[闭杯闪点≤60℃]) and the product kinds the catch-all entry names (含易燃溶剂的…油漆、…涂料等制品
  [闭杯闪点≤60℃]) match with that condition attached, for the expert to confirm.
- A chemical-looking name the catalogues do not hold (by its ending: …酸, …酯, …锂 …) is reported as
  unknown with the closest catalogue names, never dropped.
- Hazard factors that are not substances (职业病危害因素分类目录's 物理因素, 放射性因素, 生物因素 and 其他因素:
  噪声, 振动, 激光, 紫外线, X射线装置, 密封放射源, 布鲁氏菌 …) are found by their names; a factor named by a
  condition of the work (高温, 低温, 高气压, 低气压) only as that condition of work (高温作业, 低温环境 …).
- Hazardous wastes are the waste names of the text (废…, …渣, …污泥, …废液) that 国家危险废物名录's rows name
  (:class:`ingestion.wastes.HazardousWasteList`), with their 废物代码 or, undecided, their candidates.
- Confined spaces (有限空间) are the names of the types of 有限空间作业安全指导手册 and the words ending in their
  head words (厌氧罐, 调节池, 脱硫塔: :mod:`ingestion.spaces`).
- Pollutants are those the discharge standards name for what the text's waters carry and its substances
  make (含氟废水 → 氟化物; 硫酸 in use → 硫酸雾: :mod:`ingestion.pollutants`).
- Equipment are the names of 特种设备目录 entries and the plant terms of :data:`EQUIPMENT_TERMS`, with the
  parameters written next to them (额定起重量5t, 工作压力0.8MPa, 容积2m³ …); whether an item is special
  equipment is decided by the criteria of its 种类.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from ingestion.pollutants import PollutantMention, pollutants_of
from ingestion.spaces import SpaceMention, SpaceReader
from ingestion.wastes import HazardousWasteList, MadeWaste, WasteMatch
from kg.catalogues import (
    CatalogueSet,
    EquipmentCriterion,
    EquipmentEntry,
    HazardFactorEntry,
    SubstanceFacts,
    name_key,
)

__all__ = [
    "COATING_AUXILIARIES",
    "EQUIPMENT_TERMS",
    "EntityExtractor",
    "EquipmentMention",
    "Extracted",
    "FactorMention",
    "WasteMention",
    "SubstanceMention",
    "UnknownSubstance",
    "decide_special",
    "headcount",
]

#: Plant names of special equipment → 特种设备目录 code of the class they name. Each is the everyday name of
#: a catalogue class (the catalogue's own names are matched as well); the basis is given per line.
EQUIPMENT_TERMS: dict[str, str] = {
    "锅炉": "1000",  # 种类 1000
    "蒸汽锅炉": "1100",  # 承压蒸汽锅炉
    "热水锅炉": "1200",  # 承压热水锅炉
    "蒸汽发生器": "1100",  # makes steam under pressure: a 承压蒸汽锅炉 when its volume and pressure reach the bounds
    "导热油炉": "1300",  # 有机热载体锅炉 (导热油 = 有机热载体)
    "有机热载体炉": "1300",
    "压力容器": "2000",
    "储气罐": "2100",  # 固定式压力容器 holding compressed air
    "贮气罐": "2100",
    "空气储罐": "2100",
    "分汽缸": "2100",
    "反应釜": "2100",
    "硫化罐": "2100",  # a 快开门式压力容器 (TSG 21 固定式压力容器安全技术监察规程 names 硫化罐 and 蒸压釜 among them)
    "蒸压釜": "2100",
    "储罐": "2100",
    "气瓶": "2300",
    "钢瓶": "2300",
    "压力管道": "8000",
    "电梯": "3000",
    "货梯": "3000",
    "载货电梯": "3000",
    "客梯": "3000",
    "自动扶梯": "3000",
    "起重机": "4000",
    "起重机械": "4000",
    "行车": "4100",  # 桥式起重机 (俗称行车、天车)
    "天车": "4100",
    "桥式起重机": "4100",
    "桥吊": "4100",
    "门式起重机": "4200",
    "龙门吊": "4200",
    "电动葫芦": "4190",  # 电动葫芦桥式起重机: special when its rated load and lift reach the bounds
    "升降机": "4800",
    "机械式停车设备": "4D00",
    "叉车": "5110",  # 场（厂）内专用机动车辆 → 机动工业车辆 → 品种 叉车
    "铲车": "5110",
    "观光车": "5200",
}

#: The elements written with the 气 radical, gases at room temperature: their 目录 entries (氮[压缩的或液化的])
#: are named X气 in use (氮气, 氩气, 氧气).
_GASEOUS_ELEMENTS = frozenset("氢氦氮氧氟氯氖氩氪氙氡")
#: GB/T 2705-2003《涂料产品分类和命名》's 辅助材料: the auxiliaries 第2828项 (含易燃溶剂的合成树脂、油漆、辅助材料、
#: 涂料等制品[闭杯闪点≤60℃]) names as a kind; each is read as that entry, its condition to confirm.
COATING_AUXILIARIES: tuple[str, ...] = ("稀释剂", "防潮剂", "催干剂", "脱漆剂", "固化剂")
#: Categories of 职业病危害因素分类目录 whose factors are not substances (粉尘 and 化学因素 are read as substances).
FACTOR_CATEGORIES = ("物理因素", "放射性因素", "生物因素", "其他因素")
#: Factors named by a condition of the work: they count only as that condition (高温作业, 低温环境 …), not
#: as any hot or cold thing (高温固化, 低温储存).
_CONDITION_FACTORS = frozenset({"高温", "低温", "高气压", "低气压"})
_CONDITION_OF_WORK = re.compile(r"^(?:作业|环境|岗位|车间|场所|工作|劳动)")
#: "X射线装置（含CT机）产生的电离辐射": the source the factor is named after
_RADIATION_SOURCE = re.compile(r"^(.+?)(?:（[^）]*）)?产生的电离辐射$")

#: where the names of a list of wastes part (a waste's own name may hold 含 or 的: 含油污泥, 废水处理的污泥)
_WASTE_BREAK = re.compile(r"[\s，。；;,、：:（）()“”\"/]|和|与|及|或|等|产生|主要为|包括")
#: the categories the law sorts wastes into, which name no waste (固体废物, 危险废物 …)
_WASTE_CATEGORIES = frozenset(
    {"固体废物", "危险废物", "工业固体废物", "一般工业固体废物", "一般固体废物", "废物", "一般固废"}
)
_WASTE_END = re.compile(r"(?:渣|污泥|残液|废液|槽液)$")

_NEGATED = re.compile(r"(无|不|未|非|没有|免于|不涉及|不属于|禁止|停用|淘汰|取消)[^，。；,;]{0,4}$")
#: a chemical name ends so (…酸, …酯, …锂 …): what a word of the text must end with to be read as one
_CHEMICAL_END = re.compile(
    r"(?:酸|酯|醇|醚|酮|醛|烷|烯|炔|苯|酚|胺|腈|肼|锂|钠|钾|钙|镁|铝|锌|铜|镍|铬|钴|锰|铅|汞|氰|氯|氟|溴|碘|磷|砷|镉|烃|酐)$"
)
#: where words of a list of materials part: punctuation, conjunctions and the verbs that introduce them
_WORD_BREAK = re.compile(
    r"[\s，。；;,、：:（）()“”\"/]|和|与|及|或|含|使用|采用|改为|改用|替代|新增|增加|选用|作为|作|为|的|用于|以|等|主要|成分"
)
#: Words ending like a chemical that are not a substance of a list (wastes, pollutants, processes).
_NOT_SUBSTANCES = ("废", "雾", "尘", "烟", "气味", "工艺", "车间", "作业", "处理", "镀", "洗")
_PARAMETER = re.compile(
    r"(额定起重量|起重量|额定载重量|载重量|提升高度|起升高度|工作压力|设计压力|最高工作压力|额定压力|额定蒸汽压力|"
    r"容积|容量|水容积|内直径|内径|额定功率|额定蒸发量|蒸发量|公称直径|管径|层数|额定速度)"
    r"\s*[:：为约]?\s*([0-9]+(?:\.[0-9]+)?)\s*(t/h|吨/小时|MPa|kPa|MW|kW|m³|m3|立方米|L|升|mm|m/s|m|t|吨|层)",
    re.IGNORECASE,
)
#: "5t电动葫芦", "10吨行车": a bare tonnage right before a lifting appliance is its rated load
_BARE_LOAD = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(t|吨)\s*$", re.IGNORECASE)
#: where a clause ends: the parameters and amounts of a mention are written inside its clause
_CLAUSE = re.compile(r"[，。；;,\n]|和|及|另有|以及|并")
#: characters that continue a chemical name: a match followed by one is part of a longer name (氟磷酸 of
#: 六氟磷酸锂, 乙烯 of 碳酸乙烯酯), which the unknown-name check then reads whole
#: the alkyl (and aryl) words of an ester's name after its acid (醋酸丁酯, 乙酸异丙酯, 丙烯酸甲酯)
_ESTER_TAIL = re.compile(r"^(?:正|异|仲|叔)?(?:甲|乙|丙|丁|戊|己|庚|辛|壬|癸|苯|苄|烯丙)(?:基)?酯")
#: 正 before an alkyl: straight chain, the default a plant leaves unsaid
_NORMAL_ALKYL = re.compile(r"正(丙|丁|戊|己|庚|辛)")
_NAME_GLUE = frozenset("锂钠钾钙镁铝锌铜镍铬钴锰铁铅汞钡锶银锡盐酯醇醚酮醛烷烯炔酚胺腈基酰酐")
#: an amount stored (GB 18218's 实际存在量), written apart from the substance it is of
_STORED = re.compile(
    r"(?:最大)?(?:储存量|贮存量|存储量|储量|存量|储存能力)\s*[:：为约达]?\s*([0-9]+(?:\.[0-9]+)?\s*(?:吨|t|kg|千克|公斤))"
)
#: words of an amount over a period (used, made, handled), which is not an amount present
_FLOW = re.compile(r"用量|年产|产量|产能|耗|处理量|周转量|销量|购买量|年用|日用|月用")
#: words of an amount present (GB 18218's 实际存在量): after a flow word they make the amount a stock again
_STOCK = re.compile(r"存量|储量|储存|贮存|库存|存放|在线量|暂存")
_AMOUNT = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(吨|t|kg|千克|公斤)(?![/a-zA-Z])")
_PERCENT = re.compile(r"(?:含量|浓度|质量分数)?\s*[≥>＞约]?\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]")
_HEADCOUNT = re.compile(r"(?:员工|职工|从业人员|人员|人数|用工)[^，。；\d]{0,6}(\d{2,6})\s*(?:余)?\s*(?:人|名)")


@dataclass(frozen=True)
class SubstanceMention:
    """A substance named in the text, with what the catalogues say of it."""

    text: str
    start: int
    facts: SubstanceFacts
    condition: str = ""  # the 目录 lists it only so (闭杯闪点≤60℃): to confirm
    amount_t: float | None = None  # an amount written next to it, in tonnes
    percent: float | None = None


@dataclass(frozen=True)
class UnknownSubstance:
    """A chemical-looking name no catalogue holds, with the closest catalogue names."""

    text: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class EquipmentMention:
    """A piece of equipment named in the text, its catalogue class and the parameters written with it."""

    text: str
    start: int
    entry: EquipmentEntry
    kind: EquipmentEntry
    parameters: dict[str, tuple[float, str]] = field(default_factory=dict)
    special: bool | None = None  # None: the parameters that decide it are not given
    basis: str = ""


@dataclass(frozen=True)
class FactorMention:
    """A hazard factor of 职业病危害因素分类目录 that is not a substance (噪声, X射线装置 …), as named in the text."""

    text: str
    start: int
    entry: HazardFactorEntry
    grade: str = ""  # a grade the text gives it, where a standard grades the factor (激光: 4类)
    grade_basis: str = ""


#: GB 7247.1-2012《激光产品的安全 第1部分》: a laser product is of 4类 where so stated, or where its continuous
#: power exceeds the accessible emission limit of 3B类 (0.5 W); 4类 beams and their diffuse reflections harm the
#: eye and skin and can ignite materials
_LASER_CLASS = re.compile(r"(?:4|iv)\s*类|class\s*4")  # NFKC and case-folded: Ⅳ is iv, ４ is 4
_POWER = re.compile(r"(\d+(?:\.\d+)?)\s*(kw|千瓦|w|瓦)(?![a-z])")
_LASER_3B_LIMIT_W = 0.5


def laser_grade(norm: str, start: int, end: int) -> tuple[str, str]:
    """The class of a laser named at ``start:end`` by what its clause states (4类, or a power over 0.5 W)."""
    clause = re.split(r"[；;。\n]", norm[end : end + 40])[0]
    before = re.split(r"[；;。，,\n]", norm[max(0, start - 12) : start])[-1]
    if _LASER_CLASS.search(before + clause):
        return "4类", "文本写明4类激光"
    for m in _POWER.finditer(before + clause):
        watts = float(m.group(1)) * (1000 if m.group(2) in ("kw", "千瓦") else 1)
        if watts > _LASER_3B_LIMIT_W:
            return "4类", f"功率{m.group(0)}，超过GB 7247.1-2012 3B类可达发射极限0.5 W"
    return "", ""


@dataclass(frozen=True)
class WasteMention:
    """A hazardous waste named in the text, with what 国家危险废物名录 says of it."""

    text: str
    start: int
    match: WasteMatch


@dataclass
class Extracted:
    """What a text names."""

    substances: list[SubstanceMention] = field(default_factory=list)
    equipment: list[EquipmentMention] = field(default_factory=list)
    factors: list[FactorMention] = field(default_factory=list)
    wastes: list[WasteMention] = field(default_factory=list)
    made_wastes: list[MadeWaste] = field(default_factory=list)
    pollutants: list[PollutantMention] = field(default_factory=list)
    spaces: list[SpaceMention] = field(default_factory=list)
    unknown: list[UnknownSubstance] = field(default_factory=list)
    headcount: int | None = None
    hazard_sum: float | None = None  # Σ q/Q of GB 18218-2018 the text writes


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


class EntityExtractor:
    """Find substances, equipment and headcounts in text, against the catalogues.

    Args:
        catalogues: the national catalogues.
        equipment_terms: plant names of equipment classes (by default :data:`EQUIPMENT_TERMS`).
        wastes: 国家危险废物名录's rows, for the hazardous wastes a text names (None: wastes are not read).
    """

    def __init__(
        self,
        catalogues: CatalogueSet,
        *,
        equipment_terms: dict[str, str] | None = None,
        wastes: HazardousWasteList | None = None,
    ) -> None:
        self.catalogues = catalogues
        self.wastes = wastes
        self._names = self._substance_names(catalogues)
        self._first = sorted({n[0] for n in self._names})
        self._equipment = self._equipment_names(catalogues, equipment_terms or EQUIPMENT_TERMS)
        self._factors = self._factor_names(catalogues)
        self._spaces = SpaceReader(catalogues.confined_spaces)
        self._grams: dict[str, list[str]] | None = None  # bigram -> names, built on the first unknown name

    @staticmethod
    def _substance_names(catalogues: CatalogueSet) -> dict[str, tuple[SubstanceFacts, str]]:
        """name as compared → (facts, condition); one-character names are too ambiguous in free text."""
        names: dict[str, tuple[SubstanceFacts, str]] = {}
        for key, facts in catalogues.substance_names():
            if len(key) >= 2:
                names.setdefault(key, (facts, ""))
        qualified = re.compile(r"^(.+?)[\[［(（]([^\]］)）]*)[\]］)）]$")
        for chem in catalogues.chemicals:
            listed = catalogues.substance(chem.name)
            m = qualified.match(chem.name)
            if listed is None or m is None:
                continue
            base, condition = m.group(1), m.group(2)
            kinds = (
                re.split(r"、", base.removeprefix("含易燃溶剂的").removesuffix("等制品")) if "、" in base else [base]
            )
            for kind in kinds:
                for name in COATING_AUXILIARIES if kind == "辅助材料" else (kind,):
                    key = name_key(name)
                    if len(key) >= 2 and key not in names:
                        names[key] = (listed, condition)
            if base in _GASEOUS_ELEMENTS:
                # 氮[压缩的或液化的] is 氮气 in every plant: a gaseous element is written with 气
                names.setdefault(name_key(f"{base}气"), (listed, ""))
        # names plants shorten by the rules of naming: 二甲苯异构体混合物 is 二甲苯; the straight-chain 正 of an
        # alkyl is left out (醋酸正丁酯 → 醋酸丁酯) unless the shorter name is an entry of its own
        for key, named in list(names.items()):
            for short in (key.removesuffix("异构体混合物"), _NORMAL_ALKYL.sub(r"\1", key)):
                if short != key and len(short) >= 2:
                    names.setdefault(short, named)
        return names

    @staticmethod
    def _equipment_names(catalogues: CatalogueSet, terms: dict[str, str]) -> list[tuple[str, EquipmentEntry]]:
        found: dict[str, EquipmentEntry] = {}
        for entry in catalogues.equipment:
            if len(entry.name) >= 2:
                found.setdefault(_normal(entry.name), entry)
            for alias in entry.aliases:
                found.setdefault(_normal(alias), entry)
        for term, code in terms.items():
            named = catalogues.equipment_class(code)
            if named is not None:
                found.setdefault(_normal(term), named)
        return sorted(found.items(), key=lambda kv: -len(kv[0]))

    @staticmethod
    def _factor_names(catalogues: CatalogueSet) -> list[tuple[str, HazardFactorEntry]]:
        """Names of the factors that are not substances, longest first (the catch-all 以上未提及… entries have none)."""
        found: dict[str, HazardFactorEntry] = {}
        for h in catalogues.hazard_factors:
            if h.category not in FACTOR_CATEGORIES or h.name.startswith("以上未提及"):
                continue
            names = [h.name, h.short_name or "", *h.aliases]
            source = _RADIATION_SOURCE.match(h.name)
            if source is not None:
                device = source.group(1)
                names += [device, device.removesuffix("装置")]
            for n in names:
                if len(n) >= 2:
                    found.setdefault(_normal(n), h)
        return sorted(found.items(), key=lambda kv: -len(kv[0]))

    def run(self, text: str) -> Extracted:
        """The entities of one text."""
        norm = _normal(text)
        out = Extracted(headcount=headcount(norm), hazard_sum=hazard_sum(norm))
        out.substances = self._substances(norm)
        out.equipment = self._equipment_mentions(norm)
        out.factors = self._factor_mentions(norm)
        out.wastes = self._waste_mentions(norm)
        out.made_wastes = self._made_wastes(norm)
        out.pollutants = pollutants_of(norm, [(m.text, m.facts.name) for m in out.substances])
        out.spaces = self._spaces.run(norm)
        covered = [(m.start, m.start + len(m.text)) for m in out.substances]
        out.unknown = self._unknown(norm, covered)
        return out

    def run_many(self, texts: Iterable[str]) -> Extracted:
        """The entities of several texts, substances and equipment once per name."""
        merged = Extracted()
        for text in texts:
            one = self.run(text)
            seen = {m.facts.name for m in merged.substances}
            merged.substances += [m for m in one.substances if m.facts.name not in seen]
            names = {m.text for m in merged.equipment}
            merged.equipment += [m for m in one.equipment if m.text not in names]
            factors = {f.entry.name for f in merged.factors}
            merged.factors += [f for f in one.factors if f.entry.name not in factors]
            wastes = {w.text for w in merged.wastes}
            merged.wastes += [w for w in one.wastes if w.text not in wastes]
            made = {w.name for w in merged.made_wastes}
            merged.made_wastes += [w for w in one.made_wastes if w.name not in made]
            polluting = {(p.name, p.tags[0]) for p in merged.pollutants}
            merged.pollutants += [p for p in one.pollutants if (p.name, p.tags[0]) not in polluting]
            spaces = {s.text for s in merged.spaces}
            merged.spaces += [s for s in one.spaces if s.text not in spaces]
            known = {u.text for u in merged.unknown}
            merged.unknown += [u for u in one.unknown if u.text not in known]
            merged.headcount = max(filter(None, (merged.headcount, one.headcount)), default=None)
            merged.hazard_sum = max(filter(None, (merged.hazard_sum, one.hazard_sum)), default=None)
        return merged

    def _substances(self, norm: str) -> list[SubstanceMention]:
        found: list[SubstanceMention] = []
        taken = [False] * len(norm)
        for start in range(len(norm)):
            if taken[start]:
                continue
            for end in range(min(len(norm), start + 40), start + 1, -1):
                hit = self._names.get(norm[start:end].replace(" ", ""))
                if hit is None:
                    continue
                if _inside_word(norm, start, end):
                    continue  # a shorter name inside this one may still be the substance
                if _NEGATED.search(norm[max(0, start - 8) : start]) is None:
                    facts, condition = hit
                    tail = _clause_after(norm, end)[:16]
                    found.append(
                        SubstanceMention(
                            text=norm[start:end].strip(),
                            start=start,
                            facts=facts,
                            condition=condition,
                            amount_t=_amount(tail),
                            percent=_percent(norm[max(0, start - 8) : end + 12]),
                        )
                    )
                for i in range(start, end):
                    taken[i] = True
                break
        found = [_stored_amount(norm, m, found) for m in found]
        unique: dict[str, SubstanceMention] = {}
        for m in found:
            unique.setdefault(m.facts.name, m)
        return list(unique.values())

    def _equipment_mentions(self, norm: str) -> list[EquipmentMention]:
        found: list[EquipmentMention] = []
        taken: list[tuple[int, int]] = []
        for name, entry in self._equipment:
            for m in re.finditer(re.escape(name), norm):
                span = (m.start(), m.end())
                if any(a <= span[0] < b or a < span[1] <= b for a, b in taken):
                    continue
                if _NEGATED.search(norm[max(0, span[0] - 8) : span[0]]):
                    continue
                taken.append(span)
                before, after = _clause_before(norm, span[0]), _clause_after(norm, span[1], parameters=True)
                parameters = _parameters(before + name + after)
                kind = self.catalogues.equipment_kind(entry)
                bare = _BARE_LOAD.search(before)
                if kind.code == "4000" and bare is not None:
                    parameters.setdefault("额定起重量", (float(bare.group(1)), "t"))
                special, basis = _decide(entry, kind, parameters)
                found.append(EquipmentMention(name, span[0], entry, kind, parameters, special, basis))
        return sorted(found, key=lambda e: e.start)

    def _factor_mentions(self, norm: str) -> list[FactorMention]:
        found: dict[str, FactorMention] = {}
        taken: list[tuple[int, int]] = []
        for name, entry in self._factors:
            for m in re.finditer(re.escape(name), norm):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                if name in _CONDITION_FACTORS and _CONDITION_OF_WORK.match(norm[m.end() : m.end() + 2]) is None:
                    continue
                if _NEGATED.search(norm[max(0, m.start() - 8) : m.start()]):
                    continue
                taken.append((m.start(), m.end()))
                grade, basis = laser_grade(norm, m.start(), m.end()) if entry.name == "激光" else ("", "")
                mention = FactorMention(name, m.start(), entry, grade, basis)
                if entry.name not in found or (grade and not found[entry.name].grade):
                    found[entry.name] = mention
        return sorted(found.values(), key=lambda f: f.start)

    def _waste_mentions(self, norm: str) -> list[WasteMention]:
        if self.wastes is None:
            return []
        found: dict[str, WasteMention] = {}
        position = 0
        for word in _WASTE_BREAK.split(norm):
            start = norm.find(word, position) if word else position
            position = start + len(word)
            if not 2 <= len(word) <= 14 or ("废" not in word and _WASTE_END.search(word) is None):
                continue
            if _NEGATED.search(norm[max(0, start - 8) : start]):
                continue
            # the name itself or its longest head the 名录 names (废活性炭委托处置 → 废活性炭), else from its 废 on
            # (产生废切削液 → 废切削液)
            spans = [
                (i, j)
                for i in [0, *(i for i, ch in enumerate(word) if ch == "废" and i > 0)]
                for j in range(len(word), i + 1, -1)
            ]
            for i, j in spans:
                name = word[i:j]
                if len(name) < 3 or ("废" not in name and _WASTE_END.search(name) is None) or name in _WASTE_CATEGORIES:
                    continue
                match = self.wastes.match(name)
                if match is not None:
                    found.setdefault(name, WasteMention(name, start + i, match))
                    break
        return sorted(found.values(), key=lambda w: w.start)

    def _made_wastes(self, norm: str) -> list[MadeWaste]:
        """The hazardous wastes the activities of the text make (喷漆 → HW12), by 国家危险废物名录's rows of
        what makes them; a negated activity (不涉及电镀) makes none."""
        if self.wastes is None or not self.catalogues.waste_sources:
            return []
        return self.wastes.made_by(
            norm,
            self.catalogues.waste_sources,
            skip=lambda start: _NEGATED.search(norm[max(0, start - 8) : start]) is not None,
        )

    def _unknown(self, norm: str, covered: Sequence[tuple[int, int]]) -> list[UnknownSubstance]:
        out: dict[str, UnknownSubstance] = {}
        position = 0
        for word in _WORD_BREAK.split(norm):
            start = norm.find(word, position) if word else position
            position = start + len(word)
            if not (3 <= len(word) <= 14) or _CHEMICAL_END.search(word) is None:
                continue
            if any(a < start + len(word) and start < b for a, b in covered):
                continue
            if any(s in word for s in _NOT_SUBSTANCES) or any(
                name_key(word[i:]) in self._names for i in range(len(word) - 1)
            ):
                continue  # a known name, or a known name with a verb or a modifier before it
            out.setdefault(word, UnknownSubstance(word, self.closest(word)))
        return list(out.values())

    def closest(self, word: str, *, k: int = 3) -> tuple[str, ...]:
        """The catalogue names closest to ``word`` (character-bigram Dice, over the names sharing a bigram)."""
        if self._grams is None:
            self._grams = {}
            for name in self._names:
                for gram in _bigrams(name):
                    self._grams.setdefault(gram, []).append(name)
        grams = _bigrams(word)
        candidates = {name for gram in grams for name in self._grams.get(gram, ())}
        scored = []
        for name in candidates:
            other = _bigrams(name)
            scored.append((2 * len(grams & other) / (len(grams) + len(other)), self._names[name][0].name))
        ranked = [n for _, n in sorted(scored, key=lambda x: (-x[0], x[1]))]
        return tuple(dict.fromkeys(ranked))[:k]


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _inside_word(norm: str, start: int, end: int) -> bool:
    """A match glued into a longer chemical name the lists do not hold (氟磷酸 of 六氟磷酸锂, 醋酸 of 醋酸丁酯:
    an acid followed by an alkyl and 酯 names its ester)."""
    if norm[end - 1 : end] == "酸" and _ESTER_TAIL.match(norm[end : end + 4]):
        return True
    return norm[end : end + 1] in _NAME_GLUE


def _clause_before(norm: str, start: int) -> str:
    head = norm[max(0, start - 40) : start]
    cut = [m.end() for m in _CLAUSE.finditer(head)]
    return head[cut[-1] :] if cut else head


def _clause_after(norm: str, end: int, *, parameters: bool = False) -> str:
    """The rest of the clause after a mention; with ``parameters``, also the clauses right after it that
    go on listing parameters ("储气罐容积2m³，工作压力0.8MPa，内直径800mm")."""
    tail = norm[end : end + 80]
    m = _CLAUSE.search(tail)
    if m is None:
        return tail
    out = tail[: m.start()]
    while parameters and m is not None:
        rest = tail[m.end() :]
        if _PARAMETER.match(rest.lstrip()) is None:
            break
        following = _CLAUSE.search(rest)
        out += "，" + (rest[: following.start()] if following else rest)
        tail, m = rest, following
    return out


def _stored_amount(norm: str, m: SubstanceMention, found: Sequence[SubstanceMention]) -> SubstanceMention:
    """A mention without an amount in its clause takes the stored amount (储存量, 最大储存量 …: GB 18218's
    实际存在量) written later in its sentence, before the next substance ("甲苯储罐2个，储存量30吨")."""
    if m.amount_t is not None:
        return m
    later = [o.start for o in found if o.start > m.start]
    end = min([*later, len(norm)])
    sentence = re.split(r"[。；;\n]", norm[m.start : end], maxsplit=1)[0]
    stored = _STORED.search(sentence)
    if stored is None:
        return m
    return replace(m, amount_t=_amount(stored.group(1)))


def _amount(tail: str) -> float | None:
    """The first amount in tonnes that is not a flow: GB 18218-2018 compares the quantity present (实际存在量,
    the most stored at any time), never one used or made over a period (年用量 2400 t, 年产 3 万 t)."""
    m = next((a for a in _AMOUNT.finditer(tail) if not _is_flow(tail[: a.start()])), None)
    if m is None:
        return None
    value = float(m.group(1))
    return value / 1000 if m.group(2) in ("kg", "千克", "公斤") else value


def _is_flow(before: str) -> bool:
    """Whether an amount is one over a period: its clause names a flow (年用量, 产能 …) before it, and no stock
    (存量, 储存 …) comes between (年用量由4吨增至约15吨 is a flow throughout; 年用量5吨，最大存量0.8吨 is not)."""
    clause = re.split(r"[，,。；;\n]", before)[-1]
    flows = list(_FLOW.finditer(clause))
    return bool(flows) and _STOCK.search(clause[flows[-1].end() :]) is None


def _percent(window: str) -> float | None:
    m = _PERCENT.search(window)
    return float(m.group(1)) if m else None


#: GB 18218-2018 4.2.2: a unit whose sum of the ratios of each substance's amount to its 临界量 (S = Σ q/Q) is 1 or more
#: is a 重大危险源; a text that writes the sum (罐区 ∑q/Q 约 1.1) states that fact
_HAZARD_SUM = re.compile(r"[σ∑Σ]\s*\(?\s*q\s*[/／]\s*q\s*\)?\s*(?:约|为|=|≈|达|:|：)?\s*(\d+(?:\.\d+)?)")


def hazard_sum(text: str) -> float | None:
    """The largest Σ q/Q of GB 18218-2018 a text writes (罐区 ∑q/Q 约 1.1), or None."""
    found = [float(n) for n in _HAZARD_SUM.findall(_normal(text))]
    return max(found) if found else None


def headcount(text: str) -> int | None:
    """The largest staff count a text writes (员工约260人, 从业人员 1500 名), or None."""
    found = [int(n) for n in _HEADCOUNT.findall(_normal(text))]
    return max(found) if found else None


_UNITS: dict[str, tuple[str, float]] = {
    "吨": ("t", 1.0),
    "t": ("t", 1.0),
    "t/h": ("t/h", 1.0),
    "吨/小时": ("t/h", 1.0),
    "mpa": ("MPa", 1.0),
    "kpa": ("MPa", 0.001),
    "mw": ("MW", 1.0),
    "kw": ("MW", 0.001),
    "m³": ("L", 1000.0),
    "m3": ("L", 1000.0),
    "立方米": ("L", 1000.0),
    "l": ("L", 1.0),
    "升": ("L", 1.0),
    "mm": ("mm", 1.0),
    "m": ("m", 1.0),
    "层": ("层", 1.0),
    "m/s": ("m/s", 1.0),
}
_PARAMETER_NAMES: dict[str, str] = {
    "起重量": "额定起重量",
    "额定载重量": "额定起重量",
    "载重量": "额定起重量",
    "起升高度": "提升高度",
    "工作压力": "最高工作压力",
    "设计压力": "最高工作压力",
    "额定压力": "最高工作压力",
    "容量": "容积",
    "水容积": "设计正常水位容积",
    "管径": "公称直径",
    "内径": "内直径",
}


def _parameters(window: str) -> dict[str, tuple[float, str]]:
    found: dict[str, tuple[float, str]] = {}
    for name, value, unit in _PARAMETER.findall(window):
        unit_name, factor = _UNITS.get(unit.casefold(), (unit, 1.0))
        found.setdefault(_PARAMETER_NAMES.get(name, name), (float(value) * factor, unit_name))
    return found


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def _criteria_for(entry: EquipmentEntry, kind: EquipmentEntry) -> list[EquipmentCriterion]:
    """The alternatives of the 种类's definition that concern this item: those whose ``applies_to`` names
    its class (固定式容器 for 固定式压力容器, 起重机 for 桥式起重机), the most specific first; all of them
    when the item is the 种类 itself or no alternative names its class."""
    if entry.code == kind.code:
        return list(kind.criteria)
    scored = []
    for criterion in kind.criteria:
        parts = [p for p in re.split(r"[和、及]", criterion.applies_to) if p]
        best = max((len(p) for p in parts if _subsequence(p, entry.name)), default=0)
        if best:
            scored.append((best, criterion))
    if not scored:
        return list(kind.criteria)
    top = max(s for s, _ in scored)
    return [c for s, c in scored if s == top]


def _decide(
    entry: EquipmentEntry, kind: EquipmentEntry, parameters: dict[str, tuple[float, str]]
) -> tuple[bool | None, str]:
    """Whether the criteria of the item's 种类 hold on the parameters given (None: cannot tell)."""
    if not kind.criteria:
        # a 种类 defined without numeric bounds (电梯, 场（厂）内专用机动车辆): the class decides
        return True, f"特种设备目录 {kind.code} {kind.name}（定义无参数门槛）"
    criteria = _criteria_for(entry, kind)
    if any(not c.all_of for c in criteria):
        return True, f"特种设备目录 {kind.code} {kind.name}（{entry.name} 无参数门槛）"
    decided_false = False
    for criterion in criteria:
        bounds = criterion.all_of
        known = [b for b in bounds if b.parameter in parameters and parameters[b.parameter][1] == b.unit]
        if len(known) == len(bounds) and all(b.holds(parameters[b.parameter][0]) for b in bounds):
            what = "、".join(f"{b.parameter}{b.op}{b.value:g}{b.unit}" for b in bounds)
            return True, f"特种设备目录 {kind.code} {kind.name}：{what}"
        if any(not b.holds(parameters[b.parameter][0]) for b in known):
            decided_false = True
    if decided_false:
        return False, f"参数未达特种设备目录 {kind.code} {kind.name} 的门槛"
    missing = sorted({b.parameter for c in criteria for b in c.all_of if b.parameter not in parameters})
    return None, f"特种设备目录 {kind.code} {kind.name}：{'、'.join(missing)}未给出，待核实"


def decide_special(
    entry: EquipmentEntry, kind: EquipmentEntry, parameters: dict[str, tuple[float, str]]
) -> tuple[bool | None, str]:
    """Whether an item of class ``entry`` (种类 ``kind``) with these parameters (name → (value, unit), in the
    criteria's units) is special equipment: True, False, or None when a deciding parameter is missing."""
    return _decide(entry, kind, parameters)
