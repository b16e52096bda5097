"""The demo enterprise the UI tests run against: the real knowledge graph (regulations_corpus and the
shared statute texts), a lexical retrieval index, the demo enterprise's organisation and records, and
one user per role. Scores and proposals are then made through the API, as an expert would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.container import Container, graph_store
from api.services.security import ROLES, PasswordHashing
from api.settings import REPO_ROOT, Settings
from ingestion.kb_loader import KnowledgeBaseLoader
from kg.corpus import load_knowledge_base
from retrieval.index import RetrievalIndex
from scoring.db import open_records_db
from scoring.demo_data import DemoSpec
from scoring.service import ScoringService

ENTERPRISE = "demo"
PASSWORD = "correct horse battery"
PERIODS = ("2026-08", "2026-09", "2026-10")
#: A change of the demo plant (汽车零部件) that leads to risks, duties and indicators in the real graph.
CHANGE: dict[str, Any] = {
    "id": "ui-change",
    "sector": "汽车零部件",
    "enterprise": "示例汽车零部件企业，员工约300人，冲压、焊接、机加工、装配",
    "processes_before": [
        {"stage": "生产加工", "name": "冲压", "description": "冲床冲压车身结构件"},
        {"stage": "生产加工", "name": "焊接", "description": "机器人点焊、CO2保护焊"},
    ],
    "change": {
        "type": "add_process",
        "description": "新增一条喷涂线，使用含二甲苯的溶剂型涂料，设喷漆房和烘干炉",
        "process": {"stage": "表面处理", "name": "喷涂", "description": "喷漆房内人工喷涂，烘干炉烘干，产生VOCs废气"},
    },
    "permit_class": "简化管理",
}


def username(role: str) -> str:
    """The demo user of a role."""
    return f"{ENTERPRISE}-{role}"


def demo_settings(data_dir: Path, regulations_dir: Path) -> Settings:
    """Settings of a data dir (SQLite records inside it)."""
    return Settings.model_validate(
        {
            "environment": "development",
            "data_dir": data_dir,
            "regulations_dir": regulations_dir,
            "corpus_dir": REPO_ROOT / "regulations_corpus",
            "records_url": f"sqlite:///{data_dir / 'records.db'}",
            "secret_key": "ui-test-secret-key-0123456789",
        }
    )


def build_demo_data(data_dir: Path, regulations_dir: Path) -> Settings:
    """Graph, lexical index, demo enterprise and users in ``data_dir``; the settings to serve it."""
    settings = demo_settings(data_dir, regulations_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with graph_store(settings) as store:
        KnowledgeBaseLoader(store, settings.corpus_dir, settings.regulations_dir).run()
        RetrievalIndex(settings.index_dir).build(store, None)
    kb = load_knowledge_base(settings.corpus_dir)
    engine = open_records_db(settings.records_url)
    ScoringService(engine, kb).generate_demo(DemoSpec(records=6000, enterprise_id=ENTERPRISE))
    services = Container(settings, engine=engine, kb=kb, hashing=cheap_hashing())
    for role in ROLES:
        services.users.create(
            username=username(role),
            password=PASSWORD,
            role=role,
            enterprise_id=ENTERPRISE,
            full_name=f"演示{role}",
            actor="test",
        )
    services.close()
    engine.dispose()
    return settings


def cheap_hashing() -> PasswordHashing:
    """argon2 parameters cheap enough for tests."""
    return PasswordHashing(time_cost=1, memory_cost=1024)


def token(api_url: str, role: str) -> str:
    """Log a demo user in through the API."""
    r = httpx.post(f"{api_url}/auth/token", data={"username": username(role), "password": PASSWORD}, timeout=30)
    r.raise_for_status()
    return str(r.json()["access_token"])


def seed_through_api(api_url: str) -> dict[str, Any]:
    """Score the demo periods (as manager) and run the demo change (as expert); the run's JSON."""
    manager = {"Authorization": f"Bearer {token(api_url, 'manager')}"}
    for period in PERIODS:
        httpx.post(f"{api_url}/scores/{period}/run", headers=manager, timeout=120).raise_for_status()
    expert = {"Authorization": f"Bearer {token(api_url, 'expert')}"}
    run = httpx.post(f"{api_url}/proposals/runs", json={"scenario": CHANGE}, headers=expert, timeout=300)
    run.raise_for_status()
    result: dict[str, Any] = run.json()
    return result
