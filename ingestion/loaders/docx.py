"""Word (.docx) regulations through python-docx.

Paragraphs and tables are read in document order. A paragraph styled ``Heading N`` (or ``标题 N``,
or ``Title``) gets ``heading_level`` N (1 for Title). Merged cells are filled: python-docx repeats a
merged cell's text in every grid position it covers, across and down. A table's caption is the
nearest preceding ``表N`` paragraph, if it is among the last three. Headers, footers and text boxes
are not read.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from ingestion.documents import Line, LoadedDocument, Table
from ingestion.loaders.text import CAPTION_RE, drop_empty_tables, fold_text
from kg.errors import UnsupportedDocumentError

__all__ = ["DocxRegulationLoader"]

_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_CAPTION_LOOKBACK = 3


class DocxRegulationLoader:
    """Loads ``.docx`` files with python-docx."""

    suffixes: tuple[str, ...] = (".docx",)

    def load(self, path: Path) -> LoadedDocument:
        """Read ``path``.

        Args:
            path: a Word 2007+ document.

        Returns:
            Paragraphs as lines and tables with merged cells filled, in document order.

        Raises:
            UnsupportedDocumentError: the file is not a readable .docx or holds no text.
        """
        document = _open(path)
        lines: list[Line] = []
        tables: list[Table] = []
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):
                tables.append(_table(block, caption=_recent_caption(lines)))
                continue
            line = _paragraph_line(block)
            if line is not None:
                lines.append(line)
        tables = drop_empty_tables(tables)
        if not lines and not tables:
            raise UnsupportedDocumentError("no text: the document has no paragraphs or tables with text")
        return LoadedDocument(path=path, format="docx", lines=lines, tables=tables)


def _open(path: Path) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError  # type: ignore[import-untyped]

    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as e:
        raise UnsupportedDocumentError(f"corrupt .docx: {type(e).__name__}: {e}") from e


def _paragraph_line(paragraph: Any) -> Line | None:
    text = fold_text(paragraph.text)
    if not text:
        return None
    return Line(text, heading_level=_heading_level(paragraph))


def _heading_level(paragraph: Any) -> int:
    style = paragraph.style
    name = (style.name or "").strip() if style is not None else ""
    if name.lower() == "title":
        return 1
    match = _HEADING_STYLE_RE.match(name)
    return min(int(match.group(1)), 6) if match else 0


def _recent_caption(lines: list[Line]) -> str:
    for line in reversed(lines[-_CAPTION_LOOKBACK:]):
        if CAPTION_RE.match(line.text):
            return line.text
    return ""


def _table(table: Any, *, caption: str) -> Table:
    rows = [[fold_text(cell.text) for cell in row.cells] for row in table.rows]
    width = max((len(row) for row in rows), default=0)
    return Table(page=None, rows=[row + [""] * (width - len(row)) for row in rows], caption=caption)
