"""Assessment periods: ``YYYY-MM`` (月度) and ``YYYY`` (年度), with their months and predecessors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kg.errors import ValidationFailedError
from scoring.db import CHINA_TZ

__all__ = ["Period", "PeriodKind"]

PeriodKind = Literal["月度", "年度"]
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    """A month or a year of assessment; records belong to it by their month in China time."""

    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2026-10`` or ``2026``.

        Raises:
            ValidationFailedError: anything else.
        """
        match = _PATTERN.match(text.strip())
        if match is None:
            raise ValidationFailedError(f"period {text!r} is neither YYYY-MM (月度) nor YYYY (年度)")
        month = match.group("month")
        return cls(int(match.group("year")), int(month) if month else None)

    @property
    def id(self) -> str:
        """``YYYY-MM`` or ``YYYY``."""
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def kind(self) -> PeriodKind:
        """月度 or 年度."""
        return "年度" if self.month is None else "月度"

    @property
    def first_month(self) -> str:
        """The first ``YYYY-MM`` of the period."""
        return f"{self.year:04d}-{self.month or 1:02d}"

    @property
    def last_month(self) -> str:
        """The last ``YYYY-MM`` of the period."""
        return f"{self.year:04d}-{self.month or 12:02d}"

    def previous(self) -> Period:
        """The period before: the previous month, or the previous year."""
        if self.month is None:
            return Period(self.year - 1)
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        """The period after."""
        if self.month is None:
            return Period(self.year + 1)
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def end(self) -> datetime:
        """The instant the period ends (exclusive), in China time."""
        following = self.next()
        return datetime(following.year, following.month or 1, 1, tzinfo=CHINA_TZ)

    def start(self) -> datetime:
        """The instant the period starts, in China time."""
        return datetime(self.year, self.month or 1, 1, tzinfo=CHINA_TZ)

    def months(self) -> list[Period]:
        """The months of the period (itself for a month)."""
        if self.month is not None:
            return [self]
        return [Period(self.year, m) for m in range(1, 13)]

    def deadline(self, days: int) -> datetime:
        """``days`` after the end of the period, for action deadlines."""
        return self.end() + timedelta(days=days)

    def __str__(self) -> str:
        return self.id
