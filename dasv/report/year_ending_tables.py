"""The year-ending section's tables and chart: the police figures, every district's rate, the services.

A mixin of :class:`dasv.report.year_ending.YearEndingFigures`, which gives each cell
(``police_cell``, ``rate_cell``, ``service_cell``: a count, ``[c]`` or a status) and the
section's notes; this module lays the cells out as tables (Figure 8 and Table 5 of the CSP
strategic assessment) and the chart of the four years.
"""

from __future__ import annotations

from dasv.measures.labels import areas_text, label
from dasv.measures.series import REPORTING as SERIES_REPORTING
from dasv.measures.status import Missing
from dasv.measures.year_ending import YearEnding
from dasv.report.cells import Cell, Rate, Suppressed
from dasv.report.model import Chart, Column, ReportTable
from dasv.report.suppress import COUNTY
from dasv.rule import SECONDARY

REPORTING = SERIES_REPORTING  # the reporting area in a key, as the monthly series name it
POLICE_SOURCE = "Source: police-recorded domestic abuse, monthly counts by {area}"  # Words.say
POLICE_ROWS = ("total_recorded", "da_crimes", "da_incidents", "crimed_incidents", "incident_only")
IDVA_ROWS = ("total_referrals", "criteria_met", "repeats")
MARAC_ROWS = ("referrals", "cases_heard", "repeat_cases")


class YearEndingTables:
    """The tables and chart of a year-ending section, from the cells of :class:`YearEndingFigures`."""

    def _columns(self, who: list[tuple[str, str]], years: list[YearEnding] | None = None) -> list[Column]:
        cols = [Column("Measure", "label")]
        for _, name in who:
            cols += [Column(f"{name} {y.short}", "count", group=name, sub=y.short, current=y == self.last)
                     for y in (self.years if years is None else years)]  # fmt: skip
        return cols

    @property
    def service_years(self) -> list[YearEnding]:
        """The years shown from the first that holds any IDVA or MARAC figure (services that began later)."""
        held = [y for y in self.years
                if any(self.docs[y][s].get("status") != "not supplied" for s in ("idva", "marac"))]  # fmt: skip
        return self.years[self.years.index(held[0]) :] if held else []

    def police_table(self, who: list[tuple[str, str]], suppressed: bool) -> ReportTable:
        """Figure 8: the police figures of each area in ``who`` for the four years."""
        rows: list[list[Cell]] = []
        for key in POLICE_ROWS:
            rows.append(
                [
                    label(f"police.{key}"),
                    *[self.police_cell(w, key, y, suppressed) for w, _ in who for y in self.years],
                ]
            )
        rows.append(
            [
                label("police.crimed_pct"),
                *[self.crimed_pct_cell(w, y, suppressed) for w, _ in who for y in self.years],
            ]
        )
        rows.append(
            [
                label("police.total_per_1000"),
                *[self.rate_cell(w, y, suppressed) for w, _ in who for y in self.years],
            ]
        )
        names = areas_text([n for _, n in who])
        return ReportTable(
            "year_ending_police", f"Police recorded domestic abuse, {names}, years ending {self.last.month_name}",
            self._columns(who), rows, source=self.deployment.words.say(POLICE_SOURCE), notes=self._notes(), section="other",
        )  # fmt: skip

    def rates_table(self, suppressed: bool, labels: dict[str, str] | None = None) -> ReportTable:
        """Table 5: every district's (and the reporting area's, and the county's) rate per 1,000.

        ``labels``: how the document prints each district (the county report's area labels).
        """
        who = [(d, (labels or {}).get(d, d)) for d in self.districts]
        area = self.deployment.police_reporting_area
        described = []
        if area:  # its name, as the police rows print it; what it covers in a note
            who.append((REPORTING, area.shown))
            described = [f"{area.shown} is {area.description or ', '.join(area.districts)}."]
        who.append((COUNTY, self.deployment.county_label))
        columns = [Column("Area", "label")] + [
            Column(f"{y.short}, per 1,000 (population {self.police_entry(COUNTY, y)['population_year']})", "rate",
                   sub=f"{y.short} ({self.police_entry(COUNTY, y)['population_year']} pop.)", current=y == self.last)
            for y in self.years
        ]  # fmt: skip
        rows = [[name, *[self.rate_cell(w, y, suppressed) for y in self.years]] for w, name in who]
        return ReportTable(
            "year_ending_rates", self.deployment.words.say("Police recorded domestic abuse per 1,000 population (all ages), by {area}"),
            columns, rows, source=self.deployment.words.say(POLICE_SOURCE),
            notes=["Total police recorded DA (incident-only + crimes) per 1,000 residents of all ages; each year uses the "
                   "population estimate of the year it ends in, named in the column."] + described + self._population_notes(),
        )  # fmt: skip

    def services_table(self, who: list[tuple[str, str]], suppressed: bool) -> ReportTable:
        """The same years' IDVA and MARAC figures (blank where the warehouse lacks part of a year)."""
        rows: list[list[Cell]] = []
        years = (
            self.service_years
        )  # years before the services' exports began are left out, as the section's are
        for source, keys in (("idva", IDVA_ROWS), ("marac", MARAC_ROWS)):
            for key in keys:
                rows.append([label(f"{source}.{key}"),
                             *[self.service_cell(w, source, key, y, suppressed) for w, _ in who for y in years]])  # fmt: skip
        rows.insert(
            2,
            [
                label("idva.engagement_pct"),
                *[self._engagement(w, y, suppressed) for w, _ in who for y in years],
            ],
        )
        left_out = [y for y in self.years if y not in years]
        notes = [
            "A year is shown only where the warehouse holds every quarter of it for that source (– otherwise)."
        ]
        if left_out:
            notes.append(f"No IDVA or MARAC figures are held for the year{'s' if len(left_out) > 1 else ''} ending "
                         f"{', '.join(y.title.removeprefix('year ending ') for y in left_out)}, so "
                         f"{'they are' if len(left_out) > 1 else 'it is'} left out.")  # fmt: skip
        return ReportTable(
            "year_ending_services", f"IDVA and MARAC, {areas_text([n for _, n in who])}, the same years",
            self._columns(who, years), rows, source="Sources: IDVA referral export; MARAC case list", notes=notes,
        )  # fmt: skip

    def _engagement(self, who: str, y: YearEnding, suppressed: bool) -> Cell:
        engaged = self.service_cell(who, "idva", "engaged", y, suppressed)
        met = self.service_cell(who, "idva", "criteria_met", y, suppressed)
        if isinstance(engaged, int) and isinstance(met, int):
            return Rate(engaged, met)
        if isinstance(met, Missing) or isinstance(engaged, Missing):  # the year's status, never an empty "ok"
            return met if isinstance(met, Missing) else engaged
        return (
            Suppressed(SECONDARY) if isinstance(engaged, Suppressed) or isinstance(met, Suppressed) else None
        )

    def chart(self, who: str, name: str, suppressed: bool) -> Chart:
        """One chart: the four years' police figures of one area."""
        series = {}
        for key in ("total_recorded", "da_incidents", "da_crimes", "incident_only"):
            values = [self.police_cell(who, key, y, suppressed) for y in self.years]
            series[label(f"police.{key}")] = [float(v) if isinstance(v, int) else None for v in values]
        cats = [y.short for y in self.years]
        return Chart("year_ending", f"Police recorded domestic abuse, {name}, {cats[0]} to {cats[-1]}", cats, series,
                     "Records", f"Line chart of police recorded domestic abuse in {name} for the years ending "
                     f"{cats[0].removeprefix('YE ')} to {cats[-1].removeprefix('YE ')}; gaps are withheld or incomplete years.")  # fmt: skip
