"""Small domain word lists: common hazardous chemicals, special equipment, pollutants, document kinds.

Deliberately short and conservative: the lists flag what manufacturing documents usually name; a
document that labels something 危险化学品 or 特种设备 itself is believed as well.
"""

from __future__ import annotations

import re

__all__ = [
    "CONTRACT_MARKERS",
    "DOCUMENT_KINDS",
    "HAZARDOUS_CHEMICALS",
    "NEGATION",
    "PERMIT_CLASSES",
    "POLLUTANTS",
    "RELEVANCE_MARKERS",
    "SPECIAL_EQUIPMENT",
    "hazardous_term",
    "special_category",
]

#: Common 危险化学品 in manufacturing (names as enterprises write them), longest first when matching.
HAZARDOUS_CHEMICALS: tuple[str, ...] = (
    "油漆",
    "稀释剂",
    "天那水",
    "香蕉水",
    "固化剂",
    "丙酮",
    "甲苯",
    "二甲苯",
    "乙醇",
    "酒精",
    "异丙醇",
    "甲醇",
    "乙酸乙酯",
    "乙酸丁酯",
    "盐酸",
    "硫酸",
    "硝酸",
    "磷酸",
    "氢氧化钠",
    "液碱",
    "烧碱",
    "氰化物",
    "氰化钠",
    "氰化钾",
    "乙炔",
    "氧气",
    "液化石油气",
    "天然气",
    "丙烷",
    "液氨",
    "氨水",
    "助焊剂",
    "洗板水",
    "双氧水",
    "过氧化氢",
    "保险粉",
    "连二亚硫酸钠",
    "冰醋酸",
    "次氯酸钠",
    "铬酸",
    "汽油",
    "柴油",
    "煤油",
    "氮气",
    "氩气",
    "氢气",
    "环氧丙烷",
    "松香水",
    "清洗剂(含醇)",
)

#: Special equipment (特种设备) terms and their category under the 特种设备目录.
SPECIAL_EQUIPMENT: tuple[tuple[str, str], ...] = (
    ("锅炉", "锅炉"),
    ("导热油炉", "锅炉"),
    ("压力容器", "压力容器"),
    ("储气罐", "压力容器"),
    ("储罐(压力)", "压力容器"),
    ("气瓶", "压力容器"),
    ("起重机", "起重机械"),
    ("行车", "起重机械"),
    ("天车", "起重机械"),
    ("电动葫芦", "起重机械"),
    ("叉车", "场(厂)内专用机动车辆"),
    ("厂内机动车辆", "场(厂)内专用机动车辆"),
    ("场内机动车辆", "场(厂)内专用机动车辆"),
    ("电梯", "电梯"),
    ("升降机", "电梯"),
    ("压力管道", "压力管道"),
)

#: Pollutant names and their kind.
POLLUTANTS: tuple[tuple[str, str], ...] = (
    ("颗粒物", "废气"),
    ("粉尘", "废气"),
    ("VOCs", "废气"),
    ("非甲烷总烃", "废气"),
    ("二甲苯", "废气"),
    ("甲苯", "废气"),
    ("氮氧化物", "废气"),
    ("二氧化硫", "废气"),
    ("锡及其化合物", "废气"),
    ("油烟", "废气"),
    ("焊接烟尘", "废气"),
    ("硫酸雾", "废气"),
    ("氯化氢", "废气"),
    ("臭气浓度", "废气"),
    ("化学需氧量", "废水"),
    ("COD", "废水"),
    ("氨氮", "废水"),
    ("总磷", "废水"),
    ("石油类", "废水"),
    ("悬浮物", "废水"),
    ("五日生化需氧量", "废水"),
    ("色度", "废水"),
    ("总铬", "废水"),
    ("六价铬", "废水"),
    ("总镍", "废水"),
    ("总铜", "废水"),
    ("苯胺类", "废水"),
    ("噪声", "噪声"),
    ("废切削液", "固废"),
    ("废矿物油", "固废"),
    ("废漆渣", "固废"),
    ("废活性炭", "固废"),
    ("废锡渣", "固废"),
    ("废包装桶", "固废"),
    ("废乳化液", "固废"),
)

PERMIT_CLASSES: tuple[str, ...] = ("重点管理", "简化管理", "登记管理")

#: Document kinds by what their title or opening says.
DOCUMENT_KINDS: tuple[tuple[str, str], ...] = (
    ("排污许可证", "排污许可证副本"),
    ("环境影响报告", "环评报告表"),
    ("环评", "环评报告表"),
    ("安全操作规程", "安全操作规程"),
    ("操作规程", "安全操作规程"),
    ("工艺流程", "工艺流程说明"),
    ("生产工艺", "工艺流程说明"),
    ("设备", "设备及化学品清单"),
    ("化学品", "设备及化学品清单"),
)

#: Words of process, safety and environmental documents.
RELEVANCE_MARKERS: tuple[str, ...] = (
    "工艺",
    "工序",
    "工段",
    "生产线",
    "操作规程",
    "危险化学品",
    "特种设备",
    "排污",
    "废气",
    "废水",
    "固废",
    "排放口",
    "环评",
    "原辅材料",
    "生产设备",
    "作业",
    "车间",
)

#: Words of commercial contracts.
CONTRACT_MARKERS: tuple[str, ...] = (
    "合同",
    "甲方",
    "乙方",
    "买方",
    "卖方",
    "供方",
    "需方",
    "货款",
    "违约",
    "付款",
    "开票",
    "交货",
    "签字盖章",
)

NEGATION = re.compile(r"(不涉及|不使用|未使用|不含|无|禁止使用|严禁使用|不得使用|非)$")


def hazardous_term(text: str) -> str | None:
    """The longest common hazardous chemical named in ``text``, if any."""
    found = [t for t in HAZARDOUS_CHEMICALS if t in text]
    return max(found, key=len) if found else None


def special_category(text: str) -> str | None:
    """The special-equipment category of an equipment name, if it is special equipment."""
    for term, category in SPECIAL_EQUIPMENT:
        if term in text:
            return category
    return None
