"""Year-ending figures: the twelve months to a month, as a CSP strategic assessment reports them.

Definitions (docs/report.md, "Year ending any month"; docs/metrics_json.md, "Year-ending figures"; the
Cambridge City Strategic Assessment's Figure 8 and Table 5):

- *DA incidents*, *DA crimes*: police recorded, summed over the twelve months.
- *Incidents that resulted in a crime* (``crimed_incidents``): of the incidents, those the
  police export records as crimed; ``null`` unless every month of the year has the column.
- *Incident only*: DA incidents minus those crimed.
- *Total police recorded DA*: incident-only plus DA crimes.
- *Proportion of incidents crimed*: crimed / DA incidents.
- *Rate per 1,000*: the total per 1,000 residents of all ages, from the mid-year estimate of
  the year the period ends in (the year is reported beside it).

A year lacking any month for a district is incomplete: its figures are ``null`` with
``status`` ``incomplete`` (or ``not supplied`` with no month at all), never the sums of the
months present. The same twelve months' IDVA and MARAC figures sit beside them, with
``complete`` false unless the warehouse holds every quarter of the year for that source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from dasv.config import Deployment
from dasv.measures.catalogue import definitions
from dasv.measures.idva import IdvaCounts, counts_by_area_between
from dasv.measures.marac import MaracCounts, marac_counts_by_area
from dasv.measures.offence_groups import DEFINITION as OFFENCE_GROUPS_DEFINITION
from dasv.measures.offence_groups import breakdown, configured_groups, offence_groups_by_area
from dasv.measures.rates import ratio
from dasv.measures.status import INCOMPLETE, NOT_RECORDED, NOT_SUPPLIED, OK
from dasv.quarters import Quarter, month_label
from dasv.warehouse.models import AreaDim, PoliceMonth

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
POLICE_KEYS = ("da_incidents", "da_crimes", "crimed_incidents", "incident_only", "total_recorded")
# the figures that need the crimed column: without it (for any month of a complete year) they are `not recorded`
CRIMED_KEYS = ("crimed_incidents", "incident_only", "total_recorded", "crimed_pct", "total_per_1000")

DEFINITIONS = [
    (
        "Year ending",
        "The twelve months to the end of the named month (e.g. year ending September 2025: October 2024 "
        "to September 2025), as Community Safety Partnership strategic assessments report police figures.",
    ),
    *definitions("year_ending"),  # the year-ending police measures' own, from the catalogue
    OFFENCE_GROUPS_DEFINITION,
]


class YearEndingError(ValueError):
    """A year-ending month not written ``YYYY-MM``."""


@dataclass(frozen=True, order=True)
class YearEnding:
    """The twelve months ending with ``month`` (its first day)."""

    month: date

    @classmethod
    def parse(cls, text: str) -> YearEnding:
        """Read ``2025-09``.

        Raises:
            YearEndingError: not a month written YYYY-MM.
        """
        try:
            year, number = (int(part) for part in str(text).strip().split("-"))
            return cls(date(year, number, 1))
        except (ValueError, TypeError):
            raise YearEndingError(
                f"year ending {text!r} not understood; expected a month written YYYY-MM, e.g. 2025-09"
            ) from None

    @property
    def start(self) -> date:
        """First day of the twelve months."""
        m = self.month.month + 1
        return date(self.month.year - 1 + (m > 12), (m - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        """Last day of the twelve months."""
        return date.fromordinal(self.shift(1).month.toordinal() - 1)

    @property
    def months(self) -> list[date]:
        """First days of the twelve months, oldest first."""
        return [self.shift(-i).month for i in range(11, -1, -1)]

    @property
    def label(self) -> str:
        """``2025-09`` (the CLI's and JSON's form)."""
        return month_label(self.month)

    @property
    def month_name(self) -> str:
        """``September``."""
        return MONTHS[self.month.month - 1]

    @property
    def title(self) -> str:
        """``year ending September 2025``."""
        return f"year ending {self.month_name} {self.month.year}"

    @property
    def short(self) -> str:
        """``YE Sep 2025`` for column headers."""
        return f"YE {MONTHS[self.month.month - 1][:3]} {self.month.year}"

    def shift(self, months: int) -> YearEnding:
        """The year ending ``months`` later (negative: earlier)."""
        index = self.month.year * 12 + self.month.month - 1 + months
        return YearEnding(date(index // 12, index % 12 + 1, 1))

    def previous_years(self, n: int) -> list[YearEnding]:
        """The ``n`` years ending in the same month, oldest first, this one last."""
        return [self.shift(-12 * i) for i in range(n - 1, -1, -1)]


def latest_year_ending(quarter_end: date, month: int | None) -> YearEnding:
    """The latest year ending in ``month`` (the strategic assessments' month) on or before a date."""
    if month is None:
        return YearEnding(date(quarter_end.year, quarter_end.month, 1))
    year = quarter_end.year if quarter_end.month >= month else quarter_end.year - 1
    return YearEnding(date(year, month, 1))


def police_by_area(conn: Connection, year: YearEnding) -> dict[str, dict]:
    """Per district: months present, sums, and how many months carried the crimed column."""
    rows = conn.execute(
        select(
            AreaDim.name,
            func.count(PoliceMonth.id),
            func.sum(PoliceMonth.da_incidents),
            func.sum(PoliceMonth.da_crimes),
            func.sum(PoliceMonth.crimed_incidents),
            func.count(PoliceMonth.crimed_incidents),
        )
        .join(AreaDim, AreaDim.id == PoliceMonth.area_id)
        .where(PoliceMonth.month >= year.start, PoliceMonth.month <= year.month)
        .group_by(AreaDim.name)
    ).all()
    present = set(
        conn.execute(
            select(AreaDim.name, PoliceMonth.month)
            .join(AreaDim, AreaDim.id == PoliceMonth.area_id)
            .where(PoliceMonth.month >= year.start, PoliceMonth.month <= year.month)
        ).all()
    )
    out = {}
    for name, months, incidents, crimes, crimed, with_crimed in rows:
        out[name] = {
            "months": int(months),
            "da_incidents": int(incidents or 0),
            "da_crimes": int(crimes or 0),
            "crimed_sum": int(crimed or 0),
            "crimed_months": int(with_crimed),
            "missing": [month_label(m) for m in year.months if (name, m) not in present],
        }
    return out


def police_figures(
    parts: list[dict], missing: list[str], people: int | None, population_year: str | None
) -> dict:
    """The docs/metrics_json.md police entry of one area (or a sum of areas) for one year."""
    incidents = sum(p["da_incidents"] for p in parts)
    crimes = sum(p["da_crimes"] for p in parts)
    all_crimed = bool(parts) and not missing and all(p["crimed_months"] == p["months"] for p in parts)
    crimed = sum(p["crimed_sum"] for p in parts) if all_crimed else None
    incident_only = None if crimed is None else incidents - crimed
    total = None if incident_only is None else incident_only + crimes
    complete = bool(parts) and not missing
    if not complete:  # never a total of the months present: null, with the status saying why
        incidents = crimes = crimed = incident_only = total = None
    status: str | dict = OK if complete else (INCOMPLETE if parts else NOT_SUPPLIED)
    if complete and crimed is None:  # the export has no crimed column (for some month): not recorded, never 0
        status = dict.fromkeys(CRIMED_KEYS, NOT_RECORDED)
    return {  # status: the entry's, or (complete without the crimed column) a map of the crimed figures'
        "da_incidents": incidents,
        "da_crimes": crimes,
        "crimed_incidents": crimed,
        "incident_only": incident_only,
        "total_recorded": total,
        "crimed_pct": ratio(crimed, incidents) if crimed is not None and incidents is not None else None,
        "total_per_1000": ratio(total, people, per=1000) if total is not None and complete else None,
        "population": people,
        "population_year": population_year,
        "complete": complete,
        "status": status,
        "missing_months": missing,
    }


def year_ending_document(conn: Connection, deployment: Deployment, year: YearEnding) -> dict:
    """Every year-ending measure, county-wide and by district (docs/metrics_json.md, ``--year-ending``)."""
    police_doc = _police_document(conn, deployment, year)
    districts = [a.name for a in deployment.districts]
    idva = counts_by_area_between(conn, year.start, year.end)
    marac = marac_counts_by_area(conn, year)
    status = {source: loads_status(conn, source, year) for source in ("idva", "marac")}
    doc = {
        "year_ending": year.label,
        "period": {"start": year.start.isoformat(), "end": year.end.isoformat()},
        "police": police_doc,
        "idva": {
            "complete": status["idva"] == OK,
            "status": status["idva"],
            "total": sum(idva.values(), IdvaCounts()).as_dict(),
            "by_area": {n: idva.get(n, IdvaCounts()).as_dict() for n in districts},
        },
        "marac": {
            "complete": status["marac"] == OK,
            "status": status["marac"],
            "total": _marac_total(marac),
            "by_area": {n: _marac_area(marac.get(n, MaracCounts())) for n in districts},
        },
    }
    for source in ("idva", "marac"):  # a year a source does not cover has no figures of it, never part sums
        if status[source] != OK:
            part = doc[source]
            part["total"] = dict.fromkeys(part["total"])
            part["by_area"] = {n: dict.fromkeys(v) for n, v in part["by_area"].items()}
    return doc


def _police_document(conn: Connection, deployment: Deployment, year: YearEnding) -> dict:
    """The year's police figures: the county's, each district's and the reporting area's (with offence groups)."""
    police = police_by_area(conn, year)
    offences = offence_groups_by_area(conn, year.start, year.month)
    groups = configured_groups(deployment)
    table = deployment.population_for(year.month.year)
    people = {n: p.all_ages for n, p in table.by_area.items()} if table else {}
    population_year = table.year if table else None
    districts = [a.name for a in deployment.districts]

    def entry(names: list[str]) -> dict:
        parts = [police[n] for n in names if n in police]
        missing = [
            f"{n} {m}"
            for n in names
            for m in (police[n]["missing"] if n in police else map(month_label, year.months))
        ]
        base = sum(people.get(n) or 0 for n in names) or None
        if any(not people.get(n) for n in names):
            base = None
        figures = police_figures(parts, missing, base, population_year)
        # the offence-group breakdown: only of a year the export covers in every month for every district
        by_group, status = breakdown(offences, names, year.months, groups)
        return figures | {"by_offence_group": by_group, "by_offence_group_status": status}

    police_doc = {
        "total": entry(districts),
        "by_area": {n: entry([n]) for n in districts},
    }
    area = deployment.police_reporting_area
    if area:
        police_doc["reporting_area"] = {
            "name": area.name,
            "districts": list(area.districts),
            **entry(area.districts),
        }
    return police_doc


def loads_status(conn: Connection, source: str, year: YearEnding) -> str:
    """``ok`` when live loads of ``source`` cover every quarter the year touches; else incomplete or not supplied."""
    from dasv.measures.coverage import coverage

    quarters = sorted({Quarter.containing(m) for m in year.months})
    return coverage(conn).window(source, quarters)


def _marac_area(counts: MaracCounts) -> dict:
    return {"referrals": counts.referrals, "cases_heard": counts.cases_heard,
            "repeat_cases": counts.repeat_cases, "repeat_pct": counts.repeat_pct}  # fmt: skip


def _marac_total(by_area: dict[str, MaracCounts]) -> dict:
    total = MaracCounts(
        sum(c.referrals for c in by_area.values()),
        sum(c.cases_heard for c in by_area.values()),
        0,
        sum(c.repeat_cases for c in by_area.values()),
    )
    return _marac_area(total)
