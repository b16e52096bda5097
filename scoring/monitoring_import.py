"""CSV and Excel import of monitoring series (e.g. hourly wastewater values with their limits).

The first row names the columns, in English or Chinese (any order, extra columns ignored)::

    point_id | 监测点        the monitoring point's id (registered beforehand)
    measured_at | 监测时间   ISO 8601 or ``YYYY-MM-DD HH:MM[:SS]``; without a zone it is China time
    value | 监测值          a finite number >= 0
    limit | 限值            optional; overrides the point's limit for that row

All or nothing: every row is checked first and any problem is reported with its row number (the header
is row 1) and column; only a file without errors is written, in one transaction. Re-importing a row
already stored with the same value counts as ``unchanged``; a different value for a stored time is an
error, never a silent overwrite.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from kg.errors import ScoringError, ValidationFailedError
from scoring.db import CHINA_TZ, MonitoringPoint, MonitoringValue, month_of
from scoring.schemas import ImportResult, RowError

__all__ = ["HEADERS", "MonitoringImporter", "read_rows"]

HEADERS: dict[str, tuple[str, ...]] = {
    "point_id": ("point_id", "监测点", "监测点编号"),
    "measured_at": ("measured_at", "监测时间", "时间"),
    "value": ("value", "监测值", "数值"),
    "limit": ("limit", "限值", "标准限值"),
}
_REQUIRED = ("point_id", "measured_at", "value")
_Row = tuple[int, dict[str, Any]]


def read_rows(path: Path) -> tuple[list[_Row], list[RowError]]:
    """The data rows of a CSV or XLSX file keyed by canonical column name, and header errors.

    Raises:
        ValidationFailedError: unsupported extension or unreadable file.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            raw = list(_csv_rows(path))
        elif suffix in (".xlsx", ".xlsm"):
            raw = list(_xlsx_rows(path))
        else:
            raise ValidationFailedError(f"{path.name}: expected .csv or .xlsx, got {suffix or 'no extension'}")
    except (OSError, UnicodeDecodeError, csv.Error, KeyError, ValueError) as e:
        raise ValidationFailedError(f"{path.name}: cannot read: {e}") from e
    if not raw:
        return [], [RowError(row=1, column="", message="empty file")]
    header = [str(h).strip() if h is not None else "" for h in raw[0]]
    positions: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, name in enumerate(header):
            if name.lower() in names:
                positions[key] = i
    missing = [k for k in _REQUIRED if k not in positions]
    if missing:
        return [], [RowError(row=1, column=k, message=f"missing column {'/'.join(HEADERS[k])}") for k in missing]
    rows = []
    for n, cells in enumerate(raw[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        rows.append((n, {k: cells[i] if i < len(cells) else None for k, i in positions.items()}))
    return rows, []


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.reader(fh)


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError and its own errors on bad files
        raise ValueError(f"not a readable workbook ({type(e).__name__}: {e})") from e
    try:
        for cells in book.worksheets[0].iter_rows(values_only=True):
            yield list(cells)
    finally:
        book.close()


def _parse_time(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        moment = raw
    else:
        text = str(raw or "").strip().replace("/", "-")
        if not text:
            raise ValueError("empty")
        moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TZ)


def _parse_number(raw: Any, *, positive: bool = False) -> float:
    if raw is None or str(raw).strip() == "":
        raise ValueError("empty")
    number = float(raw)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ValueError(f"{raw!r} is not a {'positive' if positive else 'non-negative'} number")
    return number


def _parse_row(n: int, cells: dict[str, Any], points: set[str]) -> tuple[dict[str, Any] | None, list[RowError]]:
    errors: list[RowError] = []
    point = str(cells.get("point_id") or "").strip()
    if point not in points:
        errors.append(RowError(row=n, column="point_id", message=f"unknown monitoring point {point!r}"))
    parsed: dict[str, Any] = {"point_id": point}
    for key, parse in (("measured_at", _parse_time), ("value", _parse_number)):
        try:
            parsed[key] = parse(cells.get(key))
        except (ValueError, TypeError) as e:
            errors.append(RowError(row=n, column=key, message=f"invalid {key}: {e}"))
    raw_limit = cells.get("limit")
    parsed["limit_value"] = None
    if raw_limit is not None and str(raw_limit).strip() != "":
        try:
            parsed["limit_value"] = _parse_number(raw_limit, positive=True)
        except (ValueError, TypeError) as e:
            errors.append(RowError(row=n, column="limit", message=f"invalid limit: {e}"))
    return (None if errors else parsed), errors


class MonitoringImporter:
    """Imports a monitoring file into ``monitoring_values``, all rows or none.

    Args:
        engine: the records database.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def run(self, path: Path) -> ImportResult:
        """Check every row, then write all of them or nothing.

        Raises:
            ValidationFailedError: the file cannot be read at all.
            ScoringError: the database failed.
        """
        rows, errors = read_rows(path)
        try:
            with self._engine.begin() as conn:
                points = set(conn.execute(select(MonitoringPoint.id)).scalars())
                parsed, errors = self._check(rows, points, errors)
                stored = self._stored(conn, parsed)
                fresh, unchanged = [], 0
                for n, row in parsed:
                    previous = stored.get((row["point_id"], row["measured_at"]))
                    if previous is None:
                        fresh.append(row)
                    elif previous == row["value"]:
                        unchanged += 1
                    else:
                        msg = f"already stored with value {previous:g}; not overwritten"
                        errors.append(RowError(row=n, column="value", message=msg))
                if errors:
                    return ImportResult(file=path.name, rows=len(rows), imported=0, unchanged=0, errors=errors)
                for row in fresh:
                    row.update(month=month_of(row["measured_at"]), source_file=path.name)
                if fresh:
                    conn.execute(insert(MonitoringValue), fresh)
        except SQLAlchemyError as e:
            raise ScoringError(f"{path.name}: monitoring import failed: {e}") from e
        return ImportResult(file=path.name, rows=len(rows), imported=len(fresh), unchanged=unchanged, errors=[])

    @staticmethod
    def _check(
        rows: list[_Row], points: set[str], errors: list[RowError]
    ) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
        parsed: list[tuple[int, dict[str, Any]]] = []
        first_seen: dict[tuple[str, datetime], int] = {}
        for n, cells in rows:
            row, row_errors = _parse_row(n, cells, points)
            errors.extend(row_errors)
            if row is None:
                continue
            key = (row["point_id"], row["measured_at"])
            if key in first_seen:
                msg = f"duplicate of row {first_seen[key]} (same point and time)"
                errors.append(RowError(row=n, column="measured_at", message=msg))
                continue
            first_seen[key] = n
            parsed.append((n, row))
        return parsed, errors

    @staticmethod
    def _stored(conn: Connection, parsed: list[tuple[int, dict[str, Any]]]) -> dict[tuple[str, datetime], float]:
        """Values already stored for the file's points within the file's time span."""
        if not parsed:
            return {}
        times = [row["measured_at"] for _, row in parsed]
        v = MonitoringValue
        stmt = select(v.point_id, v.measured_at, v.value).where(
            v.point_id.in_({row["point_id"] for _, row in parsed}), v.measured_at.between(min(times), max(times))
        )
        return {(p, m): val for p, m, val in conn.execute(stmt).all()}
