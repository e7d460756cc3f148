"""The district comparison: a funnel plot of police DA incidents per 1,000 aged 16+ (docs/statistics.md).

The county report shows every district around the county rate and names those outside the
99.8% limits; a slice shows the same plot with its own district marked. A district whose
count a slice withholds has no point, rate or limit anywhere in the slices.
"""

from __future__ import annotations

from dasv.config import Deployment, Words
from dasv.measures.funnel import Funnel
from dasv.measures.labels import label
from dasv.measures.police import district_funnel  # noqa: F401 (imported from here by the report)
from dasv.quarters import Quarter
from dasv.report.cells import Cell
from dasv.report.model import Column, FunnelChart, ReportTable, Section
from dasv.report.registry import Shown

TITLE = "Police DA incidents per 1,000 aged 16+ by {area}"  # in the partnership's words: Words.say


def funnel_section(
    found: Funnel | None,
    deployment: Deployment,
    quarter: Quarter,
    highlight: str | None = None,
    labels: dict[str, str] | None = None,
) -> Section | None:
    """The section: the plot, a table of each district's position, and a sentence naming outliers.

    ``labels``: how the document prints each district (the county report's area labels); the
    canonical names where not given.
    """
    if found is None:
        return None
    labels, w = labels or {}, deployment.words
    withheld = highlight is not None and highlight not in found.areas  # its own count not published
    highlight = None if withheld else highlight
    table = deployment.population_for(quarter.end.year)
    chart = FunnelChart(
        "funnel_police_incidents", f"{w.say(TITLE)}, {quarter.label}", found, f"Population aged 16+ ({table.year})",
        "Incidents per 1,000", highlight=highlight, labels=labels, point_label=w("Area"),
        centre_label=w.say("{Whole} rate"),
        description=(w.say("Funnel plot: each {area}'s police DA incidents per 1,000 residents aged 16+ in ")
                     + f"{quarter.label} " + w.say("against its population, with 95% and 99.8% limits around the rate "
                     "of all {areas} ") + f"together ({found.centre:,.1f}). {adjustment_text(found, w)}"
                     + (f" {labels.get(highlight, highlight)} is the square." if highlight else "")),
    )  # fmt: skip
    return Section(
        key="funnel",
        title=w.say("{Area} comparison: funnel plot"),
        intro=[w.say("A {area} outside the funnel's 99.8% limits differs from the {whole} rate by more than chance "
               "would explain; between the 95% and 99.8% limits is a warning. Smaller {areas} have wider "
               "limits, because small counts vary more. When the {areas} differ more than chance alone would "
               "make them (over-dispersion, usual with counts in the hundreds), the limits are widened to allow "
               "for the ordinary spread between {areas} (Spiegelhalter 2005), and only a {area} outside "
               "the widened 99.8% limits is named.")],
        tables=[] if withheld else [position_table(found, quarter, highlight, labels, w)],
        charts=[chart],
        statements=([w.say("This {area}'s count is withheld in slices, so it has no point on the plot.")] if withheld
                    else []) + funnel_statements(found, highlight, labels, w),
    )  # fmt: skip


def position_table(
    found: Funnel,
    quarter: Quarter,
    only: str | None = None,
    labels: dict[str, str] | None = None,
    w: Words | None = None,
) -> ReportTable:
    """Each district's count, population, rate, limits and position (``only`` one's, in its slice)."""
    labels, w = labels or {}, w or Words()
    rows: list[list[Cell]] = []
    for p in found.points:
        if only and p.area != only:
            continue
        (l95, u95), (l998, u998) = p.limits[0.95], p.limits[0.998]
        # registered figures (dasv.report.registry): the district's published count and its population
        count, people = (
            Shown(p.count, (p.area, "da_incidents", quarter)),
            Shown(p.population, (p.area, "population", quarter)),
        )
        rows.append([labels.get(p.area, p.area), count, people, round(p.rate, 2), f"{l95:.1f}–{u95:.1f}", f"{l998:.1f}–{u998:.1f}",
                     p.outside or "within 95%"])  # fmt: skip
    columns = [Column(w("Area"), "label"), Column(label("police.da_incidents")), Column("Population aged 16+"),
               Column("Per 1,000", "number"), Column("95% limits", "text"), Column("99.8% limits", "text"),
               Column("Position", "text")]  # fmt: skip
    return ReportTable(
        "funnel_police_incidents", f"{w.say(TITLE)}, {quarter.label}: " + w.say("position against the {whole} rate"),
        columns, rows, source=w.say("Source: police-recorded domestic abuse, monthly counts by {area}"),
        notes=[w.say("{Whole} rate: ") + f"{found.centre:,.2f} per 1,000 " + w.say("(all {areas} with a complete "
               "quarter). Limits: ")
               + ("widened for over-dispersion by the additive random-effects method (Spiegelhalter 2005). "
                  if found.adjusted else "exact Poisson, interpolated (Spiegelhalter 2005). ")
               + adjustment_text(found, w)]
        + ([f"This table gives {labels.get(only, only)}'s position; " + w.say("the plot shows every {area} whose "
            "count is ") + f"published, {labels.get(only, only)} as the square."] if only else []),
    )  # fmt: skip


def adjustment_text(found: Funnel, w: Words | None = None) -> str:
    """The sentence under the plot: whether the limits were widened for over-dispersion, with phi and tau²."""
    d, w = found.dispersion, w or Words()
    if d is None:
        return "The limits are exact Poisson (over-dispersion not estimated)."
    stat = (f"dispersion ratio phi = {d.phi:,.2f}, the mean square of the {d.groups} {w('areas')}' z-scores winsorised "
            f"at the 10th and 90th percentiles; the dispersion statistic {d.groups} × phi = {d.groups * d.phi:,.1f} "
            f"against {d.groups - 1} expected by chance")  # fmt: skip
    if d.adjusted:
        return (w.say("In plain words: the {areas} differ about ") + f"{d.phi:,.0f}"
                + w.say(" times as much as chance alone would make them, as {areas} usually do, so the limits are "
                        "widened to allow for the usual spread between {areas}, and a {area} outside them differs by "
                        "more than that spread. In figures: ")
                + f"{stat}; the limits are widened by the between-" + w.say("{area}") + f" variance tau² = {d.tau2:.3g} "
                "(square-root scale; see over-dispersion in the glossary).")  # fmt: skip
    return (
        w.say("The {areas} differ no more than chance would make them ")
        + f"({stat}), so the limits are exact Poisson."
    )


def funnel_statements(
    found: Funnel, highlight: str | None, labels: dict[str, str] | None = None, w: Words | None = None
) -> list[str]:
    """Name the districts outside the 99.8% limits (and the warnings), or say there are none."""
    labels, w = labels or {}, w or Words()
    lines = []
    outliers = [p for p in found.points if p.outside and p.outside.endswith("99.8%")]
    warnings = [p for p in found.points if p.outside and p.outside.endswith(" 95%")]
    if outliers:
        lines.append("Outside the " + ("adjusted " if found.adjusted else "") + w.say("99.8% limits around the {whole} rate of ")
                     + f"{found.centre:,.1f} per 1,000: " + "; ".join(f"{labels.get(p.area, p.area)} ({p.rate:,.1f}, {p.outside.split()[0]})"
                                                              for p in outliers) + ".")  # fmt: skip
    else:
        lines.append(
            w.say("No {area} is outside the ")
            + f"{'adjusted ' if found.adjusted else ''}"
            + w.say("99.8% limits around the {whole} rate ")
            + f"of {found.centre:,.1f} per 1,000."
        )
    if warnings:
        lines.append("Between the 95% and 99.8% limits (a warning, not a signal): "
                     + "; ".join(f"{labels.get(p.area, p.area)} ({p.rate:,.1f}, {p.outside.split()[0]})" for p in warnings) + ".")  # fmt: skip
    if highlight:
        own = next((p for p in found.points if p.area == highlight), None)
        if own:
            where = (
                "within the 95% limits"
                if not own.outside
                else f"{own.outside.split()[0]} the {own.outside.split()[1]} limits"
            )
            lines.insert(
                0,
                f"{labels.get(highlight, highlight)}: {own.rate:,.1f} per 1,000, {where} "
                + w.say("of the {whole} rate."),
            )
    return lines
