"""The README's main job: a sample enterprise and a readable report about it."""

from __future__ import annotations

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from kg.corpus import KnowledgeBase
from kg.report import ObligationLine, ProcessReport

__all__ = ["SampleEnterprise", "render_report", "sample_enterprise"]

DEMO_SECTOR = "汽车零部件"
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
    """An enterprise running every template process of a sector, whose 考核细则 lacks one stage's indicators.

    The indicator set is the library's indicators measuring the enterprise's risks, minus those of the
    ``废弃物处置`` stage, so the report shows what a gap looks like.
    """
    sector = next((s for s in kb.sectors if s.name == sector_name), kb.sectors[0])
    process_ids = sorted({pid for ids in sector.stages.values() for pid in ids})
    risks = {r for p in kb.processes if p.id in process_ids for r in p.risks}
    obligations = {o for r in kb.risks if r.id in risks for o in r.obligations}
    indicator_ids = [
        i.id
        for i in kb.indicators
        if i.stage != OMITTED_STAGE and (set(i.measures_risks) & risks or set(i.measures_obligations) & obligations)
    ]
    return SampleEnterprise(
        name=f"示例{sector.name}企业（员工约300人）",
        sector=sector.name,
        process_ids=process_ids,
        indicator_ids=indicator_ids,
        conditions=list(DEMO_CONDITIONS),
        omitted=f"考核细则故意缺少“{OMITTED_STAGE}”环节的指标",
    )


def _articles(line: ObligationLine) -> str:
    parts = []
    for a in line.articles:
        mark = "" if a.current else f"（{a.status}" + (f"，由《{a.replaced_by}》取代）" if a.replaced_by else "）")
        parts.append(f"《{a.regulation}》第{a.article}条{mark}")
    return "；".join(parts) or "（无条文）"


def render_report(console: Console, sample: SampleEnterprise, report: ProcessReport) -> None:
    """Print the report for people: a tree of processes, the indicator set and the gaps."""
    console.rule(f"[bold]{sample.name}[/] — {sample.sector}")
    console.print(f"适用条件：{'、'.join(sample.conditions)}", highlight=False)
    tree = Tree("生产流程 → 风险 → 法定义务（条文） → 覆盖指标")
    for process in report.processes:
        branch = tree.add(f"[bold]{process.name}[/] [dim]({process.stage})[/]")
        for risk in process.risks:
            rb = branch.add(f"[yellow]{risk.name}[/] [dim]{risk.category}[/]")
            for ob in risk.obligations:
                covered = "、".join(ob.indicators) if ob.indicators else "[red]未覆盖[/]"
                rb.add(f"【{ob.modality}】{ob.action}（{ob.subject}） — {_articles(ob)} — 指标：{covered}")
    console.print(tree)
    table = Table("环节", "岗位/部门", "指标", "标准", "方法", title=f"现行考核细则（{len(report.indicators)} 项）")
    for ind in report.indicators:
        comparator = {">=": "≥", "<=": "≤", "=": "="}.get(str(ind.get("comparator")), "")
        target = f"{comparator}{ind.get('target', '')}{ind.get('unit', '')}"
        table.add_row(
            str(ind.get("stage", "")),
            str(ind.get("position", "")),
            str(ind["name"]),
            target,
            str(ind.get("method", "")),
        )
    console.print(table)
    console.print(f"[bold red]未被考核细则覆盖的法定义务：{len(report.uncovered)} 项[/]（{sample.omitted}）")
    for ob in report.uncovered:
        console.print(f"  • 【{ob.modality}】{ob.action}（{ob.subject}） — {_articles(ob)}")
