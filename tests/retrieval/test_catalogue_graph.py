"""The national catalogues in the graph: substances, 特种设备目录 entries and 职业病危害因素 IN_CLASS of the knowledge
base's classes of fact, which TRIGGER risks and are GOVERNED_BY duties — the path a fact takes to its duties."""

from __future__ import annotations

import pytest

from kg.catalogue_graph import WasteRow, catalogue_batch, substance_id
from kg.catalogues import load_catalogues
from kg.corpus import load_knowledge_base
from kg.models import Label, Rel
from tests.retrieval.kb_graph import REPO, KbGraph, build_kb_graph


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> KbGraph:
    return build_kb_graph(tmp_path_factory.mktemp("catalogue-graph"))


def _out(env: KbGraph, label: Label, node_id: str, rel: Rel) -> dict[str, dict[str, object]]:
    return {
        str(n.node["id"]): n.props for n in env.store.neighbours(label, node_id, rels=[rel]) if n.direction == "out"
    }


def test_a_substance_reaches_risks_and_duties_through_its_classes(env: KbGraph) -> None:
    toluene = env.store.get(Label.SUBSTANCE, "sub:甲苯")
    assert toluene is not None and "108-88-3" in toluene["cas"]
    assert "易燃液体 类别2" in toluene["hazards"] and toluene["sources"][0] == "危险化学品目录（2015版）"
    classes = _out(env, Label.SUBSTANCE, "sub:甲苯", Rel.IN_CLASS)
    assert {"hc_listed_hazchem", "hc_flammable_liquid", "hc_organic_solvent", "hc_key_supervised"} <= set(classes)
    assert classes["hc_flammable_liquid"]["reason"] == "危险化学品分类信息表 易燃液体 类别2"
    assert "r_solvent_fire_explosion" in _out(env, Label.HAZARD_CLASS, "hc_flammable_liquid", Rel.TRIGGERS)
    assert "ob_whpf_41" in _out(env, Label.HAZARD_CLASS, "hc_listed_hazchem", Rel.GOVERNED_BY)


def test_equipment_and_factors_are_in_their_classes(env: KbGraph) -> None:
    assert "4000" in _out(env, Label.EQUIPMENT_CLASS, "4100", Rel.PART_OF)
    assert {"hc_lifting", "hc_special_equipment"} <= set(_out(env, Label.EQUIPMENT_CLASS, "4100", Rel.IN_CLASS))
    crane_kind = env.store.get(Label.EQUIPMENT_CLASS, "4000")
    assert crane_kind is not None and any("额定起重量>=3t" in c for c in crane_kind["criteria"])
    noise = env.store.get(Label.HAZARD_FACTOR, "物理因素1")
    assert noise is not None and noise["name"] == "噪声"
    assert "hc_noise" in _out(env, Label.HAZARD_FACTOR, "物理因素1", Rel.IN_CLASS)


def test_waste_rows_join_the_waste_classes() -> None:
    kb = load_knowledge_base(REPO / "regulations_corpus")
    catalogues = load_catalogues(REPO / "regulations_corpus" / "catalogues")
    rows = [WasteRow("336-064-17", "HW17", "磷化工艺产生的槽渣"), WasteRow("900-041-49", "HW49", "沾染的包装物")]
    batch = catalogue_batch(catalogues, kb.hazard_classes, rows)
    edges = {
        (e.src, e.dst)
        for rel, src, _, es in batch.edge_upserts
        if rel == Rel.IN_CLASS and src == Label.WASTE_CODE
        for e in es
    }
    assert {("336-064-17", "hc_hazardous_waste"), ("336-064-17", "hc_surface_treatment_waste")} <= edges
    assert ("900-041-49", "hc_contaminated_packaging") in edges and ("900-041-49", "hc_waste_oil") not in edges
    facts = catalogues.substance("甲苯")
    assert facts is not None and substance_id(facts) == "sub:甲苯"
