"""Confined spaces by the types of 有限空间作业安全指导手册: a type's terms, words ending in its head words, the
words its type says are not of it, and a clause that says the space is not there."""

from __future__ import annotations

from ingestion.spaces import SpaceReader
from kg.catalogues import ConfinedSpaceType

# types written for this test in the catalogue's form
TYPES = [
    ConfinedSpaceType.model_validate(
        {"name": "贮罐", "kind": "密闭设备", "terms": ["储罐"], "heads": ["罐"], "not": ["易拉罐", "罐头"]}
    ),
    ConfinedSpaceType.model_validate(
        {"name": "反应塔（釜）", "kind": "密闭设备", "terms": ["反应器"], "heads": ["塔", "釜"], "not": ["塔吊"]}
    ),
    ConfinedSpaceType.model_validate(
        {"name": "污水池（井）", "kind": "地下有限空间", "terms": ["污水站"], "heads": ["池"], "not": ["电池"]}
    ),
    ConfinedSpaceType.model_validate(
        {"name": "粮仓、料仓", "kind": "地上有限空间", "terms": ["筒仓"], "heads": ["仓"], "not": ["仓库"]}
    ),
]


def _read(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.type) for m in SpaceReader(TYPES).run(text)]


def test_terms_and_words_ending_in_a_head_are_spaces_of_their_type() -> None:
    assert _read("污水站扩建调节池和厌氧池，新增2座发酵罐及CO2储罐") == [
        ("污水站", "污水池（井）"),
        ("调节池", "污水池（井）"),
        ("厌氧池", "污水池（井）"),
        ("发酵罐", "贮罐"),
        ("储罐", "贮罐"),
    ]
    assert _read("配干法脱硫塔、聚合釜") == [("脱硫塔", "反应塔（釜）"), ("聚合釜", "反应塔（釜）")]
    mention = SpaceReader(TYPES).run("新建原料筒仓")[0]
    assert mention.tags == ("地上有限空间", "粮仓、料仓") and "指导手册" in mention.basis


def test_words_a_type_excludes_and_bare_heads_name_no_space() -> None:
    assert _read("锂电池仓库扩建，新增塔吊一台，易拉罐罐头车间") == []
    # the head alone refers back to a space already named
    assert _read("池体清淤由外包单位进入池内作业") == []


def test_a_space_the_text_says_is_removed_or_not_there_is_not_a_mention() -> None:
    assert _read("取消化粪池，不设调节池") == []
    assert _read("取消化粪池，新建隔油池") == [("隔油池", "污水池（井）")]
