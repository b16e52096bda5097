"""``hsekg index``, ``hsekg ask`` and ``hsekg eval qa``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from api.cli.common import settings_of
from api.container import embedder_for, graph_store, open_answerer
from api.settings import Settings

if TYPE_CHECKING:
    from evals.records import ArticleRef, QaPrediction
    from retrieval.answer import Answer

__all__ = ["ask", "eval_qa", "index", "qa_prediction", "rebuild_index"]

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


def rebuild_index(settings: Settings, store: object, *, require_dense: bool = False) -> dict[str, int]:
    """Rebuild the BM25 index and update the dense one (only new or changed units are embedded)."""
    from kg.store import GraphStore
    from retrieval.index import RetrievalIndex

    assert isinstance(store, GraphStore)
    embedder = embedder_for(settings, required=require_dense)
    return RetrievalIndex(settings.index_dir).build(store, embedder, progress=lambda m: err_console.print(m))


def index(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Build the retrieval indexes (BM25 over jieba tokens, FAISS over e5 embeddings) from the graph."""
    settings = settings_of(ctx)
    with graph_store(settings) as store:
        stats = rebuild_index(settings, store, require_dense=True)
    if as_json:
        sys.stdout.write(json.dumps(stats, ensure_ascii=False) + "\n")
    else:
        console.print(f"indexed {stats['units']} units ({stats['embedded']} embedded, {stats['terms']} domain terms)")


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, e.g. 焊工在仓库旁边临时动火，需要谁审批？")],
    as_json: JsonOpt = False,
) -> None:
    """Answer a question with article-level citations (or say that no basis was found)."""
    settings = settings_of(ctx)
    with graph_store(settings) as store:
        answer = open_answerer(settings, store).ask(question)
    if as_json:
        sys.stdout.write(answer.model_dump_json() + "\n")
        return
    console.print(answer.answer, highlight=False)
    for c in answer.citations:
        mark = (
            ""
            if c.current
            else f" [yellow]（{c.status}"
            + (f"，现行：《{c.successor.law}》第{c.successor.article}条）[/]" if c.successor else "）[/]")
        )
        console.print(f"  《{c.law}》第{c.article}条{mark}：{c.quote[:120]}", highlight=False)
    if answer.risks:
        console.print("相关风险：" + "、".join(r["name"] for r in answer.risks), highlight=False)
    if answer.indicators:
        console.print("相关考核指标：" + "、".join(i["name"] for i in answer.indicators), highlight=False)


def qa_prediction(item_id: str, answer: Answer, k: int) -> QaPrediction:
    """The ``--predictions`` line of one Q&A item: the first ``k`` cited articles, abstention, latency."""
    cited: list[ArticleRef] = [{"law": c.law, "article": c.article} for c in answer.citations[:k]]
    return {"id": item_id, "citations": cited, "abstained": answer.abstained, "ms": answer.ms}


def eval_qa(
    ctx: typer.Context,
    questions: Annotated[Path, typer.Option("--questions", help="JSONL evaluation set.")],
    k: Annotated[int, typer.Option("--k", help="Citations considered.")] = 10,
    retriever: Annotated[str, typer.Option("--retriever", help="bm25 | dense | hybrid")] = "hybrid",
    predictions: Annotated[Path | None, typer.Option("--predictions", help="Write per-item results here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate Q&A: recall@1/5/10, MRR@10, abstention and latency over the ranked citations."""
    from evals.qa import load_items, score_predictions
    from kg.errors import ConfigError

    if retriever not in ("bm25", "dense", "hybrid"):
        raise ConfigError(f"--retriever must be bm25, dense or hybrid, not {retriever!r}")
    settings = settings_of(ctx)
    items = load_items(questions)
    with graph_store(settings) as store:
        answerer = open_answerer(settings, store)
        # one query before timing loads the model and the tokenizer: latencies are per question, model loaded
        answerer.retriever.search("安全生产责任制", k=1, mode=retriever)  # type: ignore[arg-type]
        preds: list[QaPrediction] = [
            qa_prediction(item.id, answerer.ask(item.question, k=k, mode=retriever), k)  # type: ignore[arg-type]
            for item in items
        ]
    metrics = {"retriever": retriever, **score_predictions(items, preds)}
    if predictions is not None:
        predictions.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(metrics, ensure_ascii=False) + "\n")
    else:
        for name, value in metrics.items():
            console.print(f"{name:22} {value}")
