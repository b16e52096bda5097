"""The three expert journeys of the API on the command line: ``hsekg propose`` (a change → ranked risks,
duties and indicators with their chain and verdicts, ``--to-review`` queues them as ``POST
/proposals/runs`` does), ``hsekg gaps FILE`` (a 考核细则 → its uncovered duties, as ``POST /gaps`` and
``/gaps/upload``) and ``hsekg impact REGULATION``.

All three run the container's services, so the CLI proposes what the API proposes (the same change
engine: catalogue facts, the retrieval index when built, the chat model when configured). Results go to
stdout (``--json``: the proposal or gap report as one JSON object, with ``run_id`` when queued); notes and
errors to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from pydantic import ValidationError

from api.cli.common import JsonOpt, console, emit_json, err_console, settings_of
from kg.errors import ValidationFailedError

if TYPE_CHECKING:
    from api.container import Container
    from api.services.security import Principal
    from retrieval.change.gaps import GapReport
    from retrieval.change.models import ChangeProposal

__all__ = ["gaps", "impact", "propose"]

_CLI_ROLE: Final = "expert"

ToReviewOpt = Annotated[
    bool, typer.Option("--to-review", help="Store the proposals in the review queue of --enterprise-id (audited).")
]
EnterpriseOpt = Annotated[
    str | None,
    typer.Option(
        "--enterprise-id",
        help="The enterprise (records database) whose stored 考核细则 the proposals are checked against; "
        "required with --to-review.",
    ),
]
ActorOpt = Annotated[str, typer.Option("--actor", help="Who runs it (recorded in the audit trail).")]
SchemaOpt = Annotated[bool, typer.Option("--schema", help="Print the JSON schema of FILE and exit.")]


def _principal(enterprise_id: str | None, actor: str, *, to_review: bool) -> Principal | None:
    from api.services.security import Principal

    if enterprise_id is None:
        if to_review:
            raise typer.BadParameter("--to-review needs --enterprise-id (the queue is per enterprise)")
        return None
    return Principal(username=actor, role=_CLI_ROLE, enterprise_id=enterprise_id)


def _say(text: str) -> None:
    """One line of the report: no markup highlighting, no hard wraps (the terminal or a pager wraps)."""
    console.print(text, highlight=False, soft_wrap=True)


def _clause(text: str, limit: int = 50) -> str:
    """A clause's opening words on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _read_json(file: Path) -> Any:
    if not file.is_file():
        raise ValidationFailedError(f"{file}: no such file")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValidationFailedError(f"{file}: not a UTF-8 JSON document ({e})") from e


def _scenario_object(file: Path) -> dict[str, Any]:
    """FILE's scenario: the object itself, or what it holds under ``scenario`` (the API's request body)."""
    loaded = _read_json(file)
    if not isinstance(loaded, dict):
        raise ValidationFailedError(f"{file}: expected a JSON object (a scenario, or an API body with 'scenario')")
    inner = loaded.get("scenario")
    return dict(inner) if isinstance(inner, dict) else loaded


def _invalid(source: str, e: ValidationError) -> ValidationFailedError:
    lines = [f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in e.errors()]
    return ValidationFailedError(f"{source}: " + "; ".join(lines))


# --- propose -----------------------------------------------------------------------------------------


def _change_document(
    file: Path | None,
    *,
    change_type: str | None,
    description: str | None,
    process: str | None,
    process_description: str,
    stage: str,
    sector: str | None,
    enterprise: str | None,
) -> dict[str, Any]:
    """The change scenario as a JSON object: FILE (a change record, or an API body with ``scenario``),
    with the flags given on top of it."""
    doc = _scenario_object(file) if file is not None else {}
    change = dict(doc.get("change") or {})
    if change_type is not None:
        change["type"] = change_type
    if description is not None:
        change["description"] = description
    if process is not None:
        change["process"] = {"stage": stage, "name": process, "description": process_description}
    if not change.get("type") or not change.get("description"):
        raise typer.BadParameter("give FILE (a change scenario) or --type and --description")
    doc["change"] = change
    if sector is not None:
        doc["sector"] = sector
    if enterprise is not None:
        doc["enterprise"] = enterprise
    return doc


def _print_proposal(result: ChangeProposal, *, top: int) -> None:
    _say(f"变更：{result.change}")
    if result.processes:
        _say("工序：" + "、".join(f"{p.name}（{p.template_id}）" for p in result.processes[:3]))
    _say(f"\n风险（{len(result.risks)}）")
    for i, r in enumerate(result.risks[:top], 1):
        facts = f"  〔{'；'.join(r.facts[:2])}〕" if r.facts else ""
        _say(f"  {i:>2}. [{r.category}] {r.name}  {r.score:.2f}{facts}")
    _say(f"\n义务（{len(result.obligations)}）")
    for i, o in enumerate(result.obligations[:top], 1):
        why = f"  ← {'、'.join(o.risks[:2])}" if o.risks else ""
        _say(f"  {i:>2}. 《{o.law}》第{o.article}条 {_clause(o.quote)}{why}")
    _say(f"\n指标（{len(result.indicators)}）")
    for i, ind in enumerate(result.indicators[:top], 1):
        failed = [v for v in ind.verdicts if not v.ok]
        verdict = "校验通过" if not failed else "未通过：" + "；".join(v.reason for v in failed[:2])
        target = ind.target_text or (f"{ind.comparator}{ind.target:g}{ind.unit}" if ind.target is not None else "")
        _say(f"  {i:>2}. [{ind.level}] {ind.name} {target}（{verdict}）")
        for link in ind.chain[1:-1]:
            _say(f"        {_clause(link, 70)}")
    for name in result.unknown:
        _say(f"[yellow]未知物质[/]：{name}")
    for note in result.notes:
        _say(f"[yellow]注[/]：{note}")
    shown = max(len(result.risks), len(result.obligations), len(result.indicators))
    if shown > top:
        _say(f"\n（每类列出前 {top} 项；--top N 或 --json 看全部）")


def propose(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="JSON: a change scenario (sector, enterprise, processes_before, change); see --schema."),
    ] = None,
    change_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="Kind of change: add_process/新增工序, new_material/新材料, new_equipment/新设备, "
            "expand/扩产, regulation_change/法规变更.",
        ),
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="What changes, in free text.")] = None,
    process: Annotated[str | None, typer.Option("--process", help="The new or changed process's name.")] = None,
    process_description: Annotated[str, typer.Option("--process-description", help="Its description.")] = "",
    stage: Annotated[str, typer.Option("--stage", help="Its stage (生产加工, 原料采购与仓储 …).")] = "",
    sector: Annotated[str | None, typer.Option("--sector", help="The enterprise's sector.")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="The enterprise described.")] = None,
    enterprise_id: EnterpriseOpt = None,
    to_review: ToReviewOpt = False,
    actor: ActorOpt = "cli",
    top: Annotated[int, typer.Option("--top", min=1, help="How many of each kind to print.")] = 10,
    schema: SchemaOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Propose the risks, duties and indicators a process change brings, ranked, each indicator with its
    chain (change → risk → duty and clause → indicator) and the validator's verdicts."""
    from api.container import Container
    from retrieval.change.inputs import ChangeScenario

    if schema:
        emit_json(ChangeScenario.model_json_schema())
        return
    user = _principal(enterprise_id, actor, to_review=to_review)
    doc = _change_document(
        file,
        change_type=change_type,
        description=description,
        process=process,
        process_description=process_description,
        stage=stage,
        sector=sector,
        enterprise=enterprise,
    )
    try:
        scenario = ChangeScenario.model_validate(doc)
    except ValidationError as e:
        raise _invalid(str(file or "the change"), e) from e
    with Container(settings_of(ctx), graph_reader=True) as container:
        _warn_without_index(container)
        service = container.proposals
        if to_review:
            assert user is not None
            run = service.run_change(scenario, user=user)
            result, run_id = run.result, run.run_id
        else:
            result, run_id = service.preview(scenario, enterprise_id=enterprise_id), None
    if as_json:
        payload = json.loads(result.model_dump_json())
        if run_id is not None:
            payload["run_id"] = run_id
        emit_json(payload)
        return
    _print_proposal(result, top=top)
    if run_id is not None:
        _say(f"\n已送审：{len(result.indicators)} 项指标，批次 {run_id}（审核队列）")


def _warn_without_index(container: Container) -> None:
    if container.retriever is None:
        err_console.print(
            "[yellow]note:[/] no retrieval index: duties come from the graph's links only (run hsekg index)",
            highlight=False,
        )


# --- gaps --------------------------------------------------------------------------------------------


def _print_gaps(report: GapReport, *, top: int) -> None:
    counts = (len(report.covered), len(report.gaps), len(report.stale_citations))
    _say("已覆盖义务 {} 项，未覆盖（缺口）{} 项，过时引用 {} 项".format(*counts))
    for i, gap in enumerate(report.gaps[:top], 1):
        _say(f"  {i:>2}. 缺口 《{gap.law}》第{gap.article}条（{gap.risk}）")
        if gap.facts:
            _say(f"        适用依据：{'；'.join(gap.facts[:3])}")
    for s in report.suggestions[:top]:
        target = s.target_text or (f"{s.comparator}{s.target:g}{s.unit}" if s.target is not None else "")
        _say(f"  建议指标：{s.name} {target}")
    for c in report.stale_citations:
        succ = f"，现行：《{c.successor.law}》第{c.successor.article}条" if c.successor else ""
        _say(f"过时引用 {c.indicator}：《{c.law}》第{c.article}条（{c.status}{succ}）")


def gaps(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The 考核细则: JSON (sector, enterprise, processes, indicators; see --schema) or an .xlsx sheet "
            "(with --processes)."
        ),
    ] = None,
    processes: Annotated[
        str, typer.Option("--processes", help="For an .xlsx sheet: the processes, separated by 、 or commas.")
    ] = "",
    sector: Annotated[str, typer.Option("--sector", help="For an .xlsx sheet: the sector.")] = "",
    enterprise: Annotated[str, typer.Option("--enterprise", help="For an .xlsx sheet: the enterprise.")] = "",
    enterprise_id: EnterpriseOpt = None,
    to_review: ToReviewOpt = False,
    actor: ActorOpt = "cli",
    top: Annotated[int, typer.Option("--top", min=1, help="How many gaps to print.")] = 15,
    schema: SchemaOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Report the uncovered duties of an enterprise's 考核细则 (ranked, each with the facts that make it
    apply), suggested indicators and citations of repealed articles. Without FILE: the stored 考核细则 of
    --enterprise-id."""
    from api.container import Container
    from api.services.proposals import SheetGapRequest
    from retrieval.change.inputs import GapScenario

    if schema:
        emit_json(GapScenario.model_json_schema())
        return
    user = _principal(enterprise_id, actor, to_review=to_review)
    if file is None and user is None:
        raise typer.BadParameter("give FILE (a 考核细则) or --enterprise-id (its stored one)")
    service_user = user or _anonymous()
    with Container(settings_of(ctx), graph_reader=True) as container:
        service = container.proposals
        if file is None:
            run = service.gaps(
                service.stored_rules(service_user.enterprise_id, user=service_user),
                send_to_review=to_review,
                user=service_user,
            )
        elif file.suffix.lower() == ".xlsx":
            if not file.is_file():
                raise ValidationFailedError(f"{file}: no such file")
            request = SheetGapRequest(
                data=file.read_bytes(),
                filename=file.name,
                sector=sector,
                enterprise=enterprise,
                processes=processes,
                send_to_review=to_review,
            )
            run = service.gaps_of_sheet(request, user=service_user)
        else:
            try:
                scenario = GapScenario.model_validate(_scenario_object(file))
            except ValidationError as e:
                raise _invalid(str(file), e) from e
            run = service.gaps(scenario, send_to_review=to_review, user=service_user)
    if as_json:
        payload = json.loads(run.report.model_dump_json())
        payload.update(run_id=run.run_id, proposal_ids=run.proposal_ids, unresolved=run.unresolved)
        emit_json(payload)
        return
    _print_gaps(run.report, top=top)
    for line in run.unresolved:
        _say(f"[yellow]未识别的引用[/]：{line}")
    if run.run_id is not None:
        _say(f"\n已送审：{len(run.proposal_ids)} 项建议指标，批次 {run.run_id}（审核队列）")


def _anonymous() -> Principal:
    """The caller of a run that stores nothing and reads no enterprise's data."""
    from api.services.security import Principal

    return Principal(username="cli", role=_CLI_ROLE, enterprise_id="")


# --- impact ------------------------------------------------------------------------------------------


def impact(
    ctx: typer.Context,
    regulation: Annotated[str, typer.Argument(help="Regulation id, e.g. 大气污染防治法")],
    as_json: JsonOpt = False,
) -> None:
    """Indicators citing a replaced regulation, the successor articles, and re-citation proposals."""
    from api.container import graph_store
    from retrieval.change.impact import ImpactAnalyzer

    settings = settings_of(ctx)
    with graph_store(settings, reader=True) as store:
        report = ImpactAnalyzer(store).run(regulation)
    if as_json:
        sys.stdout.write(report.model_dump_json() + "\n")
        return
    _say(f"{report.regulation}（{report.status}，由 {report.replaced_by} 取代）")
    for c in report.citations:
        _say(f"  {c.indicator}：第{c.article}条 → {c.proposal}")
