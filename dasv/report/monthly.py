"""The monthly values behind the SPC charts, as a table (PDF, HTML, spreadsheet, CSV).

A chart's figures must be somewhere a screen reader and a spreadsheet can reach: this table
holds every month each chart of the report plots, one column per chart. It is made from the
very results the charts draw (:func:`dasv.report.build.spc_charts`), so a slice prints monthly
values only for the series it already charts, that is those whose every month the slice
publishes (:meth:`dasv.report.slices.SliceBuilder.variation`).

For the disclosure model: :data:`KEY` marks the table; each cell is one month's count of the
column's measure for the report's area (the county, or the slice's district).
"""

from __future__ import annotations

from dasv.measures.spc import SpcResult
from dasv.report.model import Column, ReportTable

KEY = "monthly_values"  # the table of the monthly values behind the charts (register its cells by this key)


def monthly_values_table(spc: dict[str, SpcResult], names: dict[str, str], area: str | None = None) -> ReportTable | None:
    """One row per month, one column per charted series (its monthly counts); None when nothing is charted.

    Args:
        spc: the charted series' results by measure key, as the charts draw them.
        names: each measure key's printed name, in the charts' order.
        area: the slice's district (None for the county).
    """
    charted = [k for k in names if k in spc and spc[k].values]
    if not charted:
        return None
    months = sorted({m for k in charted for m in spc[k].months})
    values = {k: dict(zip(spc[k].months, spc[k].values, strict=True)) for k in charted}
    rows = [[month, *(_count(values[k].get(month)) for k in charted)] for month in months]
    where = f" in {area}" if area else ""
    return ReportTable(
        KEY, f"Monthly figures behind the charts{where}, {months[0]} to {months[-1]}",
        [Column("Month", "label"), *(Column(names[k], "count") for k in charted)], rows,
        source="Source: the monthly series of each chart (the same counts the charts plot)",
        notes=["A blank (–) is a month the series does not hold"], section="other",
    )  # fmt: skip


def monthly_tables(spc: dict[str, SpcResult], names: dict[str, str], area: str | None = None) -> list[ReportTable]:
    """:func:`monthly_values_table` as the report's list of chart tables (empty when nothing is charted)."""
    table = monthly_values_table(spc, names, area)
    return [table] if table is not None else []


def _count(value: float | None) -> int | None:
    return None if value is None else int(value)
