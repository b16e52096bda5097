"""Extraction → knowledge-base mapping → profile; the gap and change pipelines on an imported profile; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.cli.enterprise import enterprise_confirm, enterprise_import, enterprise_show
from api.container import Container
from api.settings import Settings
from evals.enterprise_extraction import FIXTURES, materialize
from ingestion.enterprise import EnterpriseExtraction, ProcessMapDiffer
from ingestion.enterprise.models import ExtractedProcess, Provenance
from kg.corpus import load_knowledge_base
from kg.errors import IngestionError
from retrieval.change.gaps import GapDetector
from retrieval.change.proposals import ChangeProposer
from retrieval.enterprise_mapping import EnterpriseMapper, catalog_from_knowledge_base, change_scenarios
from tests.enterprise_support import enterprise_importer
from tests.retrieval.test_proposals import Env, build_env

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mapper() -> EnterpriseMapper:
    return EnterpriseMapper(catalog_from_knowledge_base(load_knowledge_base(REPO / "regulations_corpus")))


def _process(name: str, description: str = "") -> ExtractedProcess:
    return ExtractedProcess(name=name, description=description, order=1, source=Provenance(file="x.md", paragraph=0))


def _import(*paths: Path) -> EnterpriseExtraction:
    return enterprise_importer(10**7).run(list(paths))


@pytest.mark.parametrize("name", ["下料", "落料", "开料"])
def test_aliases_map_to_one_template_with_evidence(mapper: EnterpriseMapper, name: str) -> None:
    m = mapper.map_process(_process(name))
    assert (m.status, m.template_id) == ("matched", "p_blanking")
    assert name in m.matches[0].evidence and m.matches[0].score >= 2.0


def test_an_unknown_step_is_kept_as_new_with_candidate_risks(mapper: EnterpriseMapper) -> None:
    m = mapper.map_process(_process("激光打标", "打标时产生烟尘，需局部排风，设备带电"))
    assert m.status == "new" and m.template_id is None
    assert m.candidate_risks and all(r.evidence for r in m.candidate_risks)


def test_the_profile_takes_processes_materials_equipment_and_permit(mapper: EnterpriseMapper, tmp_path: Path) -> None:
    ex = _import(*materialize(FIXTURES / "textile", tmp_path))
    result = mapper.run(ex, sector="轻工纺织")
    p = result.profile
    assert [q.name for q in p.processes] == [q.name for q in ex.processes]
    assert p.processes[0].stage == "前处理车间" and p.processes[-1].stage == "生产加工"  # 印花: template stage
    assert "保险粉" in p.materials and "燃气锅炉" in p.equipment
    assert (p.headcount, p.permit_class, p.sector) == (260, "重点管理", "轻工纺织")
    assert "特种设备：" in p.enterprise and "DW001" in p.enterprise


def test_an_extraction_with_nothing_is_refused_with_each_reason(mapper: EnterpriseMapper, tmp_path: Path) -> None:
    contract = tmp_path / "合同.md"
    contract.write_text(
        "# 购销合同\n甲方：甲厂\n乙方：乙公司\n付款：货款30日内支付。违约按日计罚。\n", encoding="utf-8"
    )
    with pytest.raises(IngestionError, match="nothing extracted") as raised:
        mapper.run(_import(contract))
    assert "合同.md: 与工艺无关" in str(raised.value)


V1 = "# 工艺流程说明\n企业名称：示例涂装有限公司\n## 一、生产工艺\n1. 机加工：车铣加工，员工共80人。\n"
V2 = V1 + "2. 喷漆线：喷枪喷涂油漆，稀释剂调漆，建立排污台账。\n"


@pytest.fixture
def graph(tmp_path: Path) -> Env:
    (tmp_path / "graph").mkdir()
    return build_env(tmp_path / "graph")


def test_an_imported_profile_runs_through_gaps_and_change_proposals(graph: Env, tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1, v2 = tmp_path / "v1" / "工艺流程说明.md", tmp_path / "v2" / "工艺流程说明.md"
    v1.write_text(V1, encoding="utf-8")
    v2.write_text(V2, encoding="utf-8")
    mapper = EnterpriseMapper(graph.catalog)
    before, after = mapper.run(_import(v1)), mapper.run(_import(v2))
    assert next(m for m in after.mappings if m.name == "喷漆线").template_id == "p_paint"

    report = GapDetector(graph.catalog, graph.clauses).run(after.gap_scenario())
    assert {(g.law, g.article) for g in report.gaps} >= {("示例法典", 2)}
    assert 1 not in {g.article for g in report.gaps}  # no 剧毒化学品 in the documents

    scenarios = change_scenarios(before, ProcessMapDiffer().run(before.extraction, after.extraction))
    kinds = [(s.change.type, s.change.process.name if s.change.process else "") for s in scenarios]
    assert kinds[0] == ("add_process", "喷漆线") and ("new_material", "") in kinds
    assert [p.name for p in scenarios[0].processes_before] == ["机加工"]
    proposal = ChangeProposer(graph.catalog, graph.clauses).run(scenarios[0])
    assert proposal.processes[0].template_id == "p_paint"
    assert "r_ledger" in {r.id for r in proposal.risks}
    assert any(o.key == "示例法典#2" for o in proposal.obligations)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("import")(enterprise_import)
    app.command("show")(enterprise_show)
    app.command("confirm")(enterprise_confirm)
    return app


def test_the_cli_prints_a_summary_and_json(tmp_path: Path) -> None:
    files = [str(p) for p in materialize(FIXTURES / "electronics", tmp_path)]
    runner = CliRunner()
    args = ["import", *files, "--no-store"]
    result = runner.invoke(_cli(), [*args, "--name", "某电子", "--json"], obj=Settings.load())
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["profile"]["permit_class"] == "简化管理" and data["extraction"]["name"] == "某电子"
    assert len(data["mappings"]) == 11 and data["mappings"][3]["template_id"] == "p_smt_reflow"
    assert data["enterprise_id"] == ""  # nothing stored
    text = runner.invoke(_cli(), args, obj=Settings.load())
    assert text.exit_code == 0
    assert "回流焊 → SMT贴片与回流焊" in text.stdout and "特种设备：叉车" in text.stdout
    assert "排污许可证副本.md: extracted" in text.stderr


def test_the_cli_fails_when_nothing_is_extracted(tmp_path: Path) -> None:
    note = tmp_path / "纪要.md"
    note.write_text("# 纪要\n讨论团建。\n", encoding="utf-8")
    result = CliRunner().invoke(_cli(), ["import", str(note), "--no-store"], obj=Settings.load())
    assert result.exit_code != 0 and isinstance(result.exception, IngestionError)
    assert "纪要.md: 未识别到工序" in str(result.exception)


def test_the_cli_stores_shows_and_confirms(graph: Env, tmp_path: Path) -> None:
    graph.store.close()  # the CLI opens the graph file itself
    settings = Settings.model_validate({"data_dir": tmp_path / "data", "graph_uri": str(graph.store.path)})
    doc = tmp_path / "工艺流程说明.md"
    doc.write_text(V2, encoding="utf-8")
    runner = CliRunner()
    stored = runner.invoke(_cli(), ["import", str(doc), "--id", "E9", "--actor", "王工"], obj=settings)
    assert stored.exit_code == 0, stored.output
    assert "已存入图谱：企业 E9，版本 1" in stored.stdout and "喷漆线 → 溶剂型喷漆 (p_paint" in stored.stdout
    fix = runner.invoke(_cli(), ["confirm", "E9", "--new", "E9/喷漆线", "--actor", "李专家", "--json"], obj=settings)
    assert fix.exit_code == 0, fix.output
    after = json.loads(fix.stdout.strip().splitlines()[-1])["after"]
    assert [(m["name"], m["template_id"], m["confirmed_by"]) for m in after] == [("喷漆线", None, "李专家")]
    shown = runner.invoke(_cli(), ["show", "E9"], obj=settings)
    assert "版本 1，待确认 1" in shown.stdout and "✓李专家" in shown.stdout
    bad = runner.invoke(_cli(), ["confirm", "E9", "--template", "E9/机加工"], obj=settings)
    assert bad.exit_code != 0 and "STEP_ID=TEMPLATE_ID" in bad.output
    # the command line is audited like the HTTP API: the import and the confirmation, by who did them
    with Container(settings) as container:
        entries, total = container.audit.entries(enterprise_id="E9", limit=10, offset=0)
        assert container.audit.verify().ok
    assert total == 2
    assert [(e.action, e.actor, e.target) for e in reversed(entries)] == [
        ("enterprises.import", "王工", "enterprise:E9"),
        ("enterprises.confirm", "李专家", "enterprise:E9"),
    ]
    assert json.loads(entries[0].after)[0]["name"] == "喷漆线"
