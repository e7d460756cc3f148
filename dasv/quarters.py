"""UK financial-year quarters: Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
ACCEPTED_FORMS = "'2025-26 Q3', '2025-26-Q3' or '2025-26Q3'"
_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s*[- ]?\s*Q([1-4])\s*$", re.IGNORECASE)
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


class QuarterError(ValueError):
    """A quarter was written in a form we do not accept."""


class Period(Protocol):
    """Whole days from ``start`` to ``end``: a quarter, or a year ending (``dasv.measures.year_ending``)."""

    @property
    def start(self) -> date:
        """First day."""
        ...

    @property
    def end(self) -> date:
        """Last day."""
        ...


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter, e.g. ``Quarter(2025, 3)`` is 2025-26 Q3 (October-December 2025).

    Attributes:
        fy_start: the calendar year in which the financial year starts (April).
        number: 1 to 4.
    """

    fy_start: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read ``2025-26 Q3``, ``2025-26-Q3`` or ``2025-26Q3``.

        Raises:
            QuarterError: the text is not one of the accepted forms.
        """
        m = _QUARTER_RE.match(text or "")
        if not m:
            raise QuarterError(f"quarter {text!r} not understood; expected {ACCEPTED_FORMS}")
        start, end, number = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if (start + 1) % 100 != end:
            raise QuarterError(
                f"quarter {text!r}: financial year {start}-{end:02d} is not two consecutive "
                f"years; expected e.g. '{start}-{(start + 1) % 100:02d} Q{number}'"
            )
        return cls(start, number)

    @classmethod
    def containing(cls, day: date) -> Quarter:
        """The quarter a date falls in."""
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    @classmethod
    def latest_completed(cls, now: datetime | None = None) -> Quarter:
        """The most recent quarter that has ended, judged in Europe/London."""
        today = (now or datetime.now(LONDON)).astimezone(LONDON).date()
        return cls.containing(today).previous()

    @property
    def label(self) -> str:
        """The canonical written form, ``2025-26 Q3``."""
        return f"{self.fy_label} Q{self.number}"

    @property
    def slug(self) -> str:
        """A form safe in file names, ``2025-26-Q3``."""
        return f"{self.fy_label}-Q{self.number}"

    @property
    def fy_label(self) -> str:
        """The financial year, ``2025-26``."""
        return f"{self.fy_start}-{(self.fy_start + 1) % 100:02d}"

    @property
    def start(self) -> date:
        """First day of the quarter."""
        month = 3 * self.number + 1
        return date(self.fy_start + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter."""
        return date.fromordinal(self.next().start.toordinal() - 1)

    @property
    def months(self) -> list[date]:
        """First days of the quarter's three months."""
        first = self.start
        return [date(first.year, first.month + i, 1) for i in range(3)]

    @property
    def months_label(self) -> str:
        """``October – December 2025`` for the report title."""
        first, last = self.months[0], self.months[-1]
        return f"{_MONTH_NAMES[first.month - 1]} – {_MONTH_NAMES[last.month - 1]} {last.year}"

    def previous(self) -> Quarter:
        """The quarter before."""
        if self.number == 1:
            return Quarter(self.fy_start - 1, 4)
        return Quarter(self.fy_start, self.number - 1)

    def next(self) -> Quarter:
        """The quarter after."""
        if self.number == 4:
            return Quarter(self.fy_start + 1, 1)
        return Quarter(self.fy_start, self.number + 1)

    def earlier_in_year(self) -> list[Quarter]:
        """Quarters of the same financial year before this one, most recent first."""
        return [Quarter(self.fy_start, n) for n in range(self.number - 1, 0, -1)]

    def last_n(self, n: int) -> list[Quarter]:
        """The last ``n`` quarters up to and including this one, oldest first."""
        out = [self]
        while len(out) < n:
            out.append(out[-1].previous())
        return out[::-1]

    def __str__(self) -> str:
        return self.label


def month_label(month: date) -> str:
    """``2025-10`` for a month's first day."""
    return f"{month.year:04d}-{month.month:02d}"


def in_london(moment: datetime) -> datetime:
    """A moment in Europe/London time (a naive value is taken as UTC, as the warehouse stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def london_time(moment: datetime, seconds: bool = False) -> str:
    """How a person reads a time: ``26 November 2026 07:12 GMT`` (BST in summer)."""
    return in_london(moment).strftime("%d %B %Y %H:%M" + (":%S" if seconds else "") + " %Z")
