"""The loaders on the real regulation files in ../shared (PDF standards and Markdown statutes)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from ingestion.documents import LoadedDocument
from ingestion.loaders import load_document
from ingestion.loaders.pdf import GARBLED_MESSAGE, NO_TEXT_MESSAGE, PdfRegulationLoader
from ingestion.statutes import parse_statute, read_statute
from kg.errors import UnsupportedDocumentError
from tests.conftest import statute_articles

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LIMIT = 50 * 1024 * 1024
# file stem prefix -> (pages, image-only pages, minimum number of tables)
TEXT_PDFS = {
    "国家危险废物名录_2021年版": (33, [], 31),
    "GB_37822-2019": (15, [], 2),
    "GB_18599-2020": (13, [], 1),
    "GB_12348-2008": (11, [8], 3),
    "GB_39726-2020": (15, [], 4),
    "GB_39731-2020": (14, [], 3),
    "GB_4287-2012": (9, [], 4),
    "GB_37824-2019": (16, [], 5),
    "GB_13271-2014": (9, [], 4),
    "HJ_1259-2022": (19, [], 10),
    "固定污染源排污许可分类管理名录_2019年版": (20, [], 16),
    "DB44_2367-2022": (18, [], 4),
}


def _pdf(shared_dir: Path, prefix: str) -> Path:
    (path,) = (shared_dir / "regulations_pdf").glob(f"{prefix}*.pdf")
    return path


@functools.cache
def _load(shared_dir: Path, prefix: str) -> LoadedDocument:
    """Each file once per session: the tests below only read the result."""
    return load_document(_pdf(shared_dir, prefix), max_bytes=LIMIT)


def _cells(doc: LoadedDocument) -> list[str]:
    return [cell for table in doc.tables for row in table.rows for cell in row]


@pytest.mark.parametrize("prefix", sorted(TEXT_PDFS))
def test_text_layer_pdf_loads(shared_dir: Path, prefix: str) -> None:
    pages, image_only, min_tables = TEXT_PDFS[prefix]
    doc = _load(shared_dir, prefix)

    assert (doc.format, doc.pages, doc.image_only_pages) == ("pdf", pages, image_only)
    assert len(doc.tables) >= min_tables
    assert all(line.page is not None and 1 <= line.page <= pages for line in doc.lines)
    assert all(row and len(row) == len(t.rows[0]) for t in doc.tables for row in t.rows)
    assert not re.search("[\ue000-\uf8ff０-９Ａ-Ｚａ-ｚ]", doc.text + "".join(_cells(doc)))


@pytest.mark.parametrize("prefix", sorted(TEXT_PDFS))
def test_running_headers_and_page_numbers_are_gone(shared_dir: Path, prefix: str) -> None:
    doc = _load(shared_dir, prefix)
    by_page: dict[int, list[str]] = {}
    for line in doc.lines:
        by_page.setdefault(line.page or 0, []).append(line.text)

    last_lines = [texts[-1].replace(" ", "") for texts in by_page.values()]
    assert not [t for t in last_lines if re.fullmatch(r"[-—]*(\d+|[ivx]+|[IVX]+)[-—]*", t)]
    first_lines = [texts[0] for texts in by_page.values()]
    assert max(first_lines.count(t) for t in first_lines) < 3


def test_gb37822_table1_has_rows(shared_dir: Path) -> None:
    doc = _load(shared_dir, "GB_37822-2019")

    table = next(t for t in doc.tables if t.caption.startswith("表1"))
    assert table.rows[0] == ["适用对象", "适用对象", "泄漏认定浓度", "重点地区泄漏认定浓度"]
    assert ["液态VOCs物料", "其他", "2 000", "500"] in table.rows


def test_hazardous_waste_catalogue_codes(shared_dir: Path) -> None:
    doc = _load(shared_dir, "国家危险废物名录_2021年版")

    codes = {code for cell in _cells(doc) for code in re.findall(r"\b\d{3}-\d{3}-\d{2}\b", cell)}
    assert "900-041-49" in codes
    assert len(codes) == 467  # the README's count of distinct waste codes


def test_gb12348_full_width_digits_and_image_only_page(shared_dir: Path) -> None:
    doc = _load(shared_dir, "GB_12348-2008")

    assert doc.warnings[0].startswith("page 8 read by OCR (mean confidence ")
    assert list(doc.ocr_pages) == [8]
    assert "4.1.2 夜间频发噪声的最大声级超过限值的幅度不得高于 10 dB(A)。" in doc.text
    assert "GB/T 15190 城市区域环境噪声适用区划分技术规范" in doc.text
    assert any(line.page == 8 for line in doc.lines)  # definitions 3.5-3.13 and 4.1.1, from the image
    assert any(row[-5:] == ["31.5", "63", "125", "250", "500"] for t in doc.tables for row in t.rows)


def test_symbol_font_glyphs_are_mapped(shared_dir: Path) -> None:
    doc = _load(shared_dir, "GB_13271-2014")

    assert "ρ′——实测的大气污染物排放浓度,mg/m3;" in doc.text.replace("――", "——")
    assert any("private-use characters mapped" in w for w in doc.warnings)


def test_background_images_do_not_make_hj1259_a_scan(shared_dir: Path) -> None:
    doc = _load(shared_dir, "HJ_1259-2022")

    assert doc.image_only_pages == []
    assert any(t.caption.startswith("表A.3") for t in doc.tables)


def test_spaced_cover_text_is_joined(shared_dir: Path) -> None:
    doc = _load(shared_dir, "GB_37822-2019")

    assert "中华人民共和国国家标准" in [line.text for line in doc.lines if line.page == 1]


@pytest.mark.parametrize("prefix", ["GB_8978-1996", "GB_16297-1996"])
def test_scanned_pdfs_without_ocr_are_refused(shared_dir: Path, prefix: str) -> None:
    # with OCR (the default) they load: test_scanned_standards.py
    with pytest.raises(UnsupportedDocumentError, match=NO_TEXT_MESSAGE):
        load_document(_pdf(shared_dir, prefix), max_bytes=LIMIT, loaders={".pdf": PdfRegulationLoader()})


def test_garbled_pdf_is_refused(shared_dir: Path) -> None:
    with pytest.raises(UnsupportedDocumentError) as info:
        load_document(_pdf(shared_dir, "GB_16889-2008"), max_bytes=LIMIT)
    assert str(info.value) == GARBLED_MESSAGE


def _statutes(shared_dir: Path) -> list[Path]:
    return sorted(p for p in (shared_dir / "regulations").glob("*.md") if p.stem != "README")


def test_the_statutes_are_those_of_the_readme(shared_dir: Path) -> None:
    listed = statute_articles(shared_dir)
    assert len(listed) >= 24
    assert {p.name for p in _statutes(shared_dir)} == set(listed)


def test_every_statute_loads_with_its_articles(shared_dir: Path) -> None:
    for path in _statutes(shared_dir):
        doc = load_document(path, max_bytes=LIMIT)

        source = path.read_text(encoding="utf-8")
        assert (doc.format, doc.encoding) == ("md", "utf-8"), path.name
        has_headings = bool(re.search(r"^#{1,6} ", source, re.M))
        assert any(line.heading_level for line in doc.lines) == has_headings, path.name
        expected = read_statute(path)
        parsed = parse_statute(path.stem, doc.text)
        assert sorted(parsed.articles) == sorted(expected.articles), path.name
        if "<!-- INFO END -->" in source:
            assert "<!-- INFO END -->" in [line.text for line in doc.lines], path.name


def test_statute_chapters_are_headings(shared_dir: Path) -> None:
    doc = load_document(shared_dir / "regulations" / "安全生产法.md", max_bytes=LIMIT)

    chapters = [line.text for line in doc.lines if line.heading_level == 2]
    assert chapters[0] == "第一章 总则"
    assert len(chapters) == 7
