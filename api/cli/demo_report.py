"""The README's main job: a sample enterprise and a readable report about it — a summary on the terminal
(per process in production order: risks, duties, covered and uncovered, its first uncovered duty),
and the whole tree (process → risk → duty and articles → indicators), the 考核细则 and the gaps in a Markdown
and an Excel file whose paths are printed."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from rich.console import Console

from kg.corpus import KnowledgeBase
from kg.report import CitedArticle, ObligationLine, ProcessLine, ProcessReport

__all__ = ["SampleEnterprise", "render_report", "sample_enterprise", "write_report"]

#: uncovered duties listed on the terminal (the files hold all of them)
SHOWN_GAPS = 10

DEMO_SECTOR = "汽车零部件"
#: The sample plant: a stamping, welding and coating supplier of body and chassis parts, the sector's common
#: kind, in production order (not every template the sector may use: no casting, sewing or SMT here).
DEMO_PROCESSES = (
    "p_steel_storage", "p_chemical_storage", "p_gas_cylinder_storage",
    "p_blanking", "p_stamping", "p_welding", "p_robot_welding", "p_cnc_machining", "p_degreasing_phosphating",
    "p_coating_line", "p_final_assembly", "p_crane_lifting", "p_air_compressor", "p_equipment_maintenance",
    "p_finished_inspection",
    "p_warehouse", "p_forklift_transport", "p_shipping_transport",
    "p_hazwaste_storage", "p_hazwaste_transfer", "p_wastewater_treatment", "p_exhaust_treatment",
)  # fmt: skip
OMITTED_STAGE = "废弃物处置"
#: What the sample plant has: the applicability conditions its duties are filtered by.
DEMO_CONDITIONS = (
    "危险化学品", "特种设备", "特种作业", "职业病危害", "动火", "有限空间", "高处作业", "吊装", "危险作业",
    "派遣劳动者", "实习学生", "发包出租", "排污许可", "简化管理", "排放废水", "排放废气", "挥发性有机物", "工业噪声",
    "危险废物", "工业固体废物", "锅炉",
)  # fmt: skip


class SampleEnterprise(BaseModel):
    """A sample enterprise: a sector's template processes and a deliberately incomplete indicator set."""

    name: str
    sector: str
    process_ids: list[str]
    indicator_ids: list[str]
    conditions: list[str]
    omitted: str


def sample_enterprise(kb: KnowledgeBase, sector_name: str = DEMO_SECTOR) -> SampleEnterprise:
    """The sample plant (:data:`DEMO_PROCESSES`, those its sector holds, in the sector's stage order), whose
    考核细则 lacks one stage's indicators.

    The indicator set is the library's indicators written for the risks of those processes (their first
    measured risk), minus those of the ``废弃物处置`` stage, so the report shows what a gap looks like.
    """
    sector = next((s for s in kb.sectors if s.name == sector_name), kb.sectors[0])
    # production order: the sector's stages as it lists them, each stage's processes in its order
    ordered = list(dict.fromkeys(pid for ids in sector.stages.values() for pid in ids))
    process_ids = [pid for pid in ordered if pid in DEMO_PROCESSES] or ordered
    risks = {r for p in kb.processes if p.id in process_ids for r in p.risks}
    # an indicator is the plant's when the risk it is written for (its first) is: 定型机废气 also measures 恶臭,
    # which a coating line has, but it is a stenter's indicator
    indicator_ids = [
        i.id for i in kb.indicators if i.stage != OMITTED_STAGE and i.measures_risks and i.measures_risks[0] in risks
    ]
    return SampleEnterprise(
        name=f"示例{sector.name}企业（冲压、焊接、涂装，员工约300人）",
        sector=sector.name,
        process_ids=process_ids,
        indicator_ids=indicator_ids,
        conditions=list(DEMO_CONDITIONS),
        omitted=f"考核细则故意缺少“{OMITTED_STAGE}”环节的指标",
    )


def _article(a: CitedArticle) -> str:
    mark = "" if a.current else f"（{a.status}" + (f"，由《{a.replaced_by}》取代）" if a.replaced_by else "）")
    return f"《{a.regulation}》第{a.article}条{mark}"


def _articles(line: ObligationLine) -> str:
    return "；".join(_article(a) for a in line.articles) or "（无条文）"


def _lead(line: ObligationLine) -> str:
    """The duty's leading article (current law first), for a line of the summary."""
    return _article(line.articles[0]) if line.articles else "（无条文）"


def _in_order(sample: SampleEnterprise, report: ProcessReport) -> list[ProcessLine]:
    place = {pid: i for i, pid in enumerate(sample.process_ids)}
    return sorted(report.processes, key=lambda p: place.get(p.id, len(place)))


def _duties(process: ProcessLine) -> list[ObligationLine]:
    """The process's duties, once each, in the order its risks bring them."""
    seen: dict[str, ObligationLine] = {}
    for risk in process.risks:
        for ob in risk.obligations:
            seen.setdefault(ob.id, ob)
    return list(seen.values())


def _target(ind: dict[str, object]) -> str:
    comparator = {">=": "≥", "<=": "≤", "=": "="}.get(str(ind.get("comparator")), "")
    return f"{comparator}{ind.get('target', '')}{ind.get('unit', '')}"


def render_report(console: Console, sample: SampleEnterprise, report: ProcessReport, files: list[Path]) -> None:
    """Print the summary for people: per process its risks, duties and their coverage with its first gap,
    then the uncovered duties (the first :data:`SHOWN_GAPS`) and where the full report is."""

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    console.rule(f"[bold]{sample.name}[/] — {sample.sector}")
    say(f"适用条件：{'、'.join(sample.conditions)}")
    processes = _in_order(sample, report)
    say(f"\n生产流程（{len(processes)} 道工序，按生产顺序）：风险 · 法定义务（已覆盖 / [red]未覆盖[/]） · 首项缺口")
    stage = None
    for n, process in enumerate(processes, 1):
        if process.stage != stage:
            stage = process.stage
            say(f"[bold]{stage or '（未分环节）'}[/]")
        duties = _duties(process)
        open_ = [d for d in duties if not d.indicators]
        action = open_[0].action if open_ else ""
        short = action if len(action) <= 24 else action[:24] + "…"
        worst = f" · 首项缺口：{short}（{_lead(open_[0])}）" if open_ else ""
        say(
            f"  {n:>2}. {process.name}：风险 {len(process.risks)} · 义务 {len(duties)}"
            f"（{len(duties) - len(open_)} / [red]{len(open_)}[/]）{worst}"
        )
    say(f"\n现行考核细则 {len(report.indicators)} 项。")
    say(f"[bold red]未被考核细则覆盖的法定义务：{len(report.uncovered)} 项[/]（{sample.omitted}）")
    for ob in report.uncovered[:SHOWN_GAPS]:
        say(f"  • 【{ob.modality}】{ob.action}（{ob.subject}） — {_articles(ob)}")
    if len(report.uncovered) > SHOWN_GAPS:
        say(f"  … 另 {len(report.uncovered) - SHOWN_GAPS} 项见完整报告")
    say("完整报告（流程 → 风险 → 义务与条文 → 指标，考核细则，全部缺口）：" + "、".join(str(f) for f in files))


def write_report(folder: Path, sample: SampleEnterprise, report: ProcessReport) -> list[Path]:
    """The whole report as Markdown and as an Excel workbook in ``folder``; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    processes = _in_order(sample, report)
    lines = [f"# {sample.name}（{sample.sector}）", "", f"适用条件：{'、'.join(sample.conditions)}", ""]
    lines += ["## 生产流程 → 风险 → 法定义务（条文） → 覆盖指标", ""]
    for n, process in enumerate(processes, 1):
        lines.append(f"### {n}. {process.name}（{process.stage}）")
        for risk in process.risks:
            lines.append(f"- **{risk.name}**（{risk.category}）")
            for ob in risk.obligations:
                covered = "、".join(ob.indicators) if ob.indicators else "**未覆盖**"
                lines.append(f"  - 【{ob.modality}】{ob.action}（{ob.subject}） — {_articles(ob)} — 指标：{covered}")
        lines.append("")
    lines += [f"## 现行考核细则（{len(report.indicators)} 项）", ""]
    lines += ["| 环节 | 岗位/部门 | 指标 | 标准 | 方法 |", "|---|---|---|---|---|"]
    for ind in report.indicators:
        cells = [str(ind.get("stage", "")), str(ind.get("position", "")), str(ind["name"]), _target(ind)]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in [*cells, str(ind.get("method", ""))]) + " |")
    lines += ["", f"## 未被考核细则覆盖的法定义务（{len(report.uncovered)} 项；{sample.omitted}）", ""]
    lines += [f"- 【{ob.modality}】{ob.action}（{ob.subject}） — {_articles(ob)}" for ob in report.uncovered]
    markdown = folder / "demo-report.md"
    markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")

    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    tree = book.active
    tree.title = "流程-风险-义务"
    tree.append(["序号", "环节", "工序", "风险", "类别", "义务", "条文", "覆盖指标"])
    for n, process in enumerate(processes, 1):
        for risk in process.risks:
            for ob in risk.obligations:
                duty = f"【{ob.modality}】{ob.action}（{ob.subject}）"
                covered = "、".join(ob.indicators) or "未覆盖"
                tree.append([n, process.stage, process.name, risk.name, risk.category, duty, _articles(ob), covered])
    rules = book.create_sheet("考核细则")
    rules.append(["环节", "岗位/部门", "指标", "标准", "方法"])
    for ind in report.indicators:
        rules.append([str(ind.get("stage", "")), str(ind.get("position", "")), str(ind["name"]), _target(ind),
                      str(ind.get("method", ""))])  # fmt: skip
    gaps = book.create_sheet("未覆盖义务")
    gaps.append(["义务", "主体", "条文"])
    for ob in report.uncovered:
        gaps.append([f"【{ob.modality}】{ob.action}", ob.subject, _articles(ob)])
    workbook = folder / "demo-report.xlsx"
    book.save(workbook)
    return [markdown, workbook]
