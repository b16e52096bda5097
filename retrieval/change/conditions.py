"""Which ``applies_if`` conditions of the knowledge base an enterprise meets, inferred from its text.

A duty of the knowledge base may carry conditions (重点管理, 剧毒化学品, 特种设备, 建设项目 …). The
enterprise rarely states them; they are inferred from trigger terms in its description, processes and
change, skipping negated mentions ("不涉及重大危险源", "无剧毒品"). Every inferred condition keeps the
terms that triggered it, so a reviewer sees why a duty was kept.

Conditions listed together on one duty are all required, except siblings of one group (e.g. 剧毒化学品 and
易制爆, or the kinds of 危险作业), of which one suffices: the knowledge base lists them as alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Protocol

from pydantic import BaseModel, Field

from ingestion.entities import Extracted, headcount
from retrieval.change.inputs import ChangeRequest, EnterpriseProfile
from retrieval.change.text import normalize

__all__ = [
    "ALTERNATIVES",
    "FACT_CONDITIONS",
    "PROJECT_CONDITIONS",
    "TRIGGERS",
    "ConditionInferrer",
    "Conditions",
    "FactReader",
    "duty_applies",
    "fact_conditions",
]

#: Trigger terms per condition. Generic vocabulary of the domain, not of any evaluation item.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "职业病危害": (
        "职业病",
        "粉尘",
        "烟尘",
        "焊",
        "噪声",
        "有机溶剂",
        "苯",
        "高温",
        "打磨",
        "抛光",
        "喷漆",
        "喷涂",
        "涂装",
        "油漆",
        "胶粘剂",
        "酸洗",
        "铅",
        "锰",
        "矽尘",
        "砂处理",
        "铸造",
        "熔炼",
        "化学品",
        "射线",
        "染色",
        "甲醛",
        "正己烷",
        "丁酮",
        "振动",
        "接尘",
        "接害",
    ),
    "危险化学品": (
        "危险化学品",
        "危化品",
        "化学品",
        "油漆",
        "涂料",
        "稀释剂",
        "溶剂",
        "天那水",
        "乙炔",
        "液化石油气",
        "天然气",
        "酸",
        "液碱",
        "烧碱",
        "双氧水",
        "保险粉",
        "甲苯",
        "丁酮",
        "正己烷",
        "酒精",
        "乙醇",
        "异丙醇",
        "氢氟酸",
        "氰化",
        "液氨",
        "三防漆",
        "胶粘剂",
        "助焊剂",
        "洗板水",
        "淬火油",
        "染化料",
        "磷化",
        "脱脂剂",
        "固化剂",
        "丙烷",
        "氧气",
    ),
    "剧毒化学品": ("剧毒", "氰化钠", "氰化钾", "氰化物"),
    "易制爆": ("易制爆", "双氧水", "过氧化氢", "硝酸", "高锰酸钾", "氯酸钾", "高氯酸"),
    "重大危险源": ("重大危险源",),
    "特种设备": (
        "特种设备",
        "起重机",
        "行车",
        "桥式",
        "门式",
        "电动葫芦",
        "叉车",
        "锅炉",
        "压力容器",
        "储气罐",
        "电梯",
        "压力管道",
        "导热油炉",
        "场内机动车",
        "气瓶",
        "空压机",
    ),
    "锅炉": ("锅炉", "导热油炉", "有机热载体炉", "热媒炉"),
    "建设项目": ("建设项目", "新建", "扩建", "改建", "技改", "技术改造", "扩产", "环评", "三同时"),
    # new processes, materials or equipment (安全生产法 on 新工艺、新技术、新材料、新设备)
    "四新": (
        "新工艺",
        "新材料",
        "新设备",
        "新技术",
        "新增",
        "新上",
        "新建",
        "技改",
        "技术改造",
        "替代",
        "改为",
        "改用",
    ),
    # units the classification list (固定污染源排污许可分类管理名录) puts under a permit: a permit named,
    # a 重点/简化 class, or a process listed there for 重点 or 简化 management in every size class
    "排污许可": (
        "排污许可",
        "重点管理",
        "简化管理",
        "持证排污",
        "印染",
        "染整",
        "电镀",
        "熔炼",
        "冲天炉",
        "中频炉",
        "工业炉窑",
    ),
    "重点管理": ("重点管理",),
    "登记管理": ("登记管理", "排污登记"),
    "危险废物": (
        "危险废物",
        "危废",
        "漆渣",
        "废活性炭",
        "废油",
        "废切削液",
        "废乳化液",
        "废溶剂",
        "废包装桶",
        "废胶",
        "磷化渣",
        "废酸",
        "废液",
        "含油",
        "污泥",
        "废矿物油",
        "废电路板",
        "废桶",
        # materials whose residues and empty containers are listed hazardous wastes (HW08, HW12, HW13, HW49)
        "溶剂型",
        "胶粘剂",
        "油漆",
        "涂料",
        "稀释剂",
        "切削液",
        "乳化液",
        "淬火油",
        "液压油",
        "活性炭",
        "磷化",
        "电镀",
    ),
    "工业固体废物": ("固体废物", "固废", "边角料", "废料", "焊渣", "废砂", "污泥", "炉渣", "废渣", "废砂轮", "废包装"),
    "排放废水": ("废水", "污水", "水洗", "清洗线", "印染", "染色", "电镀", "前处理", "排水"),
    "排放废气": ("废气", "烟尘", "vocs", "颗粒物", "除尘", "焚烧", "锅炉", "熔炼", "喷漆", "喷涂", "焊烟", "油烟"),
    "挥发性有机物": (
        "vocs",
        "挥发性有机",
        "有机废气",
        "溶剂型",
        "油漆",
        "涂料",
        "稀释剂",
        "胶粘剂",
        "油墨",
        "喷漆",
        "甲苯",
        "二甲苯",
        "三防漆",
        "天那水",
    ),
    "工业噪声": ("噪声", "冲压", "锻造", "空压机", "风机"),
    "有毒有害物质": ("有毒有害", "重金属", "铅", "镉", "六价铬", "汞", "砷", "镍", "氰化"),
    "土壤污染重点监管单位": ("土壤污染重点监管",),
    "饮用水水源保护区": ("水源保护区", "饮用水水源", "水源地"),
    "危险化学品生产企业": ("危险化学品生产企业", "生产危险化学品"),
    "危险物品生产经营储存": ("危险物品生产", "危险化学品经营", "储存经营", "危化品经营"),
    "矿山金属冶炼建筑施工": ("金属冶炼", "冶炼", "矿山", "建筑施工"),
    "危险废物经营": ("危险废物经营",),
    "消防重点单位": ("消防安全重点单位", "消防重点单位"),
    "人员密集场所": ("人员密集", "劳动密集", "宿舍"),
    "派遣劳动者": ("劳务派遣", "派遣"),
    "实习学生": ("实习",),
    "发包出租": ("外包", "承包", "发包", "出租", "外委", "外协单位"),
    "动火": ("动火", "焊割", "气割", "切割", "电焊", "焊接"),
    "吊装": ("吊装", "起重", "吊运", "行车"),
    "有限空间": ("有限空间", "池内", "罐内", "清淤", "地坑", "釜内", "储罐内", "窨井"),
    "高处作业": ("高处作业", "登高", "屋面"),
    # 特种作业目录 (特种作业人员安全技术培训考核管理规定 附件): 电工, 焊接与热切割, 高处, 制冷与空调 … 作业
    "特种作业": ("特种作业", "电工", "焊工", "焊接", "切割", "高处作业", "登高", "制冷"),
    "交叉作业": ("交叉作业",),
    "使用燃气": ("天然气", "燃气", "液化石油气", "lng", "丙烷"),
    "放射工作": ("射线", "放射", "γ"),
    "清洁生产审核": ("清洁生产审核",),
    "化工企业": ("化工企业", "化工园区"),
}

#: Conditions of the enterprise's status rather than of its materials: a change that brings one about
#: (a construction project, new equipment, a permit class) brings the duties it conditions to the fore.
PROJECT_CONDITIONS = frozenset(
    {
        "建设项目",
        "四新",
        "排污许可",
        "重点管理",
        "简化管理",
        "登记管理",
        "消防重点单位",
        "人员密集场所",
        "发包出租",
        "土壤污染重点监管单位",
        "清洁生产审核",
        "大型企业",
    }
)

#: Conditions the catalogues' facts establish (:func:`fact_conditions`): a change that brings a substance or a
#: machine of such a class brings the duties the class governs, and the risks of those duties, to the fore.
FACT_CONDITIONS = frozenset(
    {
        "危险化学品",
        "剧毒化学品",
        "易制爆",
        "易制毒化学品",
        "高毒物品",
        "重点监管危险化学品",
        "重大危险源",
        "特种设备",
        "锅炉",
        "职业病危害",
        "放射工作",
        "危险废物",
    }
)

#: Groups of sibling conditions: on one duty, any one member of a group suffices.
ALTERNATIVES: tuple[frozenset[str], ...] = (
    frozenset({"剧毒化学品", "易制爆", "重大危险源"}),
    frozenset({"危险作业", "动火", "吊装", "有限空间", "高处作业", "交叉作业"}),
    frozenset({"危险物品生产经营储存", "矿山金属冶炼建筑施工"}),
)

#: Conditions implied by others.
IMPLIED: dict[str, tuple[str, ...]] = {
    "危险作业": ("动火", "吊装", "有限空间", "高处作业"),
    "危险化学品": ("剧毒化学品", "易制爆", "危险化学品生产企业"),
    "排污许可": ("重点管理",),
}

_NEGATION = re.compile(r"(无|不|未|非|没有|免于|不涉及|不属于)[^，。；,;]{0,4}$")
#: "由登记管理转为…": the state the enterprise leaves, not the one it is in
_FORMER = re.compile(r"由$")
_TRANSITION = re.compile(r"^[^，。；,;]{0,6}?(转为|改为|升为|降为|变为|变更为|调整为|提高到|增至|升级为)")
_CONSTRUCTION_CHANGES = frozenset({"add_process", "expand", "new_equipment"})
_NEW_THINGS_CHANGES = frozenset({"add_process", "new_material", "new_equipment"})


class Conditions(BaseModel):
    """Conditions an enterprise meets, each with the terms that triggered it."""

    met: dict[str, list[str]] = Field(default_factory=dict)

    def __contains__(self, condition: object) -> bool:
        return condition in self.met

    def names(self) -> set[str]:
        """The conditions met."""
        return set(self.met)


def _affirmed(term: str, text: str) -> bool:
    """Whether ``term`` occurs in ``text`` at least once without a negation or a 由… before it."""
    start = text.find(term)
    while start >= 0:
        before = text[max(0, start - 8) : start]
        former = _FORMER.search(before) and _TRANSITION.search(text[start + len(term) : start + len(term) + 12])
        if not _NEGATION.search(before) and not former:
            return True
        start = text.find(term, start + 1)
    return False


class FactReader(Protocol):
    """Reads substances and equipment against the national catalogues (:class:`ingestion.entities.EntityExtractor`)."""

    def run(self, text: str) -> Extracted:
        """What the text names."""
        ...


class ConditionInferrer:
    """Infer the conditions an enterprise meets from its profile and, optionally, a change.

    Args:
        triggers: trigger terms per condition (by default :data:`TRIGGERS`).
        facts: reads the substances and equipment named, so that the catalogues decide the conditions of
            their classes (:func:`fact_conditions`); None: trigger terms only.
    """

    def __init__(
        self, triggers: Mapping[str, Collection[str]] | None = None, *, facts: FactReader | None = None
    ) -> None:
        self.triggers = {k: tuple(normalize(t) for t in v) for k, v in (triggers or TRIGGERS).items()}
        self.facts = facts

    def read(self, text: str) -> Extracted:
        """What ``text`` names, read against the catalogues (nothing without a reader)."""
        return Extracted() if self.facts is None else self.facts.run(normalize(text))

    def established(self, text: str | Extracted) -> Conditions:
        """The conditions the catalogues' facts establish for what ``text`` names (none without a reader)."""
        found = self.read(text) if isinstance(text, str) else text
        return Conditions(met=fact_conditions(found))

    def run(self, profile: EnterpriseProfile, change: ChangeRequest | None = None) -> Conditions:
        """The conditions met, with their evidence."""
        text = normalize(profile.text + ("\n" + change.text if change else ""))
        met: dict[str, list[str]] = {}
        for condition, terms in self.triggers.items():
            found = [t for t in terms if _affirmed(t, text)]
            if found:
                met[condition] = found
        if self.facts is not None:
            for condition, evidence in fact_conditions(self.facts.run(text)).items():
                met[condition] = [*met.get(condition, []), *evidence]
        if change is not None and change.type in _CONSTRUCTION_CHANGES:
            met.setdefault("建设项目", []).append(f"变更类型 {change.type}")
        if change is not None and change.type in _NEW_THINGS_CHANGES:
            met.setdefault("四新", []).append(f"变更类型 {change.type}")
        staff = profile.headcount or headcount(text)
        if staff is not None and staff >= 1000:
            met.setdefault("大型企业", []).append(f"员工 {staff} 人")
        if "登记管理" in met and ("重点管理" in met or "简化管理" in met or _affirmed("排污许可证", text)):
            del met["登记管理"]
        if "登记管理" in met:
            # registered units hold no permit, whatever their processes suggest
            met.pop("排污许可", None)
        for condition, sources in IMPLIED.items():
            evidence = [s for s in sources if s in met]
            if evidence and condition not in met:
                met[condition] = [f"由 {s} 推出" for s in evidence]
        return Conditions(met=met)


def fact_conditions(found: Extracted) -> dict[str, list[str]]:
    """The conditions the catalogues' facts establish for what a text names, each with its evidence.

    A substance of 危险化学品目录 → 危险化学品 (剧毒 → 剧毒化学品, 易制爆名录 → 易制爆, 易制毒附表 → 易制毒化学品,
    高毒物品目录 → 高毒物品, 重点监管名录 → 重点监管危险化学品, 职业病危害因素分类目录 → 职业病危害); an amount
    written next to it at or above its GB 18218 临界量 → 重大危险源; an item that 特种设备目录's criteria make
    special equipment (or whose deciding parameters are not given) → 特种设备, a boiler → 锅炉 too; a hazard factor
    of the 目录 → 职业病危害 (a 放射性因素 → 放射工作 too); a waste 国家危险废物名录 lists → 危险废物.
    """
    met: dict[str, list[str]] = {}

    def add(condition: str, evidence: str) -> None:
        met.setdefault(condition, [])
        if evidence not in met[condition]:
            met[condition].append(evidence)

    for m in found.substances:
        f = m.facts
        where = f"{m.text}（{f.name}"
        note = f"，目录条件：{m.condition}）" if m.condition else "）"
        for condition, on, source in (
            ("危险化学品", f.listed, "危险化学品目录"),
            ("剧毒化学品", f.toxic, "剧毒"),
            ("易制爆", f.explosive_precursor, "易制爆名录"),
            ("易制毒化学品", bool(f.drug_precursor), f"易制毒{f.drug_precursor}"),
            ("高毒物品", f.highly_toxic, "高毒物品目录"),
            ("重点监管危险化学品", f.key_supervised, "重点监管名录"),
            ("职业病危害", bool(f.occupational), "职业病危害因素分类目录"),
        ):
            if on:
                add(condition, f"{source}：{where}{note}")
        if m.amount_t is not None and f.threshold_t is not None and m.amount_t >= f.threshold_t:
            add("重大危险源", f"{m.text} {m.amount_t:g}t ≥ 临界量 {f.threshold_t:g}t（GB 18218 {f.threshold_entry}）")
    for e in found.equipment:
        if e.special is not False:
            add("特种设备", f"{e.text}：{e.basis}")
            if e.kind.code == "1000":
                add("锅炉", f"{e.text}：{e.basis}")
    for factor in found.factors:
        entry = factor.entry
        add("职业病危害", f"职业病危害因素分类目录：{factor.text}（{entry.category} {entry.name}）")
        if entry.category == "放射性因素":
            add("放射工作", f"职业病危害因素分类目录：{factor.text}（{entry.name}）")
    for w in found.wastes:
        add("危险废物", f"{w.text}：{w.match.basis}")
    for made in found.made_wastes:
        if made.confirmed:
            add("危险废物", made.basis)
    return met


def duty_applies(applies_if: Collection[str], conditions: Conditions | None) -> tuple[bool, list[str]]:
    """Whether a duty applies, and the conditions it needs that are not met.

    ``conditions`` None means unknown: every duty applies.
    """
    if conditions is None or not applies_if:
        return True, []
    needed = set(applies_if)
    missing: list[str] = []
    for group in ALTERNATIVES:
        members = needed & group
        if members:
            needed -= members
            if not any(m in conditions for m in members):
                missing.append("或".join(sorted(members)))
    missing += sorted(c for c in needed if c not in conditions)
    return not missing, missing
