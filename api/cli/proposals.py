"""``hsekg eval change``, ``hsekg eval gaps``, ``hsekg gaps FILE`` and ``hsekg impact REGULATION``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from api.cli.common import settings_of
from api.container import FUSION, embedder_for, graph_store

if TYPE_CHECKING:
    from evals.records import ChangePrediction, GapPrediction
    from retrieval.change.gaps import GapReport
    from retrieval.change.models import ChangeProposal

__all__ = ["change_prediction", "eval_change", "eval_gaps", "gap_prediction", "gaps", "impact"]

console = Console()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]
ScenariosOpt = Annotated[Path, typer.Option("--scenarios", help="JSONL scenario file.")]
PredictionsOpt = Annotated[Path | None, typer.Option("--predictions", help="Write per-item results here.")]


def change_prediction(scenario_id: str, proposal: ChangeProposal) -> ChangePrediction:
    """The ``--predictions`` line of one change scenario (DESIGN.md format)."""
    return {
        "id": scenario_id,
        "risks": [r.name for r in proposal.risks],
        "obligations": [{"law": o.law, "article": o.article} for o in proposal.obligations],
        "indicators": [
            {
                "name": i.name,
                "level": i.level,
                "target": f"{i.comparator or ''}{i.target:g}{i.unit}" if i.target is not None else "",
                "cites": [{"law": c.law, "article": c.article} for c in i.cites],
                "valid": i.valid,
            }
            for i in proposal.indicators
        ],
        "ms": round(proposal.ms, 1),
    }


def gap_prediction(scenario_id: str, report: GapReport) -> GapPrediction:
    """The ``--predictions`` line of one gap scenario (DESIGN.md format)."""
    return {
        "id": scenario_id,
        "gaps": [{"law": g.law, "article": g.article, "risk": g.risk} for g in report.gaps],
        "stale_citations": [{"law": s.law, "article": s.article} for s in report.stale_citations],
        "ms": round(report.ms, 1),
    }


def _report(
    metrics: dict[str, Any],
    predictions: Path | None,
    preds: Sequence[ChangePrediction] | Sequence[GapPrediction],
    as_json: bool,
) -> None:
    if predictions is not None:
        predictions.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(metrics, ensure_ascii=False) + "\n")
    else:
        for name, value in metrics.items():
            console.print(f"{name:22} {value}")


def eval_change(
    ctx: typer.Context, scenarios: ScenariosOpt, predictions: PredictionsOpt = None, as_json: JsonOpt = False
) -> None:
    """Evaluate change proposals: risk/obligation/indicator recall, must-not violations, citation validity."""
    from evals.change import load_records, score_predictions
    from retrieval.change.catalog import ClauseLookup, GraphCatalogLoader
    from retrieval.change.inputs import ChangeScenario
    from retrieval.change.proposals import ChangeProposer
    from retrieval.index import RetrievalIndex

    settings = settings_of(ctx)
    records = load_records(scenarios)
    with graph_store(settings) as store:
        catalog, clauses = GraphCatalogLoader(store).run(), ClauseLookup(store)
        retriever = RetrievalIndex(settings.index_dir).load(embedder_for(settings, required=False), FUSION)
        proposer = ChangeProposer(catalog, clauses, retriever=retriever)
        retriever.search("预热", k=1)  # load the embedder before timing
        preds = [change_prediction(r["id"], proposer.run(ChangeScenario.model_validate(r))) for r in records]

        def valid(key: str) -> bool:
            return clauses.clause(key) is not None and catalog.is_current(key.rsplit("#", 1)[0])

        metrics = score_predictions(records, preds, valid)
    _report(metrics, predictions, preds, as_json)


def eval_gaps(
    ctx: typer.Context, scenarios: ScenariosOpt, predictions: PredictionsOpt = None, as_json: JsonOpt = False
) -> None:
    """Evaluate rule-gap detection: gap recall, false gap rate, mean reported, strict/lenient precision."""
    from evals.change import load_records
    from evals.gaps import score_predictions
    from retrieval.change.catalog import ClauseLookup, GraphCatalogLoader
    from retrieval.change.gaps import GapDetector
    from retrieval.change.inputs import GapScenario

    settings = settings_of(ctx)
    records = load_records(scenarios)
    with graph_store(settings) as store:
        detector = GapDetector(GraphCatalogLoader(store).run(), ClauseLookup(store))
        preds = [gap_prediction(r["id"], detector.run(GapScenario.model_validate(r))) for r in records]
    _report(score_predictions(records, preds), predictions, preds, as_json)


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
