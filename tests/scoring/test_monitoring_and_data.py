"""Monitoring import (row errors, all or nothing), the schema by migration, SQL vs pandas, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import typer
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from typer.testing import CliRunner

from api.cli.scoring import scoring_app
from api.settings import Settings
from evals.bench.scoring import compare, load_tables
from kg.corpus import KnowledgeBase, load_knowledge_base
from scoring.compute import PeriodScorer
from scoring.db import Base, MonitoringValue, UnitScore, open_records_db
from scoring.demo_data import DemoSpec, generate_demo
from scoring.monitoring_import import MonitoringImporter
from scoring.periods import Period
from scoring.service import (
    AssignmentIn,
    DepartmentIn,
    MonitoringPointIn,
    OrganisationIn,
    PositionIn,
    ScoringService,
)

REPO = Path(__file__).resolve().parents[2]
WASTEWATER = "ind_wastewater_discharge_compliance"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO / "regulations_corpus")


@pytest.fixture
def service(tmp_path: Path, kb: KnowledgeBase) -> ScoringService:
    svc = ScoringService(open_records_db(f"sqlite:///{tmp_path / 'records.db'}"), kb)
    dept = DepartmentIn(id="ENV", name="环保部", positions=[PositionIn(id="WW", name="污水处理操作工")])
    svc.register_organisation(OrganisationIn(id="E", name="厂", departments=[dept]))
    svc.assign(AssignmentIn(indicator_id=WASTEWATER, level="岗位", unit_id="WW"))
    svc.register_monitoring_point(MonitoringPointIn(id="COD-1", name="总排口COD", indicator_id=WASTEWATER,
                                                    level="岗位", unit_id="WW", pollutant="COD", limit_value=50,
                                                    unit="mg/L"))  # fmt: skip
    return svc


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(MonitoringValue)).scalar_one())


def test_csv_import_scores_compliance_against_limits(service: ScoringService, tmp_path: Path) -> None:
    lines = ["监测点,监测时间,监测值,限值,备注"] + [
        f"COD-1,2026-10-01 {h:02d}:00,{30 + h},,小时均值" for h in range(24)
    ]
    lines.append("COD-1,2026-10-02 00:00,45,40,临时加严")  # above the row's own limit
    path = tmp_path / "cod.csv"
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    result = service.import_monitoring(path)
    assert result.ok and (result.rows, result.imported) == (25, 25)
    again = service.import_monitoring(path)
    assert (again.imported, again.unchanged) == (0, 25)
    service.score("2026-10")
    [ind] = service.report("2026-10", unit_id="WW").units[0].indicators
    # 30..53 mg/L against 50: 21 of 24 within, plus the 45 > 40 row fails → 21/25
    assert ind.value == pytest.approx(100 * 21 / 25) and ind.grade == "待改进" and ind.n_records == 25
    failing = service.report("2026-10", unit_id="WW").units[0].failing[0]
    assert failing.failing_records == 4 and failing.records[0].kind == "monitoring"


def test_a_file_with_bad_rows_imports_nothing_and_names_every_row(service: ScoringService, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["point_id", "measured_at", "value", "limit"])
    sheet.append(["COD-1", "2026-10-01T01:00:00+08:00", 12.5, None])
    sheet.append(["NOPE", "2026-10-01T02:00:00", 10, None])
    sheet.append(["COD-1", "yesterday", 10, None])
    sheet.append(["COD-1", "2026-10-01T03:00:00", -1, None])
    sheet.append(["COD-1", "2026-10-01T01:00:00+08:00", 12.5, None])
    sheet.append(["COD-1", "2026-10-01T04:00:00", 9, 0])
    path = tmp_path / "cod.xlsx"
    book.save(path)
    result = MonitoringImporter(service._engine).run(path)
    assert not result.ok and result.imported == 0
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "point_id"), (4, "measured_at"), (5, "value"), (6, "measured_at"), (7, "limit"),
    ]  # fmt: skip
    assert "duplicate of row 2" in result.errors[3].message
    assert _count(service._engine) == 0


def test_a_conflicting_reimport_is_an_error_and_missing_columns_are_reported(
    service: ScoringService, tmp_path: Path
) -> None:
    first = tmp_path / "a.csv"
    first.write_text("point_id,measured_at,value\nCOD-1,2026-10-01 01:00,20\n", encoding="utf-8")
    assert service.import_monitoring(first).imported == 1
    changed = tmp_path / "b.csv"
    changed.write_text("point_id,measured_at,value\nCOD-1,2026-10-01 01:00,21\nCOD-1,2026-10-01 02:00,5\n")
    result = service.import_monitoring(changed)
    assert [e.row for e in result.errors] == [2] and "not overwritten" in result.errors[0].message
    assert _count(service._engine) == 1
    headless = tmp_path / "c.csv"
    headless.write_text("when,how much\n2026-10-01,3\n")
    missing = service.import_monitoring(headless)
    assert {e.column for e in missing.errors} == {"point_id", "measured_at", "value"}


def test_migrations_create_exactly_the_declared_schema(tmp_path: Path) -> None:
    engine = open_records_db(f"sqlite:///{tmp_path / 'sub' / 'records.db'}")
    open_records_db(f"sqlite:///{tmp_path / 'sub' / 'records.db'}")  # idempotent
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert "alembic_version" in inspect(conn).get_table_names()


def test_sql_scores_agree_with_pandas_on_generated_data(tmp_path: Path, kb: KnowledgeBase) -> None:
    engine = open_records_db(f"sqlite:///{tmp_path / 'demo.db'}")
    summary = generate_demo(engine, kb, DemoSpec(people=120, positions=24, indicators=50, records=30_000))
    assert summary.records == 30_000 and summary.monitoring_values == 8760
    periods = [Period(2026, 3), Period(2026, 7), Period(2026)]
    for period in periods:
        PeriodScorer(engine).run(period)
    tables = load_tables(engine)
    for period in periods:
        assert compare(engine, tables, period) == {
            "rows_missing": 0, "indicator_grades": 0, "indicator_values": 0, "unit_grades": 0, "unit_scores": 0,
        }  # fmt: skip
    with engine.connect() as conn:
        grades = set(conn.execute(select(UnitScore.grade).where(UnitScore.level == "岗位")).scalars())
    assert {"优秀", "待改进"} <= grades  # the generator produces differing grades


def test_cli_demo_score_import_and_export(tmp_path: Path) -> None:
    app = typer.Typer()
    app.add_typer(scoring_app, name="scoring")

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = Settings(data_dir=tmp_path / "data")

    runner = CliRunner()
    args = ["scoring", "demo-data", "--people", "40", "--positions", "8", "--records", "3000", "--json"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout.strip().splitlines()[-1])["records"] == 3000
    scored = runner.invoke(app, ["scoring", "score", "--period", "2026-10", "--json"])
    assert scored.exit_code == 0, scored.output
    payload = json.loads(scored.stdout.strip().splitlines()[-1])
    assert payload["period"] == "2026-10" and payload["report"]["units"][0]["unit"]["level"] == "企业"
    assert sum(payload["positions_by_grade"].values()) == 8
    bad = tmp_path / "bad.csv"
    bad.write_text("point_id,measured_at,value\nX,2026-10-01,1\n")
    imported = runner.invoke(app, ["scoring", "records", "import", str(bad), "--json"])
    assert imported.exit_code == 1 and json.loads(imported.stdout.strip().splitlines()[-1])["errors"]
    xlsx = tmp_path / "card.xlsx"
    exported = runner.invoke(app, ["scoring", "export", "scorecard", "--period", "2026-10", "--out", str(xlsx)])
    assert exported.exit_code == 0, exported.output
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "企业（2026-10）"
