"""The demo enterprise behind the UI: a year of records and scores, users of every role, and a review
queue filled by two real changes and a gap run over its own 考核细则.

Everything goes through the same services the API uses (scoring, users, the change engine, the review
queue), so what the UI shows is what the product computes. Idempotent: a second run adds nothing;
passwords of the demo users are generated once and kept in ``<data_dir>/demo_users.txt`` (mode 600).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.container import Container
from api.services.security import ROLES, Principal
from api.services.storage import ProposalRow, UserRow
from kg.errors import HsekgError
from retrieval.change.inputs import ChangeRequest, ChangeScenario, ProcessInput
from scoring.db import Enterprise
from scoring.demo_data import DemoSpec

__all__ = ["DEMO_ENTERPRISE", "DemoSeedResult", "seed_demo"]

DEMO_ENTERPRISE = "demo"
#: Who the demo's review queue is filled by.
_EXPERT = Principal(username="demo-expert", role="expert", enterprise_id=DEMO_ENTERPRISE)
#: Periods scored for the dashboard: every month of the demo year (trend) and the year.
_PERIODS = [f"2026-{m:02d}" for m in range(1, 13)] + ["2026"]
_CHANGES = (
    ChangeRequest(
        type="add_process",
        description="新增一条溶剂型喷漆线，使用含二甲苯的油漆和稀释剂，配套烘干炉和活性炭吸附装置，新增挥发性有机物排放口",
        process=ProcessInput(stage="生产加工", name="喷漆", description="喷漆房内人工喷涂零件，烘干炉烘干"),
    ),
    ChangeRequest(
        type="new_equipment",
        description="装配车间新增两台10吨桥式起重机和三台叉车，用于大型工件吊装和转运",
    ),
)


@dataclass
class DemoSeedResult:
    """What the seeding did."""

    enterprise_id: str = DEMO_ENTERPRISE
    records_created: bool = False
    periods_scored: int = 0
    users_created: list[str] = field(default_factory=list)
    credentials: Path | None = None
    proposals_created: int = 0
    notes: list[str] = field(default_factory=list)


def seed_demo(services: Container, *, progress: Callable[[str], None] = lambda _: None) -> DemoSeedResult:
    """Create what is missing of the demo enterprise.

    Raises:
        HsekgError: a step failed (records database, graph).
    """
    result = DemoSeedResult()
    engine = services.engine
    with Session(engine) as session:
        exists = session.get(Enterprise, DEMO_ENTERPRISE) is not None
    if not exists:
        progress("生成示范企业的组织、指标和一年的检查记录")
        services.scoring.generate_demo(DemoSpec(enterprise_id=DEMO_ENTERPRISE))
        result.records_created = True
        progress("按月和全年评分")
        for period in _PERIODS:
            services.scores.run(period, enterprise_id=DEMO_ENTERPRISE, actor="demo")
            result.periods_scored += 1
    result.users_created, result.credentials = _users(services)
    result.proposals_created = _proposals(services, result, progress)
    return result


def _users(services: Container) -> tuple[list[str], Path]:
    path = services.settings.data_dir / "demo_users.txt"
    known = (
        dict(line.split(" ", 1) for line in path.read_text("utf-8").splitlines() if " " in line)
        if path.exists()
        else {}
    )
    created: list[str] = []
    with Session(services.engine) as session:
        existing = set(session.execute(select(UserRow.username)).scalars())
    for role in ROLES:
        username = f"demo-{role}"
        if username in existing:
            continue
        password = known.get(username) or secrets.token_urlsafe(12)
        services.users.create(
            username=username, password=password, role=role, enterprise_id=DEMO_ENTERPRISE, actor="demo"
        )
        known[username] = password
        created.append(username)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u} {p}\n" for u, p in sorted(known.items())), encoding="utf-8")
    path.chmod(0o600)
    return created, path


def _proposals(services: Container, result: DemoSeedResult, progress: Callable[[str], None]) -> int:
    with Session(services.engine) as session:
        stmt = select(func.count()).select_from(ProposalRow).where(ProposalRow.enterprise_id == DEMO_ENTERPRISE)
        if session.execute(stmt).scalar_one():
            return 0
    rules = services.proposals.stored_rules(DEMO_ENTERPRISE, user=_EXPERT)
    created = 0
    for request in _CHANGES:
        progress(f"变更提案：{request.description[:20]}…")
        scenario = ChangeScenario(
            id="demo",
            sector=rules.sector,
            enterprise=rules.enterprise,
            processes_before=rules.processes,
            change=request,
        )
        try:
            run = services.proposals.run_change(scenario, user=_EXPERT)
        except HsekgError as e:
            result.notes.append(f"change proposal failed: {e}")
            continue
        created += len(run.proposals)
    progress("规则缺口：示范企业现行考核细则")
    created += len(services.proposals.gaps(rules, send_to_review=True, user=_EXPERT).proposal_ids)
    return created
