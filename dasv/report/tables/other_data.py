"""The other relevant data table: MARAC, police and demographic figures, one column per quarter."""

from __future__ import annotations

from dasv.config import Deployment
from dasv.measures import demographics as demographics_m
from dasv.measures.labels import label, police_label
from dasv.measures.status import OK, Missing
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Rate
from dasv.report.data import QuarterData
from dasv.report.model import Column, ReportTable
from dasv.report.tables.police import police_cell
from dasv.report.tables.shared import (
    IDVA_SOURCE,
    MARAC_SOURCE,
    POLICE_SOURCE,
    absence_notes,
    columns_named,
    rows_named,
)


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
    notes = _notes(data, quarters, deployment)
    return ReportTable("other_data", f"Other relevant data, {current.label}", columns, rows,
                       source=f"{MARAC_SOURCE}; {deployment.words.say(POLICE_SOURCE)}; {IDVA_SOURCE}", notes=notes)  # fmt: skip


def _notes(data: dict[Quarter, QuarterData], quarters: list[Quarter], deployment: Deployment) -> list[str]:
    """The table's notes: the reporting area, what is incomplete, not supplied or not recorded."""
    area = deployment.police_reporting_area
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
        notes.append(f"Not recorded: the IDVA export has no {columns_named(unrecorded)} in some quarters; "
                     f"{rows_named(unrecorded)} are shown as not recorded, never as zero.")  # fmt: skip
    incomplete = [q.label for q in quarters if not data[q].police["total"]["complete"]]
    if incomplete:
        notes.append(
            f"Police figures incomplete for {', '.join(incomplete)}: shown as incomplete or not supplied, "
            "never as a short total."
        )
    return notes
