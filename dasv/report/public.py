"""The county report's editions: the public edition, drawn from the slices' plan, and the restricted one.

The county report is public in practice (committee papers print it), so its **public edition**
prints only what the slices' plan publishes: every district's and the county's figures with
the slices' markers, for the same quarters, year endings and months. It is a view of the
same cells the slices show (one plan, one set of decisions): a figure the public edition prints
is never withheld in a slice, and holding the public edition tells a reader nothing the slices
together do not. Figures the plan does not model (LGBT+ categories, the MARAC rolling year and
its SafeLives return, the data-quality anomalies that quote small counts) are in the
**restricted edition** only: the unsuppressed report for the Board's meeting, marked
OFFICIAL-SENSITIVE on every page, in its title, file name and PDF metadata, never published.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from dasv import provenance
from dasv.measures import context
from dasv.measures.context import CHARTED, series_scope
from dasv.measures.coverage import facts_in_quarter, missing_sources_notes
from dasv.measures.labels import label, police_label
from dasv.measures.spc import analyse
from dasv.measures.status import OK, Missing
from dasv.quarters import LONDON, Quarter
from dasv.report.build import build_report, chart_name, definitions, read_commentary, spc_charts
from dasv.report.cells import Cell, Rate, Suppressed
from dasv.report.findings import count_finding, ordered
from dasv.report.funnel import funnel_section
from dasv.report.model import Column, Report, ReportTable
from dasv.report.monthly import monthly_tables
from dasv.report.registry import Shown, UnregisteredFigure, _label
from dasv.report.revisions import Revisions
from dasv.report.served import edition_cells
from dasv.report.slice_statements import engagement_ranking, published_findings
from dasv.report.slice_tables import DEMOGRAPHIC_MEASURES, LABELS, MARAC_MEASURES, POLICE_MEASURES
from dasv.report.slices import SliceBuilder
from dasv.report.statements import funnel_ranking, load_notes, variation_statements
from dasv.report.suppress import COUNTY
from dasv.report.tables.idva import idva_columns
from dasv.report.tables.shared import short
from dasv.report.year_ending import REPORTING
from dasv.rule import OFFICIAL_SENSITIVE, SECONDARY, restricted_banner, rule, small_marker

IDVA_SOURCE = "Source: IDVA service referral export"
PUBLIC_NOTE = (
    "This is the public edition of the {whole} report: it prints the figures the {area} slices publish, with "
    "the same markers, so it can go into committee papers."
)


def restricted_report(conn: Connection, deployment, quarter: Quarter, **kwargs) -> Report:
    """The unsuppressed county report for the Board's meeting, marked OFFICIAL-SENSITIVE everywhere it can be."""
    report = build_report(conn, deployment, quarter, **kwargs)
    return replace(
        report,
        title=f"{OFFICIAL_SENSITIVE}: {report.title}",
        classification=OFFICIAL_SENSITIVE,
        quality=[restricted_banner(), *report.quality],
    )


class PublicEdition:
    """The county report's public edition, built from a :class:`SliceBuilder` (its plan and figures)."""

    def __init__(self, conn: Connection, builder: SliceBuilder, commentary_dir: Path | None = None):
        self.b = builder
        self.deployment = builder.deployment
        self.quarter = builder.quarter
        self.districts = list(builder.districts)
        self.labels = self.deployment.area_labels
        self.revisions = Revisions(conn, builder.fy, self.quarter)
        self.commentary = read_commentary(commentary_dir, self.quarter)
        self.facts = facts_in_quarter(conn, self.quarter)

    # cells ----------------------------------------------------------------------------------------
    def cell(self, who: str, measure: str, x: Quarter) -> Cell:
        """The plan's cell (a count, a marker, or a status)."""
        return self.b.cell(who, measure, x)

    def rate(self, who: str, num: str, den: str, x: Quarter) -> Cell:
        """A rate, only where both counts are published."""
        return self.b.rate(who, num, den, x)

    def _sum(self, areas: list[str], measure: str, x: Quarter) -> Cell:
        """A sum of districts' figures (the police reporting area): shown only where every part is."""
        cells = [self.cell(a, measure, x) for a in areas]
        missing = next((c for c in cells if isinstance(c, Missing)), None)
        if missing is not None:
            return missing
        if any(isinstance(c, Suppressed) for c in cells):
            return Suppressed(SECONDARY)
        return Shown(sum(cells), (REPORTING, measure, x))  # registered: the sum of printed figures

    # tables ---------------------------------------------------------------------------------------
    def _idva_row(self, who: str, path: tuple, prefix: str = "") -> list[Cell]:
        fy, out = self.b.fy, []
        groups = (("total_referrals", None), ("criteria_met", None), ("engaged", "criteria_met"), ("repeats", None),
                  ("repeats", "total_referrals"))  # fmt: skip
        for m, den in groups:
            for x in fy:
                if den is None:
                    out.append(self.revisions.mark(x, (*path, m), self.cell(who, prefix + m, x)))
                else:
                    pct = "engagement_pct" if m == "engaged" else "repeats_pct"
                    out.append(self.revisions.mark(x, (*path, pct), self.rate(who, prefix + m, prefix + den, x),
                                                   ((*path, m), (*path, den))))  # fmt: skip
        return out

    def idva_tables(self) -> list[ReportTable]:
        """Total referrals, referrals by area (the districts and the total) and by specialism."""
        q = self.quarter
        cols = idva_columns(self.b.fy, q)
        total = ReportTable("idva_total", f"Total referral data, {q.label}", [Column("Service", "label"), *cols],
                            [["IDVA referrals", *self._idva_row(COUNTY, ("idva", "total"))]], source=IDVA_SOURCE,
                            section="referrals")  # fmt: skip
        rows = [[self.labels.get(d, d), *self._idva_row(d, ("idva", "by_area", d))] for d in self.districts]
        rows.append(["Total", *self._idva_row(COUNTY, ("idva", "total"))])
        by_area = ReportTable(
            "idva_by_area", f"All risk level referrals by area, {q.label}", [Column("Area", "label"), *cols], rows,
            source=IDVA_SOURCE, total_row=True, section="referrals",
            notes=[self.deployment.words.say("Areas are the client's {area} of residence; the total also counts "
                                             "referrals from outside the {areas} or with no {area} recorded, which "
                                             "are not shown as rows.")],
        )  # fmt: skip
        specialism = ReportTable(
            "idva_by_specialism", f"All risk level referrals by specialism, {q.label}",
            [Column("Report row", "label"), *cols],
            [[row.label, *self._idva_row(COUNTY, ("idva", "by_report_row", row.label), f"row:{row.label}:")]
             for row in self.deployment.report_rows],
            source=IDVA_SOURCE, section="referrals",
            notes=["A referral with two specialisms counts in both rows, so rows do not add up to the total."],
        )  # fmt: skip
        notes = self.revisions.notes()
        for t in (total, by_area, specialism):
            t.notes += notes
        return [total, by_area, specialism]

    def other_table(self) -> ReportTable:
        """MARAC, police and demographic figures of the county."""
        fy, county = self.b.fy, self.deployment.county_label
        area = self.deployment.police_reporting_area
        rows = [[LABELS[m], *(self.cell(COUNTY, m, x) for x in fy)] for m in MARAC_MEASURES]
        rows.append(
            [label("marac.repeat_pct"), *(self.rate(COUNTY, "repeat_cases", "cases_heard", x) for x in fy)]
        )
        for m in POLICE_MEASURES:
            if area:
                rows.append([f"{LABELS[m]} {area.shown}", *(self._sum(area.districts, m, x) for x in fy)])
            rows.append(
                [LABELS[m] + (", all districts" if area else ""), *(self.cell(COUNTY, m, x) for x in fy)]
            )
        rows += [[LABELS[m], *(self.cell(COUNTY, m, x) for x in fy)] for m in DEMOGRAPHIC_MEASURES]
        notes = [self.deployment.words.say("A police quarter with a month missing for any of its {areas} is marked "
                                           "incomplete."),
                 "Demographic rows count the quarter's IDVA referrals; LGBT+ is one total here, as in the slices."]  # fmt: skip
        if area:
            notes.insert(0, f"{area.shown} is {area.description or ', '.join(area.districts)}.")
        return ReportTable("other_data", f"Other relevant data, {county}, {self.quarter.label}",
                           [Column("Measure", "label"), *(Column(x.label, "count", current=x == self.quarter) for x in fy)],
                           rows, source="Sources: MARAC case list; police monthly counts; IDVA referral export",
                           notes=notes)  # fmt: skip

    def police_table(self) -> ReportTable:
        """Police DA incidents and crimes by district, the reporting area and the total."""
        q, prev = self.quarter, self.quarter.previous()
        population = self.deployment.population_for(q.end.year)
        area = self.deployment.police_reporting_area

        def per_1000(cell: Cell, base: int, name: str) -> Cell:
            if isinstance(cell, Suppressed):
                return cell
            people = Shown(base, (name, "population", q))  # a published population, registered
            return Rate(cell, people, per=1000) if isinstance(cell, int) and base else None

        rows = []
        scopes = [(self.labels.get(d, d), [d]) for d in self.districts]
        if area:
            scopes.append((area.shown, area.districts))
        scopes.append(("Total", None))
        for name, parts in scopes:

            def get(m: str, x: Quarter, parts=parts) -> Cell:
                return self.cell(COUNTY, m, x) if parts is None else (
                    self.cell(parts[0], m, x) if len(parts) == 1 else self._sum(parts, m, x))  # fmt: skip

            base = population.total("aged_16_plus", parts or [d for d in self.districts]) if population else 0
            rows.append([name, get("da_incidents", q), get("da_incidents", prev), get("da_crimes", q),
                         get("da_crimes", prev), per_1000(get("da_incidents", q), base, name),
                         per_1000(get("da_crimes", q), base, name)])  # fmt: skip
        columns = [
            Column(self.deployment.words.say("{Area}"), "label"),
            Column(f"DA incidents {q.label}", group="DA incidents", sub=short(q), current=True),
            Column(f"DA incidents {prev.label}", group="DA incidents", sub=short(prev)),
            Column(f"DA crimes {q.label}", group="DA crimes", sub=short(q), current=True),
            Column(f"DA crimes {prev.label}", group="DA crimes", sub=short(prev)),
            Column(f"DA incidents per 1,000 aged 16+ {q.label}", "rate", group="Per 1,000 aged 16+", sub="Incidents", current=True),
            Column(f"DA crimes per 1,000 aged 16+ {q.label}", "rate", group="Per 1,000 aged 16+", sub="Crimes", current=True),
        ]  # fmt: skip
        notes = [f"Rates use the {population.year} population."] if population else []
        return ReportTable("police_by_district", self.deployment.words.say("Police domestic abuse by {area}, ") + q.label,
                           columns, rows, notes=notes,
                           source=self.deployment.words.say("Source: Police-recorded domestic abuse, monthly counts by {area}"),
                           total_row=True)  # fmt: skip

    def statements(self, spc: dict) -> list[str]:
        """What changed and does it matter, as the county report drafts it, from published figures only.

        The county's changes and every district's real ones (one verdict each, real first, the largest
        first), the county's other changes, MARAC cases awaiting, then where the districts rank: the
        same findings the slices draft (:mod:`dasv.report.slice_statements`), never beside a withheld count.
        """
        b, q, prev = self.b, self.quarter, self.quarter.previous()
        area = self.deployment.police_reporting_area
        county = published_findings(b, COUNTY, "", q, prev, spc)
        for key in ("police.da_incidents", "police.da_crimes"):
            m = key.removeprefix("police.")
            parts = area.districts if area else self.districts
            now, before = self._sum(parts, m, q), self._sum(parts, m, prev)
            if isinstance(now, int) and isinstance(before, int):
                county.append(
                    count_finding(police_label(key, area.shown if area else None), now, before, spc.get(key))
                )
        districts = [f for d in self.districts
                     for f in published_findings(b, d, f"In {self.labels.get(d, d)}, ", q, prev, b.variation(d))
                     if f is not None and f.real]  # fmt: skip
        lines = ordered([f for f in county + districts if f and f.real]) + [
            f.text for f in county if f and not f.real
        ]
        now, before = self.cell(COUNTY, "awaiting_hearing", q), self.cell(COUNTY, "awaiting_hearing", prev)
        if isinstance(now, int) and isinstance(before, int):
            lines.append(f"{now:,} MARAC cases were awaiting a hearing at the end of the quarter "
                         f"({before:,} a quarter earlier).")  # fmt: skip
        lines.append(engagement_ranking(b, q, self.labels))
        if b.funnel is not None:
            lines.append(funnel_ranking(b.funnel, self.labels, w=self.deployment.words))
        names = {k: chart_name(k, self.deployment) for k in CHARTED}
        return [line for line in lines if line] + variation_statements(spc, names)

    def variation(self) -> dict:
        """The county's SPC charts, as the county report draws them, where the slices publish every point.

        The police charts cover the reporting area (as the report's police rows do): each month of it is
        the sum of its districts' months, so it is charted only where each of those districts' slices
        charts the series itself (every month published, no quarter they add up to withheld).
        """
        b = self.b
        area = self.deployment.police_reporting_area
        out = {}
        for measure, result in b.variation(COUNTY).items():
            if measure.startswith("police.") and area:
                if all(measure in b.variation(d) for d in area.districts):
                    months, values = b.series.series(measure, series_scope(measure, self.deployment))
                    out[measure] = analyse(months, values, self.deployment.spc.rebase.get(measure, []))
                continue
            out[measure] = result
        return out

    # the report -----------------------------------------------------------------------------------
    def report(self) -> Report:
        """The public edition."""
        b, q = self.b, self.quarter
        county = self.deployment.county_label
        spc = self.variation()
        headline = b._headline(COUNTY, q, q.previous())
        headline = replace(headline, title=f"Headline figures for {county}, {q.label} compared with "
                                          f"{q.previous().label}")  # fmt: skip
        area = self.deployment.police_reporting_area
        year_who = ([(REPORTING, area.shown)] if area else []) + [(COUNTY, county)]
        funnel = funnel_section(b.funnel, self.deployment, q, labels=self.labels)
        return self.check_sums(Report(
            title=f"{self.deployment.report_title} {q.fy_label}",
            subtitle=f"Quarter {q.number}: {q.months_label}",
            quarter=q.label,
            partnership=self.deployment.partnership,
            author=self.deployment.author,
            produced_at=datetime.now(LONDON),
            area=None,
            headline=headline,
            tables=[*self.idva_tables(), self.other_table(), self.police_table()],
            charts=spc_charts(spc, self.deployment),
            # the charts' monthly values in a table (the months the slices publish), as the county report has
            chart_tables=monthly_tables(spc, {k: chart_name(k, self.deployment) for k in CHARTED}),
            commentary=self.commentary,
            statements=self.statements(spc),
            quality=[self.deployment.words.say(PUBLIC_NOTE), rule(b.plan.threshold), *missing_sources_notes(self.facts, q),
                     *load_notes(b.sources)],
            sources=b.sources,
            definitions=definitions(self.deployment),
            metrics=self.metrics(),
            suppressed=True,
            threshold=b.plan.threshold,
            sections=[s for s in (funnel, b.year_ending.section(year_who, suppressed=True, labels=self.labels)) if s],
            quality_tables=[b.gathered.coverage] if b.gathered.coverage else [],
            provenance=provenance.current(self.deployment).lines(),
            words=self.deployment.words,
        ))  # fmt: skip

    def check_sums(self, report: Report) -> Report:
        """Every printed reporting-area figure is the sum of its districts' figures, each printed too.

        The reporting area's expression in the registry is the sum of its districts; a figure whose
        parts are not all printed would give a withheld one away (the area less the others).

        Raises:
            UnregisteredFigure: names the table, the row and the figure.
        """
        area = self.deployment.police_reporting_area
        if not area:
            return report
        for table in report.all_tables:
            for row in table.rows:
                for cell in row[1:]:
                    for count in (cell.numerator, cell.denominator) if isinstance(cell, Rate) else (cell,):
                        if (
                            isinstance(count, Shown)
                            and count.key[0] == REPORTING
                            and count.key[1] != "population"
                        ):
                            _, measure, period = count.key
                            plan = self.b.plan if isinstance(period, Quarter) else self.b.year_ending.plan
                            if not all(plan.shown(d, measure, period) for d in area.districts):
                                raise UnregisteredFigure(
                                    f"the table {table.key!r} prints {area.name}'s {measure} {_label(period)} in the row "
                                    f"{row[0]!r}, but not every one of its districts' figures is printed")  # fmt: skip
        return report

    def metrics(self) -> dict:
        """The county metrics document as the public edition prints it: markers for withheld counts, rates null."""
        b, q = self.b, self.quarter

        def count(who: str, m: str):
            cell = self.cell(who, m, q)
            if isinstance(cell, Missing):
                return None
            return cell.display if isinstance(cell, Suppressed) else cell

        def pct(who: str, num: str, den: str):
            cell = self.rate(who, num, den, q)
            return cell.value(1) if isinstance(cell, Rate) else None

        def idva(who: str, prefix: str = "") -> dict:
            return {"total_referrals": count(who, prefix + "total_referrals"),
                    "criteria_met": count(who, prefix + "criteria_met"), "engaged": count(who, prefix + "engaged"),
                    "engagement_pct": pct(who, prefix + "engaged", prefix + "criteria_met"),
                    "repeats": count(who, prefix + "repeats"),
                    "repeats_pct": pct(who, prefix + "repeats", prefix + "total_referrals")}  # fmt: skip

        def police(who: str) -> dict:
            return {"da_incidents": count(who, "da_incidents"), "da_crimes": count(who, "da_crimes")}

        threshold = b.plan.threshold
        cells = edition_cells(b.joint, self.districts, b._printed)
        county_data = b.county[q]
        heard = b.plan.shown(COUNTY, "cases_heard", q) and b.status(COUNTY, "cases_heard", q) == OK
        doc = {
            "quarter": q.label,
            "period": {"start": q.start.isoformat(), "end": q.end.isoformat()},
            "edition": "public",
            "suppression": {"threshold": threshold, "marker": small_marker(threshold), "secondary_marker": SECONDARY,
                            "rule": rule(threshold), "cells": dict(sorted(cells.items())),
                            "planned_against": b.planned_against},
            "idva": {"total": idva(COUNTY), "by_area": {d: idva(d) for d in self.districts},
                     "by_report_row": {row.label: idva(COUNTY, f"row:{row.label}:") for row in self.deployment.report_rows}},
            "marac": {**{m: count(COUNTY, m) for m in MARAC_MEASURES},
                      "repeat_pct": pct(COUNTY, "repeat_cases", "cases_heard"),
                      "median_days_to_hearing": county_data.marac.median_days_to_hearing if heard else None},
            "police": {"total": {**police(COUNTY), "complete": county_data.police["total"]["complete"]},
                       "by_area": {d: police(d) for d in self.districts}},
            "demographics": {m: count(COUNTY, m) for m in DEMOGRAPHIC_MEASURES if m != "not_asked"}
            | {"sexual_orientation": {"Not asked": count(COUNTY, "not_asked")}},
            "status": {"idva": b.status(COUNTY, "total_referrals", q), "marac": b.status(COUNTY, "referrals", q),
                       "police": b.status(COUNTY, "da_incidents", q)},
        }  # fmt: skip
        doc["intervals"] = context.intervals(doc)
        doc["variation"] = {k: r.summary() for k, r in self.variation().items()}
        if b.funnel is not None:  # the districts whose count the slices publish
            doc["funnel"] = b.funnel.summary()
        return doc
