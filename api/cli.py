"""The ``hsekg`` command line: a thin composition root wiring the layers from :class:`Settings`.

Arguments are parsed only in :func:`main`; domain errors exit non-zero with one readable line;
unknown arguments print the usage.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from api.settings import Settings
from kg.errors import HsekgError
from kg.factory import open_graph_store
from kg.store import GraphStore

__all__ = ["app", "main"]

app = typer.Typer(
    name="hsekg",
    help="安全环保履职知识图谱 — HSE duty-performance knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
kb_app = typer.Typer(help="The expert knowledge base (regulations_corpus).", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    if not isinstance(settings, Settings):
        settings = Settings.load()
        ctx.obj = settings
    return settings


@contextmanager
def _graph(settings: Settings) -> Iterator[GraphStore]:
    store = open_graph_store(
        settings.graph_uri,
        path=settings.graph_path,
        user=settings.neo4j_user,
        password=settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
    )
    try:
        store.verify()
        yield store
    finally:
        store.close()


def _emit_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Settings come from HSEKG_* environment variables (see README)."""


@app.command()
def init(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Build the graph from regulations_corpus into the data dir (idempotent)."""
    from ingestion.kb_loader import KnowledgeBaseLoader

    settings = _settings(ctx)
    with _graph(settings) as store:
        result = KnowledgeBaseLoader(store, settings.corpus_dir, settings.regulations_dir).run()
        counts = store.counts()
    kb = result.knowledge_base
    summary = {
        "seconds": round(result.seconds, 3),
        "writes": result.writes,
        "statutes_read": result.statutes_read,
        "knowledge_base": {
            "regulations": len(kb.regulations),
            "sectors": len(kb.sectors),
            "processes": len(kb.processes),
            "risks": len(kb.risks),
            "obligations": len(kb.obligations),
            "indicators": len(kb.indicators),
            "courses": len(kb.courses),
        },
        "graph": counts.model_dump(),
    }
    if as_json:
        _emit_json(summary)
        return
    console.print(
        f"[green]graph initialised[/] in {result.seconds:.2f}s: {result.writes} writes, "
        f"{result.statutes_read} statute texts read"
    )
    console.print(", ".join(f"{k} {v}" for k, v in counts.nodes.items() if v))


@app.command()
def stats(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Counts per node label and relationship type."""
    with _graph(_settings(ctx)) as store:
        counts = store.counts()
    if as_json:
        _emit_json(counts.model_dump())
        return
    from rich.table import Table

    table = Table("kind", "name", "count")
    for name, n in counts.nodes.items():
        table.add_row("node", name, str(n))
    for name, n in counts.relationships.items():
        table.add_row("relationship", name, str(n))
    console.print(table)


@app.command()
def demo(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Initialise, then report on a sample enterprise: processes, risks, obligations, indicators, gaps."""
    from api.demo import render_report, sample_enterprise
    from ingestion.kb_loader import KnowledgeBaseLoader
    from kg.report import build_report

    settings = _settings(ctx)
    with _graph(settings) as store:
        result = KnowledgeBaseLoader(store, settings.corpus_dir, settings.regulations_dir).run()
        sample = sample_enterprise(result.knowledge_base)
        report = build_report(store, sample.process_ids, sample.indicator_ids)
    if as_json:
        _emit_json({"enterprise": sample.model_dump(), "report": report.model_dump()})
        return
    render_report(console, sample, report)


@kb_app.command("check")
def kb_check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check every law + article reference of the knowledge base against the statute texts."""
    from ingestion.corpus_check import check_references
    from ingestion.statutes import read_statutes
    from kg.corpus import load_knowledge_base
    from kg.errors import ConfigError

    settings = _settings(ctx)
    kb = load_knowledge_base(settings.corpus_dir)
    if not settings.regulations_dir.is_dir():
        raise ConfigError(f"statute texts not found at {settings.regulations_dir} (set HSEKG_REGULATIONS_DIR)")
    problems = check_references(kb, read_statutes(settings.regulations_dir))
    refs = sum(1 for _ in kb.all_refs())
    if as_json:
        _emit_json({"references": refs, "problems": [str(p) for p in problems]})
    else:
        for p in problems:
            console.print(f"[red]{p}[/]")
        console.print(f"{refs} references checked, {len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hsekg`` console script: domain errors become one line and exit status 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        # standalone mode: usage errors print the usage and exit 2, as command-line users expect
        app(args=argv, prog_name="hsekg")
    except HsekgError as e:
        err_console.print(f"[red]error:[/] {e}", highlight=False)
        return 1
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
