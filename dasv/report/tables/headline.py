"""The headline table: each figure of the quarter with its 95% interval, last quarter's, the change and its variation."""

from __future__ import annotations

from dasv.config import Deployment
from dasv.measures import catalogue
from dasv.measures.labels import label, police_label
from dasv.measures.spc import SpcResult
from dasv.measures.status import OK, Missing
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Change, IntervalCell, Rate, Variation, printed_pair, rate_interval_of
from dasv.report.data import QuarterData
from dasv.report.model import Column, ReportTable
from dasv.report.revisions import Revisions
from dasv.report.tables.police import police_cell, police_gaps

HEADLINE_KEYS = tuple(m.key for m in catalogue.headline())  # each percentage after the count it is of


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
    area = deployment.police_reporting_area
    pairs, scope = _pairs(now, before, area)
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
            verdict_cell(a, plain_before, variation.get(key)) if not catalogue.BY_KEY[key].stock else None
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


def _pairs(
    now_data: QuarterData, before_data: QuarterData, area
) -> tuple[dict[str, tuple[str, Cell, Cell]], str]:
    """Each headline measure's printed name, this quarter's figure and last quarter's; the police rows' scope."""
    t_now, t_before = now_data.idva_total, before_data.idva_total
    now, before = _Shown(now_data), _Shown(before_data)
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
    return pairs, scope


# a stock (cases awaiting a hearing) is counted on the quarter's last day: no change over the quarter is judged
_STOCKS = " or ".join(f"'{label(m.key)}'" for m in catalogue.headline() if m.stock)
VERDICT_NOTE = (
    "Variation: whether the change from last quarter is more than noise. A real rise or fall: the "
    "quarter-on-quarter test finds it unlikely to be chance (p < 0.05), or the measure's monthly SPC chart "
    "(section 4) flags the latest month in the same direction; otherwise normal variation"
    + (
        f". None (–) for {_STOCKS}: a count on the quarter's last day, not over the quarter"
        if _STOCKS
        else ""
    )
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


def interval_cell(value: Cell) -> Cell:
    """The 95% interval of a headline figure (None where it has none: incomplete, not supplied)."""
    from dasv.measures.intervals import byar

    if isinstance(value, Rate):
        interval = rate_interval_of(value)
        return IntervalCell(interval, "pct" if value.per == 100 else "rate") if interval else None
    if isinstance(value, int) and not isinstance(value, bool):
        return IntervalCell(byar(value), "count")
    return None
