"""District slices for Community Safety Partnerships: the district beside the county, safe to circulate.

Suppression is planned once for all districts together (a reader may hold every slice):
for each measure and quarter, the districts' counts form one line whose total is the
county figure; :mod:`dasv.report.suppress` withholds small counts and whatever else would
give them away. Rates are shown only when numerator and denominator are both shown.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection

from dasv.config import Area, Deployment
from dasv.measures.context import CHARTED, SPC_MEASURES
from dasv.measures.funnel import Funnel
from dasv.measures.labels import label
from dasv.measures.spc import SpcResult, analyse
from dasv.measures.status import OK, Missing
from dasv.publications import latest_publication
from dasv.quarters import LONDON, Quarter
from dasv.report.build import definitions, gather_quarter, spc_charts
from dasv.report.cells import Cell
from dasv.report.commentary import Commentary
from dasv.report.funnel import district_funnel, funnel_section
from dasv.report.joint import Joint
from dasv.report.model import Report
from dasv.report.monthly import monthly_tables, trend_values_table
from dasv.report.refusals import DisclosureError, refusal, violations
from dasv.report.served import cells_document, edition_cells, served_cells
from dasv.report.slice_metrics import slice_metrics
from dasv.report.slice_plan import figure_status, first_published_by_district, plan_months, plan_suppression
from dasv.report.slice_statements import slice_statements
from dasv.report.slice_tables import (
    SliceTables,
)
from dasv.report.suppress import COUNTY
from dasv.rule import rule as disclosure_rule
from dasv.rule import small_range


def find_district(deployment: Deployment, name: str) -> Area:
    """The configured district a name or alias stands for.

    Raises:
        ValueError: not a district of this deployment (the message lists them).
    """
    area = deployment.area(name)
    if area is None or area.kind != "district":
        names = ", ".join(a.name for a in deployment.districts)
        raise ValueError(f"{name!r} is not a district of this deployment; expected one of {names}")
    return area


class SliceBuilder(SliceTables):
    """Builds any district's slice from one gathering and one suppression plan."""

    def __init__(self, conn: Connection, deployment: Deployment, quarter: Quarter):
        # keeps data only (no connection), so a builder can be handed to parallel workers
        self.deployment, self.quarter = deployment, quarter
        # the county report starts from the same figures (build_report(gathered=...)): gathered once
        self.gathered = gathered = gather_quarter(conn, deployment, quarter)
        self.fy, self.trend = gathered.fy, gathered.trend
        self.districts, self.county = gathered.districts, gathered.county
        self.plan = plan_suppression(self.county, self.districts, deployment)
        self.sources = gathered.sources
        self.commentary = Commentary()  # the quarter's commentary (the caller reads it: read_commentary)
        self.year_ending = gathered.year_ending
        self.series = gathered.series
        plan_months(self.plan, self.series, list(self.districts))
        # then jointly, over identities, quarters, year endings and what earlier versions served
        # served versions a release can be linked to: from a year before its earliest quarter or year ending
        linked = min(
            min(self.county).last_n(5)[0],
            Quarter.containing((self.year_ending.years or [self.year_ending.last])[0].start),
        )
        self.joint = Joint(
            [self.plan, self.year_ending.plan], list(self.districts), served_cells(conn, linked)
        )
        # what the public set prints of the release (a withheld cell nobody prints has no marker to narrow)
        self.joint.printed = frozenset((m, p) for _, m, p in self.joint.where if self._printed(m, p))
        self.joint.protect()
        self.unsafe = violations(self.joint)
        # the store as it was when planned: publishing checks it has not served anything since
        self.planned_against = latest_publication(conn)
        self.first_published = first_published_by_district(conn, [x for x in set(self.fy) | {quarter.previous()}
                                                                 if x != quarter])  # fmt: skip
        # the districts' funnel, the same in every slice (only districts whose count the slices show):
        # made with the plan, not again in each worker or forked child that draws slices
        self.funnel: Funnel | None = district_funnel(
            self.county[quarter].police, deployment, quarter,
            shown=lambda d: self.plan.shown(d, "da_incidents", quarter),
        )  # fmt: skip

    def status(self, who: str, measure: str, x: Quarter) -> str:
        """A slice measure's status in a quarter: its source's (or its column's) for the district or county."""
        return figure_status((self.county if who == COUNTY else self.districts[who])[x], measure)

    def cell(self, who: str, measure: str, x: Quarter) -> Cell:
        """The published cell (a count, ``<5`` or ``[c]``), or its status where the source does not cover it."""
        status = self.status(who, measure, x)
        return self.plan.cell(who, measure, x) if status == OK else Missing(status, measure)

    def rate(self, who: str, num: str, den: str, x: Quarter) -> Cell:
        """A published rate, or its status where the source does not cover the quarter."""
        status = self.status(who, num, x)
        return self.plan.rate(who, num, den, x) if status == OK else Missing(status, num)

    def variation(self, name: str) -> dict[str, SpcResult]:
        """The district's SPC charts, for the series whose every month the slices publish.

        Nor where a quarter's count of the measure is withheld while its three months would be
        charted: the months would add up to it.
        """
        out = {}
        for measure in SPC_MEASURES:
            months, values = self.series.series(measure, name)
            if not months or not all(self.plan.shown(name, f"month:{measure}", m) for m in months):
                continue
            count = measure.split(".", 1)[1]  # the slice's quarterly measure ("idva.engaged" -> "engaged")
            covered = {Quarter.containing(_first_day(m)) for m in months}
            if any((name, count, x) in self.plan.values and not self.plan.shown(name, count, x)
                             for x in covered):  # fmt: skip
                continue
            out[measure] = analyse(months, values, self.deployment.spc.rebase.get(measure, []))
        return out

    def refuse_if_unsafe(self) -> None:
        """The render-time check, before anything is drawn.

        Raises:
            DisclosureError: a withheld count could be worked out or narrowed (the cell, the figures, the fix).
        """
        if self.unsafe:
            raise DisclosureError(refusal(f"The {self.quarter.label} release", self.unsafe))

    def report(self, district: str) -> Report:
        """The slice report for one district."""
        area = find_district(self.deployment, district)
        if self.unsafe:  # the render-time check: nothing is drawn that would give a withheld count away
            raise DisclosureError(refusal(f"The {area.name} slice of {self.quarter.label}", self.unsafe))
        q, prev = self.quarter, self.quarter.previous()
        name = area.name
        plan = self.plan
        county = self.deployment.county_label
        spc = self.variation(name)
        return Report(
            words=self.deployment.words,
            title=f"{self.deployment.report_title} {q.fy_label}",
            subtitle=f"Quarter {q.number}: {q.months_label}",
            quarter=q.label,
            partnership=self.deployment.partnership,
            author=self.deployment.author,
            produced_at=datetime.now(LONDON),
            area=name,
            headline=self._headline(name, q, prev),
            tables=[self._beside(name, county), self._rows(name, county), self._other(name, county)],
            charts=spc_charts(spc, self.deployment, area=name) + self._charts(name),
            # the charted months only: a slice charts a series only where it publishes every month
            chart_tables=monthly_tables(spc, {k: label(k) for k in CHARTED}, area=name)
            + trend_values_table(self._charts(name), area=name),
            notes={"spc": self._spc_note(name, spc)},
            commentary=self.commentary.for_area(name),  # the partnership's, then the district's own
            statements=self._statements(name, q, prev),
            quality=[
                disclosure_rule(plan.threshold),
                self.deployment.words.say(
                    "LGBT+ is shown as one total in {area} slices (categories are too small "
                    "to publish safely)."
                ),
            ],
            sources=self.sources,
            definitions=definitions(self.deployment),
            metrics=self.metrics(name),
            suppressed=True,
            threshold=plan.threshold,
            sections=[
                s
                for s in (
                    funnel_section(self.funnel, self.deployment, q, highlight=name),
                    self.year_ending.section([(name, name), (COUNTY, county)], suppressed=True),
                )
                if s
            ],  # fmt: skip
            quality_tables=[self.gathered.coverage] if self.gathered.coverage else [],
        )

    def _spc_note(self, name: str, spc: dict[str, SpcResult]) -> str:
        """Which monthly SPC charts the slice leaves out, and why (a month withheld, or no months)."""
        withheld = [label(k) for k in CHARTED if k not in spc and self.series.series(k, name)[0]]
        empty = [label(k) for k in CHARTED if k not in spc and not self.series.series(k, name)[0]]
        parts = []
        if withheld:
            parts.append(f"{_listed(withheld)}: not charted, because a month of the series, or a quarter its "
                         f"months add up to, is withheld in {name}'s figures (a count of {small_range(self.plan.threshold)}, or a count "
                         "that would reveal one); an SPC chart would show it")  # fmt: skip
        if empty:
            parts.append(f"{_listed(empty)}: no monthly figures for {name}")
        return ". ".join(parts) + "." if parts else ""

    def _statements(self, name: str, q: Quarter, prev: Quarter) -> list[str]:
        """The district's changes as the county's are stated: real ones first, the largest first; then its ranks."""
        return slice_statements(self, name, q, prev)

    def metrics(self, name: str) -> dict:
        """docs/metrics_json.md restricted to the district, suppressed counts as their markers, their rates null."""
        return slice_metrics(self, name)

    def _printed(self, measure: str, period: str) -> bool:
        """Whether a slice prints a figure of a period.

        The year's quarters and the one before, year endings, and the trend charts' referrals,
        criteria met and engaged.
        """
        if period.startswith("YE ") or period in self._labels:
            return True
        return measure in ("total_referrals", "criteria_met", "engaged") and period in self._trend_labels

    @property
    def _labels(self) -> set[str]:
        return {x.label for x in [*self.fy, self.quarter.previous()]}

    @property
    def _trend_labels(self) -> set[str]:
        return {x.label for x in self.trend}


def _first_day(month: str) -> date:
    """The first day of a ``YYYY-MM`` month."""
    year, number = map(int, month.split("-"))
    return date(year, number, 1)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def planned_cells(conn: Connection, deployment: Deployment, quarter: Quarter) -> tuple[list[str], dict]:
    """The quarter planned against the store as it is now: what makes it unsafe, and each document's cells.

    The disclosure planner that publishing checks a release with (``dasv.publications.Replan``):
    each slice's cells, and the public edition's (``None``: every district's and the county's).
    """
    builder = SliceBuilder(conn, deployment, quarter)
    cells: dict[str | None, dict] = {
        d: cells_document(builder.joint, d, builder._printed) for d in builder.districts
    }
    cells[None] = edition_cells(builder.joint, builder.districts, builder._printed)
    return builder.unsafe, cells


def build_slices(
    conn: Connection, deployment: Deployment, quarter: Quarter, districts: list[str] | None = None
) -> list[Report]:
    """Slices for the given districts (default: every configured district)."""
    builder = SliceBuilder(conn, deployment, quarter)
    names = districts or [a.name for a in deployment.districts]
    return [builder.report(n) for n in names]
