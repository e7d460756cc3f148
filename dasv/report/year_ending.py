"""The "Year ending" section: four years of strategic-assessment figures.

What it shows: docs/report.md, "Year ending any month".

The CSP strategic assessment compares the twelve months to a month with the three years
before, for its district beside the county (the Cambridge City assessment's Figure 8), and
the rate per 1,000 of every district (its Table 5). Every figure here comes from
:func:`dasv.measures.year_ending.year_ending_document`; slices withhold small counts with
the same planning as the quarterly tables, across all districts at once.
"""

from __future__ import annotations

from sqlalchemy import Connection

from dasv.config import Deployment
from dasv.measures.labels import label
from dasv.measures.offence_groups import configured_groups
from dasv.measures.status import NOT_RECORDED, Missing
from dasv.measures.status import NOT_SUPPLIED as NOT_SUPPLIED_STATUS
from dasv.measures.year_ending import POLICE_KEYS, YearEnding, year_ending_document
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Change, Rate, Suppressed, format_cell, printed_pair
from dasv.report.model import Section
from dasv.report.offence_groups import OffenceGroups, _registered
from dasv.report.suppress import COUNTY, SuppressionPlan
from dasv.report.year_ending_tables import IDVA_ROWS, MARAC_ROWS, POLICE_ROWS, REPORTING, YearEndingTables
from dasv.rule import SECONDARY, small_marker

YEARS_SHOWN = 4
INCOMPLETE, NOT_SUPPLIED = (
    Missing("incomplete", "police monthly counts"),
    Missing("not supplied", "police monthly counts"),
)


class YearEndingFigures(YearEndingTables, OffenceGroups):
    """Four years ending in the same month: the documents, what the warehouse covers, and the plan."""

    def __init__(self, conn: Connection, deployment: Deployment, last: YearEnding, years: int = YEARS_SHOWN):
        self.deployment = deployment
        wanted = last.previous_years(years)
        docs = {y: year_ending_document(conn, deployment, y) for y in wanted}
        # years before the warehouse holds anything are left out (a partnership with two years of
        # exports gets two columns, not two of "not supplied"); the intro says so
        # exports that began after the latest of them: no year is shown, and the section says why
        first = next((i for i, y in enumerate(wanted) if _holds_anything(docs[y])), len(wanted))
        self.years, self.left_out = wanted[first:], wanted[:first]
        self._last = last
        self.docs = {y: docs[y] for y in [*self.years, last]}  # the latest always (the metrics document's)
        self.covered = {
            source: {y for y in self.years if self.docs[y][source]["complete"]}
            for source in ("idva", "marac")
        }
        self.districts = [a.name for a in deployment.districts]
        self.groups = configured_groups(deployment)
        self.plan = self._plan()

    @property
    def last(self) -> YearEnding:
        """The latest of the years (shown, unless no export reaches back to it)."""
        return self._last

    def _plan(self) -> SuppressionPlan:
        """Every ``ok`` figure of every year: an incomplete year (a source's first months) is absent, never 0."""
        plan = SuppressionPlan(self.deployment.suppression.threshold)
        for y, doc in self.docs.items():
            police = doc["police"]
            for key in POLICE_KEYS:
                total = police["total"][key]
                values = {
                    d: police["by_area"][d][key]
                    for d in self.districts
                    if police["by_area"][d][key] is not None
                }
                if total is not None:
                    plan.add_line(f"police.{key}", y, values, total)
            self._plan_offence_groups(plan, police, y)
            for source, keys in (("idva", IDVA_ROWS + ("engaged",)), ("marac", MARAC_ROWS)):
                for key in keys:
                    total = doc[source]["total"][key]
                    values = {d: doc[source]["by_area"][d][key] for d in self.districts
                              if doc[source]["by_area"][d][key] is not None}  # fmt: skip
                    if total is not None and y in self.covered[source]:
                        plan.add_line(f"{source}.{key}", y, values, total)
            for who in [*self.districts, COUNTY]:
                for _ in range(2):  # any two of each triple give the third
                    plan.withhold_together(
                        who, ("police.da_incidents", "police.crimed_incidents", "police.incident_only"), y
                    )
                    plan.withhold_together(
                        who, ("police.incident_only", "police.da_crimes", "police.total_recorded"), y
                    )
        return plan

    def police_entry(self, who: str, y: YearEnding) -> dict:
        """The document's police entry of a district, the county or the reporting area."""
        police = self.docs[y]["police"]
        if who == COUNTY:
            return police["total"]
        if who == REPORTING:
            return police["reporting_area"]
        return police["by_area"][who]

    def withheld(self, who: str, key: str, y: YearEnding) -> str | None:
        """The slice's marker for a withheld value (the reporting area: withheld if any district is)."""
        if who == REPORTING:
            area = self.deployment.police_reporting_area
            hidden = any((d, key, y) in self.plan.marks or (d, key, y) not in self.plan.values
                         for d in area.districts) if area else False  # fmt: skip
            return SECONDARY if hidden else None
        return self.plan.marks.get((who, key, y))

    def police_cell(self, who: str, key: str, y: YearEnding, suppressed: bool) -> Cell:
        """A count, or incomplete / not supplied / withheld."""
        entry = self.police_entry(who, y)
        if not entry["complete"]:
            return Missing(entry.get("status") or "incomplete", "police monthly counts")
        said = entry["status"].get(key) if isinstance(entry["status"], dict) else None
        if said in (NOT_RECORDED, INCOMPLETE.status, NOT_SUPPLIED.status):  # no crimed column: not recorded
            return Missing(said, "the police export's crimed-incidents column")
        if suppressed and (mark := self.withheld(who, f"police.{key}", y)):
            return Suppressed(mark)
        return _registered(entry[key], (who, f"police.{key}", y), suppressed)

    def crimed_pct_cell(self, who: str, y: YearEnding, suppressed: bool) -> Cell:
        """Incidents crimed as a rate of incidents (None without the crimed column)."""
        crimed, incidents = (
            self.police_cell(who, k, y, suppressed) for k in ("crimed_incidents", "da_incidents")
        )
        if isinstance(crimed, int) and isinstance(incidents, int):
            return Rate(crimed, incidents)
        return Suppressed(SECONDARY) if isinstance(crimed, Suppressed) or isinstance(incidents, Suppressed) else (
            crimed if isinstance(crimed, Missing) else None)  # fmt: skip

    def rate_cell(self, who: str, y: YearEnding, suppressed: bool) -> Cell:
        """The total recorded per 1,000 of all ages (the year's population estimate)."""
        total = self.police_cell(who, "total_recorded", y, suppressed)
        people = self.police_entry(who, y)["population"]
        if isinstance(total, int) and people:
            return Rate(total, _registered(people, (who, "population", y), suppressed), per=1000)
        return total if isinstance(total, Suppressed | Missing) else None

    def service_cell(self, who: str, source: str, key: str, y: YearEnding, suppressed: bool) -> Cell:
        """An IDVA or MARAC count of the year (None where the warehouse does not hold the whole year)."""
        if y not in self.covered[source]:
            return Missing(self.docs[y][source].get("status") or "incomplete", source)
        # the reporting area is the sum of its districts: withheld where any of them is (else it gives one away)
        if suppressed and (mark := self.withheld(who, f"{source}.{key}", y)):
            return Suppressed(mark)
        doc = self.docs[y][source]
        if who == COUNTY:
            value = doc["total"][key]
        elif who == REPORTING:  # the reporting area's districts together
            value = sum(doc["by_area"][d][key] for d in self.deployment.police_reporting_area.districts)
        else:
            value = doc["by_area"][who][key]
        return _registered(value, (who, f"{source}.{key}", y), suppressed)

    def statements(self, who: str, name: str, suppressed: bool) -> list[str]:
        """Each police measure of the latest year against the year before, naming the measure compared."""
        if len(self.years) < 2:  # the earlier years are left out: nothing to compare with
            return []
        last, before = self.years[-1], self.years[-2]
        lines = []
        for key in POLICE_ROWS:
            now, then = (
                self.police_cell(who, key, last, suppressed),
                self.police_cell(who, key, before, suppressed),
            )
            if isinstance(now, int) and isinstance(then, int):
                every = [self.police_cell(who, key, y, suppressed) for y in self.years]
                lines.append(f"{label(f'police.{key}')}, {name}: {Change(now, then).text()}, from {then:,} in "
                             f"the {before.title} to {now:,} in the {last.title}{_extreme(every)}.")  # fmt: skip
        now, then = self.crimed_pct_cell(who, last, suppressed), self.crimed_pct_cell(who, before, suppressed)
        now, then = printed_pair(now, then)  # the change is the arithmetic on the two printed
        change = Change(now, then)
        if change.comparable:
            lines.append(f"{label('police.crimed_pct')}, {name}: {change.text()}, from {format_cell(then)} to "
                         f"{format_cell(now)}.")  # fmt: skip
        return lines

    def plan_jointly(self, conn: Connection) -> None:
        """Withhold what the slices would: the years' plan joined with every cell the store has served.

        For ``dasv metrics --year-ending --district``: a year ending the slices printed shows the
        same markers (a cell withheld there stays withheld); any other is planned as a slice's
        would be, with the relations between its figures (:mod:`dasv.report.joint`).

        Raises:
            DisclosureError: the years cannot be made safe against what the store served.
        """
        from dasv.report.joint import Joint
        from dasv.report.refusals import DisclosureError, refusal, violations
        from dasv.report.served import served_cells

        joint = Joint([self.plan], self.districts, served_cells(conn))
        joint.protect()
        problems = violations(joint)
        if problems:
            raise DisclosureError(refusal(f"The {self.last.title}", problems))

    def district_document(self, name: str, y: YearEnding) -> dict:
        """The ``--year-ending`` document restricted to one district, with the slices' suppression.

        A withheld count is its marker (the small-count marker or ``[c]``); a rate on one is ``null``.
        """
        doc = self.docs[y]

        def value(cell: Cell):
            if isinstance(cell, Missing):
                return None
            return cell.display if isinstance(cell, Suppressed) else cell

        entry = self.police_entry(name, y)
        police = {key: value(self.police_cell(name, key, y, True)) if entry["complete"] else entry[key]
                  for key in POLICE_KEYS}  # fmt: skip
        crimed_pct, rate = self.crimed_pct_cell(name, y, True), self.rate_cell(name, y, True)
        police |= {
            "crimed_pct": crimed_pct.value(1) if isinstance(crimed_pct, Rate) else None,
            "total_per_1000": rate.value(1) if isinstance(rate, Rate) else None,
            **{
                k: entry.get(k)
                for k in ("population", "population_year", "complete", "status", "missing_months")
            },
        }
        by_group = None
        if entry.get("by_offence_group"):  # a withheld count is its marker, and its share null
            by_group = {}
            for g in self.groups:
                share = self.share_cell(name, g, y, True)
                by_group[g] = {"da_crimes": value(self.offence_cell(name, g, y, True)),
                               "share_pct": share.value(1) if isinstance(share, Rate) else None}  # fmt: skip
        police |= {
            "by_offence_group": by_group,
            "by_offence_group_status": entry.get("by_offence_group_status"),
        }
        idva = {k: value(self.service_cell(name, "idva", k, y, True)) for k in (*IDVA_ROWS, "engaged")}
        engagement = self._engagement(name, y, True)
        idva["engagement_pct"] = engagement.value(1) if isinstance(engagement, Rate) else None
        marac = {k: value(self.service_cell(name, "marac", k, y, True)) for k in MARAC_ROWS}
        return {
            "year_ending": doc["year_ending"],
            "period": doc["period"],
            "district": name,
            "suppression": {
                "threshold": self.plan.threshold,
                "marker": small_marker(self.plan.threshold),
                "secondary_marker": SECONDARY,
            },  # fmt: skip
            "police": {"by_area": {name: police}},
            "idva": {"status": doc["idva"].get("status"), "by_area": {name: idva}},
            "marac": {"status": doc["marac"].get("status"), "by_area": {name: marac}},
        }

    def section(
        self, who: list[tuple[str, str]], suppressed: bool, labels: dict[str, str] | None = None
    ) -> Section:
        """The report section: Figure 8 for ``who``, Table 5, the services, one chart and statements.

        ``labels``: how the document prints each district in Table 5 (the county report's area labels).
        """
        first, name = who[0]
        if not self.years:  # a partnership whose exports began after the latest year ending that month
            return Section(
                key="year_ending",
                title=f"Year ending {self.last.month_name}: strategic assessment figures",
                intro=[f"The twelve months to the end of each {self.last.month_name}, as Community Safety Partnership "
                       f"strategic assessments compare them. No figures are held for the {self.last.title} or the "
                       f"years before it: the exports loaded begin after it, so this section has no table until "
                       f"the first year ending {self.last.month_name} that they reach."],
                tables=[], charts=[], statements=[],
            )  # fmt: skip
        # the offence-group breakdown (Figure 9) of the first area that is not the reporting area
        # (a slice: its district; the county report: the county), where the export reaches any year
        area, area_name = next(((w, n) for w, n in who if w != REPORTING), (first, name))
        held = any(self.police_entry(area, y).get("by_offence_group_status", NOT_SUPPLIED_STATUS) != NOT_SUPPLIED_STATUS
                   for y in self.years)  # fmt: skip
        groups_table = [self.offence_groups_table(area, area_name, suppressed)] if held else []
        groups_chart = self.offence_chart(area, area_name, suppressed) if held else None
        groups_statements = self.offence_statements(area, area_name, suppressed) if held else []
        return Section(
            key="year_ending",
            title=f"Year ending {self.last.month_name}: strategic assessment figures",
            intro=[f"The twelve months to the end of each {self.last.month_name}, as Community Safety "
                   f"Partnership strategic assessments compare them: {self._years_compared()}."],
            tables=[self.police_table(who, suppressed), self.rates_table(suppressed, labels),
                    *([self.services_table(who, suppressed)] if self.service_years else []), *groups_table],
            charts=[self.chart(first, name, suppressed), *([groups_chart] if groups_chart else [])],
            statements=self.statements(first, name, suppressed) + groups_statements,
        )  # fmt: skip

    def _years_compared(self) -> str:
        before = len(self.years) - 1
        text = f"the {self.last.title}" + (
            f" beside the {'year' if before == 1 else f'{before} years'} before" if before else ""
        )
        if self.left_out:
            text += (f" (no figures are held for the year{'s' if len(self.left_out) > 1 else ''} ending "
                     f"{', '.join(y.title.removeprefix('year ending ') for y in self.left_out)}, so "
                     f"{'they are' if len(self.left_out) > 1 else 'it is'} left out)")  # fmt: skip
        return text

    def _notes(self) -> list[str]:
        notes = ["Incident only = DA incidents minus those that resulted in a crime; the total = incident only + DA crimes.",
                 "Rate per 1,000: residents of all ages, the population estimate of the year each period ends in."]  # fmt: skip
        if any(NOT_RECORDED in (s if isinstance(s := self.police_entry(COUNTY, y)["status"], dict) else {}).values()
               for y in self.years):  # fmt: skip
            notes.append("Not recorded (the crimed figures and the rate): the police export has no crimed-incidents "
                         "column for a month of that year.")  # fmt: skip
        return notes + self._population_notes()

    def _population_notes(self) -> list[str]:
        table = self.deployment.population
        if not table:
            return []
        years = sorted({self.police_entry(COUNTY, y)["population_year"] for y in self.years} - {None})
        return [
            f"Population: the estimates for {', '.join(years)} (their source is under Population in the definitions)"
        ]


def _holds_anything(doc: dict) -> bool:
    """A year-ending document with any police month, IDVA referral or MARAC referral in it.

    A source holding part of the year has the status ``incomplete`` (its figures are null):
    that year is held, and shown as incomplete; only a year no source touches is left out.
    """
    police = doc["police"]["total"]
    return bool(
        police.get("status", "ok") != "not supplied"
        or police["complete"]
        or doc["idva"].get("status") != "not supplied"
        or doc["marac"].get("status") != "not supplied"
        or doc["idva"]["total"]["total_referrals"]
        or doc["marac"]["total"]["referrals"]
    )


def year_ending_for(conn: Connection, deployment: Deployment, quarter: Quarter) -> YearEndingFigures:
    """The four years ending with the latest configured month on or before the quarter's end."""
    from dasv.measures.year_ending import latest_year_ending

    return YearEndingFigures(conn, deployment, latest_year_ending(quarter.end, deployment.year_ending_month))


def _extreme(values: list) -> str:
    """``, the highest of the four years shown`` when the latest of three or more years is the highest (or lowest)."""
    from dasv.report.findings import number_word

    if len(values) < 3 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return ""
    latest, earlier = values[-1], values[:-1]
    years = f"{number_word(len(values))} years shown"
    if latest > max(earlier):
        return f", the highest of the {years}"
    if latest < min(earlier):
        return f", the lowest of the {years}"
    return ""
