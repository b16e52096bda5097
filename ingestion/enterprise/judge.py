"""What the national catalogues say of a plant's materials, equipment and wastes, item by item.

- A material is hazardous when 危险化学品目录（2015版） lists it (by name, alias or CAS number), or lists a
  component the document names for it (稀释剂（主要成分乙酸丁酯、二甲苯）), or when the document labels it
  危险化学品. An entry listed only under a condition (柴油[闭杯闪点≤60℃], 第2828项 含易燃溶剂的…油漆、辅助材料、
  涂料等制品[闭杯闪点≤60℃]) is decided by the flash point or the solvent the document gives (水性: without
  flammable solvent), else flagged hazardous to verify (待核实).
- Paints and their auxiliaries are the product kinds of 第2828项 by GB/T 2705-2003《涂料产品分类和命名》: a
  涂料's 基本名称 ends in 漆 (清漆、磁漆、底漆、面漆 …) or is 涂料, and 辅助材料 are 稀释剂、防潮剂、催干剂、
  脱漆剂、固化剂 (:data:`ingestion.entities.COATING_AUXILIARIES`).
- Equipment is special equipment as :class:`ingestion.entities.EntityExtractor` decides it by the criteria
  of its 特种设备目录 种类, with the parameters of the row (规格型号 and 参数 columns read too); a deciding
  parameter missing makes it special to verify; a document's own 特种设备 label is believed.
- A hazardous waste takes its 废物代码 as written, else as :class:`HazardousWasteList` matches its name.
"""

from __future__ import annotations

import re
import unicodedata

from ingestion.enterprise.models import ExtractedEquipment, ExtractedMaterial, Provenance
from ingestion.entities import (
    COATING_AUXILIARIES,
    EntityExtractor,
    EquipmentMention,
    SubstanceMention,
    decide_special,
)
from ingestion.wastes import HazardousWasteList, WasteMatch
from kg.catalogues import SubstanceFacts, name_key

__all__ = ["CatalogueJudge"]

#: the catalogue entry of paints, coatings and their auxiliaries
_PAINT_ENTRY = "含易燃溶剂的合成树脂、油漆、辅助材料、涂料等制品[闭杯闪点≤60℃]"
_FLASH = re.compile(r"闪点\s*[:：为]?\s*([<>≤≥＜＞]?=?)\s*(-?\d+(?:\.\d+)?)\s*(?:℃|°C|度)")
_WATER_BASED = re.compile(r"水性|水基|水溶性")
_CONDITION_FLASH = re.compile(r"闪点\s*≤\s*(\d+)")
_CONDITION_PERCENT = re.compile(r"含量\s*([>≥＞])\s*(\d+(?:\.\d+)?)\s*%")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
#: the 目录's own qualifiers of a name's grade or state (无水, 压缩的或液化的, 含量…) as plants write them before it
_GRADE = ("工业", "冰", "浓", "稀", "无水", "液态", "液体", "液化", "压缩", "高纯", "试剂", "分析纯", "食品级", "瓶装")
#: where a word of running text begins (punctuation, conjunctions, the verbs that introduce a material)
_LEFT_BREAK = re.compile(r"[\s，。；;,、：:（）()“”\"/]|和|与|及|或|用|含|为|以|的|经|加|入|至|由|在|将|把|等")
#: the type words of 特种设备目录 品种 that plants write before a class name (燃气锅炉, 桥式起重机)
_EQUIPMENT_MODIFIER = re.compile(
    r"(?:\d+(?:\.\d+)?\s*(?:t|吨))?(?:燃气|燃油|燃煤|生物质|电加热|蒸汽|热水|电瓶|内燃|平衡重式|立式|卧式|载货|载人|桥式|门式|单梁|双梁|悬臂|电动|手动|"
    r"空气|压缩空气|氮气|氧气|液氨|液化石油气)*$"
)
#: bare values of a 规格型号 cell by unit: LD5t, CD1-2t, 1m3/0.8MPa, 0.35MW
_SPEC_LOAD = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:t|吨)(?![/a-z])", re.IGNORECASE)
_SPEC_VOLUME = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(m3|m³|立方米|l|升)(?![a-z])", re.IGNORECASE)
_SPEC_PRESSURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(mpa|kpa)", re.IGNORECASE)
_SPEC_POWER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(mw|kw)(?![a-z/])", re.IGNORECASE)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


class CatalogueJudge:
    """Decide plant items from the catalogues' facts.

    Args:
        facts: the extractor over the national catalogues.
        wastes: 国家危险废物名录's rows, for the codes of hazardous wastes (None: codes only as written).
    """

    def __init__(self, facts: EntityExtractor, wastes: HazardousWasteList | None = None) -> None:
        self.facts = facts
        self.wastes = wastes
        catalogues = facts.catalogues
        self._numbers: dict[str, int] = {}
        self._qualified: dict[str, list[str]] = {}
        for chem in catalogues.chemicals:
            if chem.no is not None:
                self._numbers.setdefault(name_key(chem.name), chem.no)
            base = re.sub(r"[\[［(（][^\]］)）]*[\]］)）]$", "", chem.name)
            if base != chem.name:
                self._qualified.setdefault(name_key(base), []).append(chem.name)

    # --- materials ------------------------------------------------------------------------------------

    def material(
        self, raw: str, name: str, source: Provenance, *, labelled: bool = False, quantity: str = "", notes: str = ""
    ) -> ExtractedMaterial:
        """One material of a list or table: ``raw`` as written (brackets kept), ``name`` cleaned, ``notes``
        the other cells of its row (成分, 闪点, 备注)."""
        context = f"{raw} {notes}"
        own = self._own(name)
        components = self._components(context, own)
        item = ExtractedMaterial(name=name, quantity=quantity, source=source)
        if own is not None:
            item = self._with_facts(item, own[0])
        if own is not None and not own[1]:
            item = item.model_copy(update={"hazardous": True, "reason": self._entry_reason(own[0])})
        elif own is not None:
            item = self._conditional(item, own[0], own[1], context, components)
        elif components:
            listed = "、".join(f"{c.name}（CAS {c.cas[0]}）" if c.cas else c.name for c in components)
            item = item.model_copy(update={"hazardous": True, "reason": f"含危险化学品目录所列组分：{listed}"})
        if components:
            flags = list(dict.fromkeys([*item.flags, *(f for c in components for f in _flags(c))]))
            item = item.model_copy(update={"components": [c.name for c in components], "flags": flags})
        if labelled:
            reason = "文件标注为危险化学品" + (f"；{item.reason}" if item.reason else "")
            item = item.model_copy(update={"hazardous": True, "reason": reason, "verify": False})
        if own is None and not components and not labelled:
            unknown = self.facts.run(name).unknown
            if unknown:
                candidates = list(unknown[0].candidates)
                reason = "危险化学品目录未收录此名称，待核实" + (
                    f"（相近：{'、'.join(candidates)}）" if candidates else ""
                )
                item = item.model_copy(update={"verify": True, "candidates": candidates, "reason": reason})
        return item

    def mentions(self, text: str, source: Provenance) -> list[ExtractedMaterial]:
        """The catalogue substances (and 涂料 auxiliaries) named in a line of running text, and the
        chemical-looking names no catalogue holds (not hazardous, to verify)."""
        norm = _normal(text)
        out: list[ExtractedMaterial] = []
        found = self.facts.run(text)
        for m in found.substances:
            if len(m.text) <= 2 and not _word_start(norm, m.start) and not _word_end(norm, m.start + 2):
                continue  # 火油 inside 淬火油槽: a short name glued into a longer word on both sides
            name = _display(text, norm, m)
            facts = self._listed(m.facts)
            if facts is None:
                continue
            out.append(self.material(name, name, source, notes=_clause(text, m.start)))
        for word in COATING_AUXILIARIES:
            at = norm.find(word)
            if at >= 0 and not any(word in o.name for o in out):
                out.append(self.material(word, word, source, notes=_clause(text, at)))
        for u in found.unknown:
            reason = "危险化学品目录未收录此名称，待核实" + (
                f"（相近：{'、'.join(u.candidates)}）" if u.candidates else ""
            )
            out.append(
                ExtractedMaterial(name=u.text, source=source, verify=True, candidates=list(u.candidates), reason=reason)
            )
        return out

    def _own(self, name: str) -> tuple[SubstanceFacts, str] | None:
        """The 目录 entry the material's own name is (with the entry's condition), if any."""
        norm = _normal(name)
        for m in self.facts.run(name).substances:
            prefix = norm[: m.start]
            if norm[m.start + len(m.text) :].strip() or not (prefix == "" or _grade_prefix(prefix)):
                continue
            facts = self._listed(m.facts)
            if facts is not None:
                condition = m.condition or self._condition(facts)
                # only a bound the documents can settle (闪点, 含量) makes the entry conditional; a qualifier
                # that describes the substance itself (富含甲烷的, 压缩的或液化的) does not
                return facts, condition if re.search(r"闪点|含量", condition) else ""
            qualified = self._qualified.get(name_key(m.text), [])
            if len(qualified) == 1 and (listed := self.facts.catalogues.substance(qualified[0])) is not None:
                return listed, self._condition(listed)
        key = name_key(norm)
        if key.endswith("气") and len(key) == 2:
            # 氮气, 氩气: the 目录 names a gas by its element, compressed or liquefied
            qualified = self._qualified.get(key[:-1], [])
            if len(qualified) == 1 and (listed := self.facts.catalogues.substance(qualified[0])) is not None:
                return listed, ""
        if key.endswith(("漆", "涂料")) or any(a in key for a in COATING_AUXILIARIES):
            paint = self.facts.catalogues.substance(_PAINT_ENTRY)
            if paint is not None:
                return paint, "闭杯闪点≤60℃"
        return None

    def _listed(self, facts: SubstanceFacts) -> SubstanceFacts | None:
        """The 危险化学品目录 record of a substance: itself, or the listed record of its CAS number."""
        if facts.listed:
            return facts
        for cas in facts.cas:
            other = self.facts.catalogues.substance(cas)
            if other is not None and other.listed:
                return other
        qualified = self._qualified.get(name_key(facts.name), [])
        if len(qualified) == 1:
            other = self.facts.catalogues.substance(qualified[0])
            if other is not None and other.listed:
                return other
        return None

    @staticmethod
    def _condition(facts: SubstanceFacts) -> str:
        m = re.search(r"[\[［]([^\]］]*闪点[^\]］]*)[\]］]$", facts.name)
        return m.group(1) if m else ""

    def _components(self, context: str, own: tuple[SubstanceFacts, str] | None) -> list[SubstanceFacts]:
        """The listed substances a row names besides the material itself (its 成分 or bracketed note)."""
        if not re.search(r"成分|组分|含|[（(]", context):
            return []
        out: list[SubstanceFacts] = []
        for m in self.facts.run(context).substances:
            facts = self._listed(m.facts)
            if facts is None or m.condition or (own is not None and facts.name == own[0].name):
                continue
            if facts.name not in [o.name for o in out]:
                out.append(facts)
        return out

    def _conditional(
        self,
        item: ExtractedMaterial,
        facts: SubstanceFacts,
        condition: str,
        context: str,
        components: list[SubstanceFacts],
    ) -> ExtractedMaterial:
        entry = self._entry_reason(facts)
        flash = _FLASH.search(context)
        bound = _CONDITION_FLASH.search(condition)
        if flash and bound:
            op, value = flash.group(1), float(flash.group(2))
            limit = float(bound.group(1))
            below = value <= limit and not (op.startswith((">", "＞", "≥")) and value >= limit)
            verdict = "符合" if below else "不符合"
            return item.model_copy(
                update={"hazardous": below, "reason": f"{entry}：文件所载闪点{op}{value:g}℃，{verdict}{condition}"}
            )
        percent = _CONDITION_PERCENT.search(condition)
        written = _PERCENT.search(context)
        if percent and written:
            value, limit = float(written.group(1)), float(percent.group(2))
            holds = value > limit if percent.group(1) in (">", "＞") else value >= limit
            verdict = "符合" if holds else "不符合"
            return item.model_copy(
                update={"hazardous": holds, "reason": f"{entry}：文件所载含量{value:g}%，{verdict}{condition}"}
            )
        if components:
            return item.model_copy(update={"hazardous": True, "reason": f"{entry}：文件所列组分含易燃溶剂"})
        if bound and _WATER_BASED.search(context):
            reason = f"{entry}：文件注明水性（不含易燃溶剂），不列入；闪点待核实"
            return item.model_copy(update={"hazardous": False, "verify": True, "reason": reason})
        reason = f"{entry}：文件未给出{'闪点' if bound else '含量'}，按危险化学品对待，待核实（{condition}）"
        return item.model_copy(update={"hazardous": True, "verify": True, "reason": reason})

    def _entry_reason(self, facts: SubstanceFacts) -> str:
        no = self._numbers.get(name_key(facts.name))
        return f"危险化学品目录（2015版）{f'第{no}项' if no else ''}{facts.name}"

    def _with_facts(self, item: ExtractedMaterial, facts: SubstanceFacts) -> ExtractedMaterial:
        return item.model_copy(
            update={
                "catalogue_name": facts.name,
                "catalogue_no": self._numbers.get(name_key(facts.name)),
                "cas": "；".join(facts.cas),
                "flags": _flags(facts),
            }
        )

    # --- equipment ------------------------------------------------------------------------------------

    def equipment(
        self, name: str, source: Provenance, *, labelled: bool = False, quantity: str = "", notes: str = ""
    ) -> ExtractedEquipment:
        """One item of an equipment list or table; ``notes`` the other cells of its row (规格型号, 主要参数)."""
        mention = next(iter(self.facts.run(name).equipment), None)
        item = ExtractedEquipment(name=name, quantity=quantity, source=source)
        if mention is not None:
            parameters = dict(mention.parameters)
            if notes:
                tail = self.facts.run(f"{name} {notes}").equipment
                for m in tail[:1]:
                    for k, v in m.parameters.items():
                        parameters.setdefault(k, v)
                for k, v in _spec_parameters(mention.kind.code, notes).items():
                    parameters.setdefault(k, v)
            item = self._decided(item, mention, parameters)
        if labelled and not item.special:
            basis = "文件标注为特种设备" + (f"；{item.basis}" if item.basis else "")
            category = item.category or "特种设备（文件标注）"
            item = item.model_copy(update={"special": True, "verify": False, "basis": basis, "category": category})
        return item

    def equipment_mentions(self, text: str, source: Provenance) -> list[ExtractedEquipment]:
        """The equipment of 特种设备目录 classes named in a line of running text, with its parameters."""
        out = []
        norm = _normal(text)
        for m in self.facts.run(text).equipment:
            if m.kind.code == "F000":
                continue  # a 安全附件 (安全阀, 爆破片) named in a procedure is part of the equipment it protects
            if norm[m.start + len(m.text) : m.start + len(m.text) + 1] in ("房", "间"):
                continue  # 锅炉房, 空压机房: the room (a 公用工程 facility) named after the equipment
            before = norm[: m.start]
            modifier = _EQUIPMENT_MODIFIER.search(before)
            name = (modifier.group(0) if modifier else "") + m.text
            out.append(self._decided(ExtractedEquipment(name=name, source=source), m, dict(m.parameters)))
        return out

    def _decided(
        self, item: ExtractedEquipment, mention: EquipmentMention, parameters: dict[str, tuple[float, str]]
    ) -> ExtractedEquipment:
        special, basis = decide_special(mention.entry, mention.kind, parameters)
        if special is None and mention.kind.code == "1000":
            # a vessel's volume bounds the water it holds: under 30 L it is under 设计正常水位容积 30 L
            volume = parameters.get("容积")
            if volume is not None and volume[1] == "L" and volume[0] < 30:
                special, basis = False, f"容积{volume[0]:g}L＜30L，未达特种设备目录 1000 锅炉的门槛"
        written = [f"{k}={v:g}{u}" for k, (v, u) in parameters.items()]
        return item.model_copy(
            update={
                "special": special is not False,
                "verify": special is None,
                "category": mention.kind.name,
                "catalogue_code": mention.entry.code,
                "parameters": written,
                "basis": basis,
            }
        )

    # --- wastes ---------------------------------------------------------------------------------------

    def waste(self, name: str, context: str = "") -> WasteMatch | None:
        """The 名录's class and code for a hazardous waste's name (None without the 名录 or no match)."""
        return self.wastes.match(name, context) if self.wastes is not None else None


def _unknown_reason(candidates: list[str]) -> str:
    close = f"（相近：{'、'.join(candidates)}）" if candidates else ""
    return f"危险化学品目录未收录此名称，待核实{close}"


def _flags(facts: SubstanceFacts) -> list[str]:
    return [f for f in facts.flags if f != "危险化学品" and not f.startswith("职业病")]


def _grade_prefix(prefix: str) -> bool:
    stripped = re.sub(r"[\d.%％\s\-~～]+", "", prefix)
    return stripped == "" or stripped in _GRADE


def _word_start(norm: str, start: int) -> bool:
    """Whether a match begins a word: the text start, a break before it, or a grade word."""
    if start == 0 or _LEFT_BREAK.match(norm[start - 1]) or not ("\u4e00" <= norm[start - 1] <= "\u9fff"):
        return True
    return any(norm[:start].endswith(g) for g in _GRADE)


def _word_end(norm: str, end: int) -> bool:
    """Whether a match ends a word: the text end, a break after it, or no Chinese character next."""
    if end >= len(norm):
        return True
    after = norm[end]
    return bool(_LEFT_BREAK.match(after)) or not ("\u4e00" <= after <= "\u9fff")


def _display(text: str, norm: str, mention: SubstanceMention) -> str:
    """The mention as the document writes it, with a grade word before it (冰醋酸, 工业酒精)."""
    start, end = mention.start, mention.start + len(mention.text)
    for grade in sorted(_GRADE, key=len, reverse=True):
        if norm[:start].endswith(grade):
            start -= len(grade)
            break
    return text[start:end] if len(text) == len(norm) else mention.text


def _clause(text: str, at: int) -> str:
    """The clause around a position (a row of running text: its own notes)."""
    head = re.split(r"[。；;]", text[:at])[-1]
    tail = re.split(r"[。；;]", text[at:])[0]
    return head + tail


def _spec_parameters(kind: str, spec: str) -> dict[str, tuple[float, str]]:
    """Parameters read from a 规格型号 / 主要参数 cell by their units, for the 种类 they decide."""
    found: dict[str, tuple[float, str]] = {}
    text = _normal(spec)
    if kind == "4000" and (m := _SPEC_LOAD.search(text)):
        found["额定起重量"] = (float(m.group(1)), "t")
    if kind in ("2000", "1000") and (m := _SPEC_VOLUME.search(text)):
        factor = 1000.0 if m.group(2) in ("m3", "m³", "立方米") else 1.0
        found["容积"] = (float(m.group(1)) * factor, "L")
    if m := _SPEC_PRESSURE.search(text):
        value = float(m.group(1)) * (0.001 if m.group(2) == "kpa" else 1.0)
        if kind == "2000":
            found["最高工作压力"] = (value, "MPa")
        elif kind == "8000":
            found["最高工作压力"] = (value, "MPa")
    if kind == "1000" and (m := _SPEC_POWER.search(text)):
        found["额定功率"] = (float(m.group(1)) * (0.001 if m.group(2) == "kw" else 1.0), "MW")
    return found
