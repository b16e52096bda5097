"""DocxRegulationLoader: order of paragraphs and tables, headings, merged cells, corrupt files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from ingestion.loaders.docx import DocxRegulationLoader
from kg.errors import UnsupportedDocumentError


def _regulation(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("测试管理办法", level=0)
    document.add_heading("第一章　总则", level=1)
    document.add_paragraph("第一条　排放浓度不得超过表１规定的限值。")
    document.add_paragraph("表1 排放限值")
    table = document.add_table(rows=3, cols=3)
    cells = [["污染物", "限值", ""], ["颗粒物", "３０", "车间排气筒"], ["二氧化硫", "２００", ""]]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 2))  # header spans two columns
    table.cell(1, 2).merge(table.cell(2, 2))  # monitoring position spans two rows
    document.add_heading("1.1 适用范围", level=2)
    document.add_paragraph("   ")
    document.add_paragraph("第二条　本办法自发布之日起施行。")
    document.add_table(rows=2, cols=2)  # an empty form: dropped
    document.save(str(path))
    return path


def test_paragraphs_headings_and_tables_in_order(tmp_path: Path) -> None:
    doc = DocxRegulationLoader().load(_regulation(tmp_path / "reg.docx"))

    assert doc.format == "docx"
    assert [(line.text, line.heading_level) for line in doc.lines] == [
        ("测试管理办法", 1),
        ("第一章 总则", 1),
        ("第一条 排放浓度不得超过表1规定的限值。", 0),
        ("表1 排放限值", 0),
        ("1.1 适用范围", 2),
        ("第二条 本办法自发布之日起施行。", 0),
    ]
    assert len(doc.tables) == 1


def test_merged_cells_are_filled_across_and_down(tmp_path: Path) -> None:
    doc = DocxRegulationLoader().load(_regulation(tmp_path / "reg.docx"))

    table = doc.tables[0]
    assert table.rows == [
        ["污染物", "限值", "限值"],
        ["颗粒物", "30", "车间排气筒"],
        ["二氧化硫", "200", "车间排气筒"],
    ]
    assert table.caption == "表1 排放限值"
    assert (table.page, table.index) == (None, 0)


def test_table_without_caption(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("正文")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "值"
    document.save(str(tmp_path / "t.docx"))

    doc = DocxRegulationLoader().load(tmp_path / "t.docx")

    assert doc.tables[0].caption == ""
    assert doc.tables[0].rows == [["值"]]


def test_document_without_text(tmp_path: Path) -> None:
    docx.Document().save(str(tmp_path / "empty.docx"))

    with pytest.raises(UnsupportedDocumentError, match="no text"):
        DocxRegulationLoader().load(tmp_path / "empty.docx")


def test_broken_xml_is_a_corrupt_docx(tmp_path: Path) -> None:
    good = _regulation(tmp_path / "good.docx")
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)

    with pytest.raises(UnsupportedDocumentError, match=r"corrupt \.docx"):
        DocxRegulationLoader().load(bad)


def test_not_a_zip_is_a_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(b"plain text, not a zip")

    with pytest.raises(UnsupportedDocumentError, match=r"corrupt \.docx"):
        DocxRegulationLoader().load(path)
