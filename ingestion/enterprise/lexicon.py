"""Small word lists of the documents themselves: permit classes, document kinds, relevance and contract
markers, negations. Whether a material is hazardous, an item special equipment or a waste hazardous is
decided from the national catalogues (:mod:`ingestion.enterprise.judge`), not from word lists here.
"""

from __future__ import annotations

import re

__all__ = [
    "CONTRACT_MARKERS",
    "DOCUMENT_KINDS",
    "NEGATION",
    "PERMIT_CLASSES",
    "RELEVANCE_MARKERS",
]

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
