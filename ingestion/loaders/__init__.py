"""Loader registry: picks the loader for a file by its suffix and checks that the content matches.

``load_document(path, max_bytes=...)`` refuses, with a reason a user understands, a file that is
missing, of an unknown format, empty, over the size limit, or whose content does not match its
extension (a ``.pdf`` that is not a PDF, a ``.docx`` without ``word/document.xml``, a binary ``.md``).
Then the format's loader reads it. A new format plugs in with :func:`register_loader`::

    register_loader(HtmlRegulationLoader(), check=html_check)

Unexpected errors inside a loader are wrapped in :class:`~kg.errors.IngestionError`, so a caller
only has to catch that one family to record a per-document status.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from ingestion.documents import DocumentLoader, LoadedDocument
from ingestion.loaders.docx import DocxRegulationLoader
from ingestion.loaders.pdf import PdfRegulationLoader
from ingestion.loaders.text import TextRegulationLoader
from ingestion.ocr import PdfPageOcr, RapidOcrRecognizer
from kg.errors import HsekgError, IngestionError, UnsupportedDocumentError

__all__ = [
    "CONTENT_CHECKS",
    "LOADERS",
    "ContentCheck",
    "describe_content",
    "load_document",
    "register_loader",
    "supported_suffixes",
]

ContentCheck = Callable[[Path, bytes], str | None]
"""Given the path and its first bytes, return why the content does not fit the suffix, or None."""

LOADERS: dict[str, DocumentLoader] = {}
CONTENT_CHECKS: dict[str, ContentCheck] = {}

_HEAD_BYTES = 64 * 1024
_MB = 1024 * 1024
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc/.xls, Office 97-2003)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"{\\rtf", "an RTF document"),
)


def register_loader(loader: DocumentLoader, *, check: ContentCheck | None = None) -> None:
    """Make ``loader`` handle its suffixes (replacing any earlier loader for them).

    Args:
        loader: an object with ``suffixes`` and ``load(path)``.
        check: optional content check run before ``load``; see :data:`ContentCheck`.
    """
    for suffix in loader.suffixes:
        LOADERS[suffix.lower()] = loader
        if check is not None:
            CONTENT_CHECKS[suffix.lower()] = check
        else:
            CONTENT_CHECKS.pop(suffix.lower(), None)


def load_document(path: Path, *, max_bytes: int, loaders: Mapping[str, DocumentLoader] | None = None) -> LoadedDocument:
    """Load one regulation file with the loader registered for its suffix.

    Args:
        path: the file.
        max_bytes: size limit; larger files are refused before they are read.
        loaders: loaders by suffix that take the place of the registered ones for this call (the
            ingestion pipeline's PDF loader caches OCR results in the data dir).

    Returns:
        What the loader read.

    Raises:
        UnsupportedDocumentError: unknown format, empty, too large, content not matching the
            extension, or anything the loader cannot read (no text layer, garbled font...).
        IngestionError: the file is missing or could not be read for another reason.
    """
    size = _file_size(path)
    suffix = path.suffix.lower()
    loader = (loaders or {}).get(suffix) or LOADERS.get(suffix)
    if loader is None:
        supported = ", ".join(supported_suffixes())
        raise UnsupportedDocumentError(f"unsupported format {suffix or '(no extension)'} (supported: {supported})")
    if size == 0:
        raise UnsupportedDocumentError("empty file")
    if size > max_bytes:
        raise UnsupportedDocumentError(f"file is {size / _MB:.1f} MB, over the {max_bytes / _MB:.1f} MB limit")
    _check_content(path, suffix)
    try:
        return loader.load(path)
    except HsekgError:
        raise
    except Exception as e:  # a loader bug or an unforeseen library error must still fail this document only
        raise IngestionError(f"could not read {suffix} file: {type(e).__name__}: {e}") from e


def supported_suffixes() -> list[str]:
    """The file extensions a loader is registered for, the preferred formats first."""
    return sorted(LOADERS, key=_suffix_order)


def describe_content(head: bytes) -> str | None:
    """Name the kind of binary content ``head`` starts with ("a PDF", "a PNG image"...), if known."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def _file_size(path: Path) -> int:
    try:
        if not path.is_file():
            raise IngestionError(f"not a file: {path}" if path.exists() else f"file not found: {path}")
        return path.stat().st_size
    except OSError as e:
        raise IngestionError(f"cannot read {path}: {e}") from e


def _check_content(path: Path, suffix: str) -> None:
    check = CONTENT_CHECKS.get(suffix)
    if check is None:
        return
    try:
        with path.open("rb") as f:
            head = f.read(_HEAD_BYTES)
    except OSError as e:
        raise IngestionError(f"cannot read {path}: {e}") from e
    reason = check(path, head)
    if reason:
        raise UnsupportedDocumentError(reason)


def _mismatch(suffix: str, expected: str, head: bytes) -> str:
    kind = describe_content(head)
    found = f" (it is {kind})" if kind else ""
    return f"file extension {suffix} but content is not {expected}{found}"


def _pdf_check(path: Path, head: bytes) -> str | None:
    # Readers accept the header anywhere in the first 1024 bytes; so do we.
    return None if b"%PDF-" in head[:1024] else _mismatch(path.suffix.lower(), "a PDF", head)


def _docx_check(path: Path, head: bytes) -> str | None:
    suffix = path.suffix.lower()
    if not head.startswith(b"PK"):
        return _mismatch(suffix, "a Word (.docx) document", head)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        return f"file extension {suffix} but content is a damaged zip archive ({e})"
    if "word/document.xml" not in names:
        return f"file extension {suffix} but content is not a Word document (a zip without word/document.xml)"
    return None


def _text_check(path: Path, head: bytes) -> str | None:
    suffix = path.suffix.lower()
    kind = describe_content(head)
    if kind:
        return f"file extension {suffix} but content is binary (it is {kind}), not text"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"file extension {suffix} but content is binary (NUL bytes), not text"
    return None


def _suffix_order(suffix: str) -> tuple[int, str]:
    preferred = (".md", ".txt", ".pdf", ".docx")
    return (preferred.index(suffix), suffix) if suffix in preferred else (len(preferred), suffix)


register_loader(TextRegulationLoader(), check=_text_check)
register_loader(PdfRegulationLoader(ocr=PdfPageOcr(RapidOcrRecognizer())), check=_pdf_check)
register_loader(DocxRegulationLoader(), check=_docx_check)
