"""Which loaded files a report's figures come from: exactly those, each with its checksum.

A report shows figures for several periods at once: its quarter and the earlier quarters it
compares with, the trend charts' quarters, the monthly series behind the SPC charts, the
year-ending windows and the SafeLives rolling year. A file is a source of the report when a
live (not superseded) part of it covers a period for which the report shows a figure of its
source; MARAC cases heard or awaiting in a shown quarter count wherever they were referred.
A period a source does not cover shows no figure (not supplied), so no file is listed for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, and_, or_, select

from dasv.loaders.spec import MONTHLY_SOURCES
from dasv.measures.status import OK
from dasv.quarters import Quarter, month_label
from dasv.warehouse.models import LoadBatch, LoadCoverage, MaracCase


@dataclass
class Needed:
    """The periods a report shows figures for, per source: quarter labels (IDVA, MARAC) and months (police).

    Attributes:
        marac_quarters: quarters whose MARAC cases heard and awaiting are shown (their cases
            may have been referred in any earlier quarter).
        marac_windows: (first day, last day) windows whose cases heard are shown (rolling year,
            year-ending windows, the monthly series).
    """

    periods: dict[str, set[str]] = field(
        default_factory=lambda: {"idva": set(), "marac": set(), "police": set(), "offences": set()}
    )
    marac_quarters: set[Quarter] = field(default_factory=set)
    marac_windows: list[tuple] = field(default_factory=list)

    def quarters(self, source: str, quarters) -> None:
        """The report shows ``source``'s figures for these quarters."""
        for q in quarters:
            if source == "police":
                self.periods["police"].update(month_label(m) for m in q.months)
            else:
                self.periods[source].add(q.label)
            if source == "marac":
                self.marac_quarters.add(q)

    def months(self, source: str, months) -> None:
        """The report shows ``source``'s figures for these months (``YYYY-MM`` labels or first days)."""
        for m in months:
            label = m if isinstance(m, str) else month_label(m)
            if source in MONTHLY_SOURCES:
                self.periods[source].add(label)
            else:
                self.periods[source].add(Quarter.containing(_first(label)).label)


def needed_periods(quarter: Quarter, fy: list[Quarter], trend: list[Quarter], series, year_ending) -> Needed:
    """Every period the quarter's report (and its slices) show a figure for, per source.

    Args:
        series: the monthly series (:class:`dasv.measures.series.MonthlySeries`); its covered months.
        year_ending: the year-ending figures (:class:`dasv.report.year_ending.YearEndingFigures`).
    """
    need = Needed()
    shown = sorted(set(fy) | {quarter.previous()})
    for source in ("idva", "marac", "police"):
        need.quarters(source, shown)
    need.quarters("idva", trend)
    rolling = quarter.last_n(4)
    need.quarters("marac", rolling)
    need.marac_windows.append((rolling[0].start, quarter.end))
    for source, months in series.covered.items():
        need.months(source, months)
    if series.covered.get("marac"):
        months = sorted(series.covered["marac"])
        need.marac_windows.append((_first(months[0]), Quarter.containing(_first(months[-1])).end))
    for y in year_ending.years:
        doc = year_ending.docs[y]
        police = doc["police"]
        if police["total"]["complete"] or any(e["complete"] for e in police["by_area"].values()):
            need.months("police", y.months)
        if any(e.get("by_offence_group") for e in [police["total"], *police["by_area"].values()]):
            need.months("offences", y.months)  # the offence-group breakdown of a year some area has whole
        for source in ("idva", "marac"):
            if doc[source].get("status", OK) == OK:
                need.months(source, y.months)
                if source == "marac":
                    need.marac_windows.append((y.start, y.end))
    return need


def _first(label: str) -> date:
    """The first day of a ``YYYY-MM`` month."""
    y, m = map(int, label.split("-"))
    return date(y, m, 1)


def contributing_batches(conn: Connection, need: Needed) -> list[int]:
    """The live load batches behind the needed periods, and the MARAC batches of the cases shown."""
    ids: set[int] = set()
    for source, periods in need.periods.items():
        if not periods:
            continue
        ids.update(
            conn.scalars(
                select(LoadCoverage.batch_id)
                .join(LoadBatch, LoadBatch.id == LoadCoverage.batch_id)
                .where(
                    LoadBatch.source == source,
                    LoadCoverage.superseded_by.is_(None),
                    LoadCoverage.period.in_(sorted(periods)),
                )
                .distinct()
            )
        )
    m = MaracCase
    conditions = []
    for q in need.marac_quarters:
        start, end = q.start.toordinal(), q.end.toordinal()
        conditions.append(and_(m.hearing_day >= start, m.hearing_day <= end))
        conditions.append(and_(m.referral_day <= end, or_(m.hearing_day.is_(None), m.hearing_day > end)))
    for first, last in need.marac_windows:
        conditions.append(and_(m.hearing_day >= first.toordinal(), m.hearing_day <= last.toordinal()))
    if conditions:
        # only batches still in use: a superseded batch's cases were deleted with it
        ids.update(conn.scalars(select(m.batch_id).where(or_(*conditions)).distinct()))
    return sorted(ids)


def wanted_months(
    quarter: Quarter, fy: list[Quarter], series_months: list[str], year_ending
) -> dict[str, list[str]]:
    """Every month each source would need for every figure of the quarter's report to have a value."""
    from dasv.measures.coverage import quarter_months

    shown = sorted(set(fy) | {quarter.previous()})
    years = [month_label(m) for y in year_ending.years for m in y.months]
    out = {
        "idva": quarter_months([*shown, *quarter.last_n(8)]),
        "marac": quarter_months([*shown, *quarter.last_n(4)]),
        "police": quarter_months(shown),
    }
    for source in out:
        out[source] = sorted(set(out[source]) | set(series_months) | set(years))
    return out


def coverage_table(conn: Connection, quarter: Quarter, fy: list[Quarter], series, year_ending):
    """Data quality's coverage table: each source, the months its loads cover, and those the report lacks."""
    from dasv.measures.coverage import coverage, covered_months, export_title, months_text
    from dasv.report.model import Column, ReportTable

    cov = coverage(conn)
    wanted = wanted_months(quarter, fy, series.months, year_ending)
    rows = []
    # the optional police offence-group export once any is loaded: the year-ending windows use it
    optional = ["offences"] if cov.periods.get("offences") else []
    wanted["offences"] = sorted({month_label(m) for y in year_ending.years for m in y.months})
    for source in ("idva", "marac", "police", *optional):
        have = covered_months(cov, source)
        lacking = sorted(set(wanted[source]) - set(have))
        rows.append([export_title(source), months_text(have),
                     months_text(wanted[source]), months_text(lacking) if lacking else "none"])  # fmt: skip
    return ReportTable(
        "coverage", f"Data coverage, {quarter.label}",
        [Column("Source", "label"), Column("Months its loaded exports cover", "text"),
         Column("Months this report uses", "text"), Column("Months it uses and lacks", "text")],
        rows, source="Source: the warehouse's load records",
        notes=["IDVA referral exports and MARAC case lists cover whole quarters (by referral date); police "
               "counts cover months. A figure for a period its source lacks is shown as not supplied (or "
               "incomplete, for part of a period), never as zero. The months used are the quarters compared, "
               "the trend quarters, the monthly series, the year-ending windows and the rolling twelve months."],
    )  # fmt: skip


def periods_text(periods: list[str]) -> str:
    """A file's periods for a reader: runs of months or quarters as ranges (``2021-10 to 2025-03``).

    Months (``YYYY-MM``) and quarters (``2024-25 Q1``) each collapse to ranges of consecutive ones;
    anything else is listed as it is.
    """
    from dasv.measures.coverage import months_text
    from dasv.quarters import QuarterError

    months = [p for p in periods if len(p) == 7 and p[4] == "-" and p[:4].isdigit()]
    quarters, other = [], []
    for p in periods:
        if p in months:
            continue
        try:
            quarters.append(Quarter.parse(p))
        except QuarterError:
            other.append(p)
    runs: list[list[Quarter]] = []
    for q in sorted(set(quarters)):
        if runs and runs[-1][-1].next() == q:
            runs[-1].append(q)
        else:
            runs.append([q])
    parts = [r[0].label if len(r) == 1 else f"{r[0].label} to {r[-1].label}" for r in runs]
    if months:
        parts.append(months_text(months))
    return ", ".join(parts + other)
