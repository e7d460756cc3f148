"""Build the sample records (made-up people) that reproduce the printed 2025-26 figures.

Deterministic: the same seed gives the same inbox, byte for byte in content.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from dasv.measures.rates import round_half_up
from dasv.quarters import Quarter
from dasv.sample import targets as T

FIRST_NAMES = ["Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Emily", "Jessica",
               "Chloe", "Lucy", "Hannah", "Zara", "Aisha", "Fatima", "Priya", "Agnieszka", "Oliver",
               "James", "Mohammed", "Daniel", "Tom", "Kasia", "Leah", "Megan", "Niamh"]  # fmt: skip
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
            "Patel", "Khan", "Wright", "Walker", "Thompson", "Nowak", "Hughes", "Green", "Lewis",
            "Begum", "Ahmed", "Kowalski", "Clarke", "Evans", "Hall", "Wood"]  # fmt: skip
POSTCODE_AREAS = {
    "Cambridge City": ["CB1", "CB2", "CB4", "CB5"], "East Cambridgeshire": ["CB6", "CB7", "CB8"],
    "Fenland": ["PE13", "PE14", "PE15", "PE16"], "Huntingdonshire": ["PE26", "PE27", "PE28", "PE29"],
    "South Cambridgeshire": ["CB21", "CB22", "CB23", "CB24"],
    "Peterborough": ["PE1", "PE2", "PE3", "PE4"],
}  # fmt: skip
WHITE = ["White British", "White - British", "White English", "White Other", "White Irish",
         "White - Polish", "Gypsy or Irish Traveller"]  # fmt: skip
MINORITY = ["Asian/Asian British: Pakistani", "Asian British - Indian", "Bangladeshi",
            "Black British", "Black African", "Black Caribbean", "Mixed: White and Black Caribbean",
            "Mixed - White & Asian", "Arab", "Chinese", "Any other ethnic group"]  # fmt: skip
ROUTES = [("Police", 44), ("MARAC", 11), ("Self", 10), ("Health", 15),
          ("Children's Social Care", 10), ("Other", 10)]  # fmt: skip
AGENCIES = [("Police", 55), ("IDVA", 15), ("Health", 10), ("Housing", 5),
            ("Children's Social Care", 8), ("Probation", 4), ("Other", 3)]  # fmt: skip
RISKS = [("High", 42), ("Medium", 35), ("Standard", 23)]


@dataclass
class Referral:
    """One made-up IDVA referral, with the personal data a real export would carry."""

    ref: str
    quarter: str
    area: str
    criteria_met: bool
    engaged: bool
    repeat: bool
    day: date = date(2025, 4, 1)
    client: str = ""
    specialisms: list[str] = field(default_factory=list)
    route: str = ""
    risk: str = "High"
    age: int = 30
    gender: str = "Female"
    disability: str = "No"
    orientation: str = "Heterosexual"
    ethnicity: str = "White British"
    name: str = ""
    postcode: str = ""


@dataclass
class Case:
    """One made-up MARAC case."""

    ref: str
    referred: date
    area: str
    heard: date | None = None
    client: str = ""
    agency: str = "Police"
    repeat: bool = False
    age: int = 30
    gender: str = "Female"
    disability: str = "No"
    orientation: str = "Heterosexual"
    ethnicity: str = "White British"


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], [w for _, w in pairs])[0]


def _random_day(rng: random.Random, q: Quarter) -> date:
    return q.start + timedelta(days=rng.randrange((q.end - q.start).days + 1))


def _pii(rng: random.Random, area: str) -> tuple[str, str]:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    outward = rng.choice(POSTCODE_AREAS.get(area, ["NR1", "SG8", "IP1", "LU1"]))
    postcode = f"{outward} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    return name, postcode


def quarter_targets(quarter: str) -> tuple[dict, dict, dict]:
    """(areas, specialism rows, demographics) a quarter's referrals are built to: printed or history."""
    if quarter in T.HISTORY:
        return T.history_targets(quarter)
    areas = {a: by_q[quarter] for a, by_q in T.AREA_TABLE.items() if quarter in by_q}
    rows = {label: by_q[quarter] for label, by_q in T.SPECIALISM_ROWS.items() if quarter in by_q}
    return areas, rows, T.DEMOGRAPHICS[quarter]


def idva_referrals(seed: int = 2526) -> list[Referral]:
    """The IDVA referrals of the history quarters and 2025-26 Q1-Q3 (see :mod:`dasv.sample.targets`)."""
    rng = random.Random(seed)
    referrals: list[Referral] = []
    for quarter in (*T.HISTORY, *T.QUARTERS):
        pool: list[Referral] = []
        areas, rows, demographics = quarter_targets(quarter)
        for area, (n, cm, pct, rep) in areas.items():
            engaged = T.closest_engaged(cm, pct)
            flags = [(i < cm, i < engaged) for i in range(n)]
            repeats = set(rng.sample(range(n), rep))
            pool += [Referral("", quarter, area, c, e, i in repeats) for i, (c, e) in enumerate(flags)]
        rng.shuffle(pool)
        _assign_specialisms(rng, pool, quarter, rows)
        _assign_demographics(rng, pool, demographics)
        q = Quarter.parse(quarter)
        for r in pool:
            r.day = _random_day(rng, q)
            if not r.route:
                r.route = _weighted(rng, ROUTES)
            r.risk = _weighted(rng, RISKS)
            r.name, r.postcode = _pii(rng, r.area)
        referrals += sorted(pool, key=lambda r: r.day)
    for number, r in enumerate(referrals, start=1):
        r.ref = f"IDVA-{number:05d}"
    _assign_clients(rng, referrals, prefix="OAS")
    return referrals


def _take(rng, pool, used, n, criteria, engaged, repeat, areas, extra=lambda r: True):
    picked = [
        r for r in pool
        if id(r) not in used and r.criteria_met == criteria and r.engaged == engaged
        and r.repeat == repeat and (areas is None or r.area in areas) and extra(r)
    ][:n]  # fmt: skip
    if len(picked) < n:
        raise RuntimeError("sample targets cannot be met from the area table")
    used.update(id(r) for r in picked)
    return picked


def _split_repeats(total: int, cm: int, engaged: int, rep: int) -> list[tuple[bool, bool, int, int]]:
    """(criteria, engaged, size, repeats) for the three kinds of referral in a row."""
    groups = [(True, True, engaged), (True, False, cm - engaged), (False, False, total - cm)]
    out, left = [], rep
    for i, (c, e, size) in enumerate(groups):
        r = min(size, left if i == len(groups) - 1 else round(rep * size / total) if total else 0)
        out.append((c, e, size, r))
        left -= r
    if left:  # rounding left some over: put them where there is room
        for i, (c, e, size, r) in enumerate(out):
            extra = min(left, size - r)
            out[i] = (c, e, size, r + extra)
            left -= extra
    return out


def _assign_specialisms(rng: random.Random, pool: list[Referral], quarter: str, rows: dict) -> None:
    used: set[int] = set()
    for label, (total, cm, engaged, rep) in rows.items():
        specialism, areas = T.ROW_SPECIALISM[label]
        for c, e, size, r in _split_repeats(total, cm, engaged, rep):
            for is_repeat, n in ((True, r), (False, size - r)):
                for ref in _take(rng, pool, used, n, c, e, is_repeat, areas):
                    ref.specialisms.append(specialism)
                    if specialism == "CYP":
                        ref.age = rng.randint(13, 17)
                        ref.route = _weighted(rng, [x for x in ROUTES if x[0] != "MARAC"])
    for _ in range(T.CYP_PETERBOROUGH_VIA_MARAC.get(quarter, 0)):
        ref = next(r for r in pool if id(r) not in used and r.area == "Peterborough")
        used.add(id(ref))
        ref.specialisms.append("CYP")
        ref.age, ref.route = rng.randint(13, 17), "MARAC"
    for ref in pool:
        if "CYP" not in ref.specialisms:
            ref.age = min(85, max(18, int(rng.gauss(34, 11))))
        if "Minority Ethnic" in ref.specialisms:
            ref.ethnicity = rng.choice(MINORITY)
        else:
            ref.ethnicity = (
                rng.choice(WHITE) if rng.random() < 0.82 else rng.choice(MINORITY + ["Not stated"])
            )


def _assign_demographics(rng: random.Random, pool: list[Referral], targets: dict) -> None:
    order = pool[:]
    rng.shuffle(order)
    for r in order[: targets["male"]]:
        r.gender = "Male"
    for r in order[targets["male"] :]:
        r.gender = "Female" if rng.random() < 0.995 else "Non-binary"
    rng.shuffle(order)
    for r in order[: targets["disability"]]:
        r.disability = "Yes"
    for r in order[targets["disability"] :]:
        r.disability = "No" if rng.random() < 0.93 else "Not known"
    rng.shuffle(order)
    start = 0
    for category, count in targets["orientation"].items():
        for r in order[start : start + count]:
            r.orientation = category
        start += count
    for r in order[start:]:
        r.orientation = "Heterosexual" if rng.random() < 0.96 else "Prefer not to say"


def _assign_clients(rng: random.Random, records: list, prefix: str) -> None:
    """Fresh client IDs, except a repeat reuses a client with an earlier record (when there is one)."""
    issued: set[int] = set()
    earlier: list = []
    for rec in sorted(records, key=lambda r: (_day(r), r.ref)):
        candidates = [e for e in earlier if _day(e) < _day(rec) and (_day(rec) - _day(e)).days <= 365]
        if getattr(rec, "repeat", False) and candidates:
            rec.client = rng.choice(candidates[-300:]).client
        else:
            while (number := rng.randint(100000, 999999)) in issued:
                pass
            issued.add(number)
            rec.client = f"{prefix}{number}"
        earlier.append(rec)


def _day(rec) -> date:
    return rec.day if isinstance(rec, Referral) else rec.referred


def marac_cases(seed: int = 2526) -> list[Case]:
    """MARAC cases referred from 2023-24 Q4 to 2025-26 Q3, heard in first-in first-out order.

    The quarter's cases heard are the oldest cases waiting, so referrals and cases heard
    per quarter equal the printed figures (2025-26) and the rest are awaiting a hearing.
    """
    rng = random.Random(seed + 1)
    weights = [(a, s) for a, s in T.POLICE_SHARE.items()] + [("Out of Area", 0.02)]
    cases: list[Case] = []
    quarters = (*T.HISTORY, *T.QUARTERS)
    for quarter in quarters:
        q = Quarter.parse(quarter)
        referred, _ = T.MARAC[quarter]
        days = sorted(_random_day(rng, q) for _ in range(referred))
        for d in days:
            area = rng.choices([a for a, _ in weights], [w for _, w in weights])[0]
            cases.append(Case("", d, area))
    for number, c in enumerate(cases, start=1):
        c.ref = f"M25/{number:04d}"
    waiting = list(cases)
    for quarter in quarters:
        q = Quarter.parse(quarter)
        _, heard = T.MARAC[quarter]
        days = (q.end - q.start).days + 1
        for i, case in enumerate(
            waiting[:heard]
        ):  # heard in turn through the quarter, a week after referral at least
            slot = q.start + timedelta(days=int((i + rng.random()) * days / heard))
            case.heard = min(max(slot, case.referred + timedelta(days=rng.randint(7, 14))), q.end)
        waiting = waiting[heard:]
    for c in cases:
        c.agency = _weighted(rng, AGENCIES)
        c.repeat = rng.random() < 0.31
        c.gender = "Male" if rng.random() < 0.05 else "Female"
        c.age = rng.randint(16, 17) if rng.random() < 0.03 else min(80, max(18, int(rng.gauss(33, 10))))
        c.disability = "Yes" if rng.random() < 0.22 else "No"
        c.orientation = "Heterosexual" if rng.random() < 0.95 else rng.choice(["Lesbian", "Gay", "Bi"])
        c.ethnicity = rng.choice(WHITE) if rng.random() < 0.83 else rng.choice(MINORITY)
    _assign_clients(rng, cases, prefix="V")
    return cases


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
