"""Pollutants by the discharge standards' names: a water carrying an element, a substance's element where the
text speaks of wastewater (GB 8978-1996 表1/表4), an acid in use by its mist (GB 16297-1996 表2)."""

from __future__ import annotations

from ingestion.pollutants import FIRST_CLASS, pollutants_of


def _named(text: str, substances: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    return {(p.name, p.tags[0]): p.source for p in pollutants_of(text, substances)}


def test_a_water_named_for_an_element_carries_its_standard_pollutant() -> None:
    assert _named("新增含氟废水约20 m³/d", []) == {("氟化物", "废水"): "含氟废水"}
    nickel = pollutants_of("含镍漂洗水单独收集", [])
    assert [(p.name, p.tags) for p in nickel] == [("总镍", ("废水", "第一类污染物"))]
    assert nickel[0].standard == "GB 8978-1996 表1 第一类污染物 总镍"


def test_a_substance_s_element_reaches_the_water_only_where_the_text_speaks_of_wastewater() -> None:
    salts = [("硫酸镍", "硫酸镍"), ("氯化镍", "氯化镍")]
    assert _named("镀镍线改用硫酸镍和氯化镍，漂洗水进污水站", salts) == {("总镍", "废水"): "硫酸镍"}
    assert _named("新增硫酸镍储存", [("硫酸镍", "硫酸镍")]) == {}
    # a catalogue name's bracketed note names other substances, not this one's element
    assert _named("含磷废水", [("含磷", "磷及其化合物（磷化氢、磷化锌、磷化铝、有机磷单列）")]) == {}
    chromium = _named("镀铬废水", [("铬酸酐", "三氧化铬[无水]")])
    assert {"总铬", "六价铬"} == {name for name, _ in chromium} & FIRST_CLASS


def test_an_acid_in_use_makes_its_mist_and_a_salt_of_it_does_not() -> None:
    acids = [("硫酸", "硫酸"), ("盐酸", "盐酸"), ("硝酸", "硝酸"), ("氢氟酸", "氢氟酸"), ("铬酸酐", "三氧化铬[无水]")]
    found = _named("酸洗槽", acids)
    assert found == {
        ("硫酸雾", "废气"): "硫酸",
        ("氯化氢", "废气"): "盐酸",
        ("氮氧化物", "废气"): "硝酸",
        ("氟化物", "废气"): "氢氟酸",
        ("铬酸雾", "废气"): "铬酸酐",
    }
    assert _named("镀镍槽", [("硫酸镍", "硫酸镍")]) == {}
