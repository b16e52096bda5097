"""Issue 9's "done when": each sector's documents imported into the graph, the profile read back from the
graph, and that profile through gap detection and, after a new version of the documents, change proposals.

Runs on the project's real knowledge base in the embedded graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from api.services.enterprises import MappingConfirmation, MappingCorrection
from evals.enterprise_extraction import FIXTURES, materialize
from kg.models import Label
from retrieval.change.gaps import GapDetector
from retrieval.change.inputs import GapScenario
from retrieval.change.matching import status_conditions
from retrieval.change.proposals import ChangeProposer
from tests.retrieval.kb_graph import KbGraph, build_kb_graph

SECTORS = ["machining", "electronics", "auto_parts", "textile"]
#: A second version of the documents: a new step (absent from every sector) in a technical-change note.
CHANGE_NOTE = (
    "# 工艺流程说明（技改）\n## 一、生产工艺\n工序9：粉末喷涂，新建喷粉房，静电喷涂环氧粉末，固化炉天然气加热固化。\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KbGraph]:
    env = build_kb_graph(tmp_path_factory.mktemp("kb"))
    yield env
    env.store.close()


@pytest.mark.parametrize("sector", SECTORS)
def test_imported_documents_run_through_gaps_and_change_proposals(kb: KbGraph, sector: str, tmp_path: Path) -> None:
    expected = yaml.safe_load((FIXTURES / sector / "expected.yaml").read_text(encoding="utf-8"))
    service, catalog = kb.service, kb.catalog

    # 1. import: stored under the enterprise, every step with its provenance and mapping
    imported = service.import_documents(
        materialize(FIXTURES / sector, tmp_path / "v1"), enterprise_id=sector, sector=expected["sector"]
    )
    assert (imported.enterprise_id, imported.version) == (sector, 1)
    view = service.view(sector)
    assert [m.name for m in view.processes] == [m.name for m in imported.mappings]
    assert all(m.id and m.source.file for m in view.processes) and view.pending == len(view.processes)
    assert kb.store.get(Label.ENTERPRISE, sector) is not None

    # 2. the profile read back from the graph is the one the import computed
    profile = service.profile(sector)
    assert profile == imported.profile
    assert (profile.sector, profile.headcount, profile.permit_class) == (
        expected["sector"],
        expected["headcount"],
        expected["permit_class"],
    )

    # 3. an expert corrects the steps mapped to another template than the expected one, accepts the rest
    wrong = {m.id: expected["mapping"][m.name] for m in view.processes if m.template_id != expected["mapping"][m.name]}
    corrections = [
        MappingCorrection(process_id=pid, template_id=t) if t else MappingCorrection(process_id=pid, new=True)
        for pid, t in wrong.items()
    ]
    confirmed = service.confirm(
        sector, MappingConfirmation(accept_all=True, corrections=corrections), actor="expert1"
    ).enterprise
    assert confirmed.pending == 0 and {m.confirmed_by for m in confirmed.processes} == {"expert1"}
    assert {m.name: m.template_id for m in confirmed.processes} == expected["mapping"]

    # 4. gap detection on that profile with a small indicator set: the cited article is covered, the rest
    #    are gaps, each from a risk of a template the enterprise's steps instantiate or of its status
    #    (a permit, 职业病危害 …)
    data = profile.model_dump(include={"sector", "enterprise", "processes", "permit_class"})
    detector = GapDetector(catalog, kb.clauses, matcher=service.matcher(sector))
    bare = detector.run(GapScenario.model_validate({"id": sector, **data, "indicators": []}))
    assert bare.gaps and bare.suggestions
    top = bare.gaps[0]
    indicators = [
        {"name": "现行考核指标A", "level": "部门", "cites": [{"law": top.law, "article": top.article}]},
        {"name": "员工满意度", "level": "企业", "cites": []},
    ]
    report = detector.run(GapScenario.model_validate({"id": sector, **data, "indicators": indicators}))
    assert (top.law, top.article) not in {(g.law, g.article) for g in report.gaps}
    assert any(
        c.covered_by == ["现行考核指标A"] and (c.law, c.article) == (top.law, top.article) for c in report.covered
    )
    assert report.gaps
    templates = {m.template_id for m in confirmed.processes if m.template_id}
    risk_names = {str(catalog.risks[r]["name"]) for t in templates for r in catalog.process_risks.get(t, [])}
    conditions = detector.inferrer.run(GapScenario.model_validate({"id": sector, **data}).profile())
    risk_names |= {
        str(catalog.risks[r]["name"])
        for r in catalog.risks
        if status_conditions(catalog, r, conditions, conditions, kinds=conditions.names())
    }
    assert {g.risk for g in report.gaps} <= risk_names

    # 5. a new version of the documents → its difference → change scenarios → proposals
    v2 = materialize(FIXTURES / sector, tmp_path / "v2")
    note = tmp_path / "v2" / "工艺流程说明-技改.md"
    note.write_text(CHANGE_NOTE, encoding="utf-8")
    compared = service.diff(sector, [*v2, note])
    assert [p.name for p in compared.diff.added] == ["粉末喷涂"] and not compared.diff.removed
    scenario = compared.scenarios[0]
    assert scenario.change.type == "add_process" and scenario.processes_before == profile.processes
    proposal = ChangeProposer(catalog, kb.clauses, matcher=service.matcher(sector)).run(scenario)
    assert proposal.processes[0].template_id == "p_powder_coating"
    assert "粉尘爆炸" in proposal.risks[0].name
    assert proposal.obligations and all(catalog.is_current(o.law) for o in proposal.obligations)
    assert proposal.indicators and any(i.valid for i in proposal.indicators)

    # 6. storing that version keeps the difference on it, and the expert's decisions
    stored = service.import_documents([*v2, note], enterprise_id=sector)
    assert stored.version == 2 and stored.diff is not None and [p.name for p in stored.diff.added] == ["粉末喷涂"]
    after = service.view(sector)
    assert after.versions[-1].changes["added"] == 1 and after.pending == 1  # only the new step awaits an expert
    assert {m.name: m.template_id for m in after.processes if m.confirmed} == expected["mapping"]
