"""Applicability and ranking of the change and gap steps on an in-memory catalog (no graph needed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from ingestion.entities import EntityExtractor
from kg.catalogues import load_catalogues
from retrieval.change.catalog import CatalogDuty, CatalogHazardClass, ClauseLookup, KnowledgeCatalog
from retrieval.change.conditions import ConditionInferrer
from retrieval.change.drafting import IndicatorDrafter
from retrieval.change.duties import DutySelector
from retrieval.change.gaps import GapDetector, _about_the_scheme
from retrieval.change.hazards import STORAGE, FactRiskReasoner
from retrieval.change.inputs import ChangeRequest, EnterpriseProfile, GapScenario, ProcessInput
from retrieval.change.matching import TRIGGER_WEIGHT, ProcessMatcher, RiskScorer, names_absent, status_conditions
from retrieval.change.models import IndicatorProposal, ObligationProposal, RiskProposal
from retrieval.change.validator import IndicatorValidator


def _duty(
    oid: str, action: str, *, applies_if: tuple[str, ...] = (), law: str = "示例法", article: int = 1
) -> CatalogDuty:
    return CatalogDuty(
        id=oid,
        subject="生产经营单位",
        modality="应当",
        action=action,
        applies_if=applies_if,
        topics=(),
        key_terms=(),
        current=(f"{law}#{article}",),
        historical=(),
    )


def _indicator(name: str, comparator: str = ">=") -> dict[str, Any]:
    return {"name": name, "level": "部门", "target": 100 if comparator == ">=" else 0, "comparator": comparator}


def _catalog() -> KnowledgeCatalog:
    duties = [
        _duty("d_permit", "按证排污，持有排污许可证", applies_if=("排污许可",), law="法典", article=174),
        _duty("d_renew", "扩建后重新申领排污许可证", applies_if=("排污许可",), law="法典", article=182),
        _duty("d_eia", "建设项目开工前取得环评批复", applies_if=("建设项目",), law="法典", article=106),
        _duty("d_precursor", "易制爆化学品流向备案", applies_if=("易制爆",), law="危化法", article=61),
        _duty("d_store", "危险化学品专用仓库储存并专人管理", applies_if=("危险化学品",), law="危化法", article=41),
        _duty("d_plan", "制定危险化学品事故应急预案并备案", applies_if=("危险化学品",), law="危化法", article=91),
        _duty("d_guard", "设备防护装置齐全有效", law="安全法", article=36),
    ]
    risks = {
        "r_permit": {"id": "r_permit", "name": "未依法申领或重新申领排污许可证", "keywords": ["排污许可"]},
        "r_eia": {"id": "r_eia", "name": "建设项目未依法环评", "keywords": ["环评"]},
        "r_precursor": {"id": "r_precursor", "name": "易制爆危险化学品流向未备案", "keywords": ["易制爆"]},
        "r_store": {"id": "r_store", "name": "危险化学品储存不规范", "keywords": ["危化品库"]},
        "r_plan": {"id": "r_plan", "name": "危险化学品事故应急预案缺失", "keywords": ["应急预案"]},
        "r_guard": {"id": "r_guard", "name": "设备防护装置缺失", "keywords": ["防护罩"]},
    }
    return KnowledgeCatalog(
        processes={},
        risks=risks,
        process_risks={},
        risk_duties={
            "r_permit": ["d_permit", "d_renew"],
            "r_eia": ["d_eia"],
            "r_precursor": ["d_store", "d_precursor"],
            "r_store": ["d_store"],
            "r_plan": ["d_plan"],
            "r_guard": ["d_guard"],
        },
        duties={d.id: d for d in duties},
        indicators={
            "i_store_rate": _indicator("危险化学品储存合规率"),
            "i_store_count": _indicator("危险化学品违规储存次数", "<="),
            "i_store_check": _indicator("危险化学品仓库巡检完成率"),
            "i_plan": _indicator("危险化学品应急预案备案率"),
        },
        indicator_risks={
            "i_store_rate": ["r_store"],
            "i_store_count": ["r_store"],
            "i_store_check": ["r_store"],
            "i_plan": ["r_plan"],
        },
        indicator_duties={"i_store_rate": ["d_store"], "i_plan": ["d_plan"]},
        regulations={
            "危化法": {"id": "危化法", "title": "中华人民共和国危险化学品安全法", "status": "现行"},
            "法典": {"id": "法典", "title": "中华人民共和国生态环境法典", "status": "现行"},
        },
    )


@pytest.fixture
def catalog() -> KnowledgeCatalog:
    return _catalog()


def test_a_state_left_behind_is_not_met_and_registration_holds_no_permit() -> None:
    inferrer = ConditionInferrer()
    moving = inferrer.run(EnterpriseProfile(enterprise="目前填报排污登记表，由登记管理转为需申领排污许可证"))
    assert "排污许可" in moving and "登记管理" not in moving
    registered = inferrer.run(EnterpriseProfile(enterprise="中频炉熔炼，已办理排污登记，属登记管理"))
    assert "登记管理" in registered and "排污许可" not in registered
    assert "排污许可" in inferrer.run(EnterpriseProfile(enterprise="中频炉熔炼灰铁"))
    # "由外包单位…" says who does the work, it is no state being left
    assert "发包出租" in inferrer.run(EnterpriseProfile(enterprise="池体清淤由外包单位进入池内作业"))


def test_new_processes_materials_and_equipment_are_their_own_condition() -> None:
    inferrer = ConditionInferrer()
    base = EnterpriseProfile(processes=[ProcessInput(name="喷胶", description="水性胶")])
    material = inferrer.run(base, ChangeRequest(type="new_material", description="包覆胶改用溶剂型胶粘剂"))
    assert "四新" in material and "建设项目" not in material
    line = inferrer.run(base, ChangeRequest(type="add_process", description="建设涂装线"))
    assert "四新" in line and "建设项目" in line
    assert "四新" not in inferrer.run(base)
    assert "饮用水水源保护区" in inferrer.run(EnterpriseProfile(enterprise="厂区位于饮用水水源二级保护区"))


def test_a_status_brought_about_governs_risks_but_not_of_absent_situations(catalog: KnowledgeCatalog) -> None:
    inferrer = ConditionInferrer()
    change = ChangeRequest(type="expand", description="扩产后需重新申领排污许可证")
    met = inferrer.run(EnterpriseProfile(enterprise="使用稀释剂"), change)
    triggered = inferrer.run(EnterpriseProfile(), change)
    assert status_conditions(catalog, "r_permit", met, triggered) == ["排污许可"]
    assert status_conditions(catalog, "r_eia", met, triggered) == ["建设项目"]
    assert status_conditions(catalog, "r_guard", met, triggered) == []
    assert status_conditions(catalog, "r_permit", met, inferrer.run(EnterpriseProfile())) == []
    # 易制爆 is named by the risk and not met: whatever leads to it, the risk is not this enterprise's
    assert names_absent(catalog, "r_precursor", met) and not names_absent(catalog, "r_store", met)
    scored = RiskScorer(catalog).run(change.text, [], conditions=met, triggered=triggered)
    assert {r.id for r in scored} >= {"r_permit", "r_eia"} and "r_guard" not in {r.id for r in scored}
    assert next(r for r in scored if r.id == "r_permit").conditions == ["排污许可"]


def test_a_named_regulation_brings_the_risks_of_its_duties(catalog: KnowledgeCatalog) -> None:
    text = "《危险化学品安全法》施行，需对照新法重检危化品储存和应急管理"
    assert catalog.named_regulations(text) == {"危化法"}
    met = ConditionInferrer().run(EnterpriseProfile(enterprise="稀释剂、油漆存放于辅料库"))
    scored = RiskScorer(catalog).run(text, [], conditions=met, laws={"危化法"})
    found = {r.id for r in scored}
    assert {"r_store", "r_plan"} <= found and "r_precursor" not in found
    assert any("法规" in e for r in scored for e in r.evidence)


def test_duties_rank_by_their_best_risk_and_the_changes_evidence(catalog: KnowledgeCatalog) -> None:
    risks = [
        RiskProposal(id="r_permit", name="未依法申领或重新申领排污许可证", category="环保", score=4.0),
        RiskProposal(id="r_guard", name="设备防护装置缺失", category="安全", score=1.0),
    ]
    met = ConditionInferrer().run(EnterpriseProfile(enterprise="排污许可重点管理"))
    obligations, dropped = DutySelector(catalog, NO_CLAUSES).run(risks, "扩建", conditions=met, laws={"法典"})
    keys = [o.key for o in obligations]
    assert set(keys[:2]) == {"法典#174", "法典#182"} and keys[-1] == "安全法#36"
    assert dropped == []
    none, dropped = DutySelector(catalog, NO_CLAUSES).run(
        risks, "扩建", conditions=ConditionInferrer().run(EnterpriseProfile())
    )
    assert [o.key for o in none] == ["安全法#36"] and any("d_permit" in d for d in dropped)


def test_each_risk_is_measured_once_before_a_second_indicator(catalog: KnowledgeCatalog) -> None:
    risks = [
        RiskProposal(id="r_store", name="危险化学品储存不规范", category="安全", score=5.0),
        RiskProposal(id="r_plan", name="危险化学品事故应急预案缺失", category="安全", score=2.0),
    ]
    obligations = [ObligationProposal(duty_id="d_store", law="危化法", article=41, score=2.0)]
    names = [p.name for p in IndicatorDrafter(catalog).run(obligations, risks, "危化品储存")]
    assert names[0] == "危险化学品储存合规率" and names[1] == "危险化学品应急预案备案率"
    # a rate to reach comes before a count of violations of the same risk
    assert names.index("危险化学品仓库巡检完成率") < names.index("危险化学品违规储存次数")


def test_a_near_duplicate_of_a_proposed_indicator_is_not_distinct(catalog: KnowledgeCatalog) -> None:
    first = IndicatorProposal(name="危险化学品储存合规率", level="部门", duty_ids=["d_store"])
    twin = IndicatorProposal(name="危险化学品储存合规检查率", level="部门", duty_ids=["d_store"])
    other = IndicatorProposal(name="设备防护装置完好率", level="部门", duty_ids=["d_guard"])
    assert not IndicatorValidator.distinct(twin, [first]) and IndicatorValidator.distinct(other, [first])


def test_only_sentences_about_the_scheme_name_its_missing_themes() -> None:
    text = "员工约280人，粘土砂铸造，作业环境粉尘大。现行细则无职业健康板块"
    assert _about_the_scheme(text) == "现行细则无职业健康板块"
    assert _about_the_scheme("员工约300人，焊接车间") == ""


class _NoClauses:
    """A clause lookup without clauses (quotes stay empty)."""

    def clause(self, clause_id: str) -> dict[str, Any] | None:
        return None


NO_CLAUSES = cast(ClauseLookup, _NoClauses())


def _with_classes(catalog: KnowledgeCatalog) -> KnowledgeCatalog:
    """The catalog with one listing class: a substance of 危险化学品目录 brings the storage risk."""
    listed = CatalogHazardClass(
        id="hc_listed",
        kind="名录",
        name="危险化学品",
        match=("危险化学品",),
        basis="危险化学品目录（2015版）",
        triggers=(("r_store", "储存"),),
        condition="危险化学品",
    )
    return replace(catalog, hazard_classes=[listed])


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor(load_catalogues(Path(__file__).resolve().parents[2] / "regulations_corpus" / "catalogues"))


def test_a_gap_applies_by_the_facts_of_a_process_and_says_which(
    catalog: KnowledgeCatalog, extractor: EntityExtractor
) -> None:
    scenario = GapScenario.model_validate(
        {
            "id": "g",
            "processes": [
                {"stage": "原料采购与仓储", "name": "气瓶存放", "description": "乙炔、氧气气瓶存放于车间一角"}
            ],
            "indicators": [],
        }
    )
    report = GapDetector(_with_classes(catalog), NO_CLAUSES, facts=extractor).run(scenario)
    store = next(g for g in report.gaps if g.duty_id == "d_store")
    assert any(f.startswith("乙炔：危险化学品目录") for f in store.facts)
    without = GapDetector(_with_classes(catalog), NO_CLAUSES).run(scenario)  # no reader: no facts, no such path
    assert all(not g.facts for g in without.gaps)


def test_a_gap_applies_by_the_facts_the_enterprise_description_names(
    catalog: KnowledgeCatalog, extractor: EntityExtractor
) -> None:
    # no process names the cylinders: the plant's own description does, and that is a fact of the plant
    scenario = GapScenario.model_validate(
        {
            "id": "g",
            "enterprise": "某厂，员工120人，乙炔气瓶在仓库集中存放",
            "processes": [{"stage": "生产加工", "name": "装配", "description": "手工装配"}],
            "indicators": [],
        }
    )
    report = GapDetector(_with_classes(catalog), NO_CLAUSES, facts=extractor).run(scenario)
    store = next(g for g in report.gaps if g.duty_id == "d_store")
    assert any(f.startswith("乙炔：危险化学品目录") for f in store.facts)


def test_a_risk_the_facts_bring_is_named_for_them(catalog: KnowledgeCatalog, extractor: EntityExtractor) -> None:
    facts = FactRiskReasoner(_with_classes(catalog).hazard_classes).run(extractor.run("新建乙炔气瓶库"), [STORAGE])
    scored = RiskScorer(catalog).run("新建乙炔气瓶库", [], facts=facts)
    store = next(r for r in scored if r.id == "r_store")
    assert store.name == "危险化学品储存不规范（乙炔）" and store.facts == ["乙炔"]
    assert store.evidence[0].startswith("目录事实：乙炔：危险化学品目录")


def test_a_bound_the_change_crosses_weighs_as_a_status_it_brings(
    catalog: KnowledgeCatalog, extractor: EntityExtractor
) -> None:
    facts = FactRiskReasoner(_with_classes(catalog).hazard_classes).run(extractor.run("新建乙炔气瓶库"), [STORAGE])
    plain = next(r for r in RiskScorer(catalog).run("新建乙炔气瓶库", [], facts=facts) if r.id == "r_store")
    crossed = {rid: replace(f, crossing=True) for rid, f in facts.items()}
    bound = next(r for r in RiskScorer(catalog).run("新建乙炔气瓶库", [], facts=crossed) if r.id == "r_store")
    assert bound.score == pytest.approx(plain.score + 2 * TRIGGER_WEIGHT)


def test_the_kind_of_change_brings_one_duty_per_regulation_and_kind(catalog: KnowledgeCatalog) -> None:
    duties = {
        **catalog.duties,
        "d_new": _duty(
            "d_new", "采用新材料前掌握其安全技术特性并专门培训", applies_if=("四新",), law="安全法", article=29
        ),
        "d_eia": _duty("d_eia", "建设项目开工前取得环评批复", applies_if=("建设项目",), law="法典", article=106),
        "d_eia2": _duty(
            "d_eia2", "环评文件超过五年方开工的重新审核", applies_if=("建设项目",), law="法典", article=107
        ),
    }
    with_kinds = replace(catalog, duties=duties)
    inferrer = ConditionInferrer()
    change = ChangeRequest(type="new_material", description="包覆胶改用溶剂型胶粘剂")
    met = inferrer.run(EnterpriseProfile(), change)
    proposals, _ = DutySelector(with_kinds, NO_CLAUSES).run([], change.text, conditions=met, focus_conditions=met)
    chosen = {p.duty_id: p for p in proposals}
    assert "d_new" in chosen and "变更性质：四新" in chosen["d_new"].evidence
    assert not {"d_eia", "d_eia2"} & set(chosen)  # a change of material is no construction project
    project = ChangeRequest(type="add_process", description="新建一条喷涂线")
    met = inferrer.run(EnterpriseProfile(), project)
    proposals, _ = DutySelector(with_kinds, NO_CLAUSES).run([], project.text, conditions=met, focus_conditions=met)
    assert len({p.duty_id for p in proposals} & {"d_eia", "d_eia2"}) == 1  # one stands for the regulation's cluster


def test_a_step_takes_its_own_sectors_template_over_anothers_shared_word() -> None:
    processes = {
        "p_print": {"id": "p_print", "name": "印刷", "aliases": ["胶印"], "keywords": ["印刷机"], "description": ""},
        "p_smt": {
            "id": "p_smt",
            "name": "SMT贴片",
            "aliases": [],
            "keywords": ["锡膏", "印刷机", "焊盘", "钢网", "PCB"],
            "description": "",
        },
    }
    catalog = KnowledgeCatalog(
        processes=processes,
        risks={},
        process_risks={},
        risk_duties={},
        duties={},
        indicators={},
        indicator_risks={},
        indicator_duties={},
        regulations={},
        sectors={"电子制造": ["p_smt"], "印刷和记录媒介复制业": ["p_print"]},
    )
    matcher = ProcessMatcher(catalog)
    assert (
        matcher.run("锡膏印刷", "印刷机将锡膏经钢网印刷到PCB焊盘")[0].template_id == "p_print"
    )  # no sector: the shared word
    assert matcher.run("锡膏印刷", "印刷机将锡膏经钢网印刷到PCB焊盘", sector="电子制造")[0].template_id == "p_smt"
    assert catalog.sector_templates("印刷") == {"p_print"} and catalog.sector_templates("食品") == set()


def test_a_risk_named_for_a_listing_the_plant_is_not_in_needs_a_fact(catalog: KnowledgeCatalog) -> None:
    risks = {**catalog.risks, "r_cyanide": {"id": "r_cyanide", "name": "电镀氰化物中毒", "keywords": ["镀铜"]}}
    with_cyanide = replace(catalog, risks=risks)
    met = ConditionInferrer().run(EnterpriseProfile(enterprise="化学镀铜，硫酸铜镀液"))
    assert "剧毒化学品" not in met
    scored = RiskScorer(with_cyanide).run("新增化学镀铜线", [], conditions=met)
    assert "r_cyanide" not in {r.id for r in scored}  # shared keyword, no cyanide named
    cyanide = ConditionInferrer().run(EnterpriseProfile(enterprise="氰化镀铜，使用氰化亚铜、氰化钠"))
    assert "r_cyanide" in {r.id for r in RiskScorer(with_cyanide).run("新增氰化镀铜线", [], conditions=cyanide)}


def test_the_report_is_cut_where_the_detector_is_told(catalog: KnowledgeCatalog, extractor: EntityExtractor) -> None:
    scenario = GapScenario.model_validate(
        {"id": "g", "processes": [{"stage": "原料采购与仓储", "name": "气瓶存放", "description": "乙炔气瓶存放"}]}
    )
    every = GapDetector(_with_classes(catalog), NO_CLAUSES, facts=extractor, max_gaps=100, floor=0.0).run(scenario)
    one = GapDetector(_with_classes(catalog), NO_CLAUSES, facts=extractor, max_gaps=1).run(scenario)
    assert len(every.gaps) > 1 and [g.duty_id for g in one.gaps] == [every.gaps[0].duty_id]
