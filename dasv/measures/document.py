"""The metrics document of docs/metrics_json.md: one quarter's measures, from the warehouse."""

from __future__ import annotations

import copy

from sqlalchemy import Connection, select

from dasv.config import Deployment
from dasv.measures.demographics import demographics
from dasv.measures.idva import IdvaCounts, counts_by_quarter_area, counts_by_report_row, repeat_flag_check
from dasv.measures.marac import MaracCounts, marac_counts, rolling_year
from dasv.measures.police import district_funnel, police_measures
from dasv.quarters import Quarter
from dasv.warehouse.models import AreaDim


def quarter_id(quarter: Quarter) -> int:
    """The warehouse id of a quarter (``fy_start * 10 + number``)."""
    return quarter.fy_start * 10 + quarter.number


def area_order(conn: Connection, deployment: Deployment) -> list[str]:
    """Area names in configuration order, then any others the warehouse holds."""
    names = [a.name for a in deployment.areas]
    extra = sorted(set(conn.scalars(select(AreaDim.name))) - set(names))
    return names + extra


def idva_area_rows(
    conn: Connection, deployment: Deployment, quarters: list[Quarter], current: Quarter
) -> dict[str, dict[Quarter, IdvaCounts]]:
    """Area -> quarter -> counts, for areas with referrals in ``current`` or earlier that financial year."""
    year = [current, *current.earlier_in_year()]
    counts = counts_by_quarter_area(conn, {quarter_id(q) for q in [*quarters, *year]})
    shown = {a for (q, a) in counts if q in {quarter_id(y) for y in year}}
    return {
        area: {q: counts.get((quarter_id(q), area), IdvaCounts()) for q in quarters}
        for area in area_order(conn, deployment)
        if area in shown
    }


def metrics_document(
    conn: Connection,
    deployment: Deployment,
    quarter: Quarter,
    context: bool = True,
    series=None,
    year_ending: dict | None = None,
) -> dict:
    """Every measure of one quarter, county-wide, as docs/metrics_json.md fixes it.

    With ``context``, the statistical keys of docs/statistics.md too: ``variation`` (the monthly
    series' SPC charts), ``intervals`` and ``changes`` (against the previous quarter).
    ``series`` and ``year_ending`` (the latest year ending's document) may pass what the caller
    already has; the document gets its own copy of the latter.
    """
    doc = _measures(conn, deployment, quarter)
    if context:
        from dasv.measures import context as ctx
        from dasv.measures.series import monthly_series

        before = _measures(conn, deployment, quarter.previous())
        series = series or monthly_series(conn, deployment, quarter)
        doc["variation"] = {k: r.summary() for k, r in ctx.variation(series, deployment).items()}
        doc["intervals"] = ctx.intervals(doc)
        doc["changes"] = ctx.changes(doc, before)
        from dasv.measures.year_ending import latest_year_ending, year_ending_document

        if year_ending is None:
            year = latest_year_ending(quarter.end, deployment.year_ending_month)
            year_ending = year_ending_document(conn, deployment, year)
        doc["year_ending"] = copy.deepcopy(year_ending)
        districts = district_funnel(doc["police"], deployment, quarter)
        if (
            districts is not None
        ):  # each district's position, and the over-dispersion adjustment (docs/statistics.md)
            doc["funnel"] = districts.summary()
    from dasv.measures.present import explain_nulls

    return explain_nulls(doc)  # never null beside "ok": each null figure says why


def _measures(conn: Connection, deployment: Deployment, quarter: Quarter) -> dict:
    qid = quarter_id(quarter)
    areas = idva_area_rows(conn, deployment, [quarter], quarter)
    by_area = {area: by_q[quarter] for area, by_q in areas.items()}
    total = sum(by_area.values(), IdvaCounts())
    rows = counts_by_report_row(conn, deployment.report_rows, [qid])
    population = deployment.population_for(quarter.end.year)
    female = population.total("female_16_plus") or None if population else None
    repeat_check = repeat_flag_check(conn, qid)
    first = repeat_check.pop("first_referral")
    history_months = 0
    if first is not None and first < quarter.start:
        history_months = (quarter.start.year - first.year) * 12 + quarter.start.month - first.month
    doc = {
        "quarter": quarter.label,
        "period": {"start": quarter.start.isoformat(), "end": quarter.end.isoformat()},
        "idva": {
            "total": total.as_dict(),
            "by_area": {area: c.as_dict() for area, c in by_area.items()},
            "by_report_row": {
                row.label: rows.get((qid, row.label), IdvaCounts()).as_dict()
                for row in deployment.report_rows
            },
            "repeat_check": {**repeat_check, "history_months": history_months},
        },
        "marac": {
            **marac_counts(conn, quarter).as_dict(),
            "rolling_12_months": rolling_year(conn, quarter, female),
        },
        "police": police_measures(conn, deployment, quarter),
        "demographics": demographics(conn, qid),
    }
    return with_status(conn, quarter, doc)


def with_status(conn: Connection, quarter: Quarter, doc: dict) -> dict:
    """The document with ``status`` (each source's, and each unrecorded column's) and ``null`` for absent figures.

    A source no loaded export covers for the quarter has every figure ``null`` (never 0), and
    ``status`` says ``not supplied``; a demographic column the IDVA export lacks is ``null``
    with ``not recorded``. Police figures keep METRICS_JSON's ``complete`` flag beside them.
    """
    from dasv.measures.coverage import coverage, idva_fields_recorded
    from dasv.measures.status import INCOMPLETE, NOT_SUPPLIED, OK

    cov = coverage(conn)
    qid = quarter_id(quarter)
    status = {source: cov.status(source, quarter) for source in ("idva", "marac")}
    police = doc["police"]["total"]
    status["police"] = (
        OK if police["complete"] else (INCOMPLETE if doc["police"]["by_area"] else NOT_SUPPLIED)
    )
    if status["idva"] != OK:
        blank = dict.fromkeys(IdvaCounts().as_dict())
        doc["idva"]["total"] = dict(blank)
        doc["idva"]["by_area"] = {}
        doc["idva"]["by_report_row"] = {label: dict(blank) for label in doc["idva"]["by_report_row"]}
        doc["demographics"] = {k: ({} if k == "sexual_orientation" else None) for k in doc["demographics"]}
        status.update({f"demographics.{k}": status["idva"] for k in doc["demographics"]})
    else:
        for measure, absent in idva_fields_recorded(conn, [qid]).get(qid, {}).items():
            if measure in doc["demographics"]:
                doc["demographics"][measure] = {} if measure == "sexual_orientation" else None
            status[f"demographics.{measure}"] = absent
    for scope in ("total", "reporting_area"):  # an incomplete police quarter has no totals, never part sums
        figures = doc["police"].get(scope)
        if figures and not figures["complete"]:
            figures.update(
                dict.fromkeys(("da_incidents", "da_crimes", "incidents_per_1000", "crimes_per_1000"))
            )
            figures["status"] = INCOMPLETE if any(d in doc["police"]["by_area"] for d in figures.get(
                "districts", doc["police"]["by_area"])) else NOT_SUPPLIED  # fmt: skip
    for figures in doc["police"]["by_area"].values():
        if figures["months"] != 3:
            figures.update(
                dict.fromkeys(("da_incidents", "da_crimes", "incidents_per_1000", "crimes_per_1000"))
            )
            figures["status"] = INCOMPLETE
    if status["marac"] != OK:
        for key in MaracCounts.__dataclass_fields__:
            doc["marac"][key] = None
        doc["marac"]["repeat_pct"] = None
    doc["status"] = status
    return doc
