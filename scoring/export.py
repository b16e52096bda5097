"""Excel export (openpyxl) for people: the 考核细则 and the period scorecards, with Chinese headers.

The 考核细则 follows the scheme's five levels 环节-岗位-指标-标准-方法 in its first five columns, then
the details a reviewer needs (formula, target, rating bands, weight, 一票否决, data source, frequency,
owner). The scorecard has one sheet per level (企业/部门/岗位) and a sheet of indicator details and of
failing indicators. Headers are bold on a dark fill, panes frozen below them, columns filtered and
sized, grades coloured.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kg.corpus import KnowledgeBase
from kg.errors import ScoringError
from kg.models import STAGES
from scoring.db import Department, Enterprise, IndicatorAssignment, IndicatorSnapshot, Position
from scoring.periods import Period
from scoring.reports import PeriodReport, build_report

__all__ = ["RULE_HEADERS", "SCORECARD_HEADERS", "export_rules", "export_scorecard", "library_rule_rows", "rule_rows"]

RULE_HEADERS = (
    "环节",
    "岗位",
    "指标",
    "标准",
    "方法",
    "层级",
    "计算公式",
    "目标值",
    "评级阈值（优秀/合格）",
    "权重",
    "一票否决",
    "数据来源",
    "频次",
    "责任人",
)
SCORECARD_HEADERS = (
    "单位",
    "上级单位",
    "综合得分",
    "等级",
    "一票否决",
    "待改进指标数",
    "无法测量指标数",
    "上期得分",
    "趋势",
)
DETAIL_HEADERS = ("层级", "单位", "指标", "实际值", "目标", "计量单位", "等级", "权重", "一票否决", "记录数")
FAILING_HEADERS = ("层级", "单位", "指标", "实际值", "目标", "未达标记录数", "首条未达标记录")
_FILLS = {"优秀": "C6EFCE", "合格": "FFEB9C", "待改进": "FFC7CE"}
_HEADER_FILL = "1F4E78"
_WIDE = {"标准": 60, "计算公式": 40, "数据来源": 30, "指标": 32, "单位": 24, "上级单位": 20, "首条未达标记录": 48}


def _target(comparator: str, target: float, unit: str) -> str:
    sign = {">=": "≥", "<=": "≤", "=": "="}.get(comparator, comparator)
    return f"{sign}{target:g}{unit}"


def rule_rows(engine: Engine, *, enterprise_id: str | None = None) -> list[list[Any]]:
    """The enterprise's 考核细则: one row per indicator assignment."""
    a, i = IndicatorAssignment, IndicatorSnapshot
    stmt = select(a.level, a.unit_id, a.weight, a.veto, i).join(i, i.id == a.indicator_id)
    if enterprise_id is not None:
        stmt = stmt.where(a.enterprise_id == enterprise_id)
    with Session(engine) as session:
        names = {
            uid: name for t in (Enterprise, Department, Position) for uid, name in session.execute(select(t.id, t.name))
        }
        rows = [
            [
                ind.stage,
                names.get(unit, unit),
                ind.name,
                ind.standard,
                ind.method,
                level,
                ind.metric,
                _target(ind.comparator, ind.target, ind.unit),
                f"{ind.excellent:g} / {ind.qualified:g}",
                weight,
                "是" if veto else "否",
                ind.data_source,
                ind.frequency,
                ind.owner,
            ]
            for level, unit, weight, veto, ind in session.execute(stmt).all()
        ]
    return sorted(rows, key=_rule_order)


def library_rule_rows(kb: KnowledgeBase) -> list[list[Any]]:
    """The knowledge base's indicator library as 考核细则 rows (weight 1, no veto)."""
    rows = [
        [
            e.stage,
            e.position,
            e.name,
            e.standard,
            e.method,
            e.level,
            e.metric,
            _target(e.comparator, e.target, e.unit),
            f"{e.bands.excellent:g} / {e.bands.qualified:g}",
            1.0,
            "否",
            e.data_source,
            e.frequency,
            e.owner,
        ]
        for e in kb.indicators
    ]
    return sorted(rows, key=_rule_order)


def _rule_order(row: Sequence[Any]) -> tuple[int, int, str, str]:
    stage = STAGES.index(row[0]) if row[0] in STAGES else len(STAGES)
    return stage, {"企业": 0, "部门": 1, "岗位": 2}.get(row[5], 3), str(row[1]), str(row[2])


def export_rules(rows: list[list[Any]], path: Path) -> Path:
    """Write 考核细则 rows to ``path`` (sheet 考核细则).

    Raises:
        ScoringError: the file cannot be written.
    """
    book = _workbook()
    sheet = book.active
    sheet.title = "考核细则"
    _fill_sheet(sheet, RULE_HEADERS, rows)
    return _save(book, path)


def export_scorecard(engine: Engine, period: Period, path: Path, *, enterprise_id: str | None = None) -> Path:
    """Write the scorecards of a scored period (sheets 企业, 部门, 岗位, 指标明细, 未达标指标).

    Raises:
        NotFoundError: the period has not been scored.
        ScoringError: the file cannot be written.
    """
    report = build_report(engine, period, enterprise_id=enterprise_id, evidence_limit=1)
    book = _workbook()
    first = True
    for level in ("企业", "部门", "岗位"):
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = f"{level}（{period}）"
        _fill_sheet(sheet, SCORECARD_HEADERS, _unit_rows(report, level), grade_column=4)
    _fill_sheet(book.create_sheet("指标明细"), DETAIL_HEADERS, _detail_rows(report), grade_column=7)
    _fill_sheet(book.create_sheet("未达标指标"), FAILING_HEADERS, _failing_rows(report))
    return _save(book, path)


def _unit_rows(report: PeriodReport, level: str) -> list[list[Any]]:
    names = {u.unit.unit_id: u.unit.name for u in report.units}
    out = []
    for u in report.units:
        if u.unit.level != level:
            continue
        score = round(u.unit.score, 1) if u.unit.score is not None else None
        prev = round(u.trend.previous_score, 1) if u.trend.previous_score is not None else None
        parent = names.get(u.unit.parent_id or "", u.unit.parent_id or "")
        out.append(
            [
                u.unit.name,
                parent,
                score,
                u.unit.grade or "未评",
                "是" if u.unit.veto_failed else "否",
                u.unit.n_failing,
                u.unit.n_unmeasured,
                prev,
                u.trend.direction,
            ]
        )
    return out


def _detail_rows(report: PeriodReport) -> list[list[Any]]:
    return [
        [
            u.unit.level,
            u.unit.name,
            i.name,
            round(i.value, 2) if i.value is not None else None,
            _target(i.comparator, i.target, i.unit),
            i.unit,
            i.grade or "无法测量",
            i.weight,
            "是" if i.veto else "否",
            i.n_records,
        ]
        for u in report.units
        for i in u.indicators
    ]


def _failing_rows(report: PeriodReport) -> list[list[Any]]:
    out = []
    for u in report.units:
        for f in u.failing:
            first = f.records[0] if f.records else None
            described = (
                f"{first.observed_at:%Y-%m-%d %H:%M} {first.location} {first.outcome or first.value}" if first else ""
            )
            out.append(
                [
                    u.unit.level,
                    u.unit.name,
                    f.indicator.name,
                    round(f.indicator.value, 2) if f.indicator.value is not None else None,
                    _target(f.indicator.comparator, f.indicator.target, f.indicator.unit),
                    f.failing_records,
                    described,
                ]
            )
    return out


def _workbook() -> Any:
    import openpyxl  # type: ignore[import-untyped]

    return openpyxl.Workbook()


def _fill_sheet(sheet: Any, headers: Sequence[str], rows: list[list[Any]], *, grade_column: int | None = None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append(row)
    wrap = Alignment(vertical="top", wrap_text=True)
    for col, header in enumerate(headers, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = _WIDE.get(header, max(10, 2 * len(header) + 2))
        if header in _WIDE:
            for cell in sheet[letter][1:]:
                cell.alignment = wrap
    if grade_column is not None:
        for cell in sheet[get_column_letter(grade_column)][1:]:
            if cell.value in _FILLS:
                cell.fill = PatternFill("solid", fgColor=_FILLS[cell.value])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"


def _save(book: Any, path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except OSError as e:
        raise ScoringError(f"cannot write {path}: {e}") from e
    return path
