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
from dasv.measures.labels import LABELS, ROLLING_YEAR, label, police_label
from dasv.measures.marac import rolling_year
from dasv.measures.series import MonthlySeries, monthly_series
from dasv.measures.spc import SpcResult
from dasv.measures.status import OK, Missing
from dasv.quarters import LONDON, Quarter
from dasv.report.data import QuarterData, gather, gather_by_area, quarters_with_idva, source_files
from dasv.report.funnel import district_funnel, funnel_section
from dasv.report.lineage import contributing_batches, coverage_table, needed_periods
from dasv.report.model import (
    Cell,
    Change,
    Chart,
    Column,
    IntervalCell,
    Rate,
    Report,
    ReportTable,
    SourceFile,
    SpcChart,
    Variation,
    printed_pair,
    rate_interval_of,
)
from dasv.report.monthly import monthly_tables
from dasv.report.revisions import Revisions
from dasv.report.statements import draft_statements, load_notes, quality_notes, variation_statements
from dasv.report.suppress import COUNTY
from dasv.report.verdict import limits_fit, misfit_text
from dasv.report.year_ending import REPORTING, YearEndingFigures, year_ending_for

IDVA_SOURCE = "Source: IDVA service referral export"
MARAC_SOURCE = "Source: MARAC case list"
POLICE_SOURCE = "Source: Police-recorded domestic abuse, monthly counts by {area}"  # Words.say
TREND_QUARTERS = 8


def report_quarters(quarter: Quarter) -> list[Quarter]:
    """The current quarter then each earlier quarter of the financial year (for Q1, the previous quarter)."""
    return [quarter, *quarter.earlier_in_year()] if quarter.number > 1 else [quarter, quarter.previous()]


def short(q: Quarter) -> str:
    """``Q3`` within the financial year, ``2024-25 Q4`` across it."""
    return f"Q{q.number}"


def idva_columns(quarters: list[Quarter], current: Quarter) -> list[Column]:
    """The printed report's column groups, each with the current quarter first."""
    groups = [
        (label("idva.total_referrals"), "count"),
        (label("idva.criteria_met"), "count"),
        (label("idva.engagement_pct"), "pct"),
        (label("idva.repeats"), "count"),
        (label("idva.repeats_pct"), "pct"),
    ]
    return [
        Column(f"{group} {q.label}", kind, group=group, sub=_sub(q, current), current=q == current)
        for group, kind in groups
        for q in quarters
    ]


def _sub(q: Quarter, current: Quarter) -> str:
    return short(q) if q.fy_start == current.fy_start else q.label


def idva_cells(
    counts_by_quarter: list[IdvaCounts],
    quarters: list[Quarter] | None = None,
    revisions=None,
    path: tuple = (),
    statuses: list[str] | None = None,
) -> list[Cell]:
    """Cells in :func:`idva_columns` order for one row (earlier quarters marked ``[r]`` where revised).

    Args:
        path: where the row's counts sit in a metrics document, e.g. ``("idva", "by_area", "Fenland")``.
        statuses: the IDVA export's status in each quarter; a quarter it does not cover has no
            figures (``not supplied``), never zeros.
    """

    def mark(i: int, key: str, cell: Cell, rate_of: tuple[str, str] | None = None) -> Cell:
        if statuses is not None and statuses[i] != OK:
            return Missing(statuses[i], "IDVA referral export")
        if revisions is None or quarters is None:
            return cell
        pair = ((*path, rate_of[0]), (*path, rate_of[1])) if rate_of else None
        return revisions.mark(quarters[i], (*path, key), cell, pair)

    pairs = list(enumerate(counts_by_quarter))
    cells: list[Cell] = []
    cells += [mark(i, "total_referrals", c.total_referrals) for i, c in pairs]
    cells += [mark(i, "criteria_met", c.criteria_met) for i, c in pairs]
    cells += [
        mark(i, "engagement_pct", Rate(c.engaged, c.criteria_met), ("engaged", "criteria_met"))
        for i, c in pairs
    ]
    cells += [mark(i, "repeats", c.repeats) for i, c in pairs]
    cells += [
        mark(i, "repeats_pct", Rate(c.repeats, c.total_referrals), ("repeats", "total_referrals"))
        for i, c in pairs
    ]
    return cells


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
    quarters, data = gathered.fy, gathered.county
    revisions = Revisions(conn, quarters, quarter)
    revisions_notes: list[str] = []  # filled in once every table has been built (it is shared by reference)
    now, before = data[quarter], data[quarter.previous()]
    area_names = _areas_shown(deployment, data, quarter)
    labels = deployment.area_labels  # one label per area in every table, chart and statement
    cols = idva_columns(quarters, quarter)
    idva_status = [data[q].status_of("idva") for q in quarters]
    absent = absence_notes(data, quarters, "idva")

    total_table = ReportTable(
        "idva_total", f"Total referral data, {quarter.label}", [Column("Service", "label"), *cols],
        [["IDVA referrals", *idva_cells([data[q].idva_total for q in quarters], quarters, revisions, ("idva", "total"),
                                        idva_status)]],
        source=IDVA_SOURCE, notes=revisions_notes,
        section="referrals",
    )  # fmt: skip
    area_rows = [
        [labels.get(a, a), *idva_cells([data[q].idva_by_area.get(a, IdvaCounts()) for q in quarters], quarters,
                                       revisions, ("idva", "by_area", a), idva_status)]
        for a in area_names
    ]  # fmt: skip
    area_rows.append(
        [
            "Total",
            *idva_cells(
                [data[q].idva_total for q in quarters], quarters, revisions, ("idva", "total"), idva_status
            ),
        ]
    )
    area_table = ReportTable(
        "idva_by_area", f"All risk level referrals by area, {quarter.label}", [Column("Area", "label"), *cols],
        area_rows, source=IDVA_SOURCE, total_row=True, section="referrals",
        notes=[_areas_note(deployment)],
    )  # fmt: skip
    row_table = ReportTable(
        "idva_by_specialism", f"All risk level referrals by specialism, {quarter.label}",
        [Column("Report row", "label"), *cols],
        [[row.label, *idva_cells([data[q].idva_rows[row.label] for q in quarters], quarters, revisions,
                                 ("idva", "by_report_row", row.label), idva_status)] for row in deployment.report_rows],
        source=IDVA_SOURCE, section="referrals",
        notes=["A referral with two specialisms counts in both rows, so rows do not add up to the total."],
    )  # fmt: skip
    other = other_data_table(data, quarters, quarter, deployment)
    police = police_table(deployment, now, before, quarter)
    population = deployment.population_for(quarter.end.year)
    rolling = rolling_year(conn, quarter, population.total("female_16_plus") or None if population else None)
    safelives = safelives_table(rolling, quarter, deployment)

    revisions_notes += revisions.notes() + absent
    for table in (area_table, row_table):
        table.notes += revisions.notes() + absent
    series, sources, figures = gathered.series, gathered.sources, gathered.year_ending
    spc = variation(series, deployment)
    doc = metrics_document(conn, deployment, quarter, series=series, year_ending=figures.docs[figures.last])
    area = deployment.police_reporting_area
    year_who = ([(REPORTING, area.shown)] if area else []) + [(COUNTY, deployment.county_label)]
    found = district_funnel(now.police, deployment, quarter)
    funnel = funnel_section(found, deployment, quarter, labels=labels)
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
        tables=[total_table, area_table, row_table, other, police, safelives],
        charts=spc_charts(spc, deployment),
        chart_tables=monthly_tables(spc, {k: chart_name(k, deployment) for k in CHARTED}),
        commentary=read_commentary(commentary_dir, quarter, deployment),
        # a district's change is judged by its quarter's test alone here: the county report prints no
        # district chart to point to (its slice does, and judges by both)
        statements=draft_statements(now, before, labels, deployment, spc, None, found)
        + variation_statements(spc, {k: chart_name(k, deployment) for k in CHARTED}),
        quality=missing_sources_notes(facts_in_quarter(conn, quarter), quarter)
        + quality_notes(conn, deployment, data, quarter, doc, refused or [])
        + offence_group_notes(conn, figures)
        + load_notes(sources),
        sources=sources,
        definitions=definitions(deployment),
        metrics=doc,
        sections=[s for s in (funnel, figures.section(year_who, suppressed=False, labels=labels)) if s],
        quality_tables=[gathered.coverage] if gathered.coverage else [],
        provenance=provenance.current(deployment).lines(),
        words=deployment.words,
    )


def offence_group_notes(conn: Connection, figures: YearEndingFigures) -> list[str]:
    """The district-months of the years shown whose offence groups differ from the monthly DA crimes."""
    from dasv.measures.offence_groups import reconciliation_notes

    years = figures.years or [figures.last]
    return reconciliation_notes(conn, years[0].start, years[-1].month)


def _areas_note(deployment: Deployment) -> str:
    """The areas table's note, naming this deployment's own non-district areas."""
    others = [a.display for a in deployment.areas if a.kind != "district"]
    shown = f"; {', '.join(others)} are shown as recorded" if others else ""
    return deployment.words.say("Areas are the client's {area} of residence") + f"{shown}."


def _areas_shown(deployment: Deployment, data: dict[Quarter, QuarterData], quarter: Quarter) -> list[str]:
    """Areas with referrals this quarter or earlier in the financial year, in configuration order."""
    year = [quarter, *quarter.earlier_in_year()]
    present = {a for q in year if q in data for a, c in data[q].idva_by_area.items() if c.total_referrals}
    ordered = [a.name for a in deployment.areas]
    return [a for a in ordered if a in present] + sorted(present - set(ordered))


HEADLINE_KEYS = (
    "idva.total_referrals", "idva.criteria_met", "idva.engagement_pct", "idva.repeats", "marac.referrals",
    "marac.cases_heard", "marac.awaiting_hearing", "police.da_incidents", "police.da_crimes",
)  # fmt: skip


HEADLINE_PATHS = {
    "idva.total_referrals": ("idva", "total", "total_referrals"), "idva.criteria_met": ("idva", "total", "criteria_met"),
    "idva.engagement_pct": ("idva", "total", "engagement_pct"), "idva.repeats": ("idva", "total", "repeats"),
    "marac.referrals": ("marac", "referrals"), "marac.cases_heard": ("marac", "cases_heard"),
    "marac.awaiting_hearing": ("marac", "awaiting_hearing"),
}  # fmt: skip


def headline_table(
    now: QuarterData,
    before: QuarterData,
    quarter: Quarter,
    deployment: Deployment,
    variation: dict[str, SpcResult] | None = None,
    revisions: Revisions | None = None,
) -> ReportTable:
    """Headline figures: the quarter with its 95% interval, the last, the change, and the variation.

    Args:
        variation: each measure's SPC chart of the monthly series (the latest month's signal).
        revisions: marks ``[r]`` on last quarter's figures that differ from their first publication.
    """
    prev = quarter.previous()
    t_now, t_before = now.idva_total, before.idva_total
    now, before = _Shown(now), _Shown(before)
    area = deployment.police_reporting_area
    scope, area_name = ("reporting_area", area.shown) if area else ("total", None)
    pairs: dict[str, tuple[str, Cell, Cell]] = {
        "idva.total_referrals": (label("idva.total_referrals"), now("idva", t_now.total_referrals),
                                 before("idva", t_before.total_referrals)),
        "idva.criteria_met": (label("idva.criteria_met"), now("idva", t_now.criteria_met),
                              before("idva", t_before.criteria_met)),
        "idva.engagement_pct": (label("idva.engagement_pct"), now("idva", Rate(t_now.engaged, t_now.criteria_met)),
                                before("idva", Rate(t_before.engaged, t_before.criteria_met))),
        "idva.repeats": (label("idva.repeats"), now("idva", t_now.repeats), before("idva", t_before.repeats)),
        "marac.referrals": (label("marac.referrals"), now("marac", now.data.marac.referrals),
                            before("marac", before.data.marac.referrals)),
        "marac.cases_heard": (label("marac.cases_heard"), now("marac", now.data.marac.cases_heard),
                              before("marac", before.data.marac.cases_heard)),
        "marac.awaiting_hearing": (label("marac.awaiting_hearing"), now("marac", now.data.marac.awaiting_hearing),
                                   before("marac", before.data.marac.awaiting_hearing)),
        "police.da_incidents": (police_label("police.da_incidents", area_name),
                                police_cell(now.data, "da_incidents", scope), police_cell(before.data, "da_incidents", scope)),
        "police.da_crimes": (police_label("police.da_crimes", area_name), police_cell(now.data, "da_crimes", scope),
                             police_cell(before.data, "da_crimes", scope)),
    }  # fmt: skip
    now, before = now.data, before.data
    variation = variation or {}
    rows = []
    for key in HEADLINE_KEYS:
        name, a, b = pairs[key]
        a, b = printed_pair(a, b)  # percentages at the precision their change needs
        plain_before = b
        if revisions is not None:
            path = (
                HEADLINE_PATHS[key] if not key.startswith("police.") else ("police", scope, key.split(".")[1])
            )
            rate_of = (
                (("idva", "total", "engaged"), ("idva", "total", "criteria_met"))
                if key == "idva.engagement_pct"
                else None
            )
            b = revisions.mark(prev, path, b, rate_of)
        verdict = (
            verdict_cell(a, plain_before, variation.get(key)) if key != "marac.awaiting_hearing" else None
        )
        rows.append([name, a, interval_cell(a), b, Change(a, b), verdict])
    notes = ["95% interval: Byar's method for counts, Wilson's for percentages", VERDICT_NOTE]
    if area:
        notes.append(f"Police rows: {area.shown} is {area.description or ', '.join(area.districts)}.")
    police = now.police.get(scope) or now.police["total"]
    if not police["complete"] and (police["da_incidents"] or police["not_supplied"]):
        notes.append(f"Police figures for {quarter.label} are incomplete: {police_gaps(police)}.")
    if revisions is not None:
        notes += [n for n in revisions.notes() if n.startswith(f"[r] {prev.label}")]
    return ReportTable(
        "headline", f"Headline figures, {quarter.label} compared with {prev.label}",
        [Column("Measure", "label"), Column(quarter.label, "count", current=True),
         Column(f"95% interval {quarter.label}", "interval", sub="95% interval"), Column(prev.label, "count"),
         Column("Change", "change"), Column("Variation", "variation")],
        rows, source="Sources: IDVA referral export, MARAC case list, police monthly counts", notes=notes,
        section="headline",
    )  # fmt: skip


VERDICT_NOTE = (
    "Variation: whether the change from last quarter is more than noise. A real rise or fall: the "
    "quarter-on-quarter test finds it unlikely to be chance (p < 0.05), or the measure's monthly SPC chart "
    "(section 4) flags the latest month in the same direction; otherwise normal variation"
)


def verdict_cell(now: Cell, before: Cell, chart: SpcResult | None = None) -> Variation | None:
    """The one verdict on a headline change (dasv.report.verdict), as the Variation column prints it."""
    from dasv.report.verdict import of_counts, of_rates

    if isinstance(now, Rate) and isinstance(before, Rate):
        verdict = of_rates(now.numerator, now.denominator, before.numerator, before.denominator)
    elif all(isinstance(x, int) and not isinstance(x, bool) for x in (now, before)):
        verdict = of_counts(now, before, chart)  # type: ignore[arg-type]
    else:
        return None
    if verdict is None:
        return None
    return Variation(verdict.icon, len(chart.values) if chart else 0, verdict.short())


class _Shown:
    """A quarter's figures, each called with its source to get the value or its status (``not supplied``)."""

    def __init__(self, data: QuarterData):
        self.data = data

    def __call__(self, source: str, value: Cell) -> Cell:
        status = self.data.status_of(source)
        return value if status == OK else Missing(status, source)


def absence_notes(data: dict[Quarter, QuarterData], quarters: list[Quarter], source: str) -> list[str]:
    """``Not supplied: no IDVA referral export loaded covers 2025-26 Q1.`` for each quarter a source lacks."""
    from dasv.measures.coverage import SOURCE_EXPORTS

    lacking = [q.label for q in quarters if data[q].status_of(source) != OK]
    if not lacking:
        return []
    return [f"Not supplied: no {SOURCE_EXPORTS[source]} loaded covers {', '.join(lacking)}; its figures are "
            "shown as not supplied, never as zero."]  # fmt: skip


def interval_cell(value: Cell) -> Cell:
    """The 95% interval of a headline figure (None where it has none: incomplete, not supplied)."""
    from dasv.measures.intervals import byar

    if isinstance(value, Rate):
        interval = rate_interval_of(value)
        return IntervalCell(interval, "pct" if value.per == 100 else "rate") if interval else None
    if isinstance(value, int) and not isinstance(value, bool):
        return IntervalCell(byar(value), "count")
    return None


def police_gaps(police: dict) -> str:
    """``missing Fenland 2025-11; not supplied: Peterborough`` for an incomplete quarter."""
    parts = []
    absent = set(police.get("not_supplied") or [])
    months = [m for m in police["missing_months"] if m.rsplit(" ", 1)[0] not in absent]
    if months:
        parts.append("missing " + ", ".join(months))
    if absent:
        parts.append("not supplied: " + ", ".join(police["not_supplied"]))
    return "; ".join(parts) or "no months"


def build_headline(conn: Connection, deployment: Deployment, quarter: Quarter) -> ReportTable:
    """The headline table on its own (the terminal and the Prefect artifact print this one)."""
    data = gather(conn, deployment, [quarter, quarter.previous()])
    spc = variation(monthly_series(conn, deployment, quarter), deployment)
    return headline_table(data[quarter], data[quarter.previous()], quarter, deployment, spc)


def other_data_table(
    data: dict[Quarter, QuarterData], quarters: list[Quarter], current: Quarter, deployment: Deployment
) -> ReportTable:
    """MARAC, police and demographic figures, one column per quarter."""

    def row(name: str, get, source: str | None = None) -> list[Cell]:
        def cell(d: QuarterData) -> Cell:
            status = d.status_of(source) if source else OK
            return get(d) if status == OK else Missing(status, source)

        return [name, *[cell(data[q]) for q in quarters]]

    area = deployment.police_reporting_area
    police_rows = []
    if area:
        police_rows += [row(police_label(k, area.shown), lambda d, k=k: police_cell(d, k, "reporting_area"))
                        for k in ("police.da_incidents", "police.da_crimes")]  # fmt: skip
    police_rows += [row(label(k) + (deployment.words.say(", all {areas}") if area else ""), lambda d, k=k: police_cell(d, k))
                    for k in ("police.da_incidents", "police.da_crimes")]  # fmt: skip
    rows = [
        row(label("marac.referrals"), lambda d: d.marac.referrals, "marac"),
        row(label("marac.cases_heard"), lambda d: d.marac.cases_heard, "marac"),
        row(label("marac.awaiting_hearing"), lambda d: d.marac.awaiting_hearing, "marac"),
        row(label("marac.repeat_cases"), lambda d: d.marac.repeat_cases, "marac"),
        row(label("marac.repeat_pct"), lambda d: Rate(d.marac.repeat_cases, d.marac.cases_heard), "marac"),
        row(label("marac.median_days_to_hearing"), lambda d: d.marac.median_days_to_hearing, "marac"),
        *police_rows,
        row(label("demographics.male_victims"), lambda d: d.demographics["male_victims"], "demographics.male_victims"),
        row(label("demographics.disability"), lambda d: d.demographics["disability"], "demographics.disability"),
        row(label("demographics.aged_13_17"), lambda d: d.demographics["aged_13_17"], "demographics.aged_13_17"),
        row(label("demographics.lgbt_total") + ", all categories", lambda d: d.demographics["lgbt_total"],
            "demographics.lgbt_total"),
    ]  # fmt: skip
    categories = [
        c
        for c in demographics_m.LGBT_CATEGORIES
        if any(data[q].demographics["sexual_orientation"].get(c) for q in quarters)
    ]
    rows += [
        row(
            f"LGBT+: {c}",
            lambda d, c=c: d.demographics["sexual_orientation"].get(c, 0),
            "demographics.lgbt_total",
        )
        for c in categories
    ]
    rows.append(
        row(
            label("demographics.not_asked"),
            lambda d: d.demographics["sexual_orientation"].get("Not asked", 0),
            "demographics.not_asked",
        )
    )
    columns = [Column("Measure", "label")] + [
        Column(q.label, "count", current=q == current) for q in quarters
    ]
    notes = [
        deployment.words.say(
            "A police quarter with a month missing for any of its {areas} is marked incomplete."
        ),
        "Demographic rows count the quarter's IDVA referrals.",
    ]
    if area:
        notes.insert(0, f"{area.shown} is {area.description or ', '.join(area.districts)}.")
    notes += absence_notes(data, quarters, "marac") + absence_notes(data, quarters, "idva")
    unrecorded = [
        k for q in quarters for k, v in data[q].status.items() if k.startswith("demographics.") and v != OK
    ]
    if unrecorded:
        notes.append(f"Not recorded: the IDVA export has no {_columns_named(unrecorded)} in some quarters; "
                     f"{_rows_named(unrecorded)} are shown as not recorded, never as zero.")  # fmt: skip
    incomplete = [q.label for q in quarters if not data[q].police["total"]["complete"]]
    if incomplete:
        notes.append(
            f"Police figures incomplete for {', '.join(incomplete)}: shown as incomplete or not supplied, "
            "never as a short total."
        )
    return ReportTable("other_data", f"Other relevant data, {current.label}", columns, rows,
                       source=f"{MARAC_SOURCE}; {deployment.words.say(POLICE_SOURCE)}; {IDVA_SOURCE}", notes=notes)  # fmt: skip


# the export column each demographic figure needs (loaders/columns.yaml names), by its document key
COLUMN_NEEDED = {"male_victims": "Gender", "male": "Gender", "disability": "Disability", "disabled": "Disability",
                 "lgbt_total": "Sexual Orientation", "lgbt": "Sexual Orientation", "not_asked": "Sexual Orientation",
                 "sexual_orientation": "Sexual Orientation", "minority_ethnic": "Ethnicity", "aged_13_17": "Age",
                 "aged_16_17": "Age"}  # fmt: skip


def _key(key: str) -> str:
    return key.removeprefix("demographics.").removesuffix("_pct")


def _columns_named(keys: list[str]) -> str:
    """``Disability or Sexual Orientation column``: the export columns some unrecorded figures need."""
    names = list(dict.fromkeys(COLUMN_NEEDED.get(_key(k), _key(k).replace("_", " ")) for k in keys))
    return f"{', '.join(names[:-1])} or {names[-1]} column" if len(names) > 1 else f"{names[0]} column"


def _rows_named(keys: list[str]) -> str:
    """The rows the report prints for those figures: ``Disability (IDVA), LGBT+ (IDVA)``."""
    names = [LABELS.get(k) or ROLLING_YEAR.get(_key(k)) for k in keys]
    names = list(dict.fromkeys(n for n in names if n))
    return ", ".join(names) if names else "those figures"


INCOMPLETE = Missing("incomplete", "police monthly counts")
NOT_SUPPLIED = Missing("not supplied", "police monthly counts")


def police_cell(d: QuarterData, key: str, scope: str = "total") -> Cell:
    """A quarter's police count over the county or the reporting area.

    A quarter missing any month prints as incomplete, never a short total; one with no
    police month at all for the scope prints as not supplied.
    """
    total = d.police.get(scope) or d.police["total"]
    key = key.removeprefix("police.")
    if not total["complete"]:
        return INCOMPLETE if total[key] else NOT_SUPPLIED
    return total[key]


def _district_police(figures: dict, key: str) -> Cell:
    if not figures:
        return NOT_SUPPLIED
    return figures[key] if figures.get("months") == 3 else INCOMPLETE


def police_table(
    deployment: Deployment, now: QuarterData, before: QuarterData, quarter: Quarter
) -> ReportTable:
    """Police DA incidents and crimes by district with rates per 1,000 aged 16+."""
    population = deployment.population_for(quarter.end.year)
    rows: list[list[Cell]] = []
    for area in deployment.districts:
        cur = now.police["by_area"].get(area.name) or {}
        prev = before.police["by_area"].get(area.name) or {}
        pop = population.by_area.get(area.name) if population else None
        base = pop.aged_16_plus if pop else 0
        rows.append([
            area.display, _district_police(cur, "da_incidents"), _district_police(prev, "da_incidents"),
                _district_police(cur, "da_crimes"), _district_police(prev, "da_crimes"),
            Rate(cur["da_incidents"], base, per=1000) if cur.get("months") == 3 and base else None,
            Rate(cur["da_crimes"], base, per=1000) if cur.get("months") == 3 and base else None,
        ])  # fmt: skip
    area = deployment.police_reporting_area
    scopes = (
        [("reporting_area", area.shown, area.districts)]
        if area
        else []  # one label; what it covers in a note
    )
    scopes.append(("total", "Total", [a.name for a in deployment.districts]))
    for scope, name, districts in scopes:
        total = now.police[scope]
        base = population.total("aged_16_plus", districts) if population else 0
        rows.append([
            name, police_cell(now, "da_incidents", scope), police_cell(before, "da_incidents", scope),
            police_cell(now, "da_crimes", scope), police_cell(before, "da_crimes", scope),
            Rate(total["da_incidents"], base, per=1000) if base and total["complete"] else None,
            Rate(total["da_crimes"], base, per=1000) if base and total["complete"] else None,
        ])  # fmt: skip
    prev = quarter.previous()
    columns = [
        Column(deployment.words("Area"), "label"),
        Column(f"DA incidents {quarter.label}", group="DA incidents", sub=short(quarter), current=True),
        Column(f"DA incidents {prev.label}", group="DA incidents", sub=_sub(prev, quarter)),
        Column(f"DA crimes {quarter.label}", group="DA crimes", sub=short(quarter), current=True),
        Column(f"DA crimes {prev.label}", group="DA crimes", sub=_sub(prev, quarter)),
        Column(f"DA incidents per 1,000 aged 16+ {quarter.label}", "rate", group="Per 1,000 aged 16+", sub="Incidents", current=True),
        Column(f"DA crimes per 1,000 aged 16+ {quarter.label}", "rate", group="Per 1,000 aged 16+", sub="Crimes", current=True),
    ]  # fmt: skip
    notes = []
    if population:
        notes.append(
            f"Rates use the {population.year} population (its source is under Population in the definitions)."
        )
    for brk in deployment.series_breaks:
        if prev.start < brk.date <= quarter.end or quarter.last_n(8)[0].start < brk.date <= quarter.end:
            notes.append(f"Series break {brk.date:%B %Y}: {brk.note}")
    if not now.police["total"]["complete"]:
        notes.append(f"Incomplete quarter: {police_gaps(now.police['total'])}.")
    if area:
        notes.insert(0, f"{area.shown} is {area.description or ', '.join(area.districts)}.")
    return ReportTable("police_by_district", deployment.words.say("Police domestic abuse by {area}, ") + quarter.label,
                       columns, rows, source=deployment.words.say(POLICE_SOURCE), notes=notes, total_row=True)  # fmt: skip


def safelives_table(rolling: dict, quarter: Quarter, deployment: Deployment) -> ReportTable:
    """The SafeLives-style MARAC figures for the rolling twelve months."""
    heard = rolling["cases_heard"]
    population = deployment.population_for(quarter.end.year)
    female = population.total("female_16_plus") if population else 0

    status = rolling.get("status") or {}

    def count(key: str) -> Cell:
        return Missing(status[key], "MARAC case list") if key in status else rolling[key]

    def pct(key: str) -> Cell:
        return Missing(status[key], "MARAC case list") if key in status else Rate(rolling[key], heard)

    rows: list[list[Cell]] = [
        ["Cases heard", count("cases_heard"), None],
        ["Cases heard per 10,000 women aged 16+",
         count("cases_heard") if "cases_heard" in status else Rate(heard, female, per=10_000) if female else None,
         None],
        ["Repeat cases", count("repeat_cases"), pct("repeat_cases")],
        ["Referred by partner agencies (not police)", count("partner_agency_referrals"),
         pct("partner_agency_referrals")],
        ["Victim male", count("male_victims"), pct("male_victims")],
        ["Victim disabled", count("disabled"), pct("disabled")],
        ["Victim LGBT+", count("lgbt"), pct("lgbt")],
        ["Victim from a minority ethnic group", count("minority_ethnic"), pct("minority_ethnic")],
        ["Victim aged 16–17", count("aged_16_17"), pct("aged_16_17")],
    ]  # fmt: skip
    start, end = rolling["period"]["start"], rolling["period"]["end"]
    gaps = []
    if "cases_heard" in status:
        gaps.append(f"The MARAC case lists loaded do not cover the whole twelve months ({status['cases_heard']}): "
                    "no figure of the year is shown, never a count of part of it.")  # fmt: skip
    elif status:  # in the report's words: the export's columns and the table's rows, not the document's keys
        gaps.append(f"Not recorded: the MARAC case list has no {_columns_named(list(status))} in some or all of the "
                    f"twelve months; {_rows_named(list(status))} are shown as not recorded, never as zero.")  # fmt: skip
    return ReportTable(
        "marac_rolling_12_months", f"MARAC, rolling twelve months to {quarter.end:%d %B %Y} (SafeLives measures)",
        [Column("Measure", "label"), Column("Number", "count", current=True), Column("% of cases heard", "pct", current=True)],
        rows, source=MARAC_SOURCE,
        notes=[f"Cases heard from {start} to {end}.", *gaps,
               "Rate per 10,000 uses the female population aged 16+"
               + (f" ({population.year} estimate)." if population else ".")],
    )  # fmt: skip


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
