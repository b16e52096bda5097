"""Enterprise documents → extraction: the sector fixtures, provenance, refusals, and version diffs.

The fixtures (tests/fixtures/enterprise) are rendered to PDF, DOCX and Excel here by the evaluation's
``materialize``; the expected values sit next to them in ``expected.yaml``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from evals.enterprise_extraction import FIXTURES, materialize
from ingestion.enterprise import EnterpriseExtraction, ProcessMapDiffer
from ingestion.enterprise.findings import process_key
from tests.enterprise_support import enterprise_importer

SECTORS = ["machining", "electronics", "auto_parts", "textile", "hardware_coating"]


def _import(*paths: Path, name: str = "") -> EnterpriseExtraction:
    return enterprise_importer().run(list(paths), name=name)


def _sector(case: str, tmp_path: Path) -> tuple[EnterpriseExtraction, dict[str, Any]]:
    expected = yaml.safe_load((FIXTURES / case / "expected.yaml").read_text(encoding="utf-8"))
    return _import(*materialize(FIXTURES / case, tmp_path / case)), expected


def _covers(found: list[str], gold: list[str]) -> bool:
    """Every gold name is found (a found name may be more specific, 5t桥式起重机 for 桥式起重机) and no more."""
    return len(found) == len(gold) and all(any(g in f for f in found) for g in gold)


@pytest.mark.parametrize("case", SECTORS)
def test_each_sector_fixture_yields_its_expected_extraction(case: str, tmp_path: Path) -> None:
    ex, expected = _sector(case, tmp_path)
    assert [p.name for p in ex.processes] == expected["processes"]
    assert [p.order for p in ex.processes] == list(range(1, len(ex.processes) + 1))
    assert _covers([m.name for m in ex.hazardous_materials], expected["hazardous_materials"])
    assert _covers([e.name for e in ex.special_equipment], expected["special_equipment"])
    assert (ex.name, ex.headcount, ex.permit_class) == (
        expected["name"],
        expected["headcount"],
        expected["permit_class"],
    )
    assert all(d.status == "extracted" for d in ex.documents)


def test_pdf_items_keep_page_and_paragraph_and_stage(tmp_path: Path) -> None:
    ex, _ = _sector("machining", tmp_path)
    heat = next(p for p in ex.processes if p.name == "热处理")
    assert heat.stage == "热处理及表面处理工段" and "井式电阻炉" in heat.description
    assert heat.source.file == "工艺流程说明.pdf" and heat.source.page == 1  # first seen on the flow line
    crane = next(e for e in ex.equipment if "桥式起重机" in e.name)
    assert crane.category == "起重机械" and crane.source.page == 2
    assert {p.outlet for p in ex.pollutants} == {"DA001", "DA002"}
    # 二甲苯 in the exhaust line is a pollutant, not a material the plant uses
    assert "二甲苯" not in {m.name for m in ex.materials} and "二甲苯" in {p.name for p in ex.pollutants}


def test_excel_items_keep_their_cell(tmp_path: Path) -> None:
    ex, _ = _sector("machining", tmp_path)
    hoist = next(e for e in ex.equipment if e.name == "电动葫芦")
    assert hoist.source.cell == "设备清单!B9" and hoist.special
    oil = next(m for m in ex.materials if m.name == "淬火油")
    assert oil.source.cell == "化学品清单!A5" and not oil.hazardous
    paint = next(m for m in ex.materials if m.name == "油漆")
    assert paint.hazardous


def test_docx_and_markdown_tables_keep_paragraph_and_cell(tmp_path: Path) -> None:
    ex, _ = _sector("electronics", tmp_path)
    smt = next(p for p in ex.processes if p.name == "回流焊")
    assert smt.stage == "SMT工段" and smt.source.file == "工艺流程说明.docx" and smt.source.paragraph is not None
    coating = next(m for m in ex.materials if m.name == "三防漆")
    assert coating.reason.startswith("文件标注为危险化学品") and coating.source.cell.startswith("table 0 row")
    auto, _ = _sector("auto_parts", tmp_path)
    stamping = next(p for p in auto.processes if p.name == "冲压")
    assert stamping.source.file == "环评报告表.md" and stamping.stage == "冲焊工段"


def test_negated_chemicals_and_permit_transitions(tmp_path: Path) -> None:
    doc = tmp_path / "工艺流程说明.md"
    doc.write_text(
        "# 生产工艺\n1. 清洗：超声波清洗，不使用氰化物，使用二甲苯擦拭。\n"
        "员工共计45人。排污许可由登记管理转为重点管理。\n",
        encoding="utf-8",
    )
    ex = _import(doc)
    assert [m.name for m in ex.hazardous_materials] == ["二甲苯"]
    assert ex.permit_class == "重点管理" and ex.headcount == 45
    assert ex.permit_source is not None and ex.permit_source.paragraph == 2


def test_a_sales_contract_is_reported_as_unrelated(tmp_path: Path) -> None:
    contract = tmp_path / "购销合同.md"
    contract.write_text(
        "# 钢材购销合同\n甲方（买方）：某机械厂\n乙方（卖方）：某钢贸公司\n"
        "一、货物：冷轧钢板100吨，油漆2吨。\n二、付款：货到验收后30日内支付货款。\n三、违约责任：逾期交货按日计罚。\n",
        encoding="utf-8",
    )
    ex = _import(contract)
    assert ex.is_empty
    (report,) = ex.documents
    assert report.status == "unrelated" and "商务合同" in report.reason


def test_an_image_only_scan_is_refused_with_a_reason(tmp_path: Path) -> None:
    scan = tmp_path / "排污许可证副本.pdf"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 560), "white").save(buffer, format="PNG")
    canvas = Canvas(str(scan), pagesize=A4)
    canvas.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 20, 20, width=A4[0] - 40, height=A4[1] - 40)
    canvas.showPage()
    canvas.save()
    ex = _import(scan)
    (report,) = ex.documents
    # the loader refuses it first (its errors, shared with statute ingestion, are in English)
    assert report.status == "failed" and ("无文字层" in report.reason or "text layer" in report.reason)
    assert ex.is_empty


def test_a_document_without_anything_recognisable_is_reported_empty(tmp_path: Path) -> None:
    note = tmp_path / "会议纪要.md"
    note.write_text("# 会议纪要\n本周讨论了年终团建安排和食堂菜单。\n", encoding="utf-8")
    bad = tmp_path / "设备清单.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    ex = _import(note, bad)
    assert [d.status for d in ex.documents] == ["empty", "failed"]
    assert "会议纪要.md: 未识别到工序" in ex.reasons() and "not an Excel workbook" in ex.reasons()


def test_an_unsupported_format_lists_every_format_the_importer_reads(tmp_path: Path) -> None:
    sheet = tmp_path / "设备清单.csv"
    sheet.write_text("设备,数量\n空压机,2\n", encoding="utf-8")
    (report,) = _import(sheet).documents
    assert report.status == "failed"
    assert report.reason == "unsupported format .csv (supported: .md, .txt, .pdf, .docx, .xlsx, .xlsm)"


V2_EXTRA = "工序7：印花，圆网印花机印花，使用丙酮清洗网版。\n"


def test_a_new_version_diffs_added_changed_and_new_items(tmp_path: Path) -> None:
    source = (FIXTURES / "textile" / "工艺流程说明.md").read_text(encoding="utf-8")
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1, v2 = tmp_path / "v1" / "工艺流程说明.md", tmp_path / "v2" / "工艺流程说明.md"
    v1.write_text(source, encoding="utf-8")
    changed = source.replace("工序4：染色，溢流染色机高温染色。", "工序4：染色，气流染色机染色，5t电动葫芦吊装布车。")
    changed = changed.replace("工序6：验布打卷，成品检验后打卷包装。\n", "")
    changed = changed.replace("### （三）成品车间\n", "### （三）成品车间\n" + V2_EXTRA)
    v2.write_text(changed, encoding="utf-8")
    diff = ProcessMapDiffer().run(_import(v1), _import(v2))
    assert [p.name for p in diff.added] == ["印花"] and [p.name for p in diff.removed] == ["验布打卷"]
    assert [(c.name, c.fields) for c in diff.changed] == [("染色", ["description"])]
    assert [m.name for m in diff.new_materials] == ["丙酮"] and diff.new_materials[0].hazardous
    assert [e.name for e in diff.new_equipment] == ["5t电动葫芦"] and not diff.removed_equipment
    assert ProcessMapDiffer().run(_import(v1), _import(v1)).is_empty


def test_process_keys_ignore_suffixes_and_numbering() -> None:
    assert process_key("3. 喷漆工序") == process_key("喷漆") == "喷漆"
    assert process_key("调漆（调漆间）") == "调漆"


def test_a_wrapped_pdf_line_continues_its_step(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / "工艺流程说明.pdf.txt").write_text(
        "二、生产工艺\n1. 焊接：CO2气体保护焊焊接机架，焊接烟尘由\n移动式烟尘净化器收集处理。\n"
        "各工序均在联合厂房内进行。\n2. 打磨：角磨机打磨焊缝。\n",
        encoding="utf-8",
    )
    ex = _import(*materialize(case, tmp_path / "out"))
    assert [(p.name, p.description) for p in ex.processes] == [
        ("焊接", "CO2气体保护焊焊接机架,焊接烟尘由移动式烟尘净化器收集处理。"),
        ("打磨", "角磨机打磨焊缝。"),
    ]


def test_word_automatic_numbering_still_yields_steps(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("一、生产工艺流程", level=1)
    for text in ("下料：数控剪板机剪切钢板。", "折弯：数控折弯机折弯成型。", "主要设备：剪板机、折弯机"):
        document.add_paragraph(text, style="List Number")
    document.add_heading("二、公用工程", level=1)
    document.add_paragraph("说明：厂区设10t行车1台。")
    path = tmp_path / "工艺流程说明.docx"
    document.save(str(path))
    ex = _import(path)
    assert [p.name for p in ex.processes] == ["下料", "折弯"]
    assert [e.name for e in ex.equipment] == ["剪板机", "折弯机", "10t行车"] and ex.equipment[2].special
