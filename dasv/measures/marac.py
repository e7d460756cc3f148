"""MARAC measures for a quarter, and the SafeLives-style rolling twelve months.

Definitions (docs/assumptions_caveats.md, "Measures"):

- *Referrals*: cases whose referral date falls in the quarter.
- *Cases heard*: cases whose hearing date falls in the quarter.
- *Awaiting hearing*: cases referred by the quarter's last day and not heard by then.
- *Median days to hearing*: of the cases heard in the quarter, referral to hearing.
- *Repeat cases* (SafeLives): among the cases heard, those for a person referred to MARAC
  within the 12 months before this referral. The MARAC's own Repeat flag is used when
  the export has it, otherwise it is computed from the person key's referral history.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import aliased

from dasv.measures.catalogue import definitions
from dasv.measures.rates import ratio
from dasv.quarters import Period, Quarter
from dasv.warehouse.counting import count_if, repeat_expression
from dasv.warehouse.models import AreaDim, MaracCase

DEFINITIONS = [
    *definitions("marac"),  # the measures' own, from the catalogue
    (
        "Rolling twelve months (SafeLives)",
        "The four quarters ending with this one: cases heard per 10,000 "
        "women aged 16+, and the percentages of cases heard that are repeats, referred by partner agencies "
        "(not the police), or whose victim is male, disabled, LGBT+, from a minority ethnic group or aged 16-17.",
    ),
]
PARTNER_AGENCIES_EXCLUDE = "Police"
LGBT = ("Lesbian", "Gay", "Bi", "Pansexual", "Asexual", "Other")
MINORITY_GROUPS = (
    "Mixed or Multiple",
    "Asian or Asian British",
    "Black, Black British, Caribbean or African",
    "Other ethnic group",
)


@dataclass(frozen=True)
class MaracCounts:
    """One quarter's MARAC counts."""

    referrals: int = 0
    cases_heard: int = 0
    awaiting_hearing: int = 0
    repeat_cases: int = 0
    median_days_to_hearing: float | None = None

    @property
    def repeat_pct(self) -> float | None:
        """Repeat cases as a percentage of cases heard."""
        return ratio(self.repeat_cases, self.cases_heard)

    def as_dict(self) -> dict:
        """The docs/metrics_json.md form."""
        median = self.median_days_to_hearing
        return {
            "referrals": self.referrals,
            "cases_heard": self.cases_heard,
            "awaiting_hearing": self.awaiting_hearing,
            "repeat_cases": self.repeat_cases,
            "repeat_pct": self.repeat_pct,
            "median_days_to_hearing": None
            if median is None
            else (int(median) if median == int(median) else median),
        }


class MaracByArea(NamedTuple):
    """One period's MARAC measures by area name, and the median days to hearing of all its cases."""

    areas: dict[str, MaracCounts]
    median_days_to_hearing: float | None


def marac_counts_by_area(conn: Connection, period: Period) -> dict[str, MaracCounts]:
    """A quarter's (or a year's) MARAC measures for every area."""
    return _counts_by_area(conn, [period])[0].areas


def marac_counts_by_quarter_area(conn: Connection, quarters: list[Quarter]) -> dict[Quarter, MaracByArea]:
    """Several quarters' MARAC measures for every area, and each quarter's median of all cases.

    One scan of the cases counts them for all the quarters (a national report asks for nine, and
    a scan each took 0.3 s); medians come from each quarter's cases heard, found by their index.
    """
    quarters = list(dict.fromkeys(quarters))
    return dict(zip(quarters, _counts_by_area(conn, quarters), strict=True))


def _counts_by_area(conn: Connection, periods: Sequence[Period]) -> list[MaracByArea]:
    """Each period's MARAC measures by area name: the counts from one scan of the cases."""
    m = aliased(MaracCase)
    columns = []
    for period in periods:
        start, end = period.start.toordinal(), period.end.toordinal()
        heard = and_(m.hearing_day >= start, m.hearing_day <= end)
        columns += [
            count_if(and_(m.referral_day >= start, m.referral_day <= end)),
            count_if(heard),
            count_if(and_(m.referral_day <= end, or_(m.hearing_day.is_(None), m.hearing_day > end))),
            count_if(and_(heard, repeat_expression(m))),
        ]
    names = dict(conn.execute(select(AreaDim.id, AreaDim.name)).all())
    rows = conn.execute(select(m.area_id, *columns).group_by(m.area_id)).all()
    out = []
    for i, period in enumerate(periods):
        counts: dict[str, list[int]] = {}
        for row in rows:
            totals = counts.setdefault(names[row[0]], [0, 0, 0, 0])
            for k in range(4):
                totals[k] += int(row[1 + 4 * i + k])
        heard_days = _days_to_hearing(conn, period)
        by_area: dict[str, list[int]] = {}
        for area_id, days in heard_days:
            by_area.setdefault(names[area_id], []).append(days)
        out.append(
            MaracByArea(
                {name: MaracCounts(*c, _median(by_area.get(name, []))) for name, c in counts.items()},
                _median([days for _, days in heard_days]),
            )
        )
    return out


def _days_to_hearing(conn: Connection, period: Period) -> list[tuple[int, int]]:
    """(area id, days from referral to hearing) of each case heard in the period."""
    m = aliased(MaracCase)
    start, end = period.start.toordinal(), period.end.toordinal()
    return conn.execute(
        select(m.area_id, m.hearing_day - m.referral_day).where(m.hearing_day >= start, m.hearing_day <= end)
    ).all()


def _median(days: list[int]) -> float | None:
    """The median (the mean of the middle two of an even number), to one decimal place."""
    return None if not days else round(float(statistics.median(days)), 1)


def marac_counts(conn: Connection, quarter: Quarter) -> MaracCounts:
    """The quarter's MARAC measures, county-wide (per area: :func:`marac_counts_by_area`)."""
    m = aliased(MaracCase)
    start, end = quarter.start.toordinal(), quarter.end.toordinal()
    heard = and_(m.hearing_day >= start, m.hearing_day <= end)
    referrals, cases_heard, awaiting, repeats = conn.execute(
        select(
            count_if(and_(m.referral_day >= start, m.referral_day <= end)),
            count_if(heard),
            count_if(and_(m.referral_day <= end, or_(m.hearing_day.is_(None), m.hearing_day > end))),
            count_if(and_(heard, repeat_expression(m))),
        )
    ).one()
    return MaracCounts(
        int(referrals),
        int(cases_heard),
        int(awaiting),
        int(repeats),
        median_days_to_hearing(conn, quarter),
    )


def median_days_to_hearing(conn: Connection, quarter: Quarter) -> float | None:
    """Median days from referral to hearing of the cases heard in the quarter."""
    return _median([days for _, days in _days_to_hearing(conn, quarter)])


def rolling_year(conn: Connection, quarter: Quarter, female_16_plus: int | None) -> dict:
    """SafeLives-style figures for the twelve months ending with the quarter (cases heard).

    Rates: cases heard per 10,000 women aged 16+; percentages of cases heard that are
    repeats, referred by partner agencies (not police), or whose victim is male, disabled,
    LGBT+, from a minority ethnic group, or aged 16-17.
    """
    first = quarter.last_n(4)[0]
    start, end = first.start.toordinal(), quarter.end.toordinal()
    m = aliased(MaracCase)
    heard, repeats, partner, male, disabled, lgbt, minority, aged_16_17 = conn.execute(
        select(
            func.count(m.id),
            count_if(repeat_expression(m)),
            count_if(and_(m.referring_agency.is_not(None), m.referring_agency != PARTNER_AGENCIES_EXCLUDE)),
            count_if(m.gender == "Male"),
            count_if(m.disability == "Yes"),
            count_if(m.sexual_orientation.in_(LGBT)),
            count_if(m.ethnic_group.in_(MINORITY_GROUPS)),
            count_if(and_(m.age >= 16, m.age <= 17)),
        ).where(m.hearing_day >= start, m.hearing_day <= end)
    ).one()
    heard = int(heard)
    out = {
        "period": {"start": first.start.isoformat(), "end": quarter.end.isoformat()},
        "cases_heard": heard,
        "cases_per_10000_women": ratio(heard, female_16_plus, per=10_000),
        "women_16_plus": female_16_plus,
        "repeat_cases": int(repeats),
        "repeat_pct": ratio(int(repeats), heard),
        "partner_agency_referrals": int(partner),
        "partner_agency_pct": ratio(int(partner), heard),
        "male_victims": int(male),
        "male_pct": ratio(int(male), heard),
        "disabled": int(disabled),
        "disabled_pct": ratio(int(disabled), heard),
        "lgbt": int(lgbt),
        "lgbt_pct": ratio(int(lgbt), heard),
        "minority_ethnic": int(minority),
        "minority_ethnic_pct": ratio(int(minority), heard),
        "aged_16_17": int(aged_16_17),
        "aged_16_17_pct": ratio(int(aged_16_17), heard),
    }
    return with_rolling_status(conn, quarter, out)


ROLLING_COUNTS = ("cases_heard", "repeat_cases", "partner_agency_referrals", "male_victims", "disabled", "lgbt",
                  "minority_ethnic", "aged_16_17")  # fmt: skip
ROLLING_RATES = {"cases_heard": "cases_per_10000_women", "repeat_cases": "repeat_pct",
                 "partner_agency_referrals": "partner_agency_pct", "male_victims": "male_pct",
                 "disabled": "disabled_pct", "lgbt": "lgbt_pct", "minority_ethnic": "minority_ethnic_pct",
                 "aged_16_17": "aged_16_17_pct"}  # fmt: skip


def with_rolling_status(conn: Connection, quarter: Quarter, out: dict) -> dict:
    """The rolling year's figures with ``status``: each figure whose source or column does not cover the year.

    Nine months of MARAC lists make every figure ``incomplete``; a list without a disability
    column makes "disabled" ``not recorded``. Such a figure (and its percentage) is ``null``,
    never a count of part of the year.
    """
    from dasv.measures.coverage import coverage, marac_fields_recorded
    from dasv.measures.status import OK

    quarters = quarter.last_n(4)
    window = coverage(conn).window("marac", quarters)
    status = dict.fromkeys(ROLLING_COUNTS, window)
    if window == OK:
        status.update(marac_fields_recorded(conn, quarters))
    status = {k: v for k, v in status.items() if v != OK}
    if "cases_heard" in status:  # every share is of the cases heard
        status = dict.fromkeys(ROLLING_COUNTS, status["cases_heard"])
    for key in list(status):
        out[key] = out[ROLLING_RATES[key]] = None
        status[ROLLING_RATES[key]] = status[key]
    out["status"] = status
    return out
