"""`dasv metrics`: a quarter's measures, its monthly series, or the year-ending figures."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

import typer

from dasv.cli.common import (
    Context,
    Format,
    Series,
    UsageError,
    app,
    ctx,
    district_name,
    parse_quarter,
)
from dasv.quarters import Quarter


@app.command()
def metrics(
    quarter: Annotated[str | None, typer.Option(help="Quarter, e.g. '2025-26 Q3'.")] = None,
    year_ending: Annotated[
        str | None, typer.Option("--year-ending", help="The twelve months to a month, e.g. 2025-09.")
    ] = None,
    district: Annotated[str | None, typer.Option(help="One district, with small numbers suppressed.")] = None,
    format: Annotated[Format, typer.Option("--format", help="json, csv or table.")] = Format.json,
    series: Annotated[
        Series | None, typer.Option("--series", help="monthly: the 24 monthly values behind the SPC charts.")
    ] = None,
) -> None:
    """Print one quarter's measures (docs/metrics_json.md), its monthly series, or the year-ending figures."""
    from dasv.measures.document import metrics_document
    from dasv.measures.present import as_csv, as_table, explain_nulls

    if (quarter is None) == (year_ending is None):
        raise UsageError("give exactly one of --quarter (e.g. '2025-26 Q3') or --year-ending (e.g. 2025-09)")
    c = ctx()
    area = district_name(c, district) if district else None
    if series is not None:
        if quarter is None or area is not None:
            raise UsageError("--series monthly goes with --quarter, for the county and every district")
        _print_series(c, parse_quarter(quarter), format)
        return
    if year_ending is not None:
        doc = _year_ending_document(c, year_ending, area)
    else:
        from dasv.measures.coverage import require_facts

        q = parse_quarter(quarter)
        with c.existing_engine().connect() as conn:  # a reading command never creates one
            require_facts(conn, q, "no measures printed")  # refused with nothing loaded, as by `dasv report`
            if area:
                from dasv.report.slices import SliceBuilder

                doc = SliceBuilder(conn, c.deployment, q).metrics(area)
            else:
                doc = metrics_document(conn, c.deployment, q)
    explain_nulls(doc)  # never null beside "ok": each null figure says why
    if format is Format.json:
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    elif format is Format.csv:
        typer.echo(as_csv(doc), nl=False)
    else:
        typer.echo(as_table(doc), nl=False)


def _print_series(c: Context, q: Quarter, format: Format) -> None:
    from dasv.measures.series import monthly_series
    from dasv.safe_text import safe_cell

    with c.existing_engine().connect() as conn:  # a reading command never creates one
        found = monthly_series(conn, c.deployment, q)
    rows = found.rows()
    if format is Format.json:
        doc = {"quarter": q.label, "months": found.months, "covered": found.covered, "series": rows}
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    if format is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["month", "measure", "area", "value"])
        writer.writerows([r["month"], r["measure"], safe_cell(r["area"]), r["value"]] for r in rows)
        typer.echo(buffer.getvalue(), nl=False)
        return
    for row in rows:
        typer.echo(f"{row['month']}  {row['measure']:<22} {row['area']:<30} {row['value']:>8,}")


def _year_ending_document(c: Context, text: str, area: str | None) -> dict:
    from dasv.errors import NoDataError
    from dasv.measures.status import NOT_SUPPLIED
    from dasv.measures.year_ending import YearEnding, YearEndingError, year_ending_document

    try:
        year = YearEnding.parse(text)
    except YearEndingError as exc:
        raise UsageError(str(exc)) from None
    with c.existing_engine().connect() as conn:  # a reading command never creates one
        doc = year_ending_document(conn, c.deployment, year)
        if (
            all(doc[s]["status"] == NOT_SUPPLIED for s in ("idva", "marac"))
            and doc["police"]["total"]["status"] == NOT_SUPPLIED
        ):
            raise NoDataError(
                f"the {year.title} ({year.start:%B %Y} to {year.end:%B %Y}) has nothing loaded: no IDVA "
                "referrals, no MARAC cases and no police months; load its exports first"
            )
        if area is None:
            return doc
        from dasv.report.year_ending import YearEndingFigures

        # the four years a slice shows, planned jointly against what the store served, as the slices are
        figures = YearEndingFigures(conn, c.deployment, year)
        figures.plan_jointly(conn)
        return figures.district_document(area, year)
