"""From a loaded document to a parsed regulation: identity, metadata, clause tree, duties, limits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingestion.documents import LoadedDocument
from ingestion.obligations import ExtractedObligation, extract_obligations
from ingestion.standards import LimitRow, StandardDocument, parse_standard
from ingestion.statutes import ARTICLE_RE, Statute, parse_lines
from ingestion.versions import sha256_text
from kg.corpus import KnowledgeBase, RegulationEntry
from kg.errors import IngestionError
from kg.models import RegulationKind, RegulationStatus

__all__ = ["ParsedRegulation", "parse_regulation", "regulation_identity"]

_STANDARD_RE = re.compile(r"^(GB/T|GBZ|GB|HJ|AQ/T|AQ|DB\d{2})[_ /]*(\d+(?:\.\d+)?)[-—_](\d{4})")
_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
#: A document needs at least this many 第N条 lines to be read as a statute.
MIN_STATUTE_ARTICLES = 3


@dataclass
class ParsedRegulation:
    """Everything ingestion derives from one document, before it is written to the graph."""

    id: str
    title: str
    kind: RegulationKind
    status: RegulationStatus
    form: Literal["statute", "standard"]
    issued: str = ""
    effective: str = ""
    replaced_by: str | None = None
    doc_no: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    statute: Statute | None = None
    standard: StandardDocument | None = None
    obligations: list[ExtractedObligation] = field(default_factory=list)
    history: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        """Content version: the first 12 hex digits of the SHA-256 of the clause texts."""
        return sha256_text(json.dumps(self.texts, ensure_ascii=False, sort_keys=True))[:12]

    @property
    def limits(self) -> list[LimitRow]:
        """Limit rows of a standard's tables."""
        return self.standard.limits if self.standard else []


def _kind_from_name(name: str) -> RegulationKind:
    if _STANDARD_RE.match(name):
        prefix = name.split(" ")[0]
        return "地方标准" if prefix.startswith("DB") else "行业标准" if prefix.startswith(("HJ", "AQ")) else "国家标准"
    if "解释" in name:
        return "司法解释"
    if name.endswith("条例"):
        return "行政法规"
    if name.endswith(("办法", "名录", "规定")):
        return "部门规章"
    return "法律" if name.endswith(("法", "法典")) else "规范性文件"


def regulation_identity(path: Path, kb: KnowledgeBase | None) -> tuple[str, RegulationEntry | None]:
    """The regulation id of a file: its manifest entry when listed, else the standard number or the stem."""
    if kb is not None:
        for entry in kb.regulations:
            if entry.file == path.name:
                return entry.id, entry
    match = _STANDARD_RE.match(path.stem)
    if match:
        return f"{match.group(1)} {match.group(2)}-{match.group(3)}", None
    by_stem = next((e for e in kb.regulations if e.id == path.stem), None) if kb else None
    return path.stem, by_stem


def _dates(history: list[str]) -> tuple[str, str]:
    """(first date in the history block, the date it says the text takes effect if stated)."""
    found = [(m, line) for line in history for m in _DATE_RE.finditer(line)]
    iso = [f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" for m, _ in found]
    effective = next((d for d, (_, line) in zip(iso, found, strict=True) if "施行" in line), "")
    return (iso[0] if iso else ""), effective


def parse_regulation(path: Path, doc: LoadedDocument, kb: KnowledgeBase | None) -> ParsedRegulation:
    """Parse a loaded document as a statute (第N条) or a standard (numbered clauses).

    Raises:
        IngestionError: when neither structure is found.
    """
    reg_id, entry = regulation_identity(path, kb)
    article_lines = sum(1 for line in doc.lines if ARTICLE_RE.match(line.text))
    if article_lines >= MIN_STATUTE_ARTICLES:
        statute = parse_lines(reg_id, doc.lines)
        texts = {str(n): a.text for n, a in sorted(statute.articles.items())}
        parsed = ParsedRegulation(
            id=reg_id, title=statute.title, kind=_kind_from_name(reg_id), status="现行", form="statute",
            texts=texts, statute=statute, obligations=extract_obligations(statute), history=statute.history,
        )  # fmt: skip
    else:
        standard = parse_standard(doc.lines, doc.tables, doc.ocr_pages)
        if len(standard.clauses) < MIN_STATUTE_ARTICLES:
            raise IngestionError("no regulation structure found (no 第N条 articles and no numbered clauses)")
        title = next((ln.text for ln in doc.lines[:15] if len(ln.text) > 4 and not ln.text[0].isdigit()), reg_id)
        texts = {k: c.text for k, c in standard.clauses.items()}
        parsed = ParsedRegulation(
            id=reg_id, title=title, kind=_kind_from_name(reg_id), status="现行", form="standard",
            texts=texts, standard=standard,
        )  # fmt: skip
    parsed.issued, parsed.effective = _dates(parsed.history)
    if entry is not None:
        parsed.title, parsed.kind, parsed.status = entry.title, entry.kind, entry.status
        parsed.issued, parsed.effective = entry.issued or parsed.issued, entry.effective or parsed.effective
        parsed.replaced_by, parsed.doc_no = entry.replaced_by, entry.doc_no
    return parsed
