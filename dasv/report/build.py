"""Build the county quarterly report (docs/report.md, "What a quarter produces") from the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from dasv import provenance
from dasv.config import Deployment
from dasv.measures import demographics as demographics_m
from dasv.measures import idva as idva_m
from dasv.measures import marac as marac_m
from dasv.measures import police as police_m
from dasv.measures import year_ending as year_ending_m
from dasv.measures.context import CHARTED, variation
from dasv.measures.coverage import facts_in_quarter, missing_sources_notes, months_text
from dasv.measures.document import metrics_document
from dasv.measures.idva import IdvaCounts
from dasv.measures.labels import label, police_label
from dasv.measures.marac import rolling_year
from dasv.measures.series import MonthlySeries, monthly_series
from dasv.measures.spc import SpcResult
from dasv.quarters import LONDON, Quarter
from dasv.report.cells import Variation
from dasv.report.data import QuarterData, gather_by_area, quarters_with_idva, source_files
from dasv.report.funnel import district_funnel, funnel_section
from dasv.report.lineage import contributing_batches, coverage_table, needed_periods
from dasv.report.model import Chart, Report, ReportTable, SourceFile, SpcChart
from dasv.report.monthly import monthly_tables
from dasv.report.revisions import Revisions
from dasv.report.statements import draft_statements, load_notes, quality_notes, variation_statements
from dasv.report.suppress import COUNTY
from dasv.report.tables.headline import headline_table
from dasv.report.tables.idva import idva_tables
from dasv.report.tables.other_data import other_data_table
from dasv.report.tables.police import police_table
from dasv.report.tables.safelives import safelives_table
from dasv.report.verdict import limits_fit, misfit_text
from dasv.report.year_ending import REPORTING, YearEndingFigures, year_ending_for

TREND_QUARTERS = 8


def report_quarters(quarter: Quarter) -> list[Quarter]:
    """The current quarter then each earlier quarter of the financial year (for Q1, the previous quarter)."""
    return [quarter, *quarter.earlier_in_year()] if quarter.number > 1 else [quarter, quarter.previous()]


@dataclass
class Gathered:
    """What the county report and the district slices both start from, gathered once for a quarter.

    Data only (no connection): it can be handed to parallel workers. Nothing that builds a
    report changes it.
    """

    fy: list[Quarter]  # the report's quarters (:func:`report_quarters`)
    trend: list[
        Quarter
    ]  # the trend charts' quarters: the last eight, from the first that holds IDVA referrals
    county: dict[Quarter, QuarterData]
    districts: dict[str, dict[Quarter, QuarterData]]
    series: MonthlySeries  # the monthly series of the SPC charts
    year_ending: YearEndingFigures
    sources: list[SourceFile]  # the loads behind the report's figures (dasv/report/lineage.py)
    coverage: ReportTable | None = None  # each source's months, and the months the report lacks


def gather_quarter(conn: Connection, deployment: Deployment, quarter: Quarter) -> Gathered:
    """Every figure the quarter's county report and slices draw on (grouped queries, once)."""
    fy = report_quarters(quarter)
    # from the first of the last eight quarters with IDVA referrals: a quarter not supplied after it is a gap
    last = quarter.last_n(TREND_QUARTERS)
    have = quarters_with_idva(conn, last)
    trend = [q for q in last if have and q >= have[0]] or [quarter]
    by_area = gather_by_area(
        conn, deployment, sorted(set(fy) | set(trend) | {quarter.previous()}), with_county=True
    )
    county = by_area.pop(COUNTY)
    series = monthly_series(conn, deployment, quarter)
    year_ending = year_ending_for(conn, deployment, quarter)
    need = needed_periods(quarter, fy, trend, series, year_ending)
    return Gathered(
        fy=fy,
        trend=trend,
        county=county,
        districts=by_area,
        series=series,
        year_ending=year_ending,
        sources=source_files(conn, contributing_batches(conn, need)),
        coverage=coverage_table(conn, quarter, fy, series, year_ending),
    )


def build_report(
    conn: Connection,
    deployment: Deployment,
    quarter: Quarter,
    commentary_dir: Path | None = None,
    refused: list[str] | None = None,
    gathered: Gathered | None = None,
) -> Report:
    """The county report for the Board (not suppressed).

    Args:
        commentary_dir: folder holding ``<quarter>.md`` (the author's commentary), if any.
        refused: problem lines of files refused in this run, for the data-quality section.
        gathered: the quarter's figures when the caller has them (the slices' plan gathers the
            same); else they are gathered here.
    """
    gathered = gathered or gather_quarter(conn, deployment, quarter)
    data, figures = gathered.county, gathered.year_ending
    now, before = data[quarter], data[quarter.previous()]
    labels = deployment.area_labels  # one label per area in every table, chart and statement
    spc = variation(gathered.series, deployment)
    doc = metrics_document(
        conn, deployment, quarter, series=gathered.series, year_ending=figures.docs[figures.last]
    )
    area = deployment.police_reporting_area
    year_who = ([(REPORTING, area.shown)] if area else []) + [(COUNTY, deployment.county_label)]
    found = district_funnel(now.police, deployment, quarter)
    funnel = funnel_section(found, deployment, quarter, labels=labels)
    charted = {k: chart_name(k, deployment) for k in CHARTED}
    return Report(
        title=f"{deployment.report_title} {quarter.fy_label}",
        subtitle=f"Quarter {quarter.number}: {quarter.months_label}",
        quarter=quarter.label,
        partnership=deployment.partnership,
        author=deployment.author,
        produced_at=datetime.now(LONDON),
        area=None,
        headline=headline_table(
            now, before, quarter, deployment, spc, Revisions(conn, [quarter.previous()], quarter)
        ),
        tables=_county_tables(conn, deployment, quarter, gathered),
        charts=spc_charts(spc, deployment),
        chart_tables=monthly_tables(spc, charted),
        commentary=read_commentary(commentary_dir, quarter, deployment),
        # a district's change is judged by its quarter's test alone here: the county report prints no
        # district chart to point to (its slice does, and judges by both)
        statements=draft_statements(now, before, labels, deployment, spc, None, found)
        + variation_statements(spc, charted),
        quality=missing_sources_notes(facts_in_quarter(conn, quarter), quarter)
        + quality_notes(conn, deployment, data, quarter, doc, refused or [])
        + offence_group_notes(conn, figures)
        + load_notes(gathered.sources),
        sources=gathered.sources,
        definitions=definitions(deployment),
        metrics=doc,
        sections=[s for s in (funnel, figures.section(year_who, suppressed=False, labels=labels)) if s],
        quality_tables=[gathered.coverage] if gathered.coverage else [],
        provenance=provenance.current(deployment).lines(),
        words=deployment.words,
    )


def _county_tables(conn: Connection, deployment: Deployment, quarter: Quarter, gathered: Gathered) -> list:
    """The county report's tables: IDVA referrals (total, by area, by report row), other data, police, SafeLives."""
    quarters, data = gathered.fy, gathered.county
    revisions = Revisions(conn, quarters, quarter)
    total_table, area_table, row_table = idva_tables(data, quarters, quarter, deployment, revisions)
    other = other_data_table(data, quarters, quarter, deployment)
    police = police_table(deployment, data[quarter], data[quarter.previous()], quarter)
    population = deployment.population_for(quarter.end.year)
    rolling = rolling_year(conn, quarter, population.total("female_16_plus") or None if population else None)
    safelives = safelives_table(rolling, quarter, deployment)
    return [total_table, area_table, row_table, other, police, safelives]


def offence_group_notes(conn: Connection, figures: YearEndingFigures) -> list[str]:
    """The district-months of the years shown whose offence groups differ from the monthly DA crimes."""
    from dasv.measures.offence_groups import reconciliation_notes

    years = figures.years or [figures.last]
    return reconciliation_notes(conn, years[0].start, years[-1].month)


def chart_name(key: str, deployment: Deployment) -> str:
    """A charted series' name (the police rows name their reporting area)."""
    area = deployment.police_reporting_area
    return police_label(key, area.shown if area else None) if key.startswith("police.") else label(key)


def spc_charts(spc: dict[str, SpcResult], deployment: Deployment, area: str | None = None) -> list[SpcChart]:
    """The XmR charts of section 4: IDVA referrals, criteria met, MARAC referrals, police.

    Args:
        area: the district of a slice (its name goes into each chart's title); None for the county.
    """
    charts = []
    for key in CHARTED:
        result = spc.get(key)
        if result is None:
            continue
        name = chart_name(key, deployment) if area is None else f"{label(key)} in {area}"
        first, last = result.months[0], result.months[-1]
        if result.method == "xmr":
            summary = result.summary()
            text = (f"XmR chart of {name} by month, {first} to {last}: mean {summary['mean']:,.1f}, process limits "
                    f"{summary['lower']:,.1f} to {summary['upper']:,.1f}; ")  # fmt: skip
            if limits_fit(result):
                text += (f"latest month: {Variation(result.signal, len(result.values)).text().lower()}"
                         + (f"; special-cause months: {months_text(result.flags)}" if result.flags else "") + ".")  # fmt: skip
            else:
                text += misfit_text(result) + "."
        else:
            text = (f"Run chart of {name} by month, {first} to {last}, around the median: too few months for "
                    f"process limits (n = {len(result.values)}).")  # fmt: skip
        charts.append(SpcChart(f"spc_{key.replace('.', '_')}", f"{name} by month", result, label(key), text))
    return charts


def trend_charts(
    data: dict[Quarter, QuarterData], trend: list[Quarter], areas: list[str], labels: dict
) -> list[Chart]:
    """Referrals by area and engagement over the last eight quarters that have data."""
    cats = [q.label for q in trend]
    by_area = {labels.get(a, a): [float(data[q].idva_by_area.get(a, IdvaCounts()).total_referrals) for q in trend]
               for a in areas}  # fmt: skip
    engagement = {"All areas": [data[q].idva_total.engagement_pct for q in trend]}
    return [
        Chart("trend_referrals_by_area", "IDVA referrals by area", cats, by_area, "Referrals",
              f"Line chart of IDVA referrals per quarter by area, {cats[0]} to {cats[-1]}."),
        Chart("trend_engagement", "Engagement % of criteria-met referrals", cats, engagement, "Engagement %",
              f"Line chart of the engagement rate per quarter, {cats[0]} to {cats[-1]}."),
    ]  # fmt: skip


def read_commentary(folder: Path | None, quarter: Quarter, deployment: Deployment | None = None) -> list[str]:
    """The author's paragraphs from ``<folder>/<quarter>.md`` (blank-line separated), as the county prints them.

    The file may name the quarter in any accepted form (``2025-26 Q3.md``, ``2025-26-Q3.md``,
    ``2025-26Q3.md``); a district's own section (``## Fenland``) follows the partnership's
    paragraphs, led by the district's name (:mod:`dasv.report.commentary`).

    Raises:
        UserError: two files name the same quarter (which one the author meant is not guessed).
    """
    from dasv.report import commentary

    labels = deployment.area_labels if deployment else {}
    return commentary.read(folder, quarter, deployment).for_county(labels)


def definitions(deployment: Deployment) -> list[tuple[str, str]]:
    """The appendix: every measure's definition, from the modules that compute them."""
    population = []
    if deployment.population:
        table = deployment.population
        text = f"{table.source} ({table.year})."
        if table.estimates:
            text += (f" Later years: {table.estimates_source or 'mid-year estimates'} "
                     f"({', '.join(sorted(table.estimates))}); a rate uses the estimate of the year its period ends in.")  # fmt: skip
        population = [("Population", text)]
    return [*idva_m.DEFINITIONS, *marac_m.DEFINITIONS, *police_m.police_definitions(deployment), *year_ending_m.DEFINITIONS,
            *demographics_m.DEFINITIONS, *population]  # fmt: skip
