"""Risks reasoned from catalogue facts: substance → hazard classes and listings, equipment → its class and
the special-equipment criteria, hazard factors, hazardous wastes → their HW class; the context (储存/使用)
picks the risks; the knowledge base's classes are complete (each linked risk exists and has an indicator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.entities import EntityExtractor
from ingestion.wastes import HazardousWasteList, WasteEntry
from kg.catalogues import load_catalogues
from kg.corpus import KnowledgeBase, load_knowledge_base
from kg.errors import CorpusError
from retrieval.change.drafting import scoped
from retrieval.change.hazards import LOADING, STORAGE, USE, FactRiskReasoner, change_contexts, hazard_classes_of
from retrieval.change.models import IndicatorProposal, RiskProposal

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO / "regulations_corpus")


@pytest.fixture(scope="module")
def reasoner(kb: KnowledgeBase) -> FactRiskReasoner:
    return FactRiskReasoner(hazard_classes_of(kb))


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    # three rows written for this test in the 名录's form (not copied from it)
    wastes = HazardousWasteList(
        [
            WasteEntry("336-064-17", "HW17", "金属表面酸洗、磷化工艺产生的废槽液、槽渣和废水处理污泥"),
            WasteEntry("900-006-09", "HW09", "使用切削液进行机械加工过程中产生的废切削液"),
            WasteEntry("900-041-49", "HW49", "含有或沾染毒性危险废物的废弃的包装物、容器"),
        ]
    )
    return EntityExtractor(load_catalogues(REPO / "regulations_corpus" / "catalogues"), wastes=wastes)


def _risks(reasoner: FactRiskReasoner, extractor: EntityExtractor, text: str, stage: str = "") -> dict[str, bool]:
    """Risk id → whether it leads its class, for a text in its own context."""
    found = reasoner.run(extractor.run(text), change_contexts(text, stage))
    return {rid: f.leading for rid, f in found.items()}


def test_every_class_links_existing_risks_each_measured_by_an_indicator(kb: KnowledgeBase) -> None:
    risks = {r.id for r in kb.risks}
    measured = {r for i in kb.indicators for r in i.measures_risks}
    linked = {rid for h in kb.hazard_classes for rid, _ in h.linked()}
    assert linked <= risks
    assert linked - measured == set()  # each risk a class brings can be measured
    assert all(h.basis for h in kb.hazard_classes)
    kinds = {h.kind for h in kb.hazard_classes}
    assert kinds == {"危险性类别", "名录", "特种设备", "职业病危害因素", "危险废物", "阈值", "污染物", "有限空间"}


def test_a_class_naming_an_unknown_risk_fails_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "hazards.yaml").write_text(
        "classes:\n- id: hc_x\n  kind: 名录\n  name: 危险化学品\n  match: [危险化学品]\n"
        "  risks: [r_missing]\n  basis: 危险化学品目录（2015版）\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"hazards\.yaml:2: hc_x refers to unknown risk 'r_missing'"):
        load_knowledge_base(tmp_path)


def test_a_flammable_solvent_in_use_brings_fire_and_solvent_poisoning(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    found = _risks(reasoner, extractor, "调漆工序改用甲苯作稀释剂", stage="生产加工")
    assert found["r_solvent_fire_explosion"]  # the leading risk of 易燃液体 where it is used
    assert "r_organic_solvent_poisoning" in found  # 易燃液体 with 特异性靶器官毒性 (麻醉效应)
    assert "r_vocs_fugitive" in found
    assert "r_hazchem_storage_noncompliant" not in found  # a storage risk; the text uses, it does not store


def test_stored_only_the_storage_risks_come(reasoner: FactRiskReasoner, extractor: EntityExtractor) -> None:
    found = _risks(reasoner, extractor, "新建甲苯储罐，仓库另存盐酸", stage="原料采购与仓储")
    assert {"r_hazchem_storage_noncompliant", "r_vocs_material_management", "r_acid_alkali_burn"} <= set(found)
    assert "r_solvent_fire_explosion" not in found
    assert change_contexts("只说了甲苯") == {STORAGE, USE}  # neither said: both


def test_a_gas_with_no_class_but_pressure_asphyxiates_and_a_flammable_one_burns(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    nitrogen = _risks(reasoner, extractor, "使用氮气保护")
    acetylene = _risks(reasoner, extractor, "使用乙炔切割")
    assert "r_nitrogen_asphyxiation" in nitrogen and "r_flammable_gas_leak_explosion" not in nitrogen
    assert "r_flammable_gas_leak_explosion" in acetylene and "r_nitrogen_asphyxiation" not in acetylene


def test_listings_bring_their_own_risks(reasoner: FactRiskReasoner, extractor: EntityExtractor) -> None:
    found = _risks(reasoner, extractor, "新增氰化钠镀铜，双氧水漂白")
    assert {"r_toxic_chemical_management", "r_toxic_chemical_acute_poisoning", "r_explosive_precursor"} <= set(found)


def test_equipment_brings_its_class_risks_and_registration_only_when_special(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    small = _risks(reasoner, extractor, "另有2t电动葫芦一台")
    crane = _risks(reasoner, extractor, "新增额定起重量5t、起升高度9m的桥式起重机")
    assert "r_lifting_injury" in small and "r_crane_registration_inspection" not in small
    assert "r_special_equipment_registration_inspection" not in small
    assert {"r_lifting_injury", "r_crane_registration_inspection", "r_special_equipment_registration_inspection"} <= (
        set(crane)
    )


def test_physical_factors_by_name_and_conditions_of_work_only_as_such(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    assert "r_noise_hearing_loss" in _risks(reasoner, extractor, "冲压车间噪声95dB(A)")
    assert "r_heat_stress" in _risks(reasoner, extractor, "熔炼岗位高温作业")
    assert "r_heat_stress" not in _risks(reasoner, extractor, "工件进入高温固化炉")
    assert "r_heat_stress" not in _risks(reasoner, extractor, "不涉及高温作业")
    xray = _risks(reasoner, extractor, "新增X射线探伤机")
    assert {"r_ionizing_radiation", "r_radiation_license"} <= set(xray)


def test_wastes_take_their_hw_class(reasoner: FactRiskReasoner, extractor: EntityExtractor) -> None:
    found = extractor.run("新增磷化线，产生磷化渣；废切削液委托处置")
    assert {w.text: w.match.code for w in found.wastes} == {"磷化渣": "336-064-17", "废切削液": "900-006-09"}
    risks = reasoner.run(found)
    assert {"r_hazwaste_storage", "r_hazwaste_manifest", "r_etching_waste_liquid", "r_waste_oil_dumping"} <= set(risks)
    assert "磷化渣" in risks["r_etching_waste_liquid"].entities


def test_what_the_enterprise_had_before_is_not_new(reasoner: FactRiskReasoner, extractor: EntityExtractor) -> None:
    text = "喷涂线扩产，甲苯用量翻倍"
    known = reasoner.run(extractor.run(text), known=extractor.run("喷涂工序使用甲苯稀释"))
    fresh = reasoner.run(extractor.run(text), known=extractor.run("机加工"))
    assert not known["r_solvent_fire_explosion"].new and fresh["r_solvent_fire_explosion"].new


def test_a_condition_of_the_catalogue_is_carried_to_confirm(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    found = reasoner.run(extractor.run("喷涂溶剂型涂料"))
    fire = found["r_solvent_fire_explosion"]
    assert not fire.confirmed and "待确认：闭杯闪点≤60℃" in fire.evidence[0]


def test_an_indicator_is_named_for_the_facts_of_its_risks() -> None:
    risk = RiskProposal(id="r1", name="有机溶剂职业中毒", category="职业健康", score=1.0, facts=["甲苯", "丁酮"])
    other = RiskProposal(id="r2", name="机械伤害", category="安全", score=1.0)
    indicator = IndicatorProposal(name="作业场所有毒物质检测合格率", level="部门", risk_ids=["r1"])
    assert scoped(indicator, [risk, other]).name == "作业场所有毒物质检测合格率（甲苯、丁酮）"
    unrelated = indicator.model_copy(update={"risk_ids": ["r2"]})
    assert scoped(unrelated, [risk, other]).name == "作业场所有毒物质检测合格率"


def test_an_unknown_substance_of_a_change_is_reported_with_candidates(
    extractor: EntityExtractor, tmp_path: Path
) -> None:
    from retrieval.change.inputs import ChangeScenario
    from retrieval.change.proposals import ChangeProposer
    from tests.retrieval.test_proposals import SCENARIO, build_env

    env = build_env(tmp_path)
    scenario = ChangeScenario.model_validate(
        {**SCENARIO, "change": {"type": "new_material", "description": "电解液改用六氟磷酸锂"}}
    )
    proposal = ChangeProposer(env.catalog, env.clauses, facts=extractor).run(scenario)
    (shown,) = proposal.unknown
    assert shown.startswith("六氟磷酸锂（国家目录未收录此名称") and "相近：" in shown


def test_a_headcount_crossing_the_staffing_bound_brings_its_risk_once(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    grown = extractor.run("扩产后员工增至135人")
    found = reasoner.run(grown, known=extractor.run("员工约80人"))
    staff = found["r_safety_org_staff"]
    assert staff.new and staff.entities == ["从业人员135人"] and "安全生产法第二十四条" in staff.evidence[0]
    assert not reasoner.run(grown, known=extractor.run("员工约120人"))["r_safety_org_staff"].new
    assert "r_safety_org_staff" not in reasoner.run(extractor.run("员工约60人"))


def test_a_bound_the_change_crosses_is_new_though_the_substance_is_not(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    change = extractor.run("液氨改为储罐储存，最大储存量 15 t")
    below = reasoner.run(change, [STORAGE], known=extractor.run("液氨钢瓶，最大储存量 2 t"))["r_major_hazard_source"]
    assert below.new and below.crossing  # 2 t then, 15 t ≥ 临界量 10 t now
    above = reasoner.run(change, [STORAGE], known=extractor.run("液氨储罐，最大储存量 12 t"))["r_major_hazard_source"]
    assert not above.new and not above.crossing  # a 重大危险源 before the change already
    leak = reasoner.run(change, [STORAGE], known=extractor.run("液氨钢瓶，最大储存量 2 t"))
    assert not any(f.crossing for rid, f in leak.items() if rid != "r_major_hazard_source")


def test_a_non_flammable_narcotic_solvent_poisons_and_does_not_burn(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    # 二氯甲烷 and 三氯乙烯: 特异性靶器官毒性-一次接触 3（麻醉效应） without 易燃液体 (分类信息表)
    for solvent in ("二氯甲烷", "三氯乙烯"):
        found = _risks(reasoner, extractor, f"清洗机改用{solvent}脱脂", stage="生产加工")
        assert found["r_organic_solvent_poisoning"] and "r_vocs_fugitive" in found
        assert "r_solvent_fire_explosion" not in found and "r_static_ignition" not in found
    # a narcotic gas (二氧化碳, 加压气体) is no solvent
    assert "r_organic_solvent_poisoning" not in _risks(reasoner, extractor, "使用二氧化碳保护焊")


def test_a_class_s_category_matches_by_number_or_by_qualifier() -> None:
    from kg.fact_classes import _in_category

    assert _in_category("1A", "1") and not _in_category("2", "1")
    assert _in_category("3（呼吸道刺激、麻醉效应）", "麻醉效应") and not _in_category("3（呼吸道刺激）", "麻醉效应")


def test_the_facts_contradict_class_risks_only_when_every_named_substance_is_classified(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    def contradicted(text: str) -> frozenset[str]:
        found = extractor.run(text)
        return reasoner.contradicted(found, reasoner.run(found))

    dcm = contradicted("新增超声清洗机，使用二氯甲烷")
    assert {"r_solvent_fire_explosion", "r_static_ignition", "r_acid_alkali_burn"} <= dcm
    assert "r_organic_solvent_poisoning" not in dcm  # 二氯甲烷 has that class
    # a flammable solvent beside it (稀释剂: 第2828项's 辅助材料 per GB/T 2705) keeps the fire risks
    assert "r_solvent_fire_explosion" not in contradicted("使用二氯甲烷和稀释剂")
    assert contradicted("新增一台喷漆房") == frozenset()  # nothing named: nothing to contradict
    # a risk of a class the substance has is not contradicted in another activity (甲苯's storage risks in use)
    found = extractor.run("调漆工序改用甲苯")
    in_use = reasoner.contradicted(found, reasoner.run(found, {USE}))
    assert "r_vocs_material_management" not in in_use and "r_acid_alkali_burn" in in_use
    assert contradicted("电解液改用六氟磷酸锂和二氯甲烷") == frozenset()  # an unknown name: its hazards unknown


def test_coating_auxiliaries_are_read_as_the_paint_entry_to_confirm(extractor: EntityExtractor) -> None:
    (thinner,) = extractor.run("调漆使用稀释剂").substances
    assert thinner.text == "稀释剂" and thinner.facts.name.startswith("含易燃溶剂的合成树脂、油漆、辅助材料")
    assert thinner.condition == "闭杯闪点≤60℃"


def test_pollutants_bring_their_discharge_risks_named_for_the_pollutant(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    found = reasoner.run(extractor.run("新增氢氟酸配制蒙砂液在酸槽中浸蚀，新增含氟废水经沉淀处理"), {USE})
    assert "氟化物" in found["r_wastewater_exceed"].entities
    assert "GB 8978-1996 表4 氟化物" in found["r_wastewater_exceed"].evidence[0]
    assert "氟化物" in found["r_acid_mist_emission"].entities
    nickel = reasoner.run(extractor.run("新增镀镍线，使用硫酸镍，漂洗废水进污水站"), {USE})
    assert "总镍" in nickel["r_heavy_metal_wastewater"].entities


def test_confined_spaces_bring_their_entry_risks_and_a_type_held_before_is_not_new(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    found = reasoner.run(extractor.run("污水站前端新增厌氧段：IC厌氧反应器2座，配干法脱硫塔"), {USE})
    poisoning = found["r_confined_space_poisoning"]
    assert {"污水站", "反应器", "脱硫塔"} <= set(poisoning.entities) and poisoning.leading and poisoning.new
    assert "有限空间作业安全指导手册 密闭设备：反应塔（釜）" in " ".join(poisoning.evidence)
    assert "r_confined_space_management" in found
    silos = reasoner.run(extractor.run("糟粉气力输送至2座500 m³钢板筒仓"), {USE})
    assert {"r_silo_engulfment", "r_confined_space_poisoning"} <= set(silos)
    assert "r_fermentation_co2_asphyxiation" in reasoner.run(extractor.run("新增发酵罐12台"), {USE})
    # another pool of a type the plant had (its 污水池) brings no new risk; a battery store none at all
    known = extractor.run("废水经调节池处理后排放")
    again = reasoner.run(extractor.run("新增沉淀池一座"), {USE}, known=known)
    assert not again["r_confined_space_poisoning"].new
    assert "r_confined_space_poisoning" not in reasoner.run(extractor.run("新增锂电池仓库，配塔吊"), {USE})


def test_a_hazardous_chemical_unloaded_from_a_tanker_brings_its_loading_risk_first(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    text = "新增甲醇储罐，甲醇由槽车卸料进罐"
    assert change_contexts(text) == {STORAGE, LOADING}
    found = reasoner.run(extractor.run(text), change_contexts(text))
    assert found["r_hazchem_unloading_leak"].leading
    stored = "新增甲醇储罐"
    assert "r_hazchem_unloading_leak" not in reasoner.run(extractor.run(stored), change_contexts(stored))
    # a tanker is the carrier's: no confined space of the plant
    assert "r_confined_space_poisoning" not in reasoner.run(extractor.run("甲醇由槽车卸料"), {LOADING})


def test_a_laser_over_the_3b_limit_is_of_class_4_and_brings_its_fire_risk(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    for text in ("新增4台光纤激光切割机（4类激光）", "新增激光焊接机（光纤激光1.5 kW）", "激光打标机，功率20 W"):
        found = reasoner.run(extractor.run(text), {USE})
        assert {"r_laser_radiation", "r_laser_fire"} <= set(found), text
        assert "GB 7247.1-2012" in " ".join(found["r_laser_fire"].evidence) or "4类" in text
    # a laser whose text gives no class or a power at or under 0.5 W brings the radiation risk only
    for text in ("新增激光打标机一台", "激光测距仪（0.5 mW）"):
        found = reasoner.run(extractor.run(text), {USE})
        assert "r_laser_radiation" in found and "r_laser_fire" not in found, text


def test_a_written_sum_of_gb18218_ratios_of_one_or_more_makes_a_major_hazard_crossed(
    reasoner: FactRiskReasoner, extractor: EntityExtractor
) -> None:
    text = "储罐区扩建，企业按 GB 18218-2018 初步计算罐区 ∑q/Q 约 1.1"
    found = reasoner.run(extractor.run(text), {STORAGE})
    assert (
        found["r_major_hazard_source"].crossing and "GB 18218-2018 4.2.2" in found["r_major_hazard_source"].evidence[0]
    )
    assert "r_major_hazard_source" not in reasoner.run(extractor.run("罐区 Σq/Q=0.6"), {STORAGE})
    # a unit that was one before crosses nothing
    again = reasoner.run(extractor.run(text), {STORAGE}, known=extractor.run("现有罐区 Σq/Q 为 1.05"))
    assert not again["r_major_hazard_source"].crossing
    # 罐区 is an area, not a tank (its 储罐 are), and 池火 no pool of the plant
    assert [s.text for s in extractor.run("计算罐区池火蔓延，储罐区扩建").spaces] == ["储罐"]
