"""The sample's police exports: monthly DA counts, and the DA crimes of each month by offence group.

The monthly counts reproduce the printed figures exactly (``dasv.sample.targets``); the offence
groups split each month's DA crimes. The IDVA and MARAC records are :mod:`dasv.sample.generate`'s.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from fractions import Fraction

from dasv.measures.rates import round_half_up
from dasv.quarters import Quarter
from dasv.sample import targets as T

PoliceRow = tuple[date, str, int, int, int]  # month, district, incidents, crimes, incidents crimed


def police_counts(seed: int = 2526) -> list[PoliceRow]:
    """Monthly police counts, October 2021 to December 2025, with the crimed column.

    Built to reproduce, exactly: the printed 2025-26 Q1-Q3 "Cambs" rows (the five
    Cambridgeshire districts), Cambridge City's Figure 8 for the years ending September
    2022-2025, and Table 5's rates (each district and the five together) to one decimal
    with the configured mid-year estimates. Peterborough's figures are made up.
    """
    from dasv.config import load_deployment

    rng = random.Random(seed + 2)
    deployment = load_deployment()
    cambs = T.CAMBS
    totals = year_totals(deployment)
    quarterly: dict[tuple[Quarter, str], tuple[int, int, int]] = {}
    for year in sorted(T.FIGURE_8):
        annual = {d: _split_year(rng, d, year, totals[(d, year)]) for d in cambs}
        quarters = [Quarter(year - 1, 3), Quarter(year - 1, 4), Quarter(year, 1), Quarter(year, 2)]
        printed = [q for q in quarters if q.label in T.POLICE]
        fixed: dict[str, list[tuple[int, int]]] = {d: [] for d in cambs}
        for q in printed:
            incidents, crimes = T.POLICE[q.label]
            weights = [annual[d][0] * rng.uniform(0.97, 1.03) for d in cambs]
            for d, i, c in zip(
                cambs, _apportion(incidents, weights), _apportion(crimes, weights), strict=True
            ):
                fixed[d].append((i, c))
        free = [q for q in quarters if q not in printed]
        for d in cambs:
            i_year, c_year, x_year = annual[d]
            weights = [rng.uniform(0.9, 1.1) for _ in free]
            i_q = _apportion(i_year - sum(i for i, _ in fixed[d]), weights)
            c_q = _apportion(c_year - sum(c for _, c in fixed[d]), weights)
            pairs = dict(zip(free, zip(i_q, c_q, strict=True), strict=True))
            pairs.update(zip(printed, fixed[d], strict=True))
            incidents = [pairs[q][0] for q in quarters]
            for q, x in zip(quarters, _apportion(x_year, incidents), strict=True):
                quarterly[(q, d)] = (pairs[q][0], pairs[q][1], x)
    last = Quarter.parse("2025-26 Q3")  # after the last Figure 8 year: the printed quarter only
    incidents, crimes = T.POLICE[last.label]
    weights = [quarterly[(last.previous(), d)][0] * rng.uniform(0.95, 1.05) for d in cambs]
    for d, i, c in zip(cambs, _apportion(incidents, weights), _apportion(crimes, weights), strict=True):
        year = [quarterly[(q, d)] for q in last.previous().last_n(4)]
        quarterly[(last, d)] = (i, c, round(i * sum(y[2] for y in year) / sum(y[0] for y in year)))
    first = Quarter.containing(date(*T.POLICE_FIRST_MONTH, 1))
    i_base, c_base, share = T.PETERBOROUGH_QUARTER
    q = first
    while q <= last:
        i = round(i_base * rng.uniform(0.88, 1.12))
        quarterly[(q, "Peterborough")] = (i, round(c_base * rng.uniform(0.88, 1.12)), round(i * share))
        q = q.next()
    rows: list[PoliceRow] = []
    for (q, d), (i, c, x) in sorted(quarterly.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        weights = [rng.uniform(0.92, 1.08) for _ in q.months]
        i_m = _apportion(i, weights)
        for month, im, cm, xm in zip(q.months, i_m, _apportion(c, weights), _apportion(x, i_m), strict=True):
            rows.append((month, d, im, cm, xm))
    return sorted(rows, key=lambda r: (r[0], list(T.POLICE_SHARE).index(r[1])))


# the Home Office offence groups of DA-flagged crimes: (group, share % in October 2021, in September
# 2025); violence against the person about three quarters throughout, sexual offences rising to
# about 8% (the Cambridge City strategic assessment's Figure 9), the small groups a few a year
OFFENCE_GROUP_SHARES = [
    ("Violence against the person", 76.5, 74.6), ("Sexual offences", 5.0, 8.2), ("Robbery", 0.3, 0.3),
    ("Theft offences", 2.9, 2.7), ("Criminal damage and arson", 6.0, 5.6), ("Drug offences", 0.5, 0.4),
    ("Possession of weapons offences", 0.4, 0.4), ("Public order offences", 6.4, 6.1),
    ("Miscellaneous crimes against society", 2.0, 1.7),
]  # fmt: skip
OffenceRow = tuple[date, str, str, int]  # month, district, offence group, DA crimes


def offence_groups(police: list[PoliceRow], seed: int = 2526) -> list[OffenceRow]:
    """Each police month's DA crimes split by offence group: the groups add up to its DA crimes.

    Each crime is drawn into a group with the month's shares (moving in a straight line from
    October 2021 to September 2025), so small groups come and go month by month. A group with no
    crime in a month has no row, as exports leave them out. Its own random stream: the other
    sample files are unchanged by it.
    """
    rng = random.Random(seed + 20)
    start, end = date(2021, 10, 1), date(2025, 9, 1)
    span = (end.year - start.year) * 12 + end.month - start.month
    rows: list[OffenceRow] = []
    for month, district, _incidents, crimes, _crimed in police:
        t = ((month.year - start.year) * 12 + month.month - start.month) / span
        weights = [first + (last - first) * t for _, first, last in OFFENCE_GROUP_SHARES]
        drawn = Counter(rng.choices(range(len(weights)), weights=weights, k=crimes))
        rows += [
            (month, district, OFFENCE_GROUP_SHARES[i][0], drawn[i]) for i in range(len(weights)) if drawn[i]
        ]
    return rows


def year_totals(deployment) -> dict[tuple[str, int], int]:
    """Total recorded (incident-only + crimes) per Cambridgeshire district and year ending September.

    Cambridge City's is Figure 8's; every other district's is the whole number nearest
    the middle of the range Table 5's rate allows with its population, moved within that
    range until the five districts together give Table 5's Cambridgeshire rate.
    """
    out: dict[tuple[str, int], int] = {}
    for year in sorted(T.FIGURE_8):
        population = deployment.population_for(year).by_area
        options = {}
        for d in T.CAMBS:
            if d == "Cambridge City":
                incidents, crimes, crimed = T.FIGURE_8[year]
                options[d] = [incidents - crimed + crimes]
            else:
                options[d] = _totals_giving(T.TABLE_5[d][year], population[d].all_ages)
        chosen = {d: o[len(o) // 2] for d, o in options.items()}
        people = sum(population[d].all_ages for d in T.CAMBS)
        for _ in range(100):
            rate = round_half_up(Fraction(sum(chosen.values()) * 1000, people), 1)
            if rate == T.TABLE_5["Cambridgeshire"][year]:
                break
            step = 1 if rate < T.TABLE_5["Cambridgeshire"][year] else -1
            for d in ("Huntingdonshire", "South Cambridgeshire", "Fenland", "East Cambridgeshire"):
                index = options[d].index(chosen[d]) + step
                if 0 <= index < len(options[d]):
                    chosen[d] = options[d][index]
                    break
        else:  # pragma: no cover - the configured populations make this reachable
            raise RuntimeError(f"no sample totals give Table 5's Cambridgeshire rate for {year}")
        out.update({(d, year): n for d, n in chosen.items()})
    return out


def _totals_giving(rate: float, people: int) -> list[int]:
    """Every whole total whose rate per 1,000 ``people`` rounds (half up, one decimal) to ``rate``."""
    centre = round(rate * people / 1000)
    span = people // 10_000 + 2
    return [
        t
        for t in range(centre - span, centre + span + 1)
        if round_half_up(Fraction(t * 1000, people), 1) == rate
    ]


def _split_year(rng: random.Random, district: str, year: int, total: int) -> tuple[int, int, int]:
    """(incidents, crimes, crimed) with incident-only + crimes = ``total``."""
    if district == "Cambridge City":
        return T.FIGURE_8[year]
    crime_share, crimed_share = T.POLICE_SHAPE[year]
    crimes = round(total * crime_share * rng.uniform(0.98, 1.02))
    incidents = round((total - crimes) / (1 - crimed_share * rng.uniform(0.97, 1.03)))
    return incidents, crimes, incidents + crimes - total


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split a total into whole parts in proportion to weights (largest remainder)."""
    shares = [total * w / sum(weights) for w in weights]
    parts = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: shares[i] - parts[i], reverse=True)[
        : total - sum(parts)
    ]:
        parts[i] += 1
    return parts
