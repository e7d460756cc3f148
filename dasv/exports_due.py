"""Which exports a quarter is still waiting for, and whether they are late (plain functions).

The exports-due check (``flows/exports_due.py``, a daily deployment) loads what is new in the
inbox, then asks this module, for the latest completed quarter: which months of each source
(IDVA referrals, MARAC cases, police months) the warehouse has nothing for, which file brought
each source's latest months (its last file, by the months it covers rather than when it was loaded), and whether the due date (so many days after the quarter's end, from
the deployment's parameters) has passed. A month a source has no row for counts as missing: a
county's IDVA service, MARAC and police force each record something every month.

The police export of DA crimes by offence group is optional: once a partnership has supplied it,
its missing months are said too, but the quarter is complete without them (the report is not held
back for it; its year-ending breakdown says what it lacks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, select

from dasv.loaders.spec import OFFENCES
from dasv.quarters import Quarter
from dasv.warehouse.models import (
    IdvaReferral,
    LoadBatch,
    LoadCoverage,
    MaracCase,
    PoliceMonth,
    PoliceOffenceMonth,
)

SOURCES = ("idva", "marac", "police")  # the exports a quarter waits for
OPTIONAL = (OFFENCES,)  # said when missing once supplied, never waited for
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


@dataclass(frozen=True)
class LastFile:
    """The file that brought a source's latest months (the newest export, whatever order files were loaded in)."""

    file: str
    loaded_at: datetime
    period: str  # its latest period: a quarter ("2025-26 Q2") or, for police, a month ("2025-09")


@dataclass
class ExportsDue:
    """What a quarter is waiting for, on a given day."""

    quarter: Quarter
    today: date
    due: date  # the day by which every export should have arrived
    missing: dict[str, list[date]] = field(
        default_factory=dict
    )  # source -> first days of months with nothing
    last_files: dict[str, LastFile | None] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every source the quarter waits for has every month of it (an optional export aside)."""
        return not any(self.missing.get(source) for source in SOURCES)

    @property
    def overdue(self) -> bool:
        """The due date has passed and something is still missing."""
        return self.today > self.due and not self.complete

    def lines(self, sources: tuple[str, ...] = (*SOURCES, *OPTIONAL)) -> list[str]:
        """One line per source with something missing: ``police: October–December 2025 missing (last file: …)``."""
        out = []
        for source in sources:
            months = self.missing.get(source)
            if not months:
                continue
            last = self.last_files.get(source)
            arrived = (f"last file {last.file}, up to {last.period}, loaded {last.loaded_at:%Y-%m-%d}" if last
                       else "no file from it has ever been loaded")  # fmt: skip
            optional = "; optional, not waited for" if source in OPTIONAL else ""
            out.append(f"{source}: {month_ranges(months)} missing ({arrived}{optional})")
        return out

    def summary(self) -> str:
        """One line for the run's log and state."""
        if self.complete:
            also = self.lines(OPTIONAL)  # an optional export still missing: said, not waited for
            every = "every export the report waits for is in" if also else "every export is in"
            return (
                f"{self.quarter.label}: {every} (IDVA, MARAC and police, {self.quarter.months_label})"
                + "".join(f"; {line}" for line in also)
            )
        state = f"due {self.due:%d %B %Y}" + (", overdue" if self.overdue else "")
        return f"{self.quarter.label} ({state}): " + "; ".join(self.lines())


def month_ranges(months: list[date]) -> str:
    """``October–December 2025``; runs of consecutive months joined, others listed: ``October 2025, December 2025``."""
    runs: list[list[date]] = []
    for m in sorted(months):
        if runs and (runs[-1][-1].year * 12 + runs[-1][-1].month) + 1 == m.year * 12 + m.month:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts = []
    for run in runs:
        first, last = run[0], run[-1]
        if first == last:
            parts.append(f"{_MONTHS[first.month - 1]} {first.year}")
        elif first.year == last.year:
            parts.append(f"{_MONTHS[first.month - 1]}–{_MONTHS[last.month - 1]} {last.year}")
        else:
            parts.append(f"{_MONTHS[first.month - 1]} {first.year}–{_MONTHS[last.month - 1]} {last.year}")
    return ", ".join(parts)


def due_date(quarter: Quarter, due_days: int) -> date:
    """The day exports are due: ``due_days`` after the quarter's last day."""
    return quarter.end + timedelta(days=due_days)


def months_with_data(conn: Connection, quarter: Quarter) -> dict[str, set[date]]:
    """The first days of the quarter's months each source has at least one row for."""
    start, end = quarter.start, quarter.end

    def months_of(column) -> set[date]:
        days = conn.scalars(select(column).where(column.between(start, end)).distinct())
        return {date(d.year, d.month, 1) for d in days if d is not None}

    return {
        "idva": months_of(IdvaReferral.referral_date),
        "marac": months_of(MaracCase.referral_date) | months_of(MaracCase.hearing_date),
        "police": months_of(PoliceMonth.month),
        OFFENCES: months_of(PoliceOffenceMonth.month),
    }


def last_files(conn: Connection) -> dict[str, LastFile | None]:
    """Each source's file with the latest months in the warehouse (purges are not files).

    "Last" by the periods a file covers, not by when it was loaded: an old export loaded today is
    not the last file. Among files covering the same latest period, the one in use (not replaced by
    a later load), then the latest loaded.
    """
    out: dict[str, LastFile | None] = {}
    for source in (*SOURCES, *OPTIONAL):
        row = conn.execute(
            select(LoadBatch.file_name, LoadBatch.loaded_at, LoadCoverage.period)
            .join(LoadCoverage, LoadCoverage.batch_id == LoadBatch.id)
            .where(LoadBatch.source == source, LoadBatch.kind == "load")
            .order_by(
                LoadCoverage.quarter_id.desc(),
                LoadCoverage.period.desc(),
                LoadCoverage.superseded_by.is_(None).desc(),
                LoadBatch.loaded_at.desc(),
                LoadBatch.id.desc(),
            )  # fmt: skip
            .limit(1)
        ).first()
        out[source] = LastFile(row.file_name, row.loaded_at, row.period) if row else None
    return out


def exports_due(conn: Connection, quarter: Quarter, today: date, due_days: int) -> ExportsDue:
    """What ``quarter`` is still waiting for on ``today`` (exports due ``due_days`` after it ends)."""
    have, files = months_with_data(conn, quarter), last_files(conn)
    expected = [
        *SOURCES,
        *(source for source in OPTIONAL if files[source] is not None),
    ]  # an optional one, once supplied
    missing = {source: [m for m in quarter.months if m not in have[source]] for source in expected}
    return ExportsDue(quarter, today, due_date(quarter, due_days), missing, files)
