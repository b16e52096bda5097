"""The enterprise service on the real knowledge base: versions, idempotent re-imports, an expert's
confirmation and corrections (who and when), their carry-over to a new version, and the refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.services.enterprises import (
    EnterpriseService,
    MappingConfirmation,
    MappingCorrection,
    enterprise_id_for,
)
from ingestion.kb_loader import KnowledgeBaseLoader
from kg.errors import GraphError, NotFoundError, UnsupportedDocumentError, ValidationFailedError
from kg.ladybug_store import LadybugGraphStore
from kg.models import Label, Rel
from kg.neo4j_store import Neo4jGraphStore
from kg.store import GraphBatch
from retrieval.change.catalog import GraphCatalogLoader
from tests.enterprise_support import enterprise_importer
from tests.retrieval.kb_graph import REPO, KbGraph, StepClock, build_kb_graph

V1 = """# 工艺流程说明
企业名称：示例五金制品有限公司
在岗人数：45人。
## 一、生产工艺
工序1：下料，剪板机下料。
工序2：焊接，CO2气体保护焊。
工序3：激光打标，打标机在工件表面打标，产生少量烟尘。
## 二、危险化学品
危险化学品：乙炔、氧气
"""
V2 = V1.replace("工序3：激光打标", "工序3：喷漆，喷漆房内喷涂油漆。\n工序4：激光打标")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KbGraph]:
    env = build_kb_graph(tmp_path_factory.mktemp("kb"))
    yield env
    env.store.close()


def _doc(tmp_path: Path, text: str, folder: str = "v1") -> list[Path]:
    (tmp_path / folder).mkdir(exist_ok=True)
    path = tmp_path / folder / "工艺流程说明.md"
    path.write_text(text, encoding="utf-8")
    return [path]


def _steps(service: EnterpriseService, eid: str) -> dict[str, tuple[str, str | None, bool]]:
    return {m.name: (m.status, m.template_id, m.confirmed) for m in service.view(eid).processes}


def test_import_stores_steps_with_mapping_candidates_and_provenance(kb: KbGraph, tmp_path: Path) -> None:
    result = kb.service.import_documents(_doc(tmp_path, V1), enterprise_id="hw1", actor="mgr")
    assert result.enterprise_id == "hw1" and result.version == 1 and result.diff is None
    assert _steps(kb.service, "hw1") == {
        "下料": ("matched", "p_blanking", False),
        "焊接": ("matched", "p_welding", False),
        "激光打标": ("new", None, False),
    }
    view = kb.service.view("hw1")
    weld = next(m for m in view.processes if m.name == "焊接")
    assert weld.id == "hw1/焊接" and weld.score and "焊接" in weld.evidence and weld.matches
    assert (weld.source.file, weld.source.paragraph) == ("工艺流程说明.md", 5)
    laser = next(m for m in view.processes if m.name == "激光打标")
    assert laser.candidate_risks and all(r.evidence for r in laser.candidate_risks)
    assert (view.name, view.headcount, view.hazardous_materials) == ("示例五金制品有限公司", 45, ["乙炔", "氧气"])
    assert [(v.version, v.imported_by, v.files) for v in view.versions] == [(1, "mgr", ["工艺流程说明.md"])]
    links = kb.store.neighbours(Label.ENTERPRISE_PROCESS, "hw1/焊接", rels=[Rel.INSTANTIATES])
    assert [(n.node["id"], n.props["source"]) for n in links] == [("p_welding", "matcher")]


def test_an_identical_reimport_keeps_the_version_and_the_graph(kb: KbGraph, tmp_path: Path) -> None:
    kb.service.import_documents(_doc(tmp_path, V1), enterprise_id="hw2")
    kb.service.confirm("hw2", MappingConfirmation(accept=["hw2/下料"]), actor="expert1")
    counts = kb.store.counts()
    again = kb.service.import_documents(_doc(tmp_path, V1, "again"), enterprise_id="hw2")
    assert again.version == 1 and kb.store.counts() == counts
    assert _steps(kb.service, "hw2")["下料"] == ("matched", "p_blanking", True)


def test_two_imports_at_once_get_successive_versions(
    kb: KbGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply = kb.store.apply

    def slow_apply(batch: GraphBatch) -> None:  # widens the window between reading and writing
        time.sleep(0.3)
        apply(batch)

    monkeypatch.setattr(kb.store, "apply", slow_apply)
    files = {"a": _doc(tmp_path, V1, "a"), "b": _doc(tmp_path, V2, "b")}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(kb.service.import_documents, paths, enterprise_id="hw_race", actor=who)
            for who, paths in files.items()
        ]
        results = [f.result() for f in futures]
    assert sorted(r.version for r in results) == [1, 2]
    view = kb.service.view("hw_race")
    assert [(v.version, v.imported_by) for v in view.versions] == sorted(
        (r.version, who) for r, who in zip(results, files, strict=True)
    )
    assert view.version == 2


def test_corrections_are_stored_with_who_and_when_and_carry_over(kb: KbGraph, tmp_path: Path) -> None:
    service = kb.service
    service.import_documents(_doc(tmp_path, V1), enterprise_id="hw3")
    corrections = [
        MappingCorrection(process_id="hw3/激光打标", template_id="p_laser_cutting", name="激光打标切割"),
        MappingCorrection(process_id="hw3/下料", new=True),
    ]
    result = service.confirm("hw3", MappingConfirmation(corrections=corrections), actor="expert1")
    assert [m.name for m in result.before] == ["激光打标", "下料"]
    assert [(m.name, m.template_id, m.decided_by) for m in result.after] == [
        ("激光打标切割", "p_laser_cutting", "expert"),
        ("下料", None, "expert"),
    ]
    assert result.enterprise.pending == 1  # 焊接 is still unconfirmed
    laser = kb.store.neighbours(Label.ENTERPRISE_PROCESS, "hw3/激光打标", rels=[Rel.INSTANTIATES])
    assert [n.node["id"] for n in laser] == ["p_laser_cutting"]
    assert (laser[0].props["confirmed"], laser[0].props["confirmed_by"]) == (True, "expert1")
    assert laser[0].props["confirmed_at"].startswith("2026-11-05T")
    cut = next(m for m in result.enterprise.processes if m.name == "下料")
    assert cut.template_id is None and cut.confirmed_by == "expert1"
    assert kb.store.neighbours(Label.ENTERPRISE_PROCESS, "hw3/下料", rels=[Rel.INSTANTIATES]) == []
    assert [p.name for p in service.profile("hw3").processes] == ["下料", "焊接", "激光打标切割"]

    # the matcher handed to the gap and change steps follows the corrections
    matcher = service.matcher("hw3")
    assert [m.template_id for m in matcher.run("激光打标切割", "")] == ["p_laser_cutting"]
    assert matcher.run("下料", "剪板机下料") == []
    assert matcher.run("喷漆", "喷涂油漆")[0].template_id == "p_spray_painting"

    # accepting everything confirms 焊接 and leaves the corrected steps' first confirmation alone
    first = {m.id: m.confirmed_at for m in result.enterprise.processes if m.confirmed}
    accepted = service.confirm("hw3", MappingConfirmation(accept_all=True), actor="expert2")
    assert [m.name for m in accepted.after] == ["焊接"] and accepted.enterprise.pending == 0
    assert {m.id: m.confirmed_at for m in accepted.enterprise.processes if m.confirmed_by == "expert1"} == first

    # a new version: the decisions stay on the steps still there, the new step awaits review
    v2 = service.import_documents(_doc(tmp_path, V2, "v2"), enterprise_id="hw3")
    assert v2.version == 2 and v2.diff is not None and [p.name for p in v2.diff.added] == ["喷漆"]
    assert _steps(service, "hw3") == {
        "下料": ("new", None, True),
        "焊接": ("matched", "p_welding", True),
        "喷漆": ("matched", "p_spray_painting", False),
        "激光打标切割": ("matched", "p_laser_cutting", True),
    }
    assert [v.changes for v in service.view("hw3").versions] == [{}, {"added": 1, "new_materials": 1}]


def test_confirmation_refuses_unknown_steps_and_templates(kb: KbGraph, tmp_path: Path) -> None:
    kb.service.import_documents(_doc(tmp_path, V1), enterprise_id="hw4")
    with pytest.raises(NotFoundError, match="no process 'hw4/铸造'"):
        kb.service.confirm("hw4", MappingConfirmation(accept=["hw4/铸造"]), actor="e")
    bad = MappingCorrection(process_id="hw4/焊接", template_id="p_teleport")
    with pytest.raises(NotFoundError, match="p_teleport"):
        kb.service.confirm("hw4", MappingConfirmation(corrections=[bad]), actor="e")
    with pytest.raises(NotFoundError, match="no enterprise 'nobody'"):
        kb.service.confirm("nobody", MappingConfirmation(accept_all=True), actor="e")
    assert all(not confirmed for *_, confirmed in _steps(kb.service, "hw4").values())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "nothing to confirm"),
        ({"corrections": [{"process_id": "x"}]}, "sets template_id, new or name"),
        ({"corrections": [{"process_id": "x", "template_id": "p", "new": True}]}, "not both"),
    ],
)
def test_malformed_confirmations_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MappingConfirmation.model_validate(data)


def test_documents_yielding_nothing_store_nothing(kb: KbGraph, tmp_path: Path) -> None:
    before = kb.store.counts()
    with pytest.raises(UnsupportedDocumentError, match="nothing extracted"):
        kb.service.import_documents(_doc(tmp_path, "# 会议纪要\n讨论团建。\n"), enterprise_id="hw5")
    assert kb.store.counts() == before
    with pytest.raises(NotFoundError):
        kb.service.view("hw5")


def test_without_an_id_the_name_gives_one(kb: KbGraph, tmp_path: Path) -> None:
    result = kb.service.import_documents(_doc(tmp_path, V1), "另一家五金厂")
    assert result.enterprise_id == enterprise_id_for("另一家五金厂") and result.extraction.name == "另一家五金厂"
    with pytest.raises(ValidationFailedError, match="needs a name"):
        enterprise_id_for(" ")


def test_an_empty_graph_is_refused_before_reading(tmp_path: Path) -> None:
    store = LadybugGraphStore(tmp_path / "empty.lbug")
    store.ensure_schema()
    service = EnterpriseService(store, GraphCatalogLoader(store).run(), importer=enterprise_importer(2**20))
    with pytest.raises(GraphError, match="hsekg init"):
        service.import_documents(_doc(tmp_path, V1), enterprise_id="x")
    store.close()


def test_diff_needs_a_stored_version(kb: KbGraph, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        kb.service.diff("never-imported", _doc(tmp_path, V1))
    kb.service.import_documents(_doc(tmp_path, V1), enterprise_id="hw6")
    compared = kb.service.diff("hw6", _doc(tmp_path, V2, "v2"))
    assert compared.version == 1 and [s.change.type for s in compared.scenarios][:1] == ["add_process"]
    assert kb.service.view("hw6").version == 1  # comparing stores nothing


@pytest.mark.integration
def test_the_service_on_the_bolt_backend(bolt_endpoint: tuple[str, str, str, str | None], tmp_path: Path) -> None:
    uri, user, password, database = bolt_endpoint
    store = Neo4jGraphStore(uri, user=user, password=password, database=database)
    store.verify()
    store.ensure_schema()
    store.clear()
    try:
        KnowledgeBaseLoader(store, REPO / "regulations_corpus", None).run(strict=False)
        importer = enterprise_importer(2**20)
        service = EnterpriseService(store, GraphCatalogLoader(store).run(), importer=importer, clock=StepClock())
        service.import_documents(_doc(tmp_path, V1), enterprise_id="hw1")
        fix = MappingCorrection(process_id="hw1/激光打标", template_id="p_laser_cutting")
        service.confirm("hw1", MappingConfirmation(accept_all=True, corrections=[fix]), actor="expert1")
        assert service.import_documents(_doc(tmp_path, V2, "v2"), enterprise_id="hw1").version == 2
        assert _steps(service, "hw1") == {
            "下料": ("matched", "p_blanking", True),
            "焊接": ("matched", "p_welding", True),
            "喷漆": ("matched", "p_spray_painting", False),
            "激光打标": ("matched", "p_laser_cutting", True),
        }
        assert [p.name for p in service.profile("hw1").processes] == ["下料", "焊接", "喷漆", "激光打标"]
    finally:
        store.clear()
        store.close()
