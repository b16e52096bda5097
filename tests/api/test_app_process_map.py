"""GET /enterprises/{id}/flow and GET /processes/{id}/risk-map over the whole knowledge base in LadybugDB:
an enterprise's processes in flow order, and under each process only the indicators that measure one of its
risks, grouped by risk with those written for the risk first."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.container import Container
from api.contracts import process_map as wire
from api.http.app import create_app
from api.services import process_map as domain
from api.services.security import PasswordHashing, Principal
from kg.corpus import KnowledgeBase, load_knowledge_base
from kg.kb_graph import knowledge_base_batch
from kg.ladybug_store import LadybugGraphStore
from kg.models import Enterprise, EnterpriseProcess, Label, Rel
from kg.store import Edge, GraphBatch
from scoring.db import open_records_db
from scoring.service import OrganisationIn, ScoringService
from tests.api.test_app_support import REPO_ROOT, make_settings

SECTOR = "机械加工"
HASHING = PasswordHashing(time_cost=1, memory_cost=1024)


@dataclass
class Api:
    """The test client and a viewer's authorisation header per enterprise."""

    client: TestClient
    tokens: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO_ROOT / "regulations_corpus")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> Iterator[Api]:
    """The API over the knowledge base's graph; enterprise M1 (机械加工, no process map) and A1 (an imported
    map of three steps, one of them matching no template)."""
    tmp = tmp_path_factory.mktemp("process-map")
    store = LadybugGraphStore(tmp / "graph.lbug")
    store.verify()
    store.ensure_schema()
    store.apply(knowledge_base_batch(kb))
    batch = GraphBatch()
    batch.add_nodes([Enterprise(id="A1", name="冲焊件厂", sector="汽车零部件", version=1)])
    steps = [("A1/weld", "车身焊接", 2, "p_welding"), ("A1/press", "冲压", 1, "p_stamping"), ("A1/x", "打标", 3, None)]
    batch.add_nodes(EnterpriseProcess(id=i, enterprise="A1", name=n, step=s, stage="生产加工") for i, n, s, _ in steps)
    batch.add_edges(Rel.HAS_PROCESS, Label.ENTERPRISE, Label.ENTERPRISE_PROCESS, [Edge("A1", i) for i, *_ in steps])
    batch.add_edges(Rel.INSTANTIATES, Label.ENTERPRISE_PROCESS, Label.PROCESS, [Edge(i, t) for i, *_, t in steps if t])
    store.apply(batch)
    settings = make_settings(tmp)
    engine = open_records_db(settings.records_url)
    for ent, sector in (("M1", SECTOR), ("A1", "汽车零部件")):
        ScoringService(engine, kb).register_organisation(OrganisationIn(id=ent, name=f"企业{ent}", sector=sector))
    services = Container(settings, engine=engine, graph=store, kb=kb, hashing=HASHING)
    tokens = {}
    for ent in ("M1", "A1"):
        services.users.create(username=f"{ent}-viewer", password="x" * 12, role="viewer", enterprise_id=ent, actor="t")
        principal = Principal(username=f"{ent}-viewer", role="viewer", enterprise_id=ent)
        tokens[ent] = {"Authorization": f"Bearer {services.tokens.issue(principal).access_token}"}
    with TestClient(create_app(settings, container=services)) as client:
        yield Api(client, tokens)
    services.close()
    store.close()


def _get(api: Api, path: str, enterprise: str = "M1") -> Any:
    response = api.client.get(path, headers=api.tokens[enterprise])
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("name", ["ProcessFlow", "ProcessRiskMap"])
def test_wire_models_have_the_service_models_schema(name: str) -> None:
    assert getattr(wire, name).model_json_schema() == getattr(domain, name).model_json_schema()


def test_without_a_process_map_the_flow_is_the_sectors_templates_in_stage_order(api: Api, kb: KnowledgeBase) -> None:
    flow = _get(api, "/enterprises/M1/flow")
    sector = next(s for s in kb.sectors if s.name == SECTOR)
    expected = [(stage, pid) for stage, ids in sector.stages.items() for pid in ids]
    assert flow["source"] == "sector" and flow["sector"] == SECTOR
    steps = flow["steps"]
    assert isinstance(steps, list)
    assert [(s["stage"], s["process_id"]) for s in steps] == expected
    assert [s["step"] for s in steps] == list(range(1, len(expected) + 1))


def test_an_imported_map_gives_the_enterprises_own_steps_in_its_order(api: Api) -> None:
    flow = _get(api, "/enterprises/A1/flow", "A1")
    assert flow["source"] == "imported"
    steps = flow["steps"]
    assert isinstance(steps, list)
    assert [(s["step"], s["name"], s["process_id"]) for s in steps] == [
        (1, "冲压", "p_stamping"),
        (2, "车身焊接", "p_welding"),
        (3, "打标", None),
    ]
    assert steps[1]["template_name"] == "焊接"


def test_another_enterprises_flow_is_refused(api: Api) -> None:
    response = api.client.get("/enterprises/A1/flow", headers=api.tokens["M1"])
    assert response.status_code == 403


def _sector_processes(kb: KnowledgeBase) -> list[str]:
    sector = next(s for s in kb.sectors if s.name == SECTOR)
    return [pid for ids in sector.stages.values() for pid in ids]


def test_every_process_shows_only_and_all_the_indicators_measuring_its_risks(api: Api, kb: KnowledgeBase) -> None:
    templates = {p.id: p for p in kb.processes}
    for pid in _sector_processes(kb):
        own = templates[pid].risks
        body = _get(api, f"/processes/{pid}/risk-map")
        risk_map = wire.ProcessRiskMap.model_validate(body)
        assert [r.id for r in risk_map.risks] == own, pid  # in the order the template lists them
        expected = {i.id: [r for r in own if r in i.measures_risks] for i in kb.indicators}
        expected = {k: v for k, v in expected.items() if v}
        assert {i.id: i.risks for i in risk_map.indicators} == expected, pid
        for risk in risk_map.risks:
            measuring = sorted(k for k, v in expected.items() if risk.id in v)
            assert sorted(risk.indicators) == measuring, (pid, risk.id)


def test_an_indicator_citing_only_a_shared_duty_is_not_under_the_process(api: Api, kb: KnowledgeBase) -> None:
    welding = next(p for p in kb.processes if p.id == "p_welding")
    duties = {o for r in kb.risks if r.id in welding.risks for o in r.obligations}
    own = set(welding.risks)
    duty_only = [
        i.id for i in kb.indicators if set(i.measures_obligations) & duties and not own & set(i.measures_risks)
    ]
    assert duty_only, "the knowledge base is meant to hold indicators reaching welding only through a duty"
    shown = {i["id"] for i in _get(api, "/processes/p_welding/risk-map")["indicators"]}
    assert shown and not shown & set(duty_only)


def test_under_a_risk_the_indicators_written_for_it_come_first(api: Api, kb: KnowledgeBase) -> None:
    risk_map = wire.ProcessRiskMap.model_validate(_get(api, "/processes/p_welding/risk-map"))
    written = {i.id: i.written_for for i in risk_map.indicators}
    library = {i.id: i for i in kb.indicators}
    assert all(written[k] == library[k].measures_risks[0] for k in written)
    for risk in risk_map.risks:
        flags = [written[i] == risk.id for i in risk.indicators]
        assert flags == sorted(flags, reverse=True), risk.id
    fume = next(r for r in risk_map.risks if r.id == "r_welding_fume_occupational")
    # each duty with the clauses behind it (their texts come from the statutes, not loaded here)
    assert fume.duties and all(c.article > 0 and c.current for d in fume.duties for c in d.clauses)
    assert any(d.clauses for d in fume.duties)


def test_an_unknown_process_is_404(api: Api) -> None:
    response = api.client.get("/processes/p_nowhere/risk-map", headers=api.tokens["M1"])
    assert response.status_code == 404
