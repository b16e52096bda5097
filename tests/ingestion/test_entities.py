"""Entities read against the national catalogues: substances with their facts, equipment decided by the
特种设备目录's criteria, unknown names with candidates, and the conditions those facts establish."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.catalogue_texts import read_drug_precursors
from ingestion.entities import EntityExtractor
from kg.catalogues import load_catalogues
from retrieval.change.conditions import ConditionInferrer, fact_conditions
from retrieval.change.inputs import ChangeRequest, EnterpriseProfile

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor(load_catalogues(REPO / "regulations_corpus" / "catalogues"))


def _names(extractor: EntityExtractor, text: str) -> dict[str, list[str]]:
    return {m.text: m.facts.flags for m in extractor.run(text).substances}


def test_substances_carry_their_catalogue_facts(extractor: EntityExtractor) -> None:
    found = _names(extractor, "镀铬槽使用铬酸酐，制冷系统充装液氨，新增氰化钠镀铜")
    assert set(found) == {"铬酸酐", "液氨", "氰化钠"}
    assert "高毒物品" in found["液氨"] and "重点监管危险化学品" in found["液氨"]
    assert "剧毒化学品" in found["氰化钠"]


def test_negated_and_glued_names_are_not_substances(extractor: EntityExtractor) -> None:
    found = extractor.run("不使用甲苯；电解液含六氟磷酸锂")
    assert not found.substances
    unknown = {u.text: u.candidates for u in found.unknown}
    assert "六氟磷酸锂" in unknown and unknown["六氟磷酸锂"]  # reported with the closest catalogue names


def test_qualified_entries_match_with_their_condition(extractor: EntityExtractor) -> None:
    (paint,) = extractor.run("喷涂溶剂型涂料").substances
    assert paint.facts.listed and paint.condition == "闭杯闪点≤60℃"


def test_amounts_are_read_within_the_clause(extractor: EntityExtractor) -> None:
    by_name = {m.text: m for m in extractor.run("铬酸酐桶装，储存液氨15吨").substances}
    assert by_name["液氨"].amount_t == 15 and by_name["铬酸酐"].amount_t is None


@pytest.mark.parametrize(
    ("text", "special"),
    [
        ("新增额定起重量5t、起升高度9m的桥式起重机", True),
        ("另有2t电动葫芦一台", False),
        ("2台电动叉车", True),  # the 品种 叉车 is special equipment by definition
        ("10吨行车两台", None),  # 提升高度 not given: to confirm
        ("储气罐容积2m³，最高工作压力0.8MPa，内直径800mm", True),
        ("储气罐容积20L，工作压力0.8MPa", False),
    ],
)
def test_special_equipment_is_decided_by_the_criteria(
    extractor: EntityExtractor, text: str, special: bool | None
) -> None:
    (item,) = extractor.run(text).equipment
    assert item.special is special, item.basis


def test_facts_decide_the_conditions(extractor: EntityExtractor) -> None:
    met = fact_conditions(extractor.run("储存液氨15吨；新增氰化钠；购入硝酸；一台10t桥式起重机起升高度8m"))
    assert {"危险化学品", "剧毒化学品", "易制爆", "重大危险源", "特种设备", "高毒物品"} <= set(met)
    assert any("临界量 10t" in e for e in met["重大危险源"])
    small = fact_conditions(extractor.run("储存液氨5吨"))
    assert "重大危险源" not in small


def test_drug_precursors_come_from_the_statute(shared_dir: Path) -> None:
    precursors = read_drug_precursors(shared_dir / "regulations")
    assert precursors["甲苯"] == "第三类" and precursors["醋酸酐"] == "第二类"
    catalogues = load_catalogues(REPO / "regulations_corpus" / "catalogues", drug_precursors=precursors)
    inferrer = ConditionInferrer(facts=EntityExtractor(catalogues))
    change = ChangeRequest(type="new_material", description="清洗工序改用丙酮和甲苯，月用量各0.5吨")
    met = inferrer.run(EnterpriseProfile(), change)
    assert "易制毒化学品" in met and "危险化学品" in met


def test_a_stored_amount_later_in_the_sentence_is_the_substances(extractor: EntityExtractor) -> None:
    by_name = {m.text: m for m in extractor.run("新增液氨储罐1台，最大储存量12吨；丙酮桶装").substances}
    assert by_name["液氨"].amount_t == 12 and by_name["丙酮"].amount_t is None
    met = fact_conditions(extractor.run("新增液氨储罐1台，最大储存量12吨"))
    assert "重大危险源" in met and "临界量 10t" in met["重大危险源"][0]


def test_a_substance_table_1_does_not_name_takes_its_class_threshold(extractor: EntityExtractor) -> None:
    catalogues = extractor.catalogues
    propanol = catalogues.substance("异丙醇")
    assert propanol is not None and (propanol.threshold_t, propanol.threshold_entry) == (1000.0, "表2 W5.3")
    cyanide = catalogues.substance("氰化钠")  # 急性毒性 类别1, a solid: J2
    assert cyanide is not None and (cyanide.threshold_t, cyanide.threshold_entry) == (50.0, "表2 J2")
    toluene = catalogues.substance("甲苯")  # 表1 names it
    assert toluene is not None and (toluene.threshold_t, toluene.threshold_entry) == (500.0, "甲苯")


def test_an_amount_over_a_period_is_not_an_amount_present(extractor: EntityExtractor) -> None:
    # GB 18218 compares the most present at any time: 2400 t a year of use is not a stored amount
    by_name = {m.text: m for m in extractor.run("新增液氨（年用量 2400 t），另有丙酮 12 t").substances}
    assert by_name["液氨"].amount_t is None and by_name["丙酮"].amount_t == 12
    assert extractor.run("液氨年用量 50 t，最大存量 8 t").substances[0].amount_t == 8
    # a flow throughout its clause (由…增至…), however far the amount is from the flow word
    assert extractor.run("丙酮年用量由4吨增至约15吨").substances[0].amount_t is None
    assert extractor.run("丙酮年用量50t其中库存6t").substances[0].amount_t == 6
