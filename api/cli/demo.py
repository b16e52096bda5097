"""``hsekg demo``: the knowledge base into the graph, a report on a sample enterprise, and the demo enterprise
the expert UI shows (records, scores, users of every role, a review queue)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import JsonOpt, console, emit_json, err_console, settings_of
from api.container import Container, graph_store
from api.settings import Settings

if TYPE_CHECKING:
    from api.cli.demo_seed import DemoSeedResult

__all__ = ["demo"]


def demo(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    seed: Annotated[
        bool, typer.Option("--seed/--no-seed", help="Also create the demo enterprise's records, users and proposals.")
    ] = True,
) -> None:
    """Initialise, then report on a sample enterprise: processes, risks, obligations, indicators, gaps.

    With --seed (default) the demo enterprise the UI shows is created as well: a year of records and
    scores, a user of every role (passwords in data/demo_users.txt) and a review queue filled by two
    changes and a gap run.
    """
    from api.cli.demo_report import render_report, sample_enterprise, write_report
    from ingestion.kb_loader import KnowledgeBaseLoader
    from kg.report import build_report

    settings = settings_of(ctx)
    with graph_store(settings) as store:
        result = KnowledgeBaseLoader(store, settings.corpus_dir, settings.regulations_dir).run()
        sample = sample_enterprise(result.knowledge_base)
        report = build_report(store, sample.process_ids, sample.indicator_ids, sample.conditions)
    seeded = _seed_demo(settings, quiet=as_json) if seed else None
    if as_json:
        from dataclasses import asdict

        seed_json = {**asdict(seeded), "credentials": str(seeded.credentials)} if seeded else None
        emit_json({"enterprise": sample.model_dump(), "report": report.model_dump(), "seeded": seed_json})
        return
    files = write_report(settings.data_dir / "reports", sample, report)
    render_report(console, sample, report, files)
    if seeded is not None:
        console.print(
            f"\n示范企业 {seeded.enterprise_id}：新建记录 {'是' if seeded.records_created else '否（已存在）'}，"
            f"评分期 {seeded.periods_scored} 个，新用户 {len(seeded.users_created)} 个（口令见 {seeded.credentials}），"
            f"审核队列新增提案 {seeded.proposals_created} 条。运行 hsekg serve 打开专家界面。",
            highlight=False,
        )


def _seed_demo(settings: Settings, *, quiet: bool) -> DemoSeedResult:
    from api.cli.demo_seed import seed_demo

    with Container(settings) as container:
        return seed_demo(container, progress=lambda step: None if quiet else err_console.print(f"… {step}"))
