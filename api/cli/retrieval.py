"""``hsekg index`` and ``hsekg ask``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from api.cli.common import settings_of
from api.container import embedder_for, graph_store, open_answerer
from api.settings import Settings

__all__ = ["ask", "index", "rebuild_index"]

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
    with graph_store(settings, reader=True) as store:
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
        if c.superior is not None:
            mark += f" [cyan]（{c.kind}；上位法：《{c.superior.law}》第{c.superior.article}条）[/]"
        console.print(f"  《{c.law}》第{c.article}条{mark}：{c.quote[:120]}", highlight=False)
    if answer.risks:
        console.print("相关风险：" + "、".join(r["name"] for r in answer.risks), highlight=False)
    if answer.indicators:
        console.print("相关考核指标：" + "、".join(i["name"] for i in answer.indicators), highlight=False)
