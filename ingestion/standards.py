"""Numbered clauses (4.1, 4.1.2, 附录A) and limit-value tables of standards.

Standards number their clauses instead of writing 第N条. A line opening with a clause number starts a
clause; following lines belong to it until the next number. Tables become clauses ``表N`` under the
clause where their caption appears, and each numeric cell of a limit table becomes a structured row
(pollutant, limit, unit, conditions = the column headers above it). A numeric column headed as a
chimney height (排气筒高度) is a condition of the row's other values, not a limit itself, and a value
may carry its scope in brackets (``1200（硫、二氧化硫、硫酸和其它含硫化合物生产）``).

Clauses and rows read from OCR'd pages carry that page's confidence (the lowest over the pages a clause
runs over), so citations can say the text was recognised from a scan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ingestion.documents import Line, Table

__all__ = ["LimitRow", "StandardClause", "StandardDocument", "limit_rows", "parse_standard"]

_CLAUSE_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\s*([^\d.．%~\-—].*)$")
_APPENDIX_RE = re.compile(r"^(附\s*录\s*[A-Z])\s*(.*)$")
_TABLE_RE = re.compile(r"^(续?表\s*[A-Z]?\.?\d+)\s*(.*)$")
_UNIT_RE = re.compile(r"(mg/m3|mg/m³|μg/m3|ng-TEQ/m3|mg/L|μg/L|kg/h|dB\(A\)|dB|kg/t|m3/t|%|无量纲|倍|℃)", re.IGNORECASE)
_NUMBER_RE = re.compile(
    r"^\s*(\d[\d ]*(?:\.\d+)?)\s*(?:[a-z]{1,2}|\(\d\)|（\d）|注\d.*|\*{1,3}|[(（][^()（）]{2,}[)）])?\s*$"
)
_CONDITION_COLUMN_RE = re.compile(r"排气筒|烟囱高度")


@dataclass
class StandardClause:
    """A numbered clause of a standard."""

    number: str
    title: str
    lines: list[str] = field(default_factory=list)
    page: int | None = None
    parent: str | None = None
    ocr_confidence: float | None = None

    @property
    def text(self) -> str:
        """Title and body."""
        return "\n".join([self.title, *self.lines]).strip()


@dataclass(frozen=True)
class LimitRow:
    """One limit value read from a table."""

    table: str
    pollutant: str
    limit: float | None
    limit_text: str
    unit: str
    conditions: tuple[str, ...]
    page: int | None
    ocr_confidence: float | None = None


@dataclass
class StandardDocument:
    """Clauses in order and the limit rows of the tables."""

    clauses: dict[str, StandardClause] = field(default_factory=dict)
    limits: list[LimitRow] = field(default_factory=list)


def _depth(number: str) -> int:
    return number.count(".") + 1


def _accept(number: str, title: str, seen: dict[str, StandardClause]) -> bool:
    """A number is a clause only where the numbering makes sense (not a stray value in the text)."""
    if number in seen or len(title) < 2:
        return False
    if _depth(number) == 1:
        return int(number) <= 20 and len(title) <= 30
    parent = number.rsplit(".", 1)[0]
    return parent in seen or any(k.startswith(parent + ".") for k in seen)


def parse_standard(
    lines: Sequence[Line], tables: Sequence[Table], ocr_pages: Mapping[int, float] | None = None
) -> StandardDocument:
    """Clauses of a standard and the limit values of its tables.

    Args:
        lines: the document's lines.
        tables: its tables.
        ocr_pages: confidence of the pages read by OCR, by page number.
    """
    ocr = ocr_pages or {}
    doc = StandardDocument()
    current: StandardClause | None = None
    captions: dict[str, str] = {}
    for line in lines:
        text = line.text.strip()
        found = _APPENDIX_RE.match(text) or _CLAUSE_RE.match(text)
        if found and (found.re is _APPENDIX_RE or _accept(found.group(1), found.group(2).strip(), doc.clauses)):
            number = re.sub(r"\s+", "", found.group(1))
            parent = number.rsplit(".", 1)[0] if "." in number else None
            current = StandardClause(number=number, title=found.group(2).strip(), page=line.page, parent=parent)
            doc.clauses[number] = current
            continue
        table = _TABLE_RE.match(text)
        if table and not table.group(1).startswith("续"):
            key = re.sub(r"\s+", "", table.group(1))
            caption_parent = current.number if current else None
            doc.clauses.setdefault(key, StandardClause(key, table.group(2).strip(), [], line.page, caption_parent))
            captions[key] = table.group(2).strip()
        if current is not None:
            current.lines.append(text)
            if line.page is not None and line.page in ocr:
                current.ocr_confidence = min(ocr[line.page], current.ocr_confidence or 1.0)
    for clause in doc.clauses.values():
        if clause.page is not None and clause.page in ocr:
            clause.ocr_confidence = min(ocr[clause.page], clause.ocr_confidence or 1.0)
    for t in tables:
        rows = limit_rows(t)
        confidence = ocr.get(t.page) if t.page is not None else None
        doc.limits.extend(LimitRow(**{**vars(r), "ocr_confidence": confidence}) for r in rows)
        _flag_table_clause(doc, t, confidence)
    return doc


def _flag_table_clause(doc: StandardDocument, table: Table, confidence: float | None) -> None:
    key = re.sub(r"\s+", "", table.caption.split(" ")[0]) if table.caption else ""
    clause = doc.clauses.get(key)
    if clause is not None and confidence is not None:
        clause.ocr_confidence = min(confidence, clause.ocr_confidence or 1.0)


def _number(cell: str) -> float | None:
    match = _NUMBER_RE.match(cell.replace("\n", " "))
    return float(match.group(1).replace(" ", "")) if match else None


def limit_rows(table: Table) -> list[LimitRow]:
    """Limit values of a table: each numeric cell with its row's pollutant and its column's headers.

    Header rows are the leading rows without numbers (and without a serial number); the pollutant is
    the first non-numeric, non-serial column of a data row, its other text cells (适用范围, sub-sector)
    are the first conditions. Tables without a numeric body give no rows.
    """
    rows = [[c.strip() for c in row] for row in table.rows if any(c.strip() for c in row)]
    header_count = 0
    # a row opening with a serial number is data even without a number (GB 8978 表4: pH 6~9)
    while (
        header_count < len(rows)
        and not rows[header_count][0].isdigit()
        and not any(_number(c) is not None for c in rows[header_count][1:])
    ):
        header_count += 1
    headers, body = rows[:header_count], rows[header_count:]
    if not body or not headers:
        return []
    table_unit = _unit(table.caption) or _unit(" ".join(c for r in headers for c in r))
    label = re.sub(r"\s+", "", table.caption.split(" ")[0]) if table.caption else f"table{table.index}"
    out: list[LimitRow] = []
    condition_columns = {
        col for col in range(len(rows[0])) if any(col < len(h) and _CONDITION_COLUMN_RE.search(h[col]) for h in headers)
    }
    for row in body:
        names = [c for c in row if c and _number(c) is None and not c.isdigit()]
        if not names:
            continue
        pollutant = names[0].replace("\n", "")
        given = tuple(f"{_header(headers, col)} {row[col]}" for col in sorted(condition_columns) if col < len(row))
        for col, cell in enumerate(row):
            value = _number(cell)
            if value is None or cell == pollutant or (col == 0 and cell.isdigit()) or col in condition_columns:
                continue
            conditions = tuple(dict.fromkeys(h[col].replace("\n", "") for h in headers if col < len(h) and h[col]))
            unit = next((u for c in conditions if (u := _unit(c))), table_unit)
            text = cell.replace("\n", " ")
            scope = tuple(dict.fromkeys(n.replace("\n", "") for n in names[1:]))  # 适用范围 of the row
            out.append(LimitRow(label, pollutant, value, text, unit, scope + conditions + given, table.page))
    return out


def _header(headers: Sequence[Sequence[str]], col: int) -> str:
    return (headers[-1][col] if col < len(headers[-1]) else "").replace("\n", "")


def _unit(text: str) -> str:
    match = _UNIT_RE.search(text)
    return match.group(1) if match else ""
