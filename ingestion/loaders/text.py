"""Markdown and plain-text regulations, and the text clean-up every loader shares.

Encoding: UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312). Text
keeps its Chinese punctuation, so quotations of statutes stay faithful; full-width digits and Latin
letters become ASCII and the ideographic space a space (:func:`fold_text`). PDF text, whose glyph
mapping is less trustworthy, is fully NFKC-normalised (:func:`normalize_text`). For Markdown, YAML
front matter is dropped, ``#`` headings give ``heading_level`` and pipe tables become
:class:`~ingestion.documents.Table` (their rows are not repeated as lines). The ``<!-- INFO END -->``
marker stays a line: the statute parser splits history from articles on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from ingestion.documents import Line, LoadedDocument, Table, normalize_width
from kg.errors import UnsupportedDocumentError

__all__ = [
    "CAPTION_RE",
    "TextRegulationLoader",
    "decode_text",
    "drop_empty_tables",
    "fold_text",
    "normalize_text",
]

CAPTION_RE = re.compile(r"^表\s*[0-9A-Za-z]")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_SPACES_RE = re.compile(r"[ \t\u00a0]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def fold_text(text: str) -> str:
    """Fold full-width digits/letters to ASCII, collapse runs of spaces and strip; punctuation is kept."""
    return _SPACES_RE.sub(" ", normalize_width(text)).strip()


def normalize_text(text: str) -> str:
    """NFKC-normalise, collapse runs of spaces and strip.

    Args:
        text: raw text of one line or cell.

    Returns:
        The cleaned text; full-width characters are ASCII afterwards.
    """
    return _SPACES_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def decode_text(data: bytes, *, suffix: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM or not), else GB18030.

    Args:
        data: the file content.
        suffix: the file extension, for the error message.

    Returns:
        (text, encoding name).

    Raises:
        UnsupportedDocumentError: the bytes are binary or in neither encoding.
    """
    if data.startswith(_UTF16_BOMS):
        raise UnsupportedDocumentError("UTF-16 text is not supported; save the file as UTF-8")
    if b"\x00" in data:
        raise UnsupportedDocumentError(f"file extension {suffix} but content is binary (NUL bytes), not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if len(_CONTROL_RE.findall(text)) > max(8, len(text) // 100):
            break
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise UnsupportedDocumentError(
        f"file extension {suffix} but content is not text (binary data, or neither UTF-8 nor GB18030/GBK)"
    )


def drop_empty_tables(tables: Iterable[Table]) -> list[Table]:
    """Keep tables with at least one non-empty cell and renumber them in document order."""
    kept = [t for t in tables if any(cell.strip() for row in t.rows for cell in row)]
    for index, table in enumerate(kept):
        table.index = index
    return kept


class TextRegulationLoader:
    """Loads ``.md`` and ``.txt`` files (Markdown structure is read only from ``.md``)."""

    suffixes: tuple[str, ...] = (".md", ".txt")

    def load(self, path: Path) -> LoadedDocument:
        """Read ``path``.

        Args:
            path: a Markdown or plain-text file.

        Returns:
            The document with one :class:`Line` per non-empty source line.

        Raises:
            UnsupportedDocumentError: binary, undecodable or empty content.
        """
        suffix = path.suffix.lower()
        text, encoding = decode_text(path.read_bytes(), suffix=suffix)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fmt = "md" if suffix == ".md" else "txt"
        if fmt == "md":
            text = _FRONT_MATTER_RE.sub("", text, count=1)
            lines, tables = _parse_markdown(text.split("\n"))
        else:
            lines, tables = _plain_lines(text.split("\n")), []
        if not lines and not tables:
            raise UnsupportedDocumentError("no text: the file holds only whitespace")
        return LoadedDocument(path=path, format=fmt, lines=lines, tables=tables, encoding=encoding)


def _plain_lines(raw_lines: Iterable[str]) -> list[Line]:
    cleaned = (fold_text(raw) for raw in raw_lines)
    return [Line(text) for text in cleaned if text]


def _parse_markdown(raw_lines: Sequence[str]) -> tuple[list[Line], list[Table]]:
    lines: list[Line] = []
    tables: list[Table] = []
    block: list[str] = []
    for raw in [*raw_lines, ""]:
        stripped = raw.strip()
        if stripped.startswith("|"):
            block.append(stripped)
            continue
        if block:
            tables.append(_pipe_table(block, caption=_last_caption(lines)))
            block = []
        line = _markdown_line(stripped)
        if line is not None:
            lines.append(line)
    return lines, drop_empty_tables(tables)


def _markdown_line(stripped: str) -> Line | None:
    heading = _HEADING_RE.match(stripped)
    if heading:
        text = fold_text(heading.group(2))
        return Line(text, heading_level=len(heading.group(1))) if text else None
    text = fold_text(stripped)
    return Line(text) if text else None


def _last_caption(lines: Sequence[Line]) -> str:
    for line in reversed(lines[-3:]):
        if CAPTION_RE.match(line.text):
            return line.text
    return ""


def _pipe_table(block: Sequence[str], *, caption: str) -> Table:
    rows = [_pipe_cells(row) for row in block if not _TABLE_SEPARATOR_RE.match(row)]
    width = max((len(row) for row in rows), default=0)
    return Table(page=None, rows=[row + [""] * (width - len(row)) for row in rows], caption=caption)


def _pipe_cells(row: str) -> list[str]:
    body = row.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [fold_text(cell.replace("\\|", "|")) for cell in cells]
