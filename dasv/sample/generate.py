"""Build the sample records (made-up people) that reproduce the printed 2025-26 figures.

Deterministic: the same seed gives the same inbox, byte for byte in content.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

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
