"""PDF regulations through pdfplumber: text by page, tables with merged cells filled, and refusal of
what cannot be read faithfully.

Per page:

* tables come from ``page.find_tables()``; a cell covered by a merged cell (``None`` in pdfplumber)
  takes the text of the cell whose box covers it, so rows are complete; tables whose cells are all
  empty are dropped; the caption is the nearest ``表N`` line above the table (a table continued at
  the top of the next page keeps the caption of the one it continues);
* the text outside the tables becomes lines. Lines are clustered by glyph top, as pdfplumber does,
  unless anchoring glyphs at their bottom merges many more of them: some typeset files (GB 12348)
  give digit glyphs shorter boxes than CJK glyphs and would otherwise move clause numbers and values
  onto a line of their own;
* a page with (almost) no text but an image covering a good part of it is image-only. Pages carrying
  a background image *and* text (HJ 1259) are text pages.

Over the document: lines repeated at the top or bottom of many pages (the standard number, page
numbers as ``7``, ``iii`` or ``— 7 —``) are removed; text is NFKC-normalised; private-use glyphs
of the Symbol font are mapped and other private-use characters removed, with a warning; spaced-out
cover text (``中 华 人 民 共 和 国``) is joined.

Image-only pages are read by OCR (:mod:`ingestion.ocr`, when the loader has an engine): their lines
and ruled tables (:mod:`ingestion.loaders.ocr_layout`) take the place of the missing text layer, and
``ocr_pages`` gives each such page's confidence, so what is cited from them can say it was OCR'd.

Refused (``UnsupportedDocumentError``): no text layer at all and no OCR ("no text layer, OCR needed"), a font
that maps digits and Latin letters to CJK stand-ins (``圆园园愿`` for 2008) — the stand-ins are also
real words (人员, 污染源, and 月 is both "B" and "month"), so no repair would be reliable —, corrupt
or encrypted files. Without OCR a partly scanned file loads, with ``image_only_pages`` and a warning naming
them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.documents import Line, LoadedDocument, Table
from ingestion.loaders.ocr_layout import page_layout
from ingestion.loaders.text import CAPTION_RE, drop_empty_tables, normalize_text
from ingestion.ocr import LOW_CONFIDENCE, OcrPage, PdfPageOcr
from kg.errors import IngestionError, UnsupportedDocumentError

__all__ = ["GARBLED_MESSAGE", "NO_TEXT_MESSAGE", "PdfRegulationLoader", "clean_pdf_text", "looks_garbled"]

NO_TEXT_MESSAGE = "no text layer, OCR needed"
GARBLED_MESSAGE = "garbled font: digits and Latin letters are mapped to wrong characters; OCR or a character map needed"

# Symbol-font glyphs that PDF producers leave in the private-use area (U+F000 + the Symbol code).
_SYMBOL_PUA = {
    "\uf020": " ",
    "\uf028": "(",
    "\uf029": ")",
    "\uf02b": "+",
    "\uf02d": "-",
    "\uf03d": "=",
    "\uf061": "α",
    "\uf062": "β",
    "\uf064": "δ",
    "\uf067": "γ",
    "\uf06a": "φ",
    "\uf06c": "λ",
    "\uf06d": "μ",
    "\uf072": "ρ",
    "\uf0a2": "′",
    "\uf0a3": "≤",
    "\uf0b0": "°",
    "\uf0b1": "±",
    "\uf0b3": "≥",
    "\uf0b4": "×",
    "\uf0e5": "Σ",
}
_PUA_RE = re.compile("[\ue000-\uf8ff]")
# One publisher's font draws the full stop of numbers and URLs as U+E010 (GB 12348: 31\uE0105 = 31.5).
_PUA_DOT_RE = re.compile(r"(?<=[0-9A-Za-z])\ue010(?=[0-9A-Za-z])")
_SPACED_TOKEN_RE = re.compile(r"^[\u4e00-\u9fff]{1,2}$")
_PAGE_NUMBER_RE = re.compile(r"^[-—–_~]*(?:\d{1,4}|[ivxlcdm]{1,7})[-—–_~]*$", re.I)
_CJK_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff]")
_STAND_IN_RUN_RE = re.compile("[园员圆猿源缘远苑愿怨]{2,}")
_DIGIT_RUN_RE = re.compile(r"[0-9]+")
_CONTINUED_RE = re.compile(r"^续\s*表\s*([A-Z]?\.?\d+)")  # 续表1 over a continued table: 表1 (续)
_OCR_CAPTION_RE = re.compile(r"^(续?表\s*[A-Z]?\.?\d+)(?=[^\d.\s])")

_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running headers/footers
_IMAGE_ONLY_MAX_CHARS = 10
_IMAGE_ONLY_MIN_COVER = 0.25
_BOTTOM_ANCHOR_GAIN = 0.8
_Y_TOLERANCE = 3


@dataclass
class _PuaStats:
    mapped: Counter[str] = field(default_factory=Counter)  # by the character it became
    removed: Counter[str] = field(default_factory=Counter)


@dataclass
class _Page:
    number: int
    lines: list[str]
    tables: list[Table]
    image_cover: float
    image_only: bool = False
    ocr_confidence: float | None = None


def clean_pdf_text(text: str, stats: _PuaStats | None = None) -> str:
    """NFKC, private-use glyphs mapped or removed, spaced-out CJK joined, spaces collapsed.

    Args:
        text: one line or one line of a table cell, as extracted.
        stats: where to count mapped and removed private-use characters.

    Returns:
        The cleaned text.
    """
    text = normalize_text(text)
    if _PUA_RE.search(text):
        text = _PUA_DOT_RE.sub(lambda m: _count_mapped(".", stats), text)
        text = _PUA_RE.sub(lambda m: _map_pua(m.group(), stats), text)
        text = normalize_text(text)
    return _join_spaced_cjk(text)


def looks_garbled(text: str) -> bool:
    """True when digits seem to be drawn with CJK stand-ins (``圆园园愿`` for 2008).

    Runs of two or more different stand-ins (园员圆猿源缘远苑愿怨) are next to absent from real Chinese
    text, while a garbled font produces one for nearly every number; ASCII digit runs are the
    opposite. None of the 24 statutes or 14 other PDFs here has a single such run.
    """
    runs = sum(1 for run in _STAND_IN_RUN_RE.findall(text) if len(set(run)) > 1)
    return runs >= 5 and runs > len(_DIGIT_RUN_RE.findall(text))


class PdfRegulationLoader:
    """Loads ``.pdf`` files with pdfplumber (see the module docstring for what it does).

    Args:
        ocr: reads image-only pages; None to leave them out (with a warning) or refuse a scan.
    """

    suffixes: tuple[str, ...] = (".pdf",)

    def __init__(self, ocr: PdfPageOcr | None = None) -> None:
        self.ocr = ocr

    def load(self, path: Path) -> LoadedDocument:
        """Read ``path``.

        Args:
            path: a PDF file.

        Returns:
            Lines with page numbers, tables, page count, image-only pages and warnings.

        Raises:
            UnsupportedDocumentError: no text layer, garbled font, corrupt or encrypted file.
            IngestionError: a page could not be read.
        """
        stats = _PuaStats()
        pages = _read_pages(path, stats)
        return _assemble(path, pages, stats, self.ocr)


def _read_pages(path: Path, stats: _PuaStats) -> list[_Page]:
    import pdfplumber
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    try:
        with pdfplumber.open(path) as pdf:
            return [_read_page(page, number, stats) for number, page in enumerate(pdf.pages, start=1)]
    except (PdfminerException, MalformedPDFException) as e:
        raise UnsupportedDocumentError(_pdf_error_reason(e)) from e


def _pdf_error_reason(error: Exception) -> str:
    cause = error.args[0] if error.args else error
    if "password" in type(cause).__name__.lower() or "password" in str(cause).lower():
        return "encrypted PDF: a password is needed to read it"
    return f"corrupt PDF: {cause}"


def _read_page(page: Any, number: int, stats: _PuaStats) -> _Page:
    try:
        found = [(t, grid) for t in page.find_tables() if _has_text(grid := t.extract())]
        found.sort(key=lambda pair: pair[0].bbox[1])
        chars = [c for c in page.chars if not any(_inside(c, t.bbox) for t, _ in found)]
        tables = _page_tables(found, chars, number, stats)
        lines = _text_lines(chars)
        return _Page(number=number, lines=lines, tables=tables, image_cover=_image_cover(page))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise IngestionError(f"could not read page {number}: {type(e).__name__}: {e}") from e
    finally:
        page.close()  # drop the page's parsed objects: files here run to 35 pages


def _has_text(grid: Sequence[Sequence[str | None]]) -> bool:
    return any(cell and cell.strip() for row in grid for cell in row)


def _inside(char: dict[str, Any], bbox: tuple[float, float, float, float]) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return bool(bbox[0] <= x < bbox[2] and bbox[1] <= y < bbox[3])


def _page_tables(
    found: Sequence[tuple[Any, list[list[str | None]]]], chars: Sequence[dict[str, Any]], number: int, stats: _PuaStats
) -> list[Table]:
    tables: list[Table] = []
    above = 0.0
    for table, grid in found:
        x0, top, x1, bottom = table.bbox
        region = [c for c in chars if c["top"] >= above and c["bottom"] <= top + 1]
        caption = _last_caption(_text_lines(region), stats)
        rows = [[_clean_cell(cell, stats) for cell in row] for row in _filled_rows(table, grid)]
        tables.append(Table(page=number, rows=rows, caption=caption))
        above = bottom
    return tables


def _last_caption(lines: Sequence[str], stats: _PuaStats) -> str:
    for raw in reversed(lines):
        text = clean_pdf_text(raw, stats)
        if CAPTION_RE.match(text):
            return text
    return ""


def _filled_rows(table: Any, grid: Sequence[Sequence[str | None]]) -> list[list[str]]:
    """The table's cells, each ``None`` (covered by a merged cell) replaced by the covering cell's text."""
    rows = table.rows
    xs = sorted({cell[0] for cell in table.cells})
    origin = {cell: (r, c) for r, row in enumerate(rows) for c, cell in enumerate(row.cells) if cell is not None}
    filled: list[list[str]] = []
    for r, row in enumerate(rows):
        top = row.bbox[1]
        filled.append(
            [_covering_text(grid, origin, xs[c] + 1, top + 1) if v is None else v for c, v in enumerate(grid[r])]
        )
    return filled


def _covering_text(
    grid: Sequence[Sequence[str | None]],
    origin: dict[tuple[float, float, float, float], tuple[int, int]],
    x: float,
    y: float,
) -> str:
    for (x0, top, x1, bottom), (r, c) in origin.items():
        if x0 <= x < x1 and top <= y < bottom:
            return grid[r][c] or ""
    return ""


def _clean_cell(text: str, stats: _PuaStats) -> str:
    parts = [clean_pdf_text(part, stats) for part in text.split("\n")]
    out = ""
    for part in filter(None, parts):
        # A line break between two CJK characters is a wrap ('二氧\n化硫'); others separate values.
        glue = "" if out and _CJK_RE.match(out[-1]) and _CJK_RE.match(part[0]) else "\n"
        out = f"{out}{glue}{part}" if out else part
    return out


def _text_lines(chars: Sequence[dict[str, Any]]) -> list[str]:
    from pdfplumber.utils.text import extract_text

    if not chars:
        return []
    by_top = _line_count(c["top"] for c in chars)
    by_bottom = _line_count(c["bottom"] for c in chars)
    if by_bottom <= _BOTTOM_ANCHOR_GAIN * by_top:
        chars = [_anchor_at_bottom(c) for c in chars]
    text: str = extract_text(list(chars), y_tolerance=_Y_TOLERANCE)
    return [line for line in text.split("\n") if line.strip()]


def _line_count(positions: Iterable[float]) -> int:
    """How many lines clustering by these vertical positions gives (as pdfplumber clusters them)."""
    count, previous = 0, -math.inf
    for y in sorted(positions):
        if y - previous > _Y_TOLERANCE:
            count += 1
        previous = y
    return count


def _anchor_at_bottom(char: dict[str, Any]) -> dict[str, Any]:
    height = char["bottom"] - char["top"]
    return {**char, "top": char["bottom"], "doctop": char["doctop"] + height}


def _image_cover(page: Any) -> float:
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for image in page.images:
        width = max(0.0, min(float(image["x1"]), float(page.width)) - max(float(image["x0"]), 0.0))
        height = max(0.0, min(float(image["bottom"]), float(page.height)) - max(float(image["top"]), 0.0))
        covered += width * height
    return min(1.0, covered / area)


def _map_pua(char: str, stats: _PuaStats | None) -> str:
    mapped = _SYMBOL_PUA.get(char)
    if mapped is not None:
        return _count_mapped(mapped, stats)
    if stats is not None:
        stats.removed[char] += 1
    return ""


def _count_mapped(glyph: str, stats: _PuaStats | None) -> str:
    if stats is not None:
        stats.mapped[glyph] += 1
    return glyph


def _join_spaced_cjk(text: str) -> str:
    tokens = text.split(" ")
    if len(tokens) < 2 or not all(_SPACED_TOKEN_RE.match(t) for t in tokens):
        return text
    singles = sum(1 for t in tokens if len(t) == 1)
    return "".join(tokens) if singles >= 0.75 * len(tokens) else text


def _assemble(path: Path, pages: list[_Page], stats: _PuaStats, ocr: PdfPageOcr | None) -> LoadedDocument:
    for page in pages:
        page.lines = [text for text in (clean_pdf_text(raw, stats) for raw in page.lines) if text]
    _strip_running_lines(pages)
    image_only = _mark_image_only(pages)
    if ocr is not None and image_only:
        for number, result in ocr.run(path, image_only).items():
            _take_ocr(pages[number - 1], result, stats)
        # OCR'd pages among themselves: their running lines are as the scan printed them
        _strip_running_lines([page for page in pages if page.ocr_confidence is not None])
    if not any(page.lines for page in pages if not page.image_only or page.ocr_confidence is not None):
        raise UnsupportedDocumentError(f"{NO_TEXT_MESSAGE} (none of the {len(pages)} pages has text)")
    lines = [Line(text, page=page.number) for page in pages for text in page.lines]
    tables = drop_empty_tables(table for page in pages for table in page.tables)
    _inherit_captions(tables)
    if looks_garbled(_all_text(lines, tables)):
        raise UnsupportedDocumentError(GARBLED_MESSAGE)
    warnings = _pua_warnings(stats)
    ocr_pages = {p.number: round(p.ocr_confidence, 4) for p in pages if p.ocr_confidence is not None}
    unread = [n for n in image_only if n not in ocr_pages]
    if ocr_pages:
        warnings.insert(0, _ocr_warning(ocr_pages))
    if unread:
        warnings.insert(0, _image_only_warning(unread))
    return LoadedDocument(
        path=path,
        format="pdf",
        lines=lines,
        tables=tables,
        pages=len(pages),
        image_only_pages=image_only,
        ocr_pages=ocr_pages,
        warnings=warnings,
    )


def _take_ocr(page: _Page, result: OcrPage, stats: _PuaStats) -> None:
    """The OCR'd lines and tables become the page's; each table's caption is the last 表N line above it."""
    lines, tables = page_layout(result)
    for line in lines:  # OCR drops the space after a caption's number: 表1第一类污染物… → 表1 第一类污染物…
        line.text = _OCR_CAPTION_RE.sub(r"\1 ", clean_pdf_text(line.text, stats))
    page.lines = [line.text for line in lines if line.text]
    if page.lines and _PAGE_NUMBER_RE.match(re.sub(r"[\s·•]", "", page.lines[-1])):
        page.lines.pop()  # the printed page number (·5·, 276): a scan alone on its page has no running lines
    page.tables = []
    for table in tables:
        above = [_CONTINUED_RE.sub(r"表\1 (续)", line.text) for line in lines if line.top < table.bbox[1]]
        caption = _last_caption(above, stats)
        rows = [[_clean_cell(cell, stats) for cell in row] for row in table.rows]
        page.tables.append(Table(page=page.number, rows=_rectangular(rows), caption=caption))
    page.ocr_confidence = result.confidence


def _rectangular(rows: list[list[str]]) -> list[list[str]]:
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _ocr_warning(confidence: dict[int, float]) -> str:
    numbers = sorted(confidence)
    mean = sum(confidence.values()) / len(confidence)
    low = [n for n in numbers if confidence[n] < LOW_CONFIDENCE]
    text = f"{_page_list(numbers)} read by OCR (mean confidence {mean:.2f}, lowest {min(confidence.values()):.2f})"
    if low:
        text += f"; below {LOW_CONFIDENCE:.2f}, flagged low-confidence: {_page_list(low)}"
    return text


def _page_list(numbers: Sequence[int]) -> str:
    return f"page {numbers[0]}" if len(numbers) == 1 else f"pages {', '.join(map(str, numbers))}"


def _line_key(text: str, *, bottom: bool) -> str:
    key = re.sub(r"\s+", "", text)
    return "<page-number>" if bottom and _PAGE_NUMBER_RE.match(key) else key


def _strip_running_lines(pages: Sequence[_Page]) -> None:
    """Remove lines that recur at the top (or bottom) of many pages: running headers and footers."""
    with_text = [page for page in pages if page.lines]
    # On at least half of the pages with text (three at least, or all of them in a short document).
    needed = max(2, min(len(with_text), max(3, math.ceil(0.5 * len(with_text)))))
    tops = Counter(k for p in with_text for k in {_line_key(t, bottom=False) for t in p.lines[:_EDGE_LINES]})
    bottoms = Counter(k for p in with_text for k in {_line_key(t, bottom=True) for t in p.lines[-_EDGE_LINES:]})
    running_top = {key for key, count in tops.items() if count >= needed}
    running_bottom = {key for key, count in bottoms.items() if count >= needed}
    for page in with_text:
        last = len(page.lines) - _EDGE_LINES
        page.lines = [
            text
            for i, text in enumerate(page.lines)
            if not (i < _EDGE_LINES and _line_key(text, bottom=False) in running_top)
            and not (i >= last and _line_key(text, bottom=True) in running_bottom)
        ]


def _mark_image_only(pages: Iterable[_Page]) -> list[int]:
    image_only = []
    for page in pages:
        chars = sum(len(text.replace(" ", "")) for text in page.lines)
        if chars < _IMAGE_ONLY_MAX_CHARS and page.image_cover >= _IMAGE_ONLY_MIN_COVER and not page.tables:
            page.image_only = True
            image_only.append(page.number)
    return image_only


def _inherit_captions(tables: Sequence[Table]) -> None:
    # A table at the top of a page without a caption of its own continues the previous page's table.
    for previous, table in zip(tables, tables[1:], strict=False):
        if not table.caption and previous.page is not None and table.page == previous.page + 1:
            table.caption = previous.caption


def _all_text(lines: Iterable[Line], tables: Iterable[Table]) -> str:
    cells = (cell for table in tables for row in table.rows for cell in row)
    return "\n".join([*(line.text for line in lines), *cells])


def _image_only_warning(pages: Sequence[int]) -> str:
    if len(pages) == 1:
        return f"page {pages[0]} has no text layer (image only): its content is missing, OCR needed"
    return f"pages {', '.join(map(str, pages))} have no text layer (image only): their content is missing, OCR needed"


def _pua_warnings(stats: _PuaStats) -> list[str]:
    warnings = []
    if stats.mapped:
        glyphs = " ".join(sorted(stats.mapped))
        warnings.append(f"{sum(stats.mapped.values())} private-use characters mapped to {glyphs}")
    if stats.removed:
        codes = ", ".join(f"U+{ord(c):04X}×{n}" for c, n in stats.removed.most_common())
        warnings.append(f"{sum(stats.removed.values())} private-use characters removed ({codes})")
    return warnings
