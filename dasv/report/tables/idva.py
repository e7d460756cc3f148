"""The IDVA referral tables: the service total, by area and by specialism, each quarter of the year."""

from __future__ import annotations

from dasv.config import Deployment
from dasv.measures.idva import IdvaCounts
from dasv.measures.labels import label
from dasv.measures.status import OK, Missing
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Rate
from dasv.report.data import QuarterData
from dasv.report.model import Column, ReportTable
from dasv.report.revisions import Revisions
from dasv.report.tables.shared import IDVA_SOURCE, absence_notes, sub_heading


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
        Column(f"{group} {q.label}", kind, group=group, sub=sub_heading(q, current), current=q == current)
        for group, kind in groups
        for q in quarters
    ]


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


def idva_tables(
    data: dict[Quarter, QuarterData],
    quarters: list[Quarter],
    quarter: Quarter,
    deployment: Deployment,
    revisions: Revisions,
) -> tuple[ReportTable, ReportTable, ReportTable]:
    """The IDVA referral tables: the service total, by area and by specialism (``[r]`` where revised).

    Args:
        quarters: the report's quarters, the current one first (:func:`dasv.report.build.report_quarters`).
        revisions: the earlier quarters' first-published figures; each table's notes name those revised.
    """
    area_names = _areas_shown(deployment, data, quarter)
    labels = deployment.area_labels  # one label per area in every table, chart and statement
    cols = idva_columns(quarters, quarter)
    idva_status = [data[q].status_of("idva") for q in quarters]
    absent = absence_notes(data, quarters, "idva")

    total_table = ReportTable(
        "idva_total", f"Total referral data, {quarter.label}", [Column("Service", "label"), *cols],
        [["IDVA referrals", *idva_cells([data[q].idva_total for q in quarters], quarters, revisions, ("idva", "total"),
                                        idva_status)]],
        source=IDVA_SOURCE, notes=[],
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
    # the notes once every row is marked: which earlier quarters were revised, which lack an export
    for table in (total_table, area_table, row_table):
        table.notes += revisions.notes() + absent
    return total_table, area_table, row_table


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
