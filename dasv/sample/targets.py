"""The figures the sample inbox is built to reproduce: the printed 2025-26 Q1-Q3 report.

Area rows (total referrals, criteria met, engagement %, repeats) are copied from the
printed area tables (``tests/fixtures/published_2025_26.json``). Counts are reproduced
exactly; engaged is the whole number whose percentage is closest to the printed one
(some printed percentages no whole number can give).

Specialism rows reproduce the printed totals; where the printed row is impossible the
deviation is stated beside it.
"""

from __future__ import annotations

QUARTERS = ("2025-26 Q1", "2025-26 Q2", "2025-26 Q3")
# Made-up history before the printed quarters, so the demo has 24 months of IDVA and MARAC
# data for its SPC charts: 2023-24 Q4 to 2024-25 Q4 (Peterborough joins only in 2025-26 Q2,
# after the service restructure, as in the printed report).
HISTORY = ("2023-24 Q4", "2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4")
HISTORY_SCALE = {
    "2023-24 Q4": 0.94,
    "2024-25 Q1": 0.97,
    "2024-25 Q2": 1.03,
    "2024-25 Q3": 0.99,
    "2024-25 Q4": 0.96,
}

# area -> quarter -> (total referrals, criteria met, printed engagement %, repeats)
AREA_TABLE: dict[str, dict[str, tuple[int, int, float | None, int]]] = {
    "Cambridge City": {"2025-26 Q1": (103, 88, 78, 39), "2025-26 Q2": (141, 124, 81, 46),
                       "2025-26 Q3": (123, 92, 76, 51)},
    "East Cambridgeshire": {"2025-26 Q1": (56, 47, 84, 13), "2025-26 Q2": (64, 61, 77, 21),
                            "2025-26 Q3": (46, 37, 89, 11)},
    "Fenland": {"2025-26 Q1": (81, 70, 73, 21), "2025-26 Q2": (61, 53, 75.5, 20),
                "2025-26 Q3": (85, 72, 80, 31)},
    "Huntingdonshire": {"2025-26 Q1": (141, 124, 69, 45), "2025-26 Q2": (121, 107, 84, 48),
                        "2025-26 Q3": (122, 101, 79, 39)},
    "South Cambridgeshire": {"2025-26 Q1": (83, 73, 68, 24), "2025-26 Q2": (89, 75, 80, 36),
                             "2025-26 Q3": (76, 54, 55, 23)},
    "Out of Area": {"2025-26 Q1": (36, 27, 78, 7), "2025-26 Q2": (18, 10, 70, 2),
                    "2025-26 Q3": (8, 5, 77, 1)},
    "Address not documented": {"2025-26 Q2": (2, 0, None, 0), "2025-26 Q3": (1, 0, None, 0)},
    "Not known – moved to refuge": {"2025-26 Q2": (1, 1, 100, 0)},
    "Peterborough": {"2025-26 Q2": (19, 15, 93, 3), "2025-26 Q3": (15, 14, 86, 5)},
}  # fmt: skip

CAMBS = ["Cambridge City", "East Cambridgeshire", "Fenland", "Huntingdonshire", "South Cambridgeshire"]

# report row -> quarter -> (total, criteria met, engaged, repeats)
SPECIALISM_ROWS: dict[str, dict[str, tuple[int, int, int, int]]] = {
    # Printed criteria met "18 / 21", "21 / 23", "17 / 18" exceed the row's own totals
    # (known inconsistency); we use 13, 11, 11 with engaged giving the printed 62%, 91%, 82%.
    "CYP Cambs 13–17": {"2025-26 Q1": (18, 13, 8, 5), "2025-26 Q2": (14, 11, 10, 3),
                        "2025-26 Q3": (14, 11, 9, 2)},
    # Printed Q1 = 3, but the printed Q1 area table has no Peterborough referrals: 0 here.
    "CYP Peterborough excluding MARAC referrals": {"2025-26 Q2": (9, 8, 7, 1),
                                                   "2025-26 Q3": (4, 4, 3, 1)},
    # Printed Q2 engagement 6% is a data-entry error (known inconsistency): 36/42 = 86% here.
    "Housing": {"2025-26 Q1": (25, 21, 15, 0), "2025-26 Q2": (44, 42, 36, 13),
                "2025-26 Q3": (19, 13, 11, 0)},
    # Printed Q3 92% of 15 is not reachable: 14/15 = 93% is the closest.
    "Minority Ethnic": {"2025-26 Q1": (52, 45, 39, 10), "2025-26 Q2": (49, 48, 38, 6),
                        "2025-26 Q3": (23, 15, 14, 9)},
    "Stalking (all – Cambs and Peterborough)": {"2025-26 Q1": (20, 20, 18, 9),
                                                "2025-26 Q2": (42, 40, 38, 18),
                                                "2025-26 Q3": (30, 29, 29, 10)},
}  # fmt: skip
ROW_SPECIALISM = {
    "CYP Cambs 13–17": ("CYP", CAMBS),
    "CYP Peterborough excluding MARAC referrals": ("CYP", ["Peterborough"]),
    "Housing": ("Housing", None),
    "Minority Ethnic": ("Minority Ethnic", None),
    "Stalking (all – Cambs and Peterborough)": ("Stalking", None),
}
# One CYP Peterborough referral a quarter arrives through MARAC: the row excludes it.
CYP_PETERBOROUGH_VIA_MARAC = {"2025-26 Q2": 1, "2025-26 Q3": 1}

DEMOGRAPHICS = {
    "2025-26 Q1": {"male": 47, "disability": 156,
                   "orientation": {"Lesbian": 6, "Gay": 3, "Bi": 3, "Asexual": 1}},
    "2025-26 Q2": {"male": 42, "disability": 153,
                   "orientation": {"Lesbian": 4, "Gay": 4, "Bi": 5, "Not asked": 19}},
    "2025-26 Q3": {"male": 37, "disability": 115,
                   "orientation": {"Lesbian": 4, "Gay": 3, "Pansexual": 1, "Not asked": 26}},
}  # fmt: skip

MARAC = {  # referrals (referral date in quarter), cases heard (hearing date in quarter)
    "2023-24 Q4": (214, 190),  # the history quarters are made up
    "2024-25 Q1": (226, 221),
    "2024-25 Q2": (238, 229),
    "2024-25 Q3": (219, 224),
    "2024-25 Q4": (224, 218),
    "2025-26 Q1": (230, 219),
    "2025-26 Q2": (271, 222),
    "2025-26 Q3": (212, 226),
}

POLICE = {  # "Police DA Incidents Cambs" / crimes: the five Cambridgeshire districts, three months
    "2025-26 Q1": (2431, 1842),
    "2025-26 Q2": (2549, 1866),
    "2025-26 Q3": (2437, 1752),
}
# Share of the county's police DA counts by district (roughly by population and need); MARAC
# cases are spread over areas with these weights too.
POLICE_SHARE = {
    "Cambridge City": 0.19, "East Cambridgeshire": 0.09, "Fenland": 0.15,
    "Huntingdonshire": 0.21, "South Cambridgeshire": 0.14, "Peterborough": 0.22,
}  # fmt: skip

# Cambridge City Strategic Assessment 2024/25, Figure 8: police recorded DA for the year
# ending September (2022 = YE September 2022, printed "2021/22"):
# (DA incidents, DA crimes, incidents that resulted in a crime). Incident-only is incidents
# minus crimed; the total recorded is incident-only plus crimes.
FIGURE_8 = {
    2022: (1923, 1681, 1072),
    2023: (1641, 1319, 871),
    2024: (1914, 1495, 995),
    2025: (2062, 1470, 991),
}
# Table 5: the total recorded per 1,000 population (all ages, the year's mid-year estimate),
# year ending September. "Cambridgeshire" is the five districts together.
TABLE_5 = {
    "Cambridge City": {2022: 17.1, 2023: 13.9, 2024: 16.0, 2025: 16.7},
    "East Cambridgeshire": {2022: 13.5, 2023: 13.1, 2024: 12.4, 2025: 14.4},
    "Fenland": {2022: 23.7, 2023: 21.3, 2024: 20.6, 2025: 21.9},
    "Huntingdonshire": {2022: 17.1, 2023: 14.7, 2024: 15.0, 2025: 17.4},
    "South Cambridgeshire": {2022: 12.1, 2023: 11.2, 2024: 11.0, 2025: 12.9},
    "Cambridgeshire": {2022: 16.4, 2023: 14.5, 2024: 14.7, 2025: 16.5},
}
YEAR_ENDING_MONTH = 9  # the strategic assessments' year ends in September
POLICE_FIRST_MONTH = (2021, 10)  # the sample's police months start with October 2021
# Districts other than Cambridge City: (crimes as a share of the total recorded, incidents
# crimed as a share of incidents) by year; 2025's shares make the printed 2025-26 Q1 and Q2
# half a year of the five districts' year.
POLICE_SHAPE = {2022: (0.66, 0.60), 2023: (0.63, 0.60), 2024: (0.62, 0.60), 2025: (0.652, 0.60)}
PETERBOROUGH_QUARTER = (1150, 820, 0.55)  # made up: incidents, crimes, crimed share a quarter

COMMENTARY = {
    "2025-26 Q2": [
        "IDVA engagement rates have increased during quarter 2, as the service settles after "
        "the recent restructure from Peterborough. The service has continued to see high "
        "referral levels both to IDVA and MARAC.",
        "Current staffing issues have meant a temporary stop on Housing and Minority Ethnic "
        "referrals at any risk level, with only high-risk being accepted.",
    ],
    "2025-26 Q3": [
        "IDVA and MARAC referral rates have slowed slightly in Q3.",
        "Current staffing issues have meant a temporary stop on Housing and Minority Ethnic "
        "referrals at any risk level, with only high-risk being accepted. It is hoped to "
        "introduce both again in quarter four. Although MARAC referral numbers have reduced "
        "slightly there is still a backlog in hearing cases due to increased numbers in Q2.",
        "January DASV Champions sessions will focus on the SafeLives MARAC review and will "
        "also include information from Probation on their Building Choices programme, which "
        "has replaced Building Better Relationships.",
    ],
}


def closest_engaged(criteria_met: int, printed_pct: float | None) -> int:
    """The whole number of engaged referrals whose percentage is closest to the printed one."""
    if not criteria_met or printed_pct is None:
        return 0
    return min(range(criteria_met + 1), key=lambda e: (abs(100 * e / criteria_met - printed_pct), -e))


def history_targets(quarter: str) -> tuple[dict, dict, dict]:
    """Made-up area, specialism and demographic targets of a history quarter: 2025-26 Q1 scaled.

    Returns:
        (area -> (total, criteria met, engagement %, repeats), row -> (total, met, engaged,
        repeats), demographics) in the shapes of ``AREA_TABLE``, ``SPECIALISM_ROWS`` and
        ``DEMOGRAPHICS``.
    """
    scale = HISTORY_SCALE[quarter]
    first = QUARTERS[0]
    areas = {}
    for area, by_quarter in AREA_TABLE.items():
        if first in by_quarter:
            total, met, pct, repeats = by_quarter[first]
            areas[area] = (round(total * scale), round(met * scale), pct, round(repeats * scale))
    rows = {label: tuple(round(v * scale) for v in by_quarter[first])
            for label, by_quarter in SPECIALISM_ROWS.items() if first in by_quarter}  # fmt: skip
    demo = DEMOGRAPHICS[first]
    demographics = {"male": round(demo["male"] * scale), "disability": round(demo["disability"] * scale),
                    "orientation": {k: v for k, v in demo["orientation"].items()}}  # fmt: skip
    return areas, rows, demographics
