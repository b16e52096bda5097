"""Read an enterprise's 考核细则 from the files people keep it in: Excel (.xlsx) or JSON.

Excel: the first sheet, the header row found among the first ten rows by its column names (指标 /
指标名称 / 考核指标 …); every later non-empty row is an indicator. The cited articles come from a
citation column (引用条款 / 法规依据 / 依据) when there is one, else from ``《法名》第N条`` references
anywhere in the row. Law names resolve through ``laws`` (any title or id → regulation id); a reference
to a law the graph does not know is reported, never guessed.

JSON: a :class:`~retrieval.change.inputs.GapScenario` object, an object with ``indicators``, or a list
of indicator rows.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ingestion.numerals import chinese_to_int
from kg.errors import UnsupportedDocumentError
from retrieval.change.inputs import CurrentIndicator, LawArticle

__all__ = ["RulesSheet", "RulesSheetReader", "parse_citations"]

_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("指标名称", "考核指标", "指标", "name"),
    "level": ("层级", "考核层级", "level"),
    "target": ("目标值", "目标", "考核目标", "target"),
    "method": ("考核方法", "方法", "method"),
    "data_source": ("数据来源", "data_source"),
    "owner": ("责任人", "责任部门", "owner"),
    "cites": ("引用条款", "法规依据", "依据条款", "依据", "cites"),
}
_CITATION = re.compile(r"《([^》]{2,40})》\s*第([零〇一二两三四五六七八九十百千\d]{1,8})条")
_MAX_ROWS = 5000


class RulesSheet(BaseModel):
    """The indicators read from a file, and what could not be read."""

    indicators: list[CurrentIndicator] = Field(default_factory=list)
    unresolved: list[str] = Field(default_factory=list, description="Citations of laws the graph does not know")
    skipped: list[str] = Field(default_factory=list, description="Rows left out, with the reason")


def parse_citations(text: str, laws: Mapping[str, str]) -> tuple[list[LawArticle], list[str]]:
    """``《安全生产法》第二十八条`` references in ``text`` → articles, and the unresolved references."""
    found: list[LawArticle] = []
    unresolved: list[str] = []
    for m in _CITATION.finditer(text):
        name, number = m.group(1).strip(), m.group(2)
        law = laws.get(name) or laws.get(name.removeprefix("中华人民共和国"))
        try:
            article = chinese_to_int(number)
        except ValueError:
            article = 0
        if law is None or article < 1:
            unresolved.append(m.group(0))
            continue
        ref = LawArticle(law=law, article=article)
        if ref not in found:
            found.append(ref)
    return found, unresolved


class RulesSheetReader:
    """Read a 考核细则 file.

    Args:
        laws: every name of a regulation (title, short title, id) → its id.
    """

    def __init__(self, laws: Mapping[str, str]) -> None:
        self.laws = dict(laws)

    def run(self, data: bytes, filename: str) -> RulesSheet:
        """The indicators of the file.

        Raises:
            UnsupportedDocumentError: not .xlsx or .json, unreadable, no header row, or no indicator.
        """
        suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
        if suffix == "xlsx":
            sheet = self._excel(data, filename)
        elif suffix == "json":
            sheet = self._json(data, filename)
        else:
            raise UnsupportedDocumentError(f"{filename}: a 考核细则 must be .xlsx or .json")
        if not sheet.indicators:
            raise UnsupportedDocumentError(f"{filename}: no indicator rows found")
        return sheet

    def _json(self, data: bytes, filename: str) -> RulesSheet:
        try:
            doc: Any = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise UnsupportedDocumentError(f"{filename}: not valid UTF-8 JSON ({e})") from e
        rows = doc.get("indicators") if isinstance(doc, dict) else doc
        if not isinstance(rows, list):
            raise UnsupportedDocumentError(f"{filename}: expected a list of indicators or an object with 'indicators'")
        sheet = RulesSheet()
        for k, row in enumerate(rows[:_MAX_ROWS], start=1):
            try:
                sheet.indicators.append(CurrentIndicator.model_validate(row))
            except ValidationError as e:
                sheet.skipped.append(f"item {k}: {e.errors()[0]['msg']}")
        return sheet

    def _excel(self, data: bytes, filename: str) -> RulesSheet:
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds on a corrupt file
            raise UnsupportedDocumentError(f"{filename}: not a readable Excel workbook ({type(e).__name__})") from e
        try:
            rows = [
                ["" if v is None else str(v).strip() for v in row]
                for row in book.worksheets[0].iter_rows(max_row=_MAX_ROWS, values_only=True)
            ]
        finally:
            book.close()
        header_at, columns = _header(rows)
        if header_at < 0:
            raise UnsupportedDocumentError(f"{filename}: no header row with an indicator column (指标 / 指标名称)")
        sheet = RulesSheet()
        for k, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
            if not any(row):
                continue
            self._row(row, columns, k, sheet)
        return sheet

    def _row(self, row: list[str], columns: dict[str, int], line: int, sheet: RulesSheet) -> None:
        def cell(field: str) -> str:
            at = columns.get(field)
            return row[at] if at is not None and at < len(row) else ""

        name = cell("name")
        if not name:
            sheet.skipped.append(f"row {line}: no indicator name")
            return
        cites, unresolved = parse_citations(cell("cites") if "cites" in columns else " ".join(row), self.laws)
        sheet.unresolved.extend(f"row {line}: {u}" for u in unresolved)
        sheet.indicators.append(
            CurrentIndicator(
                name=name,
                level=cell("level"),
                target=cell("target"),
                method=cell("method"),
                data_source=cell("data_source"),
                owner=cell("owner"),
                cites=cites,
            )
        )


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    for at, row in enumerate(rows[:10]):
        columns: dict[str, int] = {}
        for field, names in _COLUMNS.items():
            for name in names:  # the most specific header name first
                if name in row:
                    columns[field] = row.index(name)
                    break
        if "name" in columns:
            return at, columns
    return -1, {}
