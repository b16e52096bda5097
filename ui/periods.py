"""Assessment periods as the API names them (``YYYY-MM`` 月度, ``YYYY`` 年度) and China time.

The UI's own small copy of what it needs of the scoring layer's periods: choosing a period, stepping
back for the trend, showing the API's time stamps in China time. ``tests/ui/test_widgets.py`` holds it
to the scoring layer's behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta, timezone

__all__ = ["CHINA_TZ", "Period"]

#: China Standard Time: periods are months and years of China time.
CHINA_TZ = timezone(timedelta(hours=8), "CST")

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    """A month (``month`` set) or a year of assessment."""

    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2026-10`` or ``2026``.

        Raises:
            ValueError: anything else.
        """
        match = _PATTERN.match(text.strip())
        if match is None:
            raise ValueError(f"period {text!r} is neither YYYY-MM (月度) nor YYYY (年度)")
        month = match.group("month")
        return cls(int(match.group("year")), int(month) if month else None)

    @property
    def id(self) -> str:
        """``YYYY-MM`` or ``YYYY``, as the API's paths and queries take it."""
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Period:
        """The period before: the previous month, or the previous year."""
        if self.month is None:
            return Period(self.year - 1)
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def __str__(self) -> str:
        return self.id
