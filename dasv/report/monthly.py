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
from dasv.report.registry import COUNTY, Shown

KEY = "monthly_values"  # the table of the monthly values behind the charts (register its cells by this key)


def monthly_values_table(
    spc: dict[str, SpcResult], names: dict[str, str], area: str | None = None
) -> ReportTable | None:
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
    who = area or COUNTY
    rows = [[month, *(_count(values[k].get(month), (who, k, month)) for k in charted)] for month in months]
    where = f" in {area}" if area else ""
    return ReportTable(
        KEY, f"Monthly figures behind the charts{where}, {months[0]} to {months[-1]}",
        [Column("Month", "label"), *(Column(names[k], "count") for k in charted)], rows,
        source="Source: the monthly series of each chart (the same counts the charts plot)",
        notes=["A blank (–) is a month the series does not hold"], section="other",
    )  # fmt: skip


def monthly_tables(
    spc: dict[str, SpcResult], names: dict[str, str], area: str | None = None
) -> list[ReportTable]:
    """:func:`monthly_values_table` as the report's list of chart tables (empty when nothing is charted)."""
    table = monthly_values_table(spc, names, area)
    return [table] if table is not None else []


def _count(value: float | None, key: tuple) -> int | None:
    """A month's count as the registered figure it is: the chart's point, published in the month plan.

    A slice charts a series only where every month of it is published.
    """
    return None if value is None else Shown(int(value), key)


TREND_KEY = "trend_values"  # the table of the quarterly trend charts' values (register its cells by this key)


def trend_values_table(charts: list, area: str | None = None) -> list[ReportTable]:
    """The quarterly trend charts' values, one row per quarter, one column per charted line.

    Only what the charts already plot (a withheld or not supplied quarter is a gap there and ``–``
    here). Empty when there is no trend chart.
    """
    lines = [
        (c, name) for c in charts if not hasattr(c, "result") and hasattr(c, "series") for name in c.series
    ]
    if not lines:
        return []
    quarters = lines[0][0].categories
    columns = [Column("Quarter", "label")]
    for chart, name in lines:
        percent = "%" in chart.y_label
        columns.append(Column(f"{chart.y_label.replace(' %', '')} %, {name}" if percent else f"{chart.y_label}, {name}",
                              "number" if percent else "count"))  # fmt: skip
    who = area or COUNTY
    rows = [[q, *(_value(chart.series[name][i], "%" in chart.y_label, (who, f"{chart.key}:{name}", q))
                  for chart, name in lines)]
            for i, q in enumerate(quarters)]  # fmt: skip
    where = f" in {area}" if area else ""
    return [ReportTable(
        TREND_KEY, f"Quarterly figures behind the trend charts{where}, {quarters[0]} to {quarters[-1]}", columns, rows,
        source="Source: the values each trend chart plots",
        notes=["– is a quarter the chart leaves as a gap (withheld or not supplied); engagement % to one decimal"],
        section="other",
    )]  # fmt: skip


def _value(value: float | None, percent: bool, key: tuple) -> float | int | None:
    """A trend chart's point: a percentage as plotted, a count as the registered figure the chart shows."""
    if value is None:
        return None
    return value if percent else Shown(int(value), key)
