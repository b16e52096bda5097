"""``hsekg enterprise import FILES... --name …``: read an enterprise's documents into its process map in the
graph; ``hsekg enterprise show ID`` and ``hsekg enterprise confirm ID`` to review it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from api.cli.common import settings_of
from api.settings import Settings

if TYPE_CHECKING:
    from api.services.enterprises import EnterpriseService, EnterpriseView
    from retrieval.enterprise_mapping import EnterpriseImport, ProcessMapping

__all__ = ["enterprise_confirm", "enterprise_import", "enterprise_show"]

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]
IdArg = Annotated[str, typer.Argument(help="The enterprise id (printed by import).")]


@contextmanager
def _service(settings: Settings) -> Iterator[EnterpriseService]:
    """The enterprise service of the container (audited like the HTTP API's), over a graph whose schema
    is current (a graph made before enterprise process maps existed lacks their tables)."""
    from api.container import Container

    with Container(settings, importer_progress=lambda m: err_console.print(m, highlight=False)) as container:
        container.store.ensure_schema()
        yield container.enterprises


def _mapping_line(m: ProcessMapping) -> str:
    stage = f"[{m.stage}] " if m.stage else ""
    if m.template_id is not None:
        score = f", {m.score:.1f}" if m.score is not None else ""
        target = f"→ {m.template_name} ({m.template_id}{score})"
    else:
        target = "→ 新工序，候选风险：" + ("、".join(r.name for r in m.candidate_risks) or "无")
    review = f" ✓{m.confirmed_by}" if m.confirmed else ""
    return f"  {m.order:>2}. {stage}{m.name} {target}{review}  〔{m.source}〕"


def _print_import(result: EnterpriseImport) -> None:
    ex = result.extraction
    facts = [ex.name or "(name not found)"]
    if ex.headcount:
        facts.append(f"{ex.headcount}人")
    if ex.permit_class:
        facts.append(f"排污许可{ex.permit_class}")
    console.print("，".join(facts), highlight=False)
    console.print(f"工序 {len(result.mappings)}:", highlight=False)
    for m in result.mappings:
        console.print(_mapping_line(m), highlight=False)
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


def enterprise_import(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="工艺流程说明, 安全操作规程, 环评报告表, 排污许可证副本 (pdf, docx, md) and equipment lists (xlsx)."
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Enterprise name (else read from the documents).")] = "",
    enterprise_id: Annotated[
        str, typer.Option("--id", help="Store under this enterprise id (else one derived from the name).")
    ] = "",
    sector: Annotated[str, typer.Option("--sector", help="The enterprise's sector, e.g. 机械加工.")] = "",
    actor: Annotated[str, typer.Option("--actor", help="Who imports (recorded on the version).")] = "cli",
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Only extract and map (against the YAML knowledge base); no graph.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Extract processes, hazardous materials, special equipment and pollutants, map the processes onto the
    knowledge base's templates and store the map in the graph under the enterprise."""
    settings = settings_of(ctx)
    if no_store:
        from api.container import Container
        from ingestion.enterprise import EnterpriseDocumentImporter
        from kg.corpus import load_knowledge_base
        from retrieval.enterprise_mapping import EnterpriseMapper, catalog_from_knowledge_base

        # the catalogues and the 危险废物名录 only: the container opens no store for these
        with Container(settings) as container:
            importer = EnterpriseDocumentImporter(
                container.facts,
                max_bytes=settings.max_upload_mb * 2**20,
                wastes=container.hazardous_wastes,
                progress=lambda m: err_console.print(m, highlight=False),
            )
        mapper = EnterpriseMapper(catalog_from_knowledge_base(load_knowledge_base(settings.corpus_dir)))
        # raises UnsupportedDocumentError (exit 1) when no document yielded anything
        result = mapper.run(importer.run(files, name=name), sector=sector)
    else:
        with _service(settings) as service:
            result = service.import_documents(
                files, name, enterprise_id=enterprise_id or None, sector=sector, actor=actor
            )
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
        return
    _print_import(result)
    if result.enterprise_id:
        changes = "" if result.diff is None else f"（相对上一版本：{_diff_summary(result)}）"
        console.print(f"已存入图谱：企业 {result.enterprise_id}，版本 {result.version}{changes}", highlight=False)
        console.print(f"待专家确认：hsekg enterprise confirm {result.enterprise_id} --accept-all", highlight=False)


def _diff_summary(result: EnterpriseImport) -> str:
    diff = result.diff
    if diff is None or diff.is_empty:
        return "无变化"
    parts = [f"新增工序{len(diff.added)}", f"删除工序{len(diff.removed)}", f"变更工序{len(diff.changed)}"]
    return "，".join(parts)


def _print_view(view: EnterpriseView) -> None:
    console.print(f"{view.name}（{view.id}），版本 {view.version}，待确认 {view.pending}", highlight=False)
    for m in view.processes:
        console.print(_mapping_line(m), highlight=False)


def enterprise_show(ctx: typer.Context, enterprise_id: IdArg, as_json: JsonOpt = False) -> None:
    """An enterprise's stored process map with the confirmation state of each step."""
    with _service(settings_of(ctx)) as service:
        view = service.view(enterprise_id)
    if as_json:
        sys.stdout.write(view.model_dump_json() + "\n")
        return
    _print_view(view)


def enterprise_confirm(
    ctx: typer.Context,
    enterprise_id: IdArg,
    accept_all: Annotated[bool, typer.Option("--accept-all", help="Accept every step's mapping as it is.")] = False,
    template: Annotated[
        list[str] | None, typer.Option("--template", help="STEP_ID=TEMPLATE_ID: map a step onto another template.")
    ] = None,
    new: Annotated[list[str] | None, typer.Option("--new", help="STEP_ID: a new step without template.")] = None,
    actor: Annotated[str, typer.Option("--actor", help="The expert confirming.")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Accept or correct the mapping of an enterprise's steps (recorded with who and when)."""
    from api.services.enterprises import MappingConfirmation, MappingCorrection

    corrections = [MappingCorrection(process_id=pid, new=True) for pid in new or []]
    for pair in template or []:
        pid, sep, tid = pair.rpartition("=")
        if not sep:
            raise typer.BadParameter(f"{pair!r}: expected STEP_ID=TEMPLATE_ID", param_hint="--template")
        corrections.append(MappingCorrection(process_id=pid, template_id=tid))
    if not (accept_all or corrections):
        raise typer.BadParameter("give --accept-all, --template or --new")
    confirmation = MappingConfirmation(accept_all=accept_all, corrections=corrections)
    with _service(settings_of(ctx)) as service:
        result = service.confirm(enterprise_id, confirmation, actor=actor)
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
        return
    console.print(f"已确认 {len(result.after)} 个工序", highlight=False)
    _print_view(result.enterprise)
