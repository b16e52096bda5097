"""The review queue, gaps, impact and process-graph routes on the small ingested graph of the change tests:
proposals stored with their chain and verdicts, decisions with the state rules, bulk decisions, gap
suggestions sent to review, a 考核细则 uploaded as Excel, the law-change impact, the process graph."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from api.services.review.proposals import RunInput
from kg.corpus import KnowledgeBase
from kg.ladybug_store import LadybugGraphStore
from retrieval.change.inputs import LawArticle
from retrieval.change.models import IndicatorProposal, Verdict
from retrieval.change.rules_sheet import RulesSheetReader, parse_citations
from tests.api import test_app_support as support
from tests.api.test_app_support import Env, build_env, migrate_api_to
from tests.retrieval.graphs import build_small_graph
from tests.retrieval.test_proposals import KB, SCENARIO

kb = support.kb

GAP_SCENARIO = {
    "id": "g1",
    "sector": "机械加工",
    "enterprise": "某厂，有喷漆线",
    "processes": [{"stage": "生产加工", "name": "喷漆", "description": "喷枪喷涂油漆，排放废气"}],
    "indicators": [
        {
            "name": "环境管理台账完整率",
            "level": "部门",
            "target": "≥100%",
            "method": "月度考核",
            "data_source": "台账",
            "owner": "环保部",
            "cites": [{"law": "示例污染防治法", "article": 2}],
        }
    ],
}


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugGraphStore]:
    store = build_small_graph(tmp_path_factory.mktemp("small"), KB)
    yield store
    store.close()


@pytest.fixture
def env(tmp_path: Path, kb: KnowledgeBase, small_graph: LadybugGraphStore) -> Env:
    return build_env(tmp_path, kb, small_graph)


def _run(env: Env, role: str = "expert", enterprise: str = "E1") -> dict[str, object]:
    r = env.client().post("/proposals/runs", json={"scenario": SCENARIO}, headers=env.auth(role, enterprise))
    assert r.status_code == 201, r.text
    out: dict[str, object] = r.json()
    return out


def _invalid(env: Env) -> str:
    """A stored proposal whose validation failed."""
    bad = IndicatorProposal(
        name="喷漆废气达标率",
        level="部门",
        cites=[LawArticle(law="示例法典", article=2)],
        verdicts=[Verdict(rule="quantified", ok=False, reason="no number, comparator or unit")],
    )
    _, views = env.services.review_queue.add_run(RunInput(source="change", enterprise_id="E1"), [bad], actor="t")
    return views[0].id


def test_a_change_run_stores_proposals_with_their_chain_and_verdicts(env: Env) -> None:
    run = _run(env)
    proposals = run["proposals"]
    assert isinstance(proposals, list) and proposals
    ledger = next(p for p in proposals if p["indicator"]["library_id"] == "ind_ledger")
    assert ledger["status"] == "validated" and ledger["valid"] and ledger["source"] == "change"
    assert ledger["change"].startswith("新建喷漆线") and ledger["process"] == "喷漆"
    assert [o["law"] for o in ledger["obligations"]] == ["示例法典"]
    assert "管理台账" in ledger["obligations"][0]["quote"]
    assert "环境管理台账缺失" in [r["name"] for r in ledger["risks"]]
    assert ledger["indicator"]["chain"][-1] == "指标：环境管理台账完整率"
    assert all(v["reason"] for v in ledger["indicator"]["verdicts"])
    assert ledger["created_by"] == "e1-expert"
    audit = env.client().get("/audit", headers=env.auth("admin")).json()["items"]
    assert "proposals.run" in [e["action"] for e in audit]


@pytest.mark.parametrize("name", ["新增工序", "新增工艺", " add_process "])
def test_a_change_type_is_accepted_under_its_chinese_names(env: Env, name: str) -> None:
    scenario = {**SCENARIO, "change": {**SCENARIO["change"], "type": name}}  # type: ignore[dict-item]
    r = env.client().post("/proposals/runs", json={"scenario": scenario}, headers=env.auth("expert"))
    assert r.status_code == 201, r.text
    assert r.json()["proposals"]


def test_an_unknown_change_type_is_refused_with_both_spellings_of_every_type(env: Env) -> None:
    scenario = {**SCENARIO, "change": {**SCENARIO["change"], "type": "新东西"}}  # type: ignore[dict-item]
    r = env.client().post("/proposals/runs", json={"scenario": scenario}, headers=env.auth("expert"))
    assert r.status_code == 422
    text = r.text
    assert "新东西" in text
    assert all(s in text for s in ("add_process", "新增工序", "expand", "扩产", "regulation_change", "法规变更"))


def test_lists_filter_and_stay_inside_the_enterprise(env: Env) -> None:
    run = _run(env)
    _run(env, enterprise="E2")
    client = env.client()
    page = client.get("/proposals", params={"run_id": run["run_id"]}, headers=env.auth("viewer")).json()
    assert page["total"] == len(run["proposals"])  # type: ignore[arg-type]
    assert (
        client.get("/proposals", params={"process": "喷漆"}, headers=env.auth("viewer")).json()["total"]
        == (page["total"])
    )
    assert client.get("/proposals", params={"sector": "电子制造"}, headers=env.auth("viewer")).json()["total"] == 0
    assert client.get("/proposals", params={"status": "approved"}, headers=env.auth("viewer")).json()["total"] == 0
    facets = client.get("/proposals/facets", headers=env.auth("viewer")).json()
    assert facets["sector"] == ["机械加工"] and "validated" in facets["status"]
    first = page["items"][0]["id"]
    other = client.get(f"/proposals/{first}", headers=env.auth("expert", "E2"))
    assert other.status_code == 403 and "enterprise 'E1'" in other.json()["detail"]
    decided = client.post(
        f"/proposals/{first}/decision", json={"decision": "approve"}, headers=env.auth("expert", "E2")
    )
    assert decided.status_code == 403


def test_approve_reject_and_their_history(env: Env) -> None:
    proposals = _run(env)["proposals"]
    assert isinstance(proposals, list)
    valid = [p["id"] for p in proposals if p["valid"]]
    client = env.client()
    ok = client.post(
        f"/proposals/{valid[0]}/decision",
        json={"decision": "approve", "comment": "依据充分"},
        headers=env.auth("expert"),
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved" and ok.json()["decided_by"] == "e1-expert"
    assert client.get(f"/proposals/{valid[0]}", headers=env.auth("viewer")).json()["status"] == "approved"
    no_reason = client.post(f"/proposals/{valid[1]}/decision", json={"decision": "reject"}, headers=env.auth("expert"))
    assert no_reason.status_code == 422 and "comment" in no_reason.json()["detail"]
    rejected = client.post(
        f"/proposals/{valid[1]}/decision", json={"decision": "reject", "comment": "重复"}, headers=env.auth("admin")
    )
    assert rejected.json()["status"] == "rejected"
    history = client.get(f"/proposals/{valid[0]}/decisions", headers=env.auth("viewer")).json()
    assert [(h["decision"], h["status"], h["actor"]) for h in history] == [("approve", "approved", "e1-expert")]
    assert client.post("/audit/verify", headers=env.auth("admin")).json()["ok"]


def test_a_decision_is_final_until_the_proposal_is_reopened_with_a_reason(env: Env) -> None:
    proposals = _run(env)["proposals"]
    assert isinstance(proposals, list)
    pid, other = [p["id"] for p in proposals if p["valid"]][:2]
    client = env.client()

    def decide(body: dict[str, object], role: str = "expert") -> Any:
        return client.post(f"/proposals/{pid}/decision", json=body, headers=env.auth(role))

    not_decided = decide({"decision": "reopen", "comment": "重新审核"})
    assert not_decided.status_code == 409 and "not decided" in not_decided.json()["detail"]
    assert decide({"decision": "approve", "comment": "依据充分"}).json()["status"] == "approved"
    # a later reject cannot silently revoke the approval, nor a second edit or approval
    for body in ({"decision": "reject", "comment": "改变主意"}, {"decision": "approve"}):
        again = decide(body, role="admin")
        assert again.status_code == 409 and "already approved (by e1-expert" in again.json()["detail"]
    bulk = client.post(
        "/proposals/decisions", json={"ids": [pid, other], "decision": "reject", "comment": "批量驳回"},
        headers=env.auth("expert"),
    ).json()["results"]  # fmt: skip
    assert [(r["id"], r["ok"]) for r in bulk] == [(pid, False), (other, True)] and "already" in bulk[0]["detail"]
    assert decide({"decision": "reopen"}).status_code == 422  # a reason is required
    assert decide({"decision": "reopen", "comment": "x", "changes": {"unit": "%"}}).status_code == 422
    reopened = decide({"decision": "reopen", "comment": "工艺参数已更新，需重新审核"}, role="admin")
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["status"], body["decided_by"], body["comment"]) == ("validated", None, "")
    assert decide({"decision": "reject", "comment": "新参数下不适用"}).json()["status"] == "rejected"
    history = client.get(f"/proposals/{pid}/decisions", headers=env.auth("viewer")).json()
    assert [(h["decision"], h["status"], h["actor"]) for h in history] == [
        ("approve", "approved", "e1-expert"),
        ("reopen", "validated", "e1-admin"),
        ("reject", "rejected", "e1-expert"),
    ]
    assert client.post("/audit/verify", headers=env.auth("admin")).json()["ok"]


def test_an_invalid_proposal_cannot_be_approved_until_an_edit_makes_it_pass(env: Env) -> None:
    bad = _invalid(env)
    client = env.client()
    refused = client.post(f"/proposals/{bad}/decision", json={"decision": "approve"}, headers=env.auth("expert"))
    assert refused.status_code == 409 and "quantified" in refused.json()["detail"]
    still_bad = client.post(
        f"/proposals/{bad}/decision",
        json={"decision": "edit", "comment": "补目标", "changes": {"unit": "%"}},
        headers=env.auth("expert"),
    )
    assert still_bad.status_code == 422 and "still fails" in still_bad.json()["detail"]
    fixed = client.post(
        f"/proposals/{bad}/decision",
        json={
            "decision": "edit",
            "comment": "补全目标、方法与责任人",
            "changes": {
                "target": 100,
                "comparator": ">=",
                "unit": "%",
                "bands": {"excellent": 100, "qualified": 100},
                "method": "月度考核",
                "data_source": "在线监测",
                "owner": "环保部经理",
            },
        },
        headers=env.auth("expert"),
    )
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert body["status"] == "edited" and body["valid"] and body["indicator"]["target"] == 100
    assert body["original"]["target"] is None
    unknown = client.post(
        f"/proposals/{bad}/decision",
        json={"decision": "edit", "changes": {"verdicts": []}},
        headers=env.auth("expert"),
    )
    assert unknown.status_code == 422


def test_bulk_decisions_succeed_or_fail_one_by_one(env: Env) -> None:
    proposals = _run(env)["proposals"]
    assert isinstance(proposals, list)
    valid = [p["id"] for p in proposals if p["valid"]][:2]
    bad = _invalid(env)
    r = env.client().post(
        "/proposals/decisions",
        json={"ids": [*valid, bad, "nope"], "decision": "approve", "comment": "批量通过"},
        headers=env.auth("expert"),
    )
    results = {x["id"]: x for x in r.json()["results"]}
    assert all(results[i]["ok"] and results[i]["status"] == "approved" for i in valid)
    assert not results[bad]["ok"] and "cannot be approved" in results[bad]["detail"]
    assert not results["nope"]["ok"]


def test_gap_suggestions_are_validated_and_sent_to_review(env: Env) -> None:
    client = env.client()
    r = client.post("/gaps", json={"scenario": GAP_SCENARIO, "send_to_review": True}, headers=env.auth("expert"))
    assert r.status_code == 200, r.text
    out = r.json()
    report = out["report"]
    assert any(c["duty_id"] == "ob_ledger" for c in report["covered"])  # the repealed citation still covers it
    assert "ob_ledger" not in [g["duty_id"] for g in report["gaps"]]
    assert [s["law"] for s in report["stale_citations"]] == ["示例污染防治法"]
    assert out["proposal_ids"] and out["run_id"]
    stored = client.get(f"/proposals/{out['proposal_ids'][0]}", headers=env.auth("viewer")).json()
    assert stored["source"] == "gap" and stored["indicator"]["verdicts"] and stored["obligations"]


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_an_uploaded_excel_rules_sheet_is_read_with_its_citations(env: Env) -> None:
    data = _workbook(
        [
            ["某厂安全环保考核细则"],
            ["环节", "指标", "层级", "目标值", "方法", "数据来源", "责任人", "法规依据"],
            ["生产加工", "环境管理台账完整率", "部门", "≥100%", "月度考核", "台账", "环保部", "《示例法典》第二条"],
            ["生产加工", "消防演练次数", "企业", "≥2次", "年度复盘", "记录", "安全部", "《不存在的法》第3条"],
            ["", "", "", "", "", "", "", ""],
        ]
    )
    r = env.client().post(
        "/gaps/upload",
        files={"file": ("细则.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        data={"sector": "机械加工", "processes": "喷漆、机加工", "enterprise": "某厂"},
        headers=env.auth("manager"),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["unresolved"] == ["row 4: 《不存在的法》第3条"]
    assert any(c["duty_id"] == "ob_ledger" and c["covered_by"] for c in out["report"]["covered"])
    bad = env.client().post(
        "/gaps/upload",
        files={"file": ("x.xlsx", b"not a workbook", "application/octet-stream")},
        headers=env.auth("manager"),
    )
    assert bad.status_code == 422 and "not a readable Excel workbook" in bad.json()["detail"]


def test_parse_citations_resolves_titles_and_chinese_numerals() -> None:
    laws = {"安全生产法": "安全生产法", "中华人民共和国安全生产法": "安全生产法"}
    found, unresolved = parse_citations(
        "依据《中华人民共和国安全生产法》第四十一条、《安全生产法》第28条和《某法》第一条", laws
    )
    assert [(a.law, a.article) for a in found] == [("安全生产法", 41), ("安全生产法", 28)]
    assert unresolved == ["《某法》第一条"]
    sheet = RulesSheetReader(laws).run(
        b'{"indicators": [{"name": "a", "cites": [{"law": "x", "article": 1}]}, {"level": "b"}]}', "r.json"
    )
    assert [i.name for i in sheet.indicators] == ["a"] and len(sheet.skipped) == 1


def test_the_stored_rules_of_an_enterprise(env: Env) -> None:
    r = env.client().get("/enterprises/E1/rules", headers=env.auth("expert"))
    assert r.status_code == 200, r.text
    rules = r.json()
    assert rules["enterprise"] == "企业E1" and [i["name"] for i in rules["indicators"]] == ["消防设施完好率"]
    assert rules["indicators"][0]["cites"]
    assert env.client().get("/enterprises/E2/rules", headers=env.auth("expert")).status_code == 403


def test_impact_and_process_graph(env: Env) -> None:
    client = env.client()
    impact = client.get("/impact/示例污染防治法", headers=env.auth("viewer")).json()
    assert impact["status"] == "已废止" and impact["replaced_by"] == "示例法典"
    assert client.get("/impact/nope", headers=env.auth("viewer")).status_code == 404
    g = client.get("/processes/p_paint/graph", headers=env.auth("viewer")).json()
    labels = {n["label"] for n in g["nodes"]}
    assert {"Process", "Risk", "Obligation", "Indicator", "Clause"} <= labels
    names = {n["name"] for n in g["nodes"]}
    assert "《示例法典》第2条" in names and "环境管理台账完整率" in names
    assert {"HAS_RISK", "GOVERNED_BY", "MEASURES", "DERIVED_FROM"} <= {e["type"] for e in g["edges"]}


def test_api_migrations_create_exactly_the_declared_tables_and_adopt_older_databases(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect, text

    from api.services.migrations import VERSION_TABLE, api_metadata
    from api.services.storage import UserRow, ensure_api_schema
    from scoring.db import open_records_db

    fresh = open_records_db(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_api_schema(fresh)
    ensure_api_schema(fresh)  # idempotent
    with fresh.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diff = compare_metadata(ctx, api_metadata())
        assert [d for d in diff if d[0] not in ("remove_table", "remove_index")] == []  # those are scoring's
        assert all(not d[1].name.startswith("api_") for d in diff)
    older = open_records_db(f"sqlite:///{tmp_path / 'older.db'}")
    migrate_api_to(older, "api_0001_initial")  # the first release's tables, created without a version table
    with older.begin() as conn:
        conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    with older.begin() as conn:
        conn.execute(
            UserRow.__table__.insert().values(
                username="u",
                password_hash="h",
                role="viewer",
                enterprise_id="E1",
                full_name="",
                phone="",
                email="",
                active=True,
                created_at=datetime.now(UTC),
            )
        )
    ensure_api_schema(older)
    with older.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert {"api_proposals", VERSION_TABLE} <= tables
        assert conn.execute(UserRow.__table__.select()).first() is not None  # nothing lost


def test_the_demo_seed_fills_records_users_and_the_queue_once(env: Env) -> None:
    from api.cli.demo_seed import seed_demo

    first = seed_demo(env.services)
    assert first.records_created and first.periods_scored == 13
    assert first.users_created == [f"demo-{r}" for r in ("admin", "expert", "manager", "inspector", "viewer")]
    assert first.proposals_created > 0 and first.credentials is not None
    assert oct(first.credentials.stat().st_mode & 0o777) == "0o600"
    username, password = first.credentials.read_text("utf-8").splitlines()[1].split(" ")
    client = env.client()
    token = client.post("/auth/token", data={"username": username, "password": password}).json()["access_token"]
    page = client.get("/proposals", headers={"Authorization": f"Bearer {token}"}).json()
    assert page["total"] == first.proposals_created
    assert {p["enterprise"] for p in page["items"]} == {"demo"}
    again = seed_demo(env.services)
    assert (again.records_created, again.users_created, again.proposals_created) == (False, [], 0)


def test_ids_with_a_slash_and_the_status_filter(env: Env, small_graph: LadybugGraphStore) -> None:
    from kg.models import Clause, Label, Regulation, Rel
    from kg.store import Edge

    reg = Regulation(id="GB/T 99999-2026", title="示例标准", kind="国家标准", status="现行")
    clause = Clause(id="GB/T 99999-2026#5", regulation="GB/T 99999-2026", article=5, text="安全生产标准化")
    small_graph.upsert_nodes([reg, clause])
    small_graph.upsert_edges(Rel.PART_OF, Label.CLAUSE, Label.REGULATION, [Edge(clause.id, reg.id)])
    client, auth = env.client(), env.auth("viewer")
    assert client.get("/regulations/GB/T 99999-2026", headers=auth).json()["properties"]["title"] == "示例标准"
    clauses = client.get("/regulations/GB/T 99999-2026/clauses", headers=auth).json()
    assert [c["node"]["id"] for c in clauses] == ["GB/T 99999-2026#5"]
    assert client.get("/clauses/GB/T 99999-2026%235/text", headers=auth).json()["text"] == "安全生产标准化"
    assert client.get("/impact/GB/T 99999-2026", headers=auth).json()["status"] == "现行"
    repealed = client.get("/regulations", params={"status": "已废止"}, headers=auth).json()
    assert [r["id"] for r in repealed["items"]] == ["示例污染防治法"] and repealed["total"] == 1
    assert client.get("/regulations", params={"status": "x"}, headers=auth).status_code == 422


def test_token_lifetime_comes_from_settings(tmp_path: Path, kb: KnowledgeBase, small_graph: LadybugGraphStore) -> None:
    env = build_env(tmp_path, kb, small_graph, token_minutes=480)
    r = env.client().post("/auth/token", data={"username": "e1-viewer", "password": support.PASSWORD})
    assert r.json()["expires_in"] == 480 * 60


def test_a_change_run_checks_duplicates_against_the_enterprise_s_own_rules(env: Env) -> None:
    from sqlalchemy.orm import Session

    from scoring.db import IndicatorAssignment, IndicatorSnapshot

    with Session(env.engine) as session, session.begin():  # E1's own 考核细则 already has this indicator
        session.add(
            IndicatorSnapshot(
                id="own_ledger", name="环境管理台账完整率", level="部门", kind="rate", target=100.0,
                comparator=">=", unit="%", excellent=100.0, qualified=100.0,
            )
        )  # fmt: skip
        session.flush()
        session.add(IndicatorAssignment(enterprise_id="E1", indicator_id="own_ledger", level="部门", unit_id="D1"))
    proposals = _run(env)["proposals"]
    assert isinstance(proposals, list)
    ledger = next(p for p in proposals if p["indicator"]["library_id"] == "ind_ledger")
    duplicate = next(v for v in ledger["indicator"]["verdicts"] if v["rule"] == "not_duplicate")
    assert not duplicate["ok"] and "环境管理台账" in duplicate["reason"]
    assert ledger["status"] == "proposed" and not ledger["valid"]
    other = _run(env, enterprise="E2")["proposals"]  # E2 has no such indicator
    assert isinstance(other, list)
    assert next(p for p in other if p["indicator"]["library_id"] == "ind_ledger")["valid"]


def test_the_edit_schema_and_the_queue_agree_on_the_editable_fields() -> None:
    from api.contracts.review import ProposalEdit
    from api.services.review.proposals import EDITABLE_FIELDS

    assert set(ProposalEdit.model_fields) == set(EDITABLE_FIELDS)
