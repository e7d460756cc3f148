"""The catalogue of measures: one record per measure, and every list of measures derived from it.

A record holds the measure's key (as the metrics document names it, without the area level:
``idva.total_referrals``), its printed name, its glossary entry, the parts of a percentage, the
measures it never exceeds, whether the slices print it (and the disclosure plan protects it),
whether it is charted by month (SPC), shown in the headline, or summed over a year ending.
Printed names (:mod:`dasv.measures.labels`), the glossary's definitions, the slices' measures,
the disclosure model's relations and the statistical context all read it: adding a measure is
one record here and its counting (SQL) in its source's module.

This module is at the bottom of the house: it imports nothing of the project.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """One measure of the report."""

    key: str  # "idva.total_referrals": source.name, as in the metrics document
    label: str  # the printed name, the same in every output
    definition: str | None = None  # the glossary's text (None: defined with another measure)
    term: str | None = None  # the glossary's term where it differs from the printed name
    section: str | None = None  # the glossary's section for it, where not its source's (``year_ending``)
    parts: tuple[str, str] | None = None  # a percentage: numerator and denominator (same source)
    at_most: tuple[str, ...] = ()  # measures this one never exceeds, in the same area and period
    slice: bool = False  # a quarterly count the slices print (and the disclosure plan protects)
    headline: bool = False  # a row of the headline (a percentage's row follows its denominator's: headline())
    spc: bool = False  # a monthly series analysed as an SPC chart
    charted: bool = False  # a monthly series the county report charts
    year_ending: bool = False  # a year ending of it is the sum of its four quarters' (the plan's identity)
    stock: tuple[str, str] | None = None  # a stock: (inflow, outflow) between one quarter's end and the next

    @property
    def source(self) -> str:
        """``idva``, ``marac``, ``police`` or ``demographics``."""
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The key without its source (``total_referrals``): the slices' and the plan's name."""
        return self.key.split(".", 1)[1]


def _m(key: str, label: str, definition: str | None = None, **kw) -> Measure:
    return Measure(key, label, definition, **kw)


MEASURES: tuple[Measure, ...] = (
    # IDVA
    _m("idva.total_referrals", "IDVA referrals", "IDVA referrals whose referral date falls in the quarter.",
       slice=True, headline=True, spc=True, charted=True, year_ending=True),
    _m("idva.criteria_met", "Referral criteria met",
       "Of those referrals, the ones that met the IDVA service's referral criteria.",
       at_most=("total_referrals",), slice=True, headline=True, spc=True, charted=True, year_ending=True),
    _m("idva.engaged", "Engaged", at_most=("criteria_met",), slice=True, spc=True, year_ending=True),
    _m("idva.engagement_pct", "Engagement % of criteria met",
       "Referrals where the client engaged, as a percentage of referrals that met criteria; "
       "printed as a whole percent rounded half up, and '–' when no referral met criteria.",
       parts=("engaged", "criteria_met"), headline=True),
    _m("idva.repeats", "Repeat referrals",
       "Referrals for a person who had another IDVA referral in the 365 days before. The "
       "service's own Repeat flag is used where the export has it; otherwise the repeat is computed "
       "from the warehouse's history of the person's pseudonymous key.",
       at_most=("total_referrals",), slice=True, headline=True, spc=True, year_ending=True),
    _m("idva.repeats_pct", "Repeat % of IDVA referrals", "Repeat referrals as a percentage of IDVA referrals.",
       parts=("repeats", "total_referrals")),
    # MARAC
    _m("marac.referrals", "MARAC referrals", "Cases referred to MARAC whose referral date falls in the quarter.",
       slice=True, headline=True, spc=True, charted=True, year_ending=True),
    _m("marac.cases_heard", "Cases heard at MARAC", "Cases whose MARAC hearing date falls in the quarter.",
       slice=True, headline=True, spc=True, year_ending=True),
    _m("marac.awaiting_hearing", "Cases awaiting a MARAC hearing",
       "Cases referred on or before the quarter's last day and not heard by then.",
       slice=True, headline=True, stock=("referrals", "cases_heard")),
    _m("marac.median_days_to_hearing", "Median days from MARAC referral to hearing",
       "Of the cases heard in the quarter, the median number of days from referral to hearing."),
    _m("marac.repeat_cases", "MARAC repeat cases",
       "Cases heard for a person referred to MARAC within the 12 months before "
       "this referral; the MARAC's own Repeat flag where the export has it, otherwise computed from the "
       "person's pseudonymous key. Repeat % is of cases heard.",
       term="MARAC repeat cases (SafeLives)", at_most=("cases_heard",), slice=True, year_ending=True),
    _m("marac.repeat_pct", "MARAC repeat % of cases heard", parts=("repeat_cases", "cases_heard")),
    # police
    _m("police.da_incidents", "Police DA incidents",
       "Police-recorded domestic-abuse-related incidents (including those later "
       "recorded as crimes), summed over the quarter's three months.",
       slice=True, headline=True, spc=True, charted=True, year_ending=True),
    _m("police.da_crimes", "Police DA crimes",
       "Police-recorded crimes flagged as domestic abuse, summed over the quarter's months.",
       slice=True, headline=True, spc=True, charted=True, year_ending=True),
    # police, by year ending only
    _m("police.crimed_incidents", "Incidents that resulted in a crime",
       "Of the police DA incidents, those the police export records as crimed; shown only where every "
       "month of the year has that column.", section="year_ending"),
    _m("police.incident_only", "Incident only",
       "Police DA incidents that did not result in a crime (incidents minus those crimed).",
       section="year_ending"),
    _m("police.total_recorded", "Total police recorded DA (incident-only + crimes)",
       "Incident-only records plus DA crimes.", term="Total police recorded DA", section="year_ending"),
    _m("police.crimed_pct", "Proportion of incidents crimed",
       "Incidents that resulted in a crime as a percentage of DA incidents.", section="year_ending",
       parts=("crimed_incidents", "da_incidents")),
    _m("police.total_per_1000", "Police recorded DA per 1,000 population (all ages)",
       "Total police recorded DA per 1,000 residents of all ages, from the mid-year population "
       "estimate of the year the period ends in (the year is printed beside the rate).",
       term="Rate per 1,000 population", section="year_ending"),
    # demographics of the quarter's IDVA referrals
    _m("demographics.male_victims", "Male victims (IDVA)", at_most=("total_referrals",), slice=True),
    _m("demographics.disability", "Disability (IDVA)", at_most=("total_referrals",), slice=True),
    _m("demographics.aged_13_17", "Aged 13–17 (IDVA)", at_most=("total_referrals",), slice=True),
    _m("demographics.lgbt_total", "LGBT+ (IDVA)", at_most=("total_referrals",), slice=True),
    _m("demographics.not_asked", "Sexual orientation not asked (IDVA)", at_most=("total_referrals",), slice=True),
)  # fmt: skip

BY_KEY: dict[str, Measure] = {m.key: m for m in MEASURES}


def measures(source: str | None = None, **flags: object) -> tuple[Measure, ...]:
    """The catalogue's measures of a source (all sources: None) with every flag given set as given."""
    return tuple(
        m
        for m in MEASURES
        if (source is None or m.source == source) and all(getattr(m, f) == v for f, v in flags.items())
    )


def headline() -> tuple[Measure, ...]:
    """The headline's rows in order: each headline count, then each headline percentage of it (its denominator)."""
    rows: list[Measure] = []
    for m in measures(headline=True, parts=None):
        rows.append(m)
        rows += [
            r for r in MEASURES if r.headline and r.parts and r.source == m.source and r.parts[1] == m.name
        ]
    return tuple(rows)


def names(source: str | None = None, **flags: object) -> tuple[str, ...]:
    """The names (``total_referrals``) of :func:`measures`."""
    return tuple(m.name for m in measures(source, **flags))


def keys(source: str | None = None, **flags: object) -> tuple[str, ...]:
    """The keys (``idva.total_referrals``) of :func:`measures`."""
    return tuple(m.key for m in measures(source, **flags))


def definitions(section: str) -> list[tuple[str, str]]:
    """The glossary's entries of a section (a source, or ``year_ending``): (term, definition), in the catalogue's order."""
    return [(m.term or m.label, m.definition) for m in MEASURES
            if m.definition and (m.section or m.source) == section]  # fmt: skip


def percentages(source: str) -> dict[str, tuple[str, str]]:
    """A source's percentages: name -> (numerator, denominator)."""
    return {m.name: m.parts for m in measures(source) if m.parts}


def at_most() -> tuple[tuple[str, str], ...]:
    """Every (smaller, larger) pair of the catalogue: the first never exceeds the second."""
    return tuple((m.name, big) for m in MEASURES for big in m.at_most)


def stocks() -> dict[str, tuple[str, str]]:
    """Every stock: name -> (inflow, outflow)."""
    return {m.name: m.stock for m in MEASURES if m.stock}
