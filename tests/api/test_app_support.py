"""Shared fixtures of the API tests (imported by the ``test_app_*`` modules): a real embedded graph with
the sample knowledge, a migrated SQLite records database with two enterprises, users of every role,
and an app whose answerer is a fake."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.container import Container
from api.http.app import create_app
from api.services.security import ROLES, PasswordHashing, Principal, Role
from api.settings import REPO_ROOT, Settings
from kg.corpus import KnowledgeBase, load_knowledge_base
from kg.ladybug_store import LadybugGraphStore
from retrieval.answer import Answer, Citation
from scoring.db import CHINA_TZ, open_records_db
from scoring.service import AssignmentIn, DepartmentIn, OrganisationIn, PersonIn, PositionIn, ScoringService
from tests.kg.sample import sample_batch

FIRE = "ind_fire_facility_intact"
PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


class FakeAnswerer:
    """Answers every question with one citation; remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def ask(self, question: str, *, k: int = 10) -> Answer:
        self.asked.append((question, k))
        citation = Citation(law="安全生产法", article=28, title="中华人民共和国安全生产法", quote="教育和培训")
        return Answer(question=question, answer="依据安全生产法第二十八条……", abstained=False, citations=[citation])


@dataclass
class Env:
    """An app with its services, records engine, fake answerer and a token per (enterprise, role)."""

    app: FastAPI
    services: Container
    engine: Engine
    answerer: FakeAnswerer
    tokens: dict[tuple[str, str], str]
    tmp: Path

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False)

    def auth(self, role: str, enterprise: str = "E1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(enterprise, role)]}"}


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO_ROOT / "regulations_corpus")


@pytest.fixture(scope="session")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugGraphStore]:
    store = LadybugGraphStore(tmp_path_factory.mktemp("graph") / "graph.lbug")
    store.verify()
    store.ensure_schema()
    store.apply(sample_batch())
    yield store
    store.close()


def make_settings(tmp: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "environment": "development",
        "data_dir": tmp / "data",
        "secret_key": "unit-test-secret-key-0123456789",
        "records_url": f"sqlite:///{tmp / 'records.db'}",
        "max_upload_mb": 1,
    }
    values.update(changes)
    return Settings.model_validate(values)


def register_organisations(engine: Engine, kb: KnowledgeBase) -> None:
    svc = ScoringService(engine, kb)
    for ent, depts in {"E1": ["D1", "D2"], "E2": ["D3"]}.items():
        departments = [
            DepartmentIn(
                id=d,
                name=f"部门{d}",
                positions=[PositionIn(id=f"P{d[1:]}", name=f"岗位{d}", people=[PersonIn(id=f"u{d[1:]}", name="张三")])],
            )
            for d in depts
        ]
        svc.register_organisation(OrganisationIn(id=ent, name=f"企业{ent}", departments=departments))
        for d in depts:
            svc.assign(AssignmentIn(indicator_id=FIRE, level="岗位", unit_id=f"P{d[1:]}"))


def build_env(tmp: Path, kb: KnowledgeBase, graph: LadybugGraphStore, **settings_changes: object) -> Env:
    settings = make_settings(tmp, **settings_changes)
    engine = open_records_db(settings.records_url)
    register_organisations(engine, kb)
    answerer = FakeAnswerer()
    services = Container(
        settings,
        engine=engine,
        graph=graph,
        answerer=answerer,
        kb=kb,
        hashing=PasswordHashing(time_cost=1, memory_cost=1024),
    )
    tokens: dict[tuple[str, str], str] = {}
    for ent in ("E1", "E2"):
        for role in ROLES:
            services.users.create(
                username=f"{ent.lower()}-{role}",
                password=PASSWORD,
                role=role,
                enterprise_id=ent,
                full_name=f"{role}用户",
                phone="13800000000",
                actor="test",
            )
            principal = Principal(username=f"{ent.lower()}-{role}", role=role, enterprise_id=ent)
            tokens[(ent, role)] = services.tokens.issue(principal).access_token
    services.users.create(
        username="e1-inspector-d2",
        password=PASSWORD,
        role="inspector",
        enterprise_id="E1",
        department_id="D2",
        actor="test",
    )
    scoped = Principal(username="e1-inspector-d2", role="inspector", enterprise_id="E1", department_id="D2")
    tokens[("E1", "inspector-d2")] = services.tokens.issue(scoped).access_token
    app = create_app(settings, container=services)
    return Env(app=app, services=services, engine=engine, answerer=answerer, tokens=tokens, tmp=tmp)


@pytest.fixture
def env(tmp_path: Path, kb: KnowledgeBase, graph: LadybugGraphStore) -> Env:
    return build_env(tmp_path, kb, graph)


@pytest.fixture(scope="module")
def shared_env(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase, graph: LadybugGraphStore) -> Env:
    """One environment for a whole module (read-mostly tests)."""
    return build_env(tmp_path_factory.mktemp("api"), kb, graph)


def record(k: int, *, unit: str = "P1", **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "client_id": f"dev-{unit}-{k:05d}",
        "indicator_id": FIRE,
        "level": "岗位",
        "unit_id": unit,
        "observed_at": datetime(2026, 10, 1 + k % 28, 9, tzinfo=CHINA_TZ).isoformat(),
        "outcome": "fail" if k % 7 == 0 else "pass",
        "source": "offline_batch",
        "note": f"检查记录{k}：灭火器压力正常",
        "evidence": [f"photo:{k}.jpg"],
    }
    data.update(changes)
    return data


def batch(batch_id: str, records: list[dict[str, object]], device: str = "pad1") -> dict[str, object]:
    return {"batch_id": batch_id, "device_id": device, "sent_at": datetime.now(UTC).isoformat(), "records": records}


ALL_ROLES: tuple[Role, ...] = ROLES


def migrate_api_to(engine: Engine, revision: str) -> None:
    """Bring the API's tables to an older revision, as an older release left them."""
    from alembic import command

    import api.services.migrations as api_migrations
    from scoring.migrations import alembic_config

    config = alembic_config(engine.url.render_as_string(hide_password=False), Path(api_migrations.__file__).parent)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
