"""The document model every loader produces, and the loader protocol.

A loader turns one file into a :class:`LoadedDocument`: its text as lines with page numbers (NFKC
normalised, running headers and footers removed), its tables as rows, and what it could not read
(image-only pages, garbled text). The clause-tree parser works on that, whatever the format was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["DocumentLoader", "Line", "LoadedDocument", "Table", "normalize_width"]

# Full-width ASCII (digits, Latin letters) and the ideographic space; CJK punctuation is kept as printed.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_WIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_WIDTH[0x3000] = 0x20


def normalize_width(text: str) -> str:
    """Full-width digits and Latin letters to ASCII, ideographic space to a space.

    Statute text keeps its Chinese punctuation (，；：（）) so quotations stay faithful; only the
    characters that carry numbers and codes are folded, which is what matching and parsing need.
    """
    return text.translate(_WIDTH)


@dataclass(frozen=True)
class Line:
    """One line (paragraph) of text with where it came from.

    Attributes:
        text: the text, NFKC-normalised, stripped.
        page: 1-based page number for paged formats (PDF), else None.
        heading_level: Markdown heading depth (1-6) or DOCX heading style level, else 0.
    """

    text: str
    page: int | None = None
    heading_level: int = 0


@dataclass
class Table:
    """A table as rows of cells, merged cells filled (down and right) so every row is complete.

    Attributes:
        page: 1-based page number (PDF), else None.
        rows: the rows; the first is the header row when the table has one.
        caption: the nearest preceding "表N ..." caption, if found.
        index: position of the table within the document (0-based), for provenance.
    """

    page: int | None
    rows: list[list[str]]
    caption: str = ""
    index: int = 0


@dataclass
class LoadedDocument:
    """What a loader read from one file.

    Attributes:
        path: the file.
        format: "md", "txt", "pdf" or "docx".
        lines: the text in reading order.
        tables: tables found (PDF, DOCX; Markdown pipe tables).
        pages: number of pages (PDF), else 0.
        image_only_pages: 1-based pages without a text layer.
        ocr_pages: of those, the pages read by OCR, with their confidence (0-1).
        encoding: detected text encoding (text formats).
        warnings: things a reader should know (pages skipped, characters repaired...).
    """

    path: Path
    format: str
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    pages: int = 0
    image_only_pages: list[int] = field(default_factory=list)
    ocr_pages: dict[int, float] = field(default_factory=dict)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All lines joined by newlines."""
        return "\n".join(line.text for line in self.lines)


@runtime_checkable
class DocumentLoader(Protocol):
    """Reads one format. Raises ``UnsupportedDocumentError`` with a reason a user understands."""

    suffixes: tuple[str, ...]

    def load(self, path: Path) -> LoadedDocument:
        """Read ``path``."""
        ...
