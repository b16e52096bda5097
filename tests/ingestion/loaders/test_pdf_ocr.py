"""Image-only pages read by OCR: a scripted recogniser for the loader's logic, RapidOCR once for real.

The image-only PDFs are made here: a page drawn with reportlab's built-in Helvetica is rendered by
pdfium to a bitmap, which becomes the only content of a page of a new PDF (no text layer).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from ingestion.loaders.pdf import NO_TEXT_MESSAGE, PdfRegulationLoader
from ingestion.ocr import OcrBox, PdfPageOcr, RapidOcrRecognizer
from ingestion.standards import parse_standard
from kg.errors import UnsupportedDocumentError

WIDTH, HEIGHT = A4


def _scan(path: Path, pages: Sequence[Sequence[str]]) -> Path:
    """An image-only PDF: each page's lines drawn in Helvetica, rasterised at 150 dpi, placed as an image."""
    text_pdf = io.BytesIO()
    canvas = Canvas(text_pdf, pagesize=A4)
    for lines in pages:
        canvas.setFont("Helvetica", 14)
        for i, line in enumerate(lines):
            canvas.drawString(72, HEIGHT - 100 - 28 * i, line)
        canvas.showPage()
    canvas.save()
    rendered = pdfium.PdfDocument(text_pdf.getvalue())
    out = Canvas(str(path), pagesize=A4)
    for page in rendered:
        buffer = io.BytesIO()
        page.render(scale=150 / 72, grayscale=True).to_pil().save(buffer, format="PNG")
        buffer.seek(0)
        out.drawImage(ImageReader(buffer), 0, 0, WIDTH, HEIGHT)
        out.showPage()
    out.save()
    return path


class ScriptedRecognizer:
    """Returns fixed boxes per call, in order, and counts the calls."""

    name = "scripted 1"

    def __init__(self, pages: Sequence[Sequence[OcrBox]]) -> None:
        self.pages = list(pages)
        self.calls = 0

    def recognize(self, image: npt.NDArray[np.uint8]) -> list[OcrBox]:
        self.calls += 1
        return list(self.pages[(self.calls - 1) % len(self.pages)])


def _line(text: str, y: float, score: float = 0.97) -> OcrBox:
    return OcrBox(text, 150, y, 150 + 30 * len(text), y + 24, score)


PAGE_1 = [_line("GB 99999-1996", 80), _line("1 主题内容与适用范围", 200), _line("1.1 本标准规定了排放限值。", 240)]
PAGE_2 = [_line("GB 99999-1996", 80, 0.7), _line("4 技术内容", 200, 0.7), _line("4.1 应当执行表1。", 240, 0.7)]


def test_image_only_pages_are_read_by_ocr_with_their_confidence(tmp_path: Path) -> None:
    pdf = _scan(tmp_path / "scan.pdf", [["page one"], ["page two"]])
    recognizer = ScriptedRecognizer([PAGE_1, PAGE_2])

    doc = PdfRegulationLoader(ocr=PdfPageOcr(recognizer)).load(pdf)

    assert doc.image_only_pages == [1, 2]
    assert doc.ocr_pages == {1: 0.97, 2: 0.7}
    # the running header of both pages is gone, the lines keep their page
    assert [(line.text, line.page) for line in doc.lines] == [
        ("1 主题内容与适用范围", 1),
        ("1.1 本标准规定了排放限值。", 1),
        ("4 技术内容", 2),
        ("4.1 应当执行表1。", 2),
    ]
    assert (
        doc.warnings[0]
        == "pages 1, 2 read by OCR (mean confidence 0.83, lowest 0.70); below 0.90, flagged low-confidence: page 2"
    )


def test_ocr_clauses_carry_the_confidence_of_their_page(tmp_path: Path) -> None:
    pdf = _scan(tmp_path / "scan.pdf", [["page one"], ["page two"]])
    doc = PdfRegulationLoader(ocr=PdfPageOcr(ScriptedRecognizer([PAGE_1, PAGE_2]))).load(pdf)

    standard = parse_standard(doc.lines, doc.tables, doc.ocr_pages)

    assert standard.clauses["1.1"].ocr_confidence == 0.97
    assert standard.clauses["4.1"].ocr_confidence == 0.7


def test_the_cache_keyed_by_the_file_content_spares_a_second_ocr(tmp_path: Path) -> None:
    pdf = _scan(tmp_path / "scan.pdf", [["page one"], ["page two"]])
    first = ScriptedRecognizer([PAGE_1, PAGE_2])
    PdfRegulationLoader(ocr=PdfPageOcr(first, cache_dir=tmp_path / "ocr")).load(pdf)
    copy = tmp_path / "renamed.pdf"
    copy.write_bytes(pdf.read_bytes())
    second = ScriptedRecognizer([PAGE_1])

    doc = PdfRegulationLoader(ocr=PdfPageOcr(second, cache_dir=tmp_path / "ocr")).load(copy)

    assert (first.calls, second.calls) == (2, 0)
    assert doc.ocr_pages == {1: 0.97, 2: 0.7}


def test_without_ocr_a_scan_is_refused_as_before(tmp_path: Path) -> None:
    pdf = _scan(tmp_path / "scan.pdf", [["page one"]])

    with pytest.raises(UnsupportedDocumentError, match=NO_TEXT_MESSAGE):
        PdfRegulationLoader().load(pdf)


def test_a_scan_in_which_ocr_finds_nothing_is_refused(tmp_path: Path) -> None:
    pdf = _scan(tmp_path / "scan.pdf", [[""]])

    with pytest.raises(UnsupportedDocumentError, match=NO_TEXT_MESSAGE):
        PdfRegulationLoader(ocr=PdfPageOcr(ScriptedRecognizer([[]]))).load(pdf)


@pytest.mark.slow
def test_rapidocr_reads_a_rendered_page(tmp_path: Path) -> None:
    pdf = _scan(tmp_path / "scan.pdf", [["GB 8978-1996", "4.2.1 pH 6-9", "COD 100 mg/L"]])

    doc = PdfRegulationLoader(ocr=PdfPageOcr(RapidOcrRecognizer())).load(pdf)

    text = doc.text.replace(" ", "")
    assert "4.2.1pH6-9" in text
    assert "COD100mg/L" in text
    assert doc.ocr_pages[1] > 0.9


def test_each_page_ocr_reads_is_reported_and_a_cached_one_is_not(tmp_path: Path) -> None:
    pdf = _scan(tmp_path / "scan.pdf", [["page one"], ["page two"]])
    seen: list[tuple[str, int, int]] = []
    recognizer = ScriptedRecognizer([PAGE_1, PAGE_2])
    ocr = PdfPageOcr(recognizer, cache_dir=tmp_path / "ocr", progress=lambda *a: seen.append(a))
    PdfRegulationLoader(ocr=ocr).load(pdf)
    assert seen == [("scan.pdf", 1, 2), ("scan.pdf", 2, 2)]
    seen.clear()
    PdfRegulationLoader(ocr=ocr).load(pdf)
    assert seen == []
