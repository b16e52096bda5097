"""The scoring commands of ``hsekg``: score, records import, export, demo-data.

A thin composition root like :mod:`api.cli.main`: settings arrive in ``ctx.obj`` (or are read once), the
records database is ``records_url`` or SQLite at ``data_dir/records.db``, and all work is done by
:class:`scoring.service.ScoringService`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from api.cli.common import settings_of
from api.settings import Settings
from scoring.service import ScoringService

__all__ = ["records_app", "scoring_app"]

scoring_app = typer.Typer(help="Duty-performance scoring over the records database.", no_args_is_help=True)
records_app = typer.Typer(help="Records: monitoring data import.", no_args_is_help=True)
scoring_app.add_typer(records_app, name="records")

console = Console()
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]
EnterpriseOpt = Annotated[str | None, typer.Option("--enterprise", help="Only this enterprise id.")]


def _service(settings: Settings, *, with_kb: bool = True) -> ScoringService:
    from kg.corpus import load_knowledge_base
    from scoring.db import open_records_db

    kb = load_knowledge_base(settings.corpus_dir) if with_kb else None
    return ScoringService(open_records_db(settings.records_database_url), kb)


def _emit_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


@scoring_app.command("score")
def score(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help="YYYY-MM (月度) or YYYY (年度).")],
    enterprise: EnterpriseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score a period: grades per 企业/部门/岗位, failing indicators, trend against the previous period."""
    from api.container import Container

    with Container(settings_of(ctx)) as container:
        summary = container.scores.run(period, enterprise_id=enterprise)
    if as_json:
        _emit_json(summary.model_dump(mode="json"))
        return
    from rich.table import Table

    table = Table(
        "层级", "单位", "得分", "等级", "一票否决", "待改进指标", "趋势", title=f"{summary.period} {summary.kind}考核"
    )
    for unit in summary.report.units:
        u = unit.unit
        score_text = f"{u.score:.1f}" if u.score is not None else "—"
        delta = f" {unit.trend.delta:+.1f}" if unit.trend.delta is not None else ""
        table.add_row(
            u.level,
            u.name,
            score_text,
            u.grade or "未评",
            "是" if u.veto_failed else "",
            str(u.n_failing),
            unit.trend.direction + delta,
        )
    console.print(table)
    console.print("岗位: " + ", ".join(f"{g} {n}" for g, n in summary.positions_by_grade.items()))


@records_app.command("import")
def records_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX monitoring data.", exists=True, dir_okay=False)],
    as_json: JsonOpt = False,
) -> None:
    """Import monitoring data (all rows or none); row errors are listed and exit status is 1."""
    result = _service(settings_of(ctx), with_kb=False).import_monitoring(file)
    if as_json:
        _emit_json(result.model_dump(mode="json"))
    else:
        for err in result.errors:
            console.print(f"[red]row {err.row}[/] {err.column}: {err.message}", highlight=False)
        status = "[green]imported[/]" if result.ok else "[red]nothing imported[/]"
        console.print(f"{status}: {result.imported} new, {result.unchanged} unchanged of {result.rows} rows")
    if not result.ok:
        raise typer.Exit(1)


@scoring_app.command("export")
def export(
    ctx: typer.Context,
    what: Annotated[Literal["rules", "scorecard"], typer.Argument(help="rules (考核细则) or scorecard.")],
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    period: Annotated[str | None, typer.Option("--period", help="Scorecard period, YYYY-MM or YYYY.")] = None,
    enterprise: EnterpriseOpt = None,
    library: Annotated[bool, typer.Option("--library", help="Rules of the whole indicator library.")] = False,
) -> None:
    """Export the 考核细则 or a period's scorecards to Excel."""
    service = _service(settings_of(ctx))
    if what == "rules":
        written = service.export_rules(out, enterprise_id=enterprise, library=library)
    else:
        if period is None:
            raise typer.BadParameter("the scorecard needs --period", param_hint="--period")
        written = service.export_scorecard(period, out, enterprise_id=enterprise)
    console.print(f"written: {written}")


@scoring_app.command("demo-data")
def demo_data(
    ctx: typer.Context,
    people: Annotated[int, typer.Option(min=1)] = 200,
    positions: Annotated[int, typer.Option(min=1)] = 20,
    indicators: Annotated[int, typer.Option(min=3)] = 40,
    records: Annotated[int, typer.Option(min=1)] = 20_000,
    year: int = 2026,
    seed: int = 7,
    out_db: Annotated[Path | None, typer.Option("--out-db", help="SQLite file (default: the records DB).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate a demo enterprise and a year of records."""
    from dataclasses import asdict

    from kg.corpus import load_knowledge_base
    from scoring.db import open_records_db
    from scoring.demo_data import DemoSpec

    settings = settings_of(ctx)
    url = f"sqlite:///{out_db.resolve()}" if out_db is not None else settings.records_database_url
    service = ScoringService(open_records_db(url), load_knowledge_base(settings.corpus_dir))
    spec = DemoSpec(people=people, positions=positions, indicators=indicators, records=records, year=year, seed=seed)
    summary = service.generate_demo(spec)
    if as_json:
        _emit_json(asdict(summary))
        return
    console.print(
        f"demo enterprise {summary.enterprise_id}: {summary.departments} departments, "
        f"{summary.positions} positions, {summary.people} people, {summary.assignments} assignments, "
        f"{summary.records} records, {summary.monitoring_values} monitoring values → {url}"
    )
