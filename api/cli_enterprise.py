"""``hsekg enterprise import FILES... --name …``: read an enterprise's documents into a profile."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.settings import Settings

__all__ = ["enterprise_import"]

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


def _settings(ctx: typer.Context) -> Settings:
    if not isinstance(ctx.obj, Settings):
        ctx.obj = Settings.load()
    return ctx.obj


def enterprise_import(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="工艺流程说明, 安全操作规程, 环评报告表, 排污许可证副本 (pdf, docx, md) and equipment lists (xlsx)."
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Enterprise name (else read from the documents).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Extract processes, hazardous materials, special equipment and pollutants, and map the processes."""
    from ingestion.enterprise import EnterpriseDocumentImporter
    from kg.corpus import load_knowledge_base
    from retrieval.enterprise_mapping import EnterpriseMapper, catalog_from_knowledge_base

    settings = _settings(ctx)
    importer = EnterpriseDocumentImporter(
        max_bytes=settings.max_upload_mb * 2**20, progress=lambda m: err_console.print(m, highlight=False)
    )
    extraction = importer.run(files, name=name)
    mapper = EnterpriseMapper(catalog_from_knowledge_base(load_knowledge_base(settings.corpus_dir)))
    result = mapper.run(extraction)  # raises IngestionError (exit 1) when no document yielded anything
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
        return
    ex = result.extraction
    facts = [ex.name or "(name not found)"]
    if ex.headcount:
        facts.append(f"{ex.headcount}人")
    if ex.permit_class:
        facts.append(f"排污许可{ex.permit_class}")
    console.print("，".join(facts), highlight=False)
    console.print(f"工序 {len(result.mappings)}:", highlight=False)
    for m in result.mappings:
        stage = f"[{m.stage}] " if m.stage else ""
        if m.status == "matched":
            target = f"→ {m.template_name} ({m.template_id}, {m.matches[0].score:.1f})"
        else:
            target = "→ 新工序，候选风险：" + ("、".join(r.name for r in m.candidate_risks) or "无")
        console.print(f"  {m.order:>2}. {stage}{m.name} {target}  〔{m.source}〕", highlight=False)
    hazardous = "、".join(m.name for m in ex.hazardous_materials) or "无"
    special = "、".join(f"{e.name}({e.category})" for e in ex.special_equipment) or "无"
    console.print(f"危险化学品：{hazardous}", highlight=False)
    console.print(f"特种设备：{special}", highlight=False)
    if ex.pollutants:
        pollutants = "、".join(dict.fromkeys(p.name for p in ex.pollutants))
        console.print(f"污染物：{pollutants}；排放口：{'、'.join(ex.outlets) or '未列明'}", highlight=False)
    for d in ex.documents:
        if d.status != "extracted":
            console.print(f"[yellow]{d.file}: {d.status} — {d.reason}[/]", highlight=False)
