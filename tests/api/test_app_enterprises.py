"""Enterprise process maps through the API: import (multipart, size limit), read, profile, an expert's
confirmation, comparison of new documents; enterprise scope and the audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.corpus import KnowledgeBase
from kg.ladybug_store import LadybugGraphStore
from kg.models import Label
from tests.api import test_app_support as support
from tests.api.test_app_support import Env, build_env

graph = support.graph
kb = support.kb

#: A process description over the sample graph's templates (焊接 → p_weld, 喷涂 → p_paint).
DOC = """# 工艺流程说明
企业名称：示例焊接涂装有限公司
在岗人数：80人。
## 一、生产工艺
工序1：气保焊，CO2气体保护焊焊接支架。
工序2：喷涂，喷漆房内喷涂油漆。
工序3：激光打标，打标机打标。
"""
DOC_V2 = DOC + "工序4：电焊返修，手工电弧焊补焊。\n"


def upload(text: str = DOC, name: str = "工艺流程说明.md", **form: str) -> dict[str, Any]:
    """Keyword arguments of the test client for a multipart upload of one document."""
    return {"files": [("files", (name, text.encode("utf-8"), "text/markdown"))], "data": form}


def seed_enterprises(env: Env) -> None:
    """Import the document for E1 and E2 (the authorisation tests need a stored map in each)."""
    path = env.tmp / "seed" / "工艺流程说明.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(DOC, encoding="utf-8")
    for ent in ("E1", "E2"):
        env.services.enterprises.import_documents([path], f"企业{ent}", enterprise_id=ent, actor="seed")


@pytest.fixture
def env(tmp_path: Path, kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Env:
    """A fresh graph with the sample knowledge per test: imports change it."""
    from tests.kg.sample import sample_batch

    store = LadybugGraphStore(tmp_path_factory.mktemp("graph") / "graph.lbug")
    store.ensure_schema()
    store.apply(sample_batch())
    return build_env(tmp_path, kb, store)


def _audit(env: Env, action: str) -> list[dict[str, Any]]:
    body = env.client().get("/audit", headers=env.auth("admin")).json()
    return [e for e in body["items"] if e["action"] == action]


def test_import_maps_stores_and_audits(env: Env) -> None:
    client = env.client()
    r = client.post("/enterprises/import", headers=env.auth("manager"), **upload(sector="机械加工"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["enterprise_id"], body["version"], body["profile"]["sector"]) == ("E1", 1, "机械加工")
    steps = {m["name"]: m for m in body["mappings"]}
    assert steps["气保焊"]["template_id"] == "p_weld" and steps["气保焊"]["score"] >= 2
    assert "气保焊" in steps["气保焊"]["evidence"] and steps["气保焊"]["source"]["file"] == "工艺流程说明.md"
    assert steps["激光打标"]["status"] == "new"
    assert body["extraction"]["documents"][0]["status"] == "extracted"
    assert env.services.graph.get(Label.ENTERPRISE, "E1") is not None
    entry = _audit(env, "enterprises.import")[0]
    assert entry["actor"] == "e1-manager" and entry["target"] == "enterprise:E1"


def test_the_map_and_profile_read_back_and_an_expert_confirms(env: Env) -> None:
    client = env.client()
    assert client.post("/enterprises/import", headers=env.auth("manager"), **upload()).status_code == 201
    view = client.get("/enterprises/E1", headers=env.auth("viewer")).json()
    assert (view["version"], view["pending"], view["headcount"]) == (1, 3, 80)
    assert [m["name"] for m in view["processes"]] == ["气保焊", "喷涂", "激光打标"]
    # each document's result and where each item was read, as the import returned them
    extraction = view["extraction"]
    assert [(d["file"], d["status"]) for d in extraction["documents"]] == [("工艺流程说明.md", "extracted")]
    assert all(p["source"]["file"] == "工艺流程说明.md" for p in extraction["processes"])
    profile = client.get("/enterprises/E1/profile", headers=env.auth("inspector")).json()
    assert [p["name"] for p in profile["processes"]] == ["气保焊", "喷涂", "激光打标"]
    assert "示例焊接涂装有限公司" in profile["enterprise"]

    body = {
        "accept_all": True,
        "corrections": [{"process_id": "E1/激光打标", "template_id": "p_weld", "name": "激光焊接"}],
    }
    r = client.post("/enterprises/E1/confirm", json=body, headers=env.auth("expert"))
    assert r.status_code == 200, r.text
    after = r.json()["enterprise"]
    assert after["pending"] == 0 and {m["confirmed_by"] for m in after["processes"]} == {"e1-expert"}
    fixed = next(m for m in after["processes"] if m["id"] == "E1/激光打标")
    assert (fixed["name"], fixed["template_id"], fixed["decided_by"]) == ("激光焊接", "p_weld", "expert")
    entry = _audit(env, "enterprises.confirm")[0]
    assert entry["actor"] == "e1-expert" and len(entry["after"]) == 3
    # nothing left to confirm: no write, no audit entry
    again = client.post("/enterprises/E1/confirm", json={"accept_all": True}, headers=env.auth("admin"))
    assert again.status_code == 200 and again.json()["after"] == [] and len(_audit(env, "enterprises.confirm")) == 1


def test_a_new_version_is_compared_then_stored(env: Env) -> None:
    client = env.client()
    client.post("/enterprises/import", headers=env.auth("manager"), **upload())
    diff = client.post("/enterprises/E1/diff", headers=env.auth("expert"), **upload(DOC_V2))
    assert diff.status_code == 200, diff.text
    data = diff.json()
    assert [p["name"] for p in data["diff"]["added"]] == ["电焊返修"]
    assert data["scenarios"][0]["change"]["type"] == "add_process"
    assert client.get("/enterprises/E1", headers=env.auth("viewer")).json()["version"] == 1
    stored = client.post("/enterprises/import", headers=env.auth("manager"), **upload(DOC_V2)).json()
    assert stored["version"] == 2 and [p["name"] for p in stored["diff"]["added"]] == ["电焊返修"]


@pytest.mark.parametrize(
    ("kwargs", "status", "detail"),
    [
        (upload("# 会议纪要\n讨论团建。\n"), 422, "nothing extracted"),
        (upload(name="../../x/工艺流程说明.md"), 201, '"file":"工艺流程说明.md"'),  # reduced to its last part
        (upload(name=".env"), 422, "unusable file name"),
        ({"data": {"name": "x"}}, 422, "files"),
    ],
)
def test_bad_uploads_are_refused_cleanly(env: Env, kwargs: dict[str, Any], status: int, detail: str) -> None:
    r = env.client().post("/enterprises/import", headers=env.auth("admin"), **kwargs)
    assert r.status_code == status, r.text
    assert detail in r.text


def test_a_body_over_the_size_limit_is_413(env: Env) -> None:
    big = DOC + "说明。" * 400_000  # over the 1 MiB limit of the test settings
    r = env.client().post("/enterprises/import", headers=env.auth("admin"), **upload(big))
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


def test_unknown_enterprise_step_and_template(env: Env) -> None:
    client = env.client()
    assert client.get("/enterprises/E1", headers=env.auth("viewer")).status_code == 404
    client.post("/enterprises/import", headers=env.auth("manager"), **upload())
    bad_step = {"accept": ["E1/铸造"]}
    assert client.post("/enterprises/E1/confirm", json=bad_step, headers=env.auth("expert")).status_code == 404
    bad_template = {"corrections": [{"process_id": "E1/喷涂", "template_id": "p_none"}]}
    assert client.post("/enterprises/E1/confirm", json=bad_template, headers=env.auth("expert")).status_code == 404
    both = {"corrections": [{"process_id": "E1/喷涂", "template_id": "p_weld", "new": True}]}
    r = client.post("/enterprises/E1/confirm", json=both, headers=env.auth("expert"))
    assert r.status_code == 422 and "not both" in r.text


@pytest.mark.parametrize("role", ["manager", "inspector", "viewer"])
def test_only_experts_and_admins_confirm(env: Env, role: str) -> None:
    r = env.client().post("/enterprises/E1/confirm", json={"accept_all": True}, headers=env.auth(role))
    assert r.status_code == 403


def test_another_enterprise_is_neither_read_nor_changed(env: Env) -> None:
    seed_enterprises(env)
    client = env.client()
    for method, path, kwargs in [
        ("GET", "/enterprises/E2", {}),
        ("GET", "/enterprises/E2/profile", {}),
        ("POST", "/enterprises/E2/confirm", {"json": {"accept_all": True}}),
        ("POST", "/enterprises/E2/diff", upload(DOC_V2)),
    ]:
        r = client.request(method, path, headers=env.auth("admin", "E1"), **kwargs)
        assert r.status_code == 403 and "enterprise 'E2'" in r.json()["detail"], path
    # importing always targets the caller's own enterprise
    client.post("/enterprises/import", headers=env.auth("admin", "E1"), **upload(DOC_V2))
    assert client.get("/enterprises/E2", headers=env.auth("viewer", "E2")).json()["version"] == 1
    assert client.get("/enterprises/E1", headers=env.auth("viewer", "E1")).json()["version"] == 2
