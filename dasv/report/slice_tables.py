"""The tables and charts of a district's slice: the district beside the county, as the plan publishes them.

:class:`SliceTables` is mixed into :class:`dasv.report.slices.SliceBuilder`, which holds the
gathered figures and the plan (``cell``, ``rate``, ``status``: a count, a marker or a status).
"""

from __future__ import annotations

from dasv.measures import catalogue
from dasv.measures.labels import areas_text, label
from dasv.measures.status import OK, Missing
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Change, Rate, Suppressed, printed_pair
from dasv.report.model import Chart, Column, ReportTable
from dasv.report.registry import Shown
from dasv.report.revisions import Revisions
from dasv.report.suppress import COUNTY
from dasv.report.tables.headline import VERDICT_NOTE, interval_cell, verdict_cell
from dasv.report.tables.shared import short
from dasv.rule import SECONDARY

# the slices' quarterly counts, from the catalogue of measures
IDVA_MEASURES = catalogue.names("idva", slice=True)
MARAC_MEASURES = catalogue.names("marac", slice=True)
POLICE_MEASURES = catalogue.names("police", slice=True)
DEMOGRAPHIC_MEASURES = ("male_victims", "disability", "aged_13_17", "lgbt_total", "not_asked")
# slice measure -> its printed name (dasv.measures.labels: one name per measure)
LABELS = {
    **{m: label(f"idva.{m}") for m in IDVA_MEASURES},
    **{m: label(f"marac.{m}") for m in MARAC_MEASURES},
    **{m: label(f"police.{m}") for m in POLICE_MEASURES},
    **{m: label(f"demographics.{m}") for m in DEMOGRAPHIC_MEASURES},
}
HEADLINE_MEASURES = catalogue.names(headline=True, parts=None)  # the headline's counts
# a headline measure -> its monthly series (the headline's variation column)
SERIES_KEY = {m.name: m.key for m in catalogue.measures(headline=True, spc=True)}


class SliceTables:
    """The slice's headline, IDVA, specialism and other-data tables, and its trend charts."""

    def _columns(self, name: str, county: str, quarters: list[Quarter]) -> list[Column]:
        cols = [Column("Measure", "label")]
        for who in (name, county):
            cols += [
                Column(f"{who} {x.label}", "count", group=who, sub=short(x), current=x == self.quarter)
                for x in quarters
            ]
        return cols

    def revisions(self, name: str) -> Revisions:
        """The district's first-published figures of earlier quarters, for ``[r]`` marks."""
        first = {q: docs[name] for q, docs in self.first_published.items() if name in docs}
        return Revisions(None, [], self.quarter, first=first)

    def _series(
        self, name: str, measure: str, quarters: list[Quarter], revisions: Revisions | None = None
    ) -> list[Cell]:
        own = [self.cell(name, measure, x) for x in quarters]
        if revisions is not None and measure in IDVA_MEASURES:
            own = [
                revisions.mark(x, ("idva", "by_area", name, measure), c)
                for x, c in zip(quarters, own, strict=True)
            ]
        return own + [self.cell(COUNTY, measure, x) for x in quarters]

    def _rate_series(self, name: str, num: str, den: str, quarters: list[Quarter]) -> list[Cell]:
        return [self.rate(name, num, den, x) for x in quarters] + [
            self.rate(COUNTY, num, den, x) for x in quarters
        ]

    def _beside(self, name: str, county: str) -> ReportTable:
        fy = self.fy
        revisions = self.revisions(name)
        rows = [
            [LABELS["total_referrals"], *self._series(name, "total_referrals", fy, revisions)],
            [LABELS["criteria_met"], *self._series(name, "criteria_met", fy, revisions)],
            [LABELS["engaged"], *self._series(name, "engaged", fy, revisions)],
            [label("idva.engagement_pct"), *self._rate_series(name, "engaged", "criteria_met", fy)],
            [LABELS["repeats"], *self._series(name, "repeats", fy, revisions)],
            [label("idva.repeats_pct"), *self._rate_series(name, "repeats", "total_referrals", fy)],
        ]
        return ReportTable("idva_district", f"IDVA referrals, {areas_text([name, county])}, {self.quarter.label}",
                           self._columns(name, county, fy), rows, source="Source: IDVA service referral export",
                           section="referrals", notes=revisions.notes())  # fmt: skip

    def _rows(self, name: str, county: str) -> ReportTable:
        q = self.quarter
        cols = [Column("Report row", "label")]
        for who in (name, county):
            cols += [Column(f"{who} {LABELS[m]} {q.label}", "count", group=who, sub=LABELS[m], current=True)
                     for m in ("total_referrals", "criteria_met", "repeats")]  # fmt: skip
            cols.append(
                Column(f"{who} Engagement % {q.label}", "pct", group=who, sub="Engagement %", current=True)
            )
        rows = []
        for row in self.deployment.report_rows:
            if row.areas is not None and name not in row.areas:
                continue
            cells: list[Cell] = [row.label]
            for who in (name, COUNTY):
                key = f"row:{row.label}:"
                cells += [self.cell(who, key + m, q) for m in ("total_referrals", "criteria_met", "repeats")]
                cells.append(self.rate(who, key + "engaged", key + "criteria_met", q))
            rows.append(cells)
        return ReportTable("idva_district_specialism", f"Referrals by specialism, {areas_text([name, county])}, {q.label}", cols,
                           rows, source="Source: IDVA service referral export",
                           notes=[self.deployment.words.say("Rows whose areas exclude this {area} are not shown.")],
                           section="referrals")  # fmt: skip

    def _other(self, name: str, county: str) -> ReportTable:
        fy = self.fy
        rows = [[LABELS[m], *self._series(name, m, fy)] for m in MARAC_MEASURES]
        rows.append([label("marac.repeat_pct"), *self._rate_series(name, "repeat_cases", "cases_heard", fy)])
        rows += [[LABELS[m], *self._series(name, m, fy)] for m in POLICE_MEASURES]
        population = self.deployment.population_for(self.quarter.end.year)
        pop = population.by_area.get(name) if population else None
        county_pop = population.total("aged_16_plus") if population else 0
        for m in POLICE_MEASURES:
            cells: list[Cell] = [f"{LABELS[m]} per 1,000 aged 16+"]
            for who, base in ((name, pop.aged_16_plus if pop else 0), (COUNTY, county_pop)):
                for x in fy:
                    complete = (self.districts[name] if who == name else self.county)[x].police["total"][
                        "complete"
                    ]
                    if self.status(who, m, x) != OK:
                        cells.append(Missing(self.status(who, m, x), m))
                    elif not base or not complete:
                        cells.append(None)
                    elif self.plan.shown(who, m, x):
                        cells.append(
                            Rate(self.plan.cell(who, m, x), Shown(base, (who, "population", x)), per=1000)
                        )
                    else:
                        cells.append(Suppressed(SECONDARY))
            rows.append(cells)
        rows += [[LABELS[m], *self._series(name, m, fy)] for m in DEMOGRAPHIC_MEASURES]
        notes = []
        if population:
            notes.append(
                f"Rates use the {population.year} population (its source is under Population in the definitions)."
            )
        return ReportTable("other_district", f"MARAC, police and demographics, {areas_text([name, county])}, {self.quarter.label}",
                           self._columns(name, county, fy), rows,
                           source="Sources: MARAC case list; police monthly counts; IDVA referral export", notes=notes)  # fmt: skip

    def _headline(self, name: str, q: Quarter, prev: Quarter) -> ReportTable:
        rows = []
        spc = self.variation(name)
        for measure in catalogue.headline():  # a percentage's row after the count it is of
            m = measure.name
            if measure.parts:
                now, before = printed_pair(
                    self.rate(name, *measure.parts, q), self.rate(name, *measure.parts, prev)
                )
                rows.append([label(measure.key), now, interval_cell(now), before, Change(now, before),
                             verdict_cell(now, before)])  # fmt: skip
                continue
            now, before = self.cell(name, m, q), self.cell(name, m, prev)
            result = spc.get(SERIES_KEY.get(m, ""))
            # the one verdict (dasv.report.verdict); none beside a withheld count, nor for a stock
            verdict = verdict_cell(now, before, result) if not measure.stock else None
            rows.append([LABELS[m], now, interval_cell(now), before, Change(now, before), verdict])
        return ReportTable("headline", f"Headline figures for {name}, {q.label} compared with {prev.label}",
                           [Column("Measure", "label"), Column(q.label, "count", current=True),
                            Column(f"95% interval {q.label}", "interval", sub="95% interval"), Column(prev.label),
                            Column("Change", "change"), Column("Variation", "variation")],
                           rows, source="Sources: IDVA referral export, MARAC case list, police monthly counts",
                           notes=[VERDICT_NOTE, "No interval, limit or variation is shown for a withheld count, nor "
                                  "an SPC chart for a series with any withheld month."],
                           section="headline")  # fmt: skip

    def _charts(self, name: str) -> list[Chart]:
        trend = self.trend
        cats = [x.label for x in trend]

        def value(who: str, x: Quarter) -> float | None:
            return (
                float(self.plan.values[(who, "total_referrals", x)])
                if self.plan.shown(who, "total_referrals", x) and self.status(who, "total_referrals", x) == OK
                else None
            )

        def engagement(who: str, x: Quarter) -> float | None:
            cell = self.rate(who, "engaged", "criteria_met", x)
            return cell.value(1) if isinstance(cell, Rate) else None

        return [
            Chart("trend_referrals", f"IDVA referrals, {name}", cats, {name: [value(name, x) for x in trend]}, "IDVA referrals",
                  f"Line chart of IDVA referrals per quarter for {name}, {cats[0]} to {cats[-1]}; withheld or not supplied values are gaps."),
            Chart("trend_engagement", f"Engagement %, {areas_text([name, self.deployment.county_label])}", cats,
                  {name: [engagement(name, x) for x in trend], self.deployment.county_label: [engagement(COUNTY, x) for x in trend]},
                  "Engagement %", f"Line chart of the engagement rate per quarter, {name} beside the "
                  + self.deployment.words.say("{whole}; withheld or not supplied values are gaps.")),
        ]  # fmt: skip
