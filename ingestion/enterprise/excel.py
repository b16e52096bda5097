"""Equipment and chemicals lists in Excel (.xlsx), read with openpyxl; provenance is the sheet and cell."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingestion.enterprise.findings import Findings
from ingestion.enterprise.judge import CatalogueJudge
from ingestion.enterprise.models import Provenance
from ingestion.enterprise.text_parser import TableColumns
from kg.errors import IngestionError, UnsupportedDocumentError

__all__ = ["ExcelInventoryReader"]

_HEADER_ROWS = 6


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class ExcelInventoryReader:
    """Read every sheet of an equipment / chemicals workbook.

    Args:
        judge: decides the listed materials and equipment from the catalogues.
        max_bytes: size limit, as for the other documents.
    """

    suffixes = (".xlsx", ".xlsm")

    def __init__(self, judge: CatalogueJudge, *, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.judge = judge
        self.max_bytes = max_bytes

    def run(self, path: Path, file_label: str) -> Findings:
        """The equipment and materials listed in the workbook.

        Raises:
            UnsupportedDocumentError: not an .xlsx workbook, or over the size limit.
            IngestionError: the file cannot be read.
        """
        rows_by_sheet = self._read(path)
        found = Findings()
        for sheet, rows in rows_by_sheet.items():
            start = next((i for i, r in enumerate(rows[:_HEADER_ROWS]) if any("名称" in c for c in r)), None)
            if start is None:
                continue
            columns = TableColumns.of(rows[start], hint=sheet)
            if columns.name is None:
                continue
            for number, row in enumerate(rows[start + 1 :], start=start + 2):
                cell = f"{sheet}!{_column_letter(columns.name)}{number}"
                columns.read(row, found, Provenance(file=file_label, cell=cell), self.judge, caption=sheet)
        return found

    def _read(self, path: Path) -> dict[str, list[list[str]]]:
        import openpyxl  # type: ignore[import-untyped]

        try:
            size = path.stat().st_size
        except OSError as e:
            raise IngestionError(f"cannot read {path}: {e}") from e
        if size > self.max_bytes:
            raise UnsupportedDocumentError(f"file is {size / 2**20:.1f} MB, over the limit")
        if not zipfile.is_zipfile(path):
            raise UnsupportedDocumentError(f"file extension {path.suffix} but content is not an Excel workbook")
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds on damaged workbooks
            raise UnsupportedDocumentError(f"cannot read the workbook: {type(e).__name__}: {e}") from e
        try:
            return {
                str(ws.title): [
                    ["" if v is None else str(v).strip() for v in row] for row in ws.iter_rows(values_only=True)
                ]
                for ws in book.worksheets
            }
        finally:
            book.close()
