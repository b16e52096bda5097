"""国家危险废物名录's rows by what makes their waste (regulations_corpus/catalogues/waste_sources.yaml): every
word checked against the row of the 名录 in ../shared it was read from, and the lookup of a text's activities."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingestion.wastes import HazardousWasteList, WasteEntry
from kg.catalogues import WasteSourceEntry, load_catalogues

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_every_word_is_written_in_its_row_of_the_list(shared_dir: Path) -> None:
    listed = {e.code: e.description for e in HazardousWasteList.read(shared_dir / "regulations").entries}
    catalogues = load_catalogues(REPO / "regulations_corpus" / "catalogues")
    info = catalogues.infos["waste_sources"]
    rows = catalogues.waste_sources
    assert len(rows) == info.coverage and len({r.code for r in rows}) == len(rows)
    # the header's official count: the rows of the two activity sources (非特定行业, 金属表面处理及热处理加工)
    assert info.expected_count == sum(code.startswith(("900-", "336-")) for code in listed)
    for row in rows:
        assert row.code.startswith(("900-", "336-")) and row.code in listed, row.code
        written = re.sub(r"(\w)\((\w)\)(\w+)", r"\1\3、\2\3", listed[row.code])  # 酸(碱)洗 → 酸洗、碱洗
        for word in (*row.activities, *row.agents, *row.excluded):
            assert word in written, (row.code, word)


# rows written for this test in the 名录's form (not copied from it), with what makes them
ROWS = HazardousWasteList(
    [
        WasteEntry("900-252-12", "HW12", "使用油漆（不包括水性漆）进行喷漆过程中产生的废物"),
        WasteEntry("336-064-17", "HW17", "金属表面酸洗、磷化工艺产生的废槽液"),
        WasteEntry("900-303-34", "HW34", "使用磷酸进行磷化产生的废酸液"),
        WasteEntry("900-302-34", "HW34", "使用硫酸进行酸蚀产生的废酸液"),
        WasteEntry("900-026-32", "HW32", "使用氢氟酸进行蚀刻产生的废蚀刻液"),
    ]
)
SOURCES = [
    WasteSourceEntry(code="900-252-12", activities=["喷漆"], agents=["油漆"], excluded=["水性漆"]),
    WasteSourceEntry(code="336-064-17", activities=["酸洗", "磷化"]),
    WasteSourceEntry(code="900-303-34", activities=["磷化"], agents=["磷酸"]),
    WasteSourceEntry(code="900-302-34", activities=["酸蚀"], agents=["硫酸"]),
    WasteSourceEntry(code="900-026-32", activities=["蚀刻"], agents=["氢氟酸"]),
    WasteSourceEntry(code="999-999-99", activities=["喷漆"]),  # a code the edition does not hold: ignored
]


def _made(text: str) -> dict[str, tuple[str, bool]]:
    return {w.name: (w.match.code, w.confirmed) for w in ROWS.made_by(text, SOURCES)}


def test_an_activity_makes_the_waste_of_its_rows() -> None:
    assert _made("新建喷漆房，溶剂型油漆喷漆") == {"喷漆产生的HW12": ("900-252-12", True)}
    # the row's material not named: to be confirmed, not dropped; what the row excludes: no waste of it
    assert _made("喷漆房") == {"喷漆产生的HW12": ("900-252-12", False)}
    assert _made("水性漆喷漆线") == {}
    # one activity, two classes by two rows; one of them confirmed by its material
    made = _made("前处理：脱脂、酸洗、磷酸磷化")
    assert made == {
        "酸洗产生的HW17": ("336-064-17", True),
        "磷化产生的HW17": ("336-064-17", True),
        "磷化产生的HW34": ("900-303-34", True),
    }


def test_an_activity_read_across_two_words_gives_way_and_negations_are_skipped() -> None:
    # 酸蚀 inside 氢氟酸蚀刻 is not an acid etching with sulphuric acid
    assert _made("氢氟酸蚀刻玻璃") == {"蚀刻产生的HW32": ("900-026-32", True)}
    made = ROWS.made_by("本厂不涉及喷漆", SOURCES, skip=lambda start: start >= 2)
    assert made == []


def test_the_extractor_reads_made_wastes_and_the_reasoner_confirms_them() -> None:
    from ingestion.entities import EntityExtractor

    extractor = EntityExtractor(load_catalogues(REPO / "regulations_corpus" / "catalogues"), wastes=ROWS)
    assert [w.name for w in extractor.run("新建喷漆房，使用油漆").made_wastes] == ["喷漆产生的HW12"]
    assert extractor.run("本厂不涉及喷漆").made_wastes == []
    merged = extractor.run_many(["喷漆房使用油漆", "二车间喷漆"])
    assert [w.name for w in merged.made_wastes] == ["喷漆产生的HW12"]
