"""``hsekg eval qa|change|gaps``: run the system over an evaluation set, score it with the pure scorers of ``evals``.

The one module of the application that imports ``evals`` (a declared import-linter exception): it turns
the domain's answers, change proposals and gap reports into the ``--predictions`` line formats of
DESIGN.md (:mod:`evals.records`), which the scorers read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.common import JsonOpt, console, settings_of
from api.container import Container, graph_store, open_answerer
from kg.errors import RetrievalError

if TYPE_CHECKING:
    from evals.records import ArticleRef, ChangePrediction, GapPrediction, QaPrediction
    from retrieval.answer import Answer
    from retrieval.change.gaps import GapReport
    from retrieval.change.models import ChangeProposal

__all__ = ["change_prediction", "eval_change", "eval_gaps", "eval_qa", "gap_prediction", "qa_prediction"]

ScenariosOpt = Annotated[Path, typer.Option("--scenarios", help="JSONL scenario file.")]
PredictionsOpt = Annotated[Path | None, typer.Option("--predictions", help="Write per-item results here.")]


def qa_prediction(item_id: str, answer: Answer, k: int) -> QaPrediction:
    """The ``--predictions`` line of one Q&A item: the first ``k`` cited articles, abstention, latency."""
    cited: list[ArticleRef] = [{"law": c.law, "article": c.article} for c in answer.citations[:k]]
    return {"id": item_id, "citations": cited, "abstained": answer.abstained, "ms": answer.ms}


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
    preds: Sequence[QaPrediction] | Sequence[ChangePrediction] | Sequence[GapPrediction],
    as_json: bool,
) -> None:
    if predictions is not None:
        predictions.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(metrics, ensure_ascii=False) + "\n")
    else:
        for name, value in metrics.items():
            console.print(f"{name:22} {value}")


def eval_qa(
    ctx: typer.Context,
    questions: Annotated[Path, typer.Option("--questions", help="JSONL evaluation set.")],
    k: Annotated[int, typer.Option("--k", help="Citations considered.")] = 10,
    retriever: Annotated[str, typer.Option("--retriever", help="bm25 | dense | hybrid")] = "hybrid",
    predictions: PredictionsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate Q&A: recall@1/5/10, MRR@10, abstention and latency over the ranked citations."""
    from evals.qa import load_items, score_predictions
    from kg.errors import ConfigError

    if retriever not in ("bm25", "dense", "hybrid"):
        raise ConfigError(f"--retriever must be bm25, dense or hybrid, not {retriever!r}")
    settings = settings_of(ctx)
    items = load_items(questions)
    with graph_store(settings, reader=True) as store:
        answerer = open_answerer(settings, store)
        # one query before timing loads the model and the tokenizer: latencies are per question, model loaded
        answerer.retriever.search("安全生产责任制", k=1, mode=retriever)  # type: ignore[arg-type]
        preds: list[QaPrediction] = [
            qa_prediction(item.id, answerer.ask(item.question, k=k, mode=retriever), k)  # type: ignore[arg-type]
            for item in items
        ]
    _report({"retriever": retriever, **score_predictions(items, preds)}, predictions, preds, as_json)


def eval_change(
    ctx: typer.Context, scenarios: ScenariosOpt, predictions: PredictionsOpt = None, as_json: JsonOpt = False
) -> None:
    """Evaluate change proposals: risk/obligation/indicator recall, must-not violations, citation validity."""
    from evals.change import load_records, score_predictions
    from retrieval.change.inputs import ChangeScenario

    records = load_records(scenarios)
    with Container(settings_of(ctx), graph_reader=True) as container:
        engine = container.change
        if engine.retriever is None:
            raise RetrievalError(f"no retrieval index in {container.settings.index_dir}: run hsekg index")
        engine.retriever.search("预热", k=1)  # load the embedder and the catalogues before timing
        proposer = engine.proposer
        proposer.inferrer.established("预热")
        preds = [change_prediction(r["id"], proposer.run(ChangeScenario.model_validate(r))) for r in records]

        def valid(key: str) -> bool:
            return engine.clauses.clause(key) is not None and engine.catalog.is_current(key.rsplit("#", 1)[0])

        metrics = score_predictions(records, preds, valid)
    _report(metrics, predictions, preds, as_json)


def eval_gaps(
    ctx: typer.Context, scenarios: ScenariosOpt, predictions: PredictionsOpt = None, as_json: JsonOpt = False
) -> None:
    """Evaluate rule-gap detection: gap recall, false gap rate, mean reported, strict/lenient precision."""
    from evals.change import load_records
    from evals.gaps import score_predictions
    from retrieval.change.inputs import GapScenario

    records = load_records(scenarios)
    with Container(settings_of(ctx), graph_reader=True) as container:
        detector = container.change.gaps
        preds = [gap_prediction(r["id"], detector.run(GapScenario.model_validate(r))) for r in records]
    _report(score_predictions(records, preds), predictions, preds, as_json)
