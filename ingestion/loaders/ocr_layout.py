"""Lines and tables from an OCR'd page: text boxes grouped into lines, table cells into rows.

Boxes whose middle lies in a ruled table belong to its cells; the others make the page's lines, in
reading order (boxes overlapping vertically form one line, left to right). A table's cells are laid
on the grid of all their edges: a cell spanning several grid columns or rows fills each of them, as
pdfplumber's merged cells are filled. Printed standards often stack several values in one ruled cell
(GB 16297 表1: the ten chimney heights and their rates); when cells of a row hold the same number of
numeric lines, the row is split into one row per line and the other cells are repeated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingestion.ocr import OcrBox, OcrPage, Rect

__all__ = ["OcrLine", "OcrTable", "group_lines", "page_layout", "tidy"]

_CJK_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_DECIMAL_RE = re.compile(r"(?<=\d)\s*[.．]\s+(?=\d)|(?<=\d)\s+[.．]\s*(?=\d)")
_SPECKS_RE = re.compile(r"^[·:：.,，'`]+(?=\S)|(?<=\S)[·:：,，'`]+$|(?<=\d)[.．]$")
_NUMERIC_RE = re.compile(r"^[\d.,\s~～<>≤≥—\-*]+$")
_EDGE_TOLERANCE = 6  # pixels: cell edges closer than this are one grid line
_PROBE = 3  # pixels inside a cell's corner
_SPACE_GAP = 0.6  # a gap wider than this many box heights is a space


@dataclass
class OcrLine:
    """A line of text outside tables, with its vertical position and its boxes' mean score."""

    text: str
    top: float
    confidence: float


@dataclass(frozen=True)
class OcrTable:
    """A table: its box on the page and its rows (cells as text, lines of a cell joined by newlines)."""

    bbox: Rect
    rows: list[list[str]]


def page_layout(page: OcrPage) -> tuple[list[OcrLine], list[OcrTable]]:
    """The page's lines outside tables, and its tables, both top to bottom."""
    tables: list[OcrTable] = []
    claimed: set[int] = set()
    for cells in page.tables:
        bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
        if _at_page_edge(bbox, page):
            continue  # the edge of the scanned sheet or the scanner's lid, not a table
        inside = [i for i, b in enumerate(page.boxes) if _contains(bbox, b.center)]
        claimed.update(inside)
        rows = _table_rows(cells, [page.boxes[i] for i in inside])
        if rows:
            tables.append(OcrTable(bbox, rows))
    free = [b for i, b in enumerate(page.boxes) if i not in claimed]
    lines = [OcrLine(tidy(_join(group)), group[0].top, _mean_score(group)) for group in group_lines(free)]
    return lines, tables


def group_lines(boxes: Sequence[OcrBox]) -> list[list[OcrBox]]:
    """Boxes grouped into lines (vertical overlap of at least half the smaller box), each left to right."""
    lines: list[list[OcrBox]] = []
    for box in sorted(boxes, key=lambda b: (b.center[1], b.x0)):
        for line in reversed(lines[-3:]):
            top, bottom = min(b.top for b in line), max(b.bottom for b in line)
            overlap = min(bottom, box.bottom) - max(top, box.top)
            if overlap >= 0.5 * min(bottom - top, box.bottom - box.top):
                line.append(box)
                break
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def tidy(text: str) -> str:
    """Undo two habits of the recogniser: a space around a decimal point (``0. 1``), and specks of
    the scan read as dots or colons at the ends of a cell (``·总镉``, ``:8.``)."""
    return _SPECKS_RE.sub("", _DECIMAL_RE.sub(".", text.strip()))


def _join(line: Sequence[OcrBox]) -> str:
    out = ""
    for previous, box in zip([None, *line[:-1]], line, strict=True):
        if previous is None:
            out = box.text
            continue
        gap = box.x0 - previous.x1
        height = max(box.bottom - box.top, 1.0)
        cjk = bool(out) and _CJK_RE.match(out[-1]) and _CJK_RE.match(box.text[:1])
        out += ("" if cjk or gap < _SPACE_GAP * height else " ") + box.text
    return out


def _mean_score(boxes: Sequence[OcrBox]) -> float:
    chars = sum(len(b.text) for b in boxes) or 1
    return sum(b.confidence * len(b.text) for b in boxes) / chars


def _at_page_edge(rect: Rect, page: OcrPage) -> bool:
    margin = _EDGE_TOLERANCE
    return rect[0] <= margin or rect[1] <= margin or rect[2] >= page.width - margin or rect[3] >= page.height - margin


def _contains(rect: Rect, point: tuple[float, float]) -> bool:
    return rect[0] <= point[0] < rect[2] and rect[1] <= point[1] < rect[3]


def _starts(values: Sequence[int]) -> list[int]:
    """Grid lines from cell starts: values within the tolerance are one line, at the last of them."""
    starts: list[int] = []
    for v in sorted(values):
        if starts and v - starts[-1] <= _EDGE_TOLERANCE:
            starts[-1] = v
        else:
            starts.append(v)
    return starts


def _table_rows(cells: Sequence[Rect], boxes: Sequence[OcrBox]) -> list[list[str]]:
    texts = _cell_lines(cells, boxes)
    # each grid column (row) starts where a cell starts; probed just inside that start
    xs = _starts([c[0] for c in cells])
    ys = _starts([c[1] for c in cells])
    rows: list[list[str]] = []
    previous: list[int | None] | None = None
    for top in ys:
        row = [_cell_at(cells, (left + _PROBE, top + _PROBE)) for left in xs]
        if all(i is None for i in row) or row == previous:
            continue
        previous = row
        rows.extend(_split_stacked([texts[i] if i is not None else [] for i in row]))
    return [row for row in rows if any(cell.strip() for cell in row)]


def _cell_at(cells: Sequence[Rect], point: tuple[float, float]) -> int | None:
    # the smallest: a cell left open by a broken rule is an L whose box covers its neighbours
    inside = [i for i, c in enumerate(cells) if _contains(c, point)]
    return min(inside, key=lambda i: (cells[i][2] - cells[i][0]) * (cells[i][3] - cells[i][1]), default=None)


def _cell_lines(cells: Sequence[Rect], boxes: Sequence[OcrBox]) -> list[list[str]]:
    members: list[list[OcrBox]] = [[] for _ in cells]
    for box in boxes:
        i = _cell_at(cells, box.center)
        if i is not None:
            members[i].append(box)
    return [[tidy(_join(line)) for line in group_lines(m)] for m in members]


def _split_stacked(cells: list[list[str]]) -> list[list[str]]:
    """One row per line when cells stack values: cells with that many numeric lines are split."""
    stacked = [len(lines) for lines in cells if len(lines) > 1 and all(_NUMERIC_RE.match(t) for t in lines)]
    if not stacked:
        return [["\n".join(lines) for lines in cells]]
    count = max(stacked)
    return [
        [lines[i] if len(lines) == count else "\n".join(lines) for lines in cells]
        for i in range(count)
    ]  # fmt: skip
