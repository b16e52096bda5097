"""The two scanned standards of ../shared/regulations_pdf read by OCR, with their limit tables.

OCR takes minutes for the 43 pages, so results are cached in the user's cache directory
(:func:`ingestion.ocr.user_cache_dir`, the one ``hsekg ingest`` uses), keyed by each file's SHA-256: only the first
run on a machine pays.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from ingestion.documents import LoadedDocument
from ingestion.loaders import load_document
from ingestion.loaders.pdf import PdfRegulationLoader
from ingestion.ocr import LOW_CONFIDENCE, PdfPageOcr, RapidOcrRecognizer, user_cache_dir
from ingestion.standards import StandardDocument, parse_standard

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@functools.cache
def _load(shared_dir: Path, cache: Path, prefix: str) -> tuple[LoadedDocument, StandardDocument]:
    (path,) = (shared_dir / "regulations_pdf").glob(f"{prefix}*.pdf")
    loader = PdfRegulationLoader(ocr=PdfPageOcr(RapidOcrRecognizer(), cache_dir=cache))
    doc = load_document(path, max_bytes=50 * 2**20, loaders={".pdf": loader})
    return doc, parse_standard(doc.lines, doc.tables, doc.ocr_pages)


@pytest.fixture(scope="session")
def ocr_cache() -> Path:
    # the cache `hsekg ingest` uses too (the user's), so a machine pays for the OCR of the scans once
    return user_cache_dir()


def _limits(standard: StandardDocument, table: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in standard.limits:
        if row.table == table:
            out.setdefault(row.pollutant, []).append(row.limit_text)
    return out


@pytest.mark.parametrize(("prefix", "pages"), [("GB_8978-1996", 19), ("GB_16297-1996", 24)])
def test_every_page_is_ocrd_with_a_confidence(shared_dir: Path, ocr_cache: Path, prefix: str, pages: int) -> None:
    doc, standard = _load(shared_dir, ocr_cache, prefix)

    assert sorted(doc.ocr_pages) == list(range(1, pages + 1))
    assert all(0 < c <= 1 for c in doc.ocr_pages.values())
    assert sum(doc.ocr_pages.values()) / pages > LOW_CONFIDENCE
    assert doc.warnings[0].startswith(f"pages {', '.join(map(str, range(1, pages + 1)))} read by OCR")
    assert all(line.page in doc.ocr_pages for line in doc.lines)
    assert all(c.ocr_confidence is not None for c in standard.clauses.values())


def test_gb8978_clauses_and_table1(shared_dir: Path, ocr_cache: Path) -> None:
    doc, standard = _load(shared_dir, ocr_cache, "GB_8978-1996")

    assert {"4.1", "4.2", "表1", "表4"} <= set(standard.clauses)
    assert "第一类污染物" in standard.clauses["表1"].title
    table1 = _limits(standard, "表1")
    assert table1["总汞"] == ["0.05"]
    assert table1["六价铬"] == ["0.5"]
    assert table1["总铍"] == ["0.005"]
    assert all(r.ocr_confidence is not None and r.unit == "mg/L" for r in standard.limits if r.table == "表1")


def test_gb8978_table4_keeps_the_scope_of_each_row(shared_dir: Path, ocr_cache: Path) -> None:
    _, standard = _load(shared_dir, ocr_cache, "GB_8978-1996")

    rows = [r for r in standard.limits if r.table == "表4" and r.pollutant == "石油类"]
    # in column order 一级, 二级, 三级 (OCR read the first header as 级标准: its 一 is lost)
    assert [(r.limit_text, r.conditions[-1]) for r in rows][1:] == [("10", "二级标准"), ("20", "三级标准")]
    assert rows[0].limit_text == "5"
    cod = [r for r in standard.limits if r.table == "表4" and r.pollutant.startswith("化学需氧量")]
    assert ("石油化工工业(包括石油炼制)", "60") in {(r.conditions[0], r.limit_text) for r in cod}


def test_gb16297_table2_rates_by_chimney_height(shared_dir: Path, ocr_cache: Path) -> None:
    _, standard = _load(shared_dir, ocr_cache, "GB_16297-1996")

    so2 = [r for r in standard.limits if r.table == "表2" and r.pollutant == "二氧化硫"]
    assert any(r.limit_text.startswith("960") for r in so2)
    rate = [r for r in so2 if any(c.endswith(" 15") for c in r.conditions) and "二级" in r.conditions]
    # 960 (生产) and 550 (使用) share the rates by height
    assert [(r.limit_text, r.unit) for r in rate] == [("2.6", "kg/h"), ("2.6", "kg/h")]
