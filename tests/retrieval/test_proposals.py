"""The change pipeline on a small graph: conditions, risks, duties (current law first), indicators, impact."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ingestion.kb_loader import KnowledgeBaseLoader
from ingestion.pipeline import RegulationIngestor
from ingestion.versions import IngestionState
from kg.errors import NotFoundError, ValidationFailedError
from kg.ladybug_store import LadybugGraphStore
from kg.models import Indicator, Label, Rel
from kg.store import Edge
from retrieval.change.catalog import ClauseLookup, GraphCatalogLoader, KnowledgeCatalog
from retrieval.change.conditions import ConditionInferrer, duty_applies
from retrieval.change.impact import ImpactAnalyzer
from retrieval.change.inputs import ChangeScenario, EnterpriseProfile, GapScenario, load_json, load_jsonl
from retrieval.change.proposals import ChangeProposer
from tests.retrieval.graphs import build_small_graph

KB = {
    "manifest.yaml": """regulations:
  - {id: 示例污染防治法, title: 中华人民共和国示例污染防治法, kind: 法律, issued: "2018-01-01", effective: "2018-01-01",
     status: 已废止, replaced_by: 示例法典, file: 示例污染防治法.md}
  - {id: 示例法典, title: 中华人民共和国示例法典, kind: 法律, issued: "2026-03-12", effective: "2026-08-15",
     status: 现行, file: 示例法典.md}
""",
    "processes.yaml": """processes:
  - {id: p_paint, name: 溶剂型喷漆, stage: 生产加工, aliases: [喷漆线, 喷涂线], description: 油漆喷涂及烘干,
     keywords: [油漆, 喷枪, 稀释剂], risks: [r_ledger, r_pipe, r_toxic]}
""",
    "obligations.yaml": """obligations:
  - {id: ob_ledger, subject: 排污单位, modality: 应当, action: 按排污许可证排放并建立环境管理台账，如实记录,
     cites: [{law: 示例法典, article: 2}], historical: [{law: 示例污染防治法, article: 2}],
     key_terms: [管理台账], topics: [环境管理台账, 排污记录本]}
  - {id: ob_pipe, subject: 排污单位, modality: 禁止, action: 通过暗管渗井逃避监管排放污染物,
     cites: [{law: 示例法典, article: 3}], historical: [{law: 示例污染防治法, article: 3}],
     key_terms: [暗管], topics: [暗管偷排]}
  - {id: ob_toxic, subject: 使用单位, modality: 应当, action: 剧毒品双人收发双人保管, applies_if: [剧毒化学品],
     cites: [{law: 示例法典, article: 1}], key_terms: [生态环境], topics: [双人保管]}
""",
    "risks.yaml": """risks:
  - {id: r_ledger, name: 环境管理台账缺失, category: 环保, hazard: 无台账, consequence: 处罚,
     keywords: [台账, 排污], obligations: [ob_ledger]}
  - {id: r_pipe, name: 暗管偷排废水, category: 环保, hazard: 暗管, consequence: 处罚,
     keywords: [暗管, 偷排, 废水], obligations: [ob_pipe]}
  - {id: r_toxic, name: 剧毒品保管失控, category: 安全, hazard: 剧毒, consequence: 中毒,
     keywords: [剧毒], obligations: [ob_toxic]}
""",
    "indicators.yaml": """indicators:
  - {id: ind_ledger, name: 环境管理台账完整率, stage: 废弃物处置, position: 环保部, level: 部门,
     metric: 完整台账数/应建台账数, target: 100, comparator: ">=", unit: "%",
     bands: {excellent: 100, qualified: 100}, method: 月度考核,
     data_source: 台账, frequency: 每月, owner: 环保部经理, standard: 台账齐全, measures_risks: [r_ledger],
     measures_obligations: [ob_ledger]}
""",
}


@dataclass
class Env:
    store: LadybugGraphStore
    catalog: KnowledgeCatalog
    clauses: ClauseLookup


def build_env(tmp_path: Path) -> Env:
    """The small graph: the example law and its code, the knowledge base above, ingested."""
    store = build_small_graph(tmp_path, KB)
    return Env(store, GraphCatalogLoader(store).run(), ClauseLookup(store))


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return build_env(tmp_path)


SCENARIO = {
    "id": "t1",
    "sector": "机械加工",
    "enterprise": "某厂，员工约80人，不涉及剧毒化学品。",
    "processes_before": [{"stage": "生产加工", "name": "机加工", "description": "车铣"}],
    "change": {
        "type": "add_process",
        "description": "新建喷漆线，使用油漆和稀释剂，需建立排污台账。",
        "process": {"stage": "生产加工", "name": "喷漆", "description": "喷枪喷涂油漆"},
    },
    "gold": {"risks": []},
}


def test_the_catalog_reads_duties_with_current_law_first(env: Env) -> None:
    duty = env.catalog.duties["ob_ledger"]
    assert duty.current == ("示例法典#2",) and duty.historical == ("示例污染防治法#2",)
    assert env.catalog.primary_article(duty) == "示例法典#2"
    assert env.catalog.indicator_duties["ind_ledger"] == ["ob_ledger"]
    assert [s.key for s in env.clauses.successors("示例污染防治法#2")] == ["示例法典#2"]


def test_conditions_are_inferred_and_negations_skipped() -> None:
    inferrer = ConditionInferrer()
    profile = EnterpriseProfile(enterprise="不涉及剧毒化学品，未构成重大危险源；由登记管理转为重点管理")
    met = inferrer.run(profile)
    assert "剧毒化学品" not in met and "重大危险源" not in met
    assert "重点管理" in met and "排污许可" in met and "登记管理" not in met
    assert "剧毒化学品" in inferrer.run(EnterpriseProfile(enterprise="电镀线使用氰化钠"))


def test_sibling_conditions_are_alternatives() -> None:
    met = ConditionInferrer().run(EnterpriseProfile(enterprise="双氧水储存"))
    assert duty_applies(["剧毒化学品", "易制爆"], met) == (True, [])
    ok, missing = duty_applies(["易制爆", "特种设备"], met)
    assert not ok and missing == ["特种设备"]
    assert duty_applies(["剧毒化学品"], None) == (True, [])


def test_a_change_yields_risks_duties_and_validated_indicators(env: Env) -> None:
    proposal = ChangeProposer(env.catalog, env.clauses).run(ChangeScenario.model_validate(SCENARIO))
    assert proposal.processes[0].template_id == "p_paint"
    assert "环境管理台账缺失" in [r.name for r in proposal.risks]
    keys = [o.key for o in proposal.obligations]
    assert "示例法典#2" in keys and "示例污染防治法#2" not in keys
    ledger = next(o for o in proposal.obligations if o.key == "示例法典#2")
    assert "管理台账" in ledger.quote and [h.key for h in ledger.history] == ["示例污染防治法#2"]
    assert "示例法典#1" not in keys
    # the template's 剧毒 risk is the plant's only with a substance of that listing: not proposed, nor its duty
    assert "剧毒品保管失控" not in [r.name for r in proposal.risks]
    assert "ob_toxic" not in [o.duty_id for o in proposal.obligations]
    library = next(i for i in proposal.indicators if i.library_id == "ind_ledger")
    assert library.valid and library.status == "validated"
    assert library.chain[-1] == "指标：环境管理台账完整率" and any("示例法典》第2条" in c for c in library.chain)
    templated = next(i for i in proposal.indicators if i.source == "template")
    assert templated.duty_ids == ["ob_pipe"] and templated.target == 0 and templated.comparator == "<="
    assert len(proposal.risks) <= 12 and len(proposal.obligations) <= 15 and len(proposal.indicators) <= 12


def test_the_cuts_are_the_proposer_s_arguments(env: Env) -> None:
    scenario = ChangeScenario.model_validate(SCENARIO)
    full = ChangeProposer(env.catalog, env.clauses).run(scenario)
    cut = ChangeProposer(env.catalog, env.clauses, max_risks=1, max_obligations=1, max_indicators=1).run(scenario)
    assert (len(cut.risks), len(cut.obligations), len(cut.indicators)) == (1, 1, 1)
    assert cut.risks[0] == full.risks[0] and cut.obligations[0].key == full.obligations[0].key
    uncut = ChangeProposer(env.catalog, env.clauses, max_risks=1000, floor=0.0).run(scenario)
    assert uncut.risks[: len(full.risks)] == full.risks and len(uncut.risks) >= len(full.risks)


def test_impact_of_a_repeal_proposes_the_successor(env: Env) -> None:
    old = Indicator(id="ind_old", name="暗管排查率", level="部门", target=100, comparator=">=", unit="%")
    env.store.upsert_nodes([old])
    env.store.upsert_edges(Rel.CITES, Label.INDICATOR, Label.CLAUSE, [Edge("ind_old", "示例污染防治法#3")])
    report = ImpactAnalyzer(env.store).run("示例污染防治法")
    assert report.status == "已废止" and report.replaced_by == "示例法典"
    line = next(c for c in report.citations if c.indicator_id == "ind_old")
    assert line.article == 3 and line.successors[0].key == "示例法典#3"
    assert "示例法典》第3条" in line.proposal and report.unmapped == []
    with pytest.raises(NotFoundError, match="不存在的法"):
        ImpactAnalyzer(env.store).run("不存在的法")


def test_inputs_load_from_files(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "g", "processes": [], "indicators": [{"name": "x", "cites": []}]}\n\n', encoding="utf-8")
    assert load_jsonl(path, GapScenario)[0].indicators[0].name == "x"
    bad = tmp_path / "bad.json"
    bad.write_text('{"change": {"type": "teleport", "description": "x"}}', encoding="utf-8")
    with pytest.raises(ValidationFailedError, match="ChangeScenario"):
        load_json(bad, ChangeScenario)


@pytest.mark.integration
def test_impact_of_the_real_code_repeal(tmp_path: Path, shared_dir: Path) -> None:
    """大气污染防治法 → 生态环境法典: an indicator citing 大气 45 gets 法典 214 proposed."""
    regs = shared_dir / "regulations"
    store = LadybugGraphStore(tmp_path / "g.lbug")
    store.verify()
    corpus = Path(__file__).resolve().parents[2] / "regulations_corpus"
    kb = KnowledgeBaseLoader(store, corpus, regs).run().knowledge_base
    files = [regs / "大气污染防治法.md", regs / "生态环境法典.md"]
    RegulationIngestor(store, IngestionState(tmp_path / "state"), kb, max_bytes=10**8).run(files)
    old = Indicator(id="ind_vocs_old", name="VOCs治理设施运行率", level="部门", target=100, comparator=">=", unit="%")
    store.upsert_nodes([old])
    store.upsert_edges(Rel.CITES, Label.INDICATOR, Label.CLAUSE, [Edge("ind_vocs_old", "大气污染防治法#45")])
    report = ImpactAnalyzer(store).run("大气污染防治法")
    assert report.status == "已废止" and report.replaced_by == "生态环境法典"
    line = next(c for c in report.citations if c.indicator_id == "ind_vocs_old")
    assert line.successors and line.successors[0].key == "生态环境法典#214"
    assert (line.successors[0].score or 0) > 0.4 and "生态环境法典》第214条" in line.proposal
