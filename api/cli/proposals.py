"""``hsekg gaps FILE`` and ``hsekg impact REGULATION``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.cli.common import settings_of
from api.container import graph_store

__all__ = ["gaps", "impact"]

console = Console()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


def gaps(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSON file: sector, enterprise, processes, indicators.")],
    as_json: JsonOpt = False,
) -> None:
    """Report the uncovered duties of an enterprise's indicator set, with suggestions and stale citations."""
    from retrieval.change.catalog import ClauseLookup, GraphCatalogLoader
    from retrieval.change.gaps import GapDetector
    from retrieval.change.inputs import GapScenario, load_json

    settings = settings_of(ctx)
    scenario = load_json(file, GapScenario)
    with graph_store(settings) as store:
        report = GapDetector(GraphCatalogLoader(store).run(), ClauseLookup(store)).run(scenario)
    if as_json:
        sys.stdout.write(report.model_dump_json() + "\n")
        return
    for gap in report.gaps:
        console.print(f"缺口 《{gap.law}》第{gap.article}条（{gap.risk}）", highlight=False)
    for s in report.suggestions:
        console.print(f"  建议指标：{s.name} {s.comparator}{s.target}{s.unit}", highlight=False)
    for c in report.stale_citations:
        succ = f"，现行：《{c.successor.law}》第{c.successor.article}条" if c.successor else ""
        console.print(f"过时引用 {c.indicator}：《{c.law}》第{c.article}条（{c.status}{succ}）", highlight=False)


def impact(
    ctx: typer.Context,
    regulation: Annotated[str, typer.Argument(help="Regulation id, e.g. 大气污染防治法")],
    as_json: JsonOpt = False,
) -> None:
    """Indicators citing a replaced regulation, the successor articles, and re-citation proposals."""
    from retrieval.change.impact import ImpactAnalyzer

    settings = settings_of(ctx)
    with graph_store(settings) as store:
        report = ImpactAnalyzer(store).run(regulation)
    if as_json:
        sys.stdout.write(report.model_dump_json() + "\n")
        return
    console.print(f"{report.regulation}（{report.status}，由 {report.replaced_by} 取代）", highlight=False)
    for c in report.citations:
        console.print(f"  {c.indicator}：第{c.article}条 → {c.proposal}", highlight=False)
