"""The SafeLives-style MARAC table: the rolling twelve months' cases heard and who they were for."""

from __future__ import annotations

from dasv.config import Deployment
from dasv.measures.status import Missing
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Rate
from dasv.report.model import Column, ReportTable
from dasv.report.tables.shared import MARAC_SOURCE, columns_named, rows_named


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
        gaps.append(f"Not recorded: the MARAC case list has no {columns_named(list(status))} in some or all of the "
                    f"twelve months; {rows_named(list(status))} are shown as not recorded, never as zero.")  # fmt: skip
    return ReportTable(
        "marac_rolling_12_months", f"MARAC, rolling twelve months to {quarter.end:%d %B %Y} (SafeLives measures)",
        [Column("Measure", "label"), Column("Number", "count", current=True), Column("% of cases heard", "pct", current=True)],
        rows, source=MARAC_SOURCE,
        notes=[f"Cases heard from {start} to {end}.", *gaps,
               "Rate per 10,000 uses the female population aged 16+"
               + (f" ({population.year} estimate)." if population else ".")],
    )  # fmt: skip
