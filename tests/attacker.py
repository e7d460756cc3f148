"""The attacker of docs/disclosure.md: the six CSPs pooling every slice ever served.

It reads the bytes a CSP account can fetch from the publication store — every quarter, every
version, every district: the CSVs (``csv.zip``) and the JSON document — and turns each into
facts about unknown counts, one integer variable per (area, measure, period):

- a published count is that count; ``<5`` is 1 to 4; ``[c]`` is 0 or more;
- a percentage printed to one decimal bounds its numerator given its denominator (both may be unknown);
- a printed change is the difference of its two counts;
- the districts' counts of a measure add up to at most the county's (out-of-area cases make
  up the rest), engaged <= criteria met <= referrals, repeats <= referrals, a specialism row
  <= the total, demographic counts <= referrals, MARAC repeat cases <= cases heard;
- MARAC stock and flow: awaiting(q) = awaiting(q-1) + referrals(q) - heard(q);
- a year ending is the sum of its four quarters; police: total = crimes + incident only,
  incidents = crimed + incident only; the offence groups add up to their total and to the DA crimes;
- versions: a figure is the same unknown in every version and quarter that shows it unless it
  changed (the test tells the attacker which did, more than ``[r]`` marks and revision notes say).

Then for every withheld unknown it solves two integer programs (``scipy.optimize.milp``): its
smallest and largest possible value. Recovered: both the same. Narrowed: a ``<5`` whose range
is not all of 1 to 4, or a ``[c]`` hiding a count below the threshold whose range leaves out
some of 1 to 4. Bounded (reported, not a failure): a ``[c]`` with a finite largest value.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from dasv.measures.labels import LABELS as NAMES
from dasv.quarters import Quarter

COUNTY = "county"
COUNTS = {
    "IDVA referrals": "total_referrals", "Referral criteria met": "criteria_met", "Engaged": "engaged",
    "Repeat referrals": "repeats", "MARAC referrals": "referrals", "Cases heard at MARAC": "cases_heard",
    "Cases awaiting a MARAC hearing": "awaiting_hearing", "MARAC repeat cases": "repeat_cases",
    "Police DA incidents": "da_incidents", "Police DA crimes": "da_crimes",
    "Incidents that resulted in a crime": "crimed_incidents", "Incident only": "incident_only",
    NAMES["police.total_recorded"]: "total_recorded",
    "Male victims (IDVA)": "male_victims", "Disability (IDVA)": "disability", "Aged 13–17 (IDVA)": "aged_13_17",
    "LGBT+ (IDVA)": "lgbt_total", "Sexual orientation not asked (IDVA)": "not_asked",
}  # fmt: skip
PERCENTS = {
    "Engagement % of criteria met": ("engaged", "criteria_met"),
    "Repeat % of IDVA referrals": ("repeats", "total_referrals"),
    "MARAC repeat % of cases heard": ("repeat_cases", "cases_heard"),
    "Proportion of incidents crimed": ("crimed_incidents", "da_incidents"),
}
DEMOGRAPHIC = ("male_victims", "disability", "aged_13_17", "lgbt_total", "not_asked")
NUMBER = re.compile(r"-?[0-9][0-9,]*(\.[0-9]+)?")
PERIOD = re.compile(r"(\d{4}-\d{2} Q[1-4]|YE [A-Z][a-z]{2} \d{4})$")

Key = tuple[str, str, str]  # (area, measure, period)


@dataclass
class Served:
    """One slice version as served: which quarter, version, district and data state it came from."""

    quarter: str
    version: int
    district: str
    state: int
    csvs: dict[str, list[list[str]]]
    document: dict


@dataclass
class Findings:
    withheld: int = 0
    recovered: list[str] = field(default_factory=list)
    narrowed: list[str] = field(default_factory=list)
    bounded: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.withheld} withheld cells examined: {len(self.recovered)} recovered exactly, "
                f"{len(self.narrowed)} narrowed, {len(self.bounded)} [c] bounded")  # fmt: skip


def read_store(store: Path, states: dict[tuple[str, int], int]) -> list[Served]:
    """Every slice version in a publication store (``states``: (quarter slug, version) -> data state)."""
    served = []
    for folder in sorted(Path(store).glob("*/v*/districts/*")):
        version_dir = folder.parent.parent
        q_slug, version = version_dir.parent.name, int(version_dir.name[1:])
        archive = zipfile.ZipFile(io.BytesIO((folder / "csv.zip").read_bytes()))
        csvs = {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }
        document = json.loads((folder / "slice.json").read_text(encoding="utf-8"))
        served.append(Served(Quarter.parse(q_slug).label, version, document["district"],
                             states.get((q_slug, version), 0), csvs, document))  # fmt: skip
    return served


class Attack:
    """Facts gathered from served slices, then bounds by integer programming."""

    def __init__(
        self, county_label: str, districts: list[str], threshold: int = 5, changed: set | None = None
    ):
        self.county_label, self.districts, self.threshold = county_label, districts, threshold
        self.changed = changed or set()  # keys whose value differs between data states
        self.index: dict[tuple, int] = {}
        self.rows: list[tuple[dict[int, float], float, float, str]] = []  # (coefficients, low, high, why)
        self.lo: dict[int, float] = defaultdict(float)
        self.hi: dict[int, float] = defaultdict(lambda: np.inf)
        self.published: dict[int, int] = {}
        self.markers: dict[int, set[str]] = defaultdict(set)
        self.states: set[int] = {0}

    # unknowns ------------------------------------------------------------------------------------
    def var(self, key: Key, state: int) -> int:
        ident = (key, state if key in self.changed else 0)
        if ident not in self.index:
            self.index[ident] = len(self.index)
        return self.index[ident]

    def area(self, text: str) -> str:
        return COUNTY if text == self.county_label else text

    def observe(self, key: Key, state: int, text: str, where: str) -> None:
        text = str(text).replace(" [r]", "").strip()
        v = self.var(key, state)
        if text == f"<{self.threshold}":
            self.lo[v], self.hi[v] = max(self.lo[v], 1), min(self.hi[v], self.threshold - 1)
            self.markers[v].add(text)
        elif text == "[c]":
            self.markers[v].add(text)
        elif NUMBER.fullmatch(text):
            value = int(float(text.replace(",", "")))
            self.lo[v], self.hi[v] = max(self.lo[v], value), min(self.hi[v], value)
            self.published[v] = value

    def percent(self, num: Key, den: Key, state: int, text: str) -> None:
        text = str(text).replace(" [r]", "").strip()
        if not NUMBER.fullmatch(text):
            return
        p = float(text)
        n, d = self.var(num, state), self.var(den, state)
        # p - 0.05 <= 100 n / d < p + 0.05 (rounded half up to one decimal), d > 0
        self.rows.append(({n: 100.0, d: -(p - 0.05)}, 0.0, np.inf, f"{num} % low"))
        self.rows.append(({n: 100.0, d: -(p + 0.05)}, -np.inf, 0.0, f"{num} % high"))

    def relation(self, terms: dict[tuple[Key, int], float], low: float, high: float, why: str) -> None:
        if not any((key, st if key in self.changed else 0) in self.index for key, st in terms):
            return  # about nothing anyone was shown
        coefficients: dict[int, float] = defaultdict(float)
        for (key, state), c in terms.items():
            coefficients[self.var(key, state)] += c
        self.rows.append((dict(coefficients), low, high, why))

    # reading -------------------------------------------------------------------------------------
    def read(self, s: Served) -> None:
        self.states.add(s.state)
        for name, rows in s.csvs.items():
            kind = name.rsplit("-", 1)[-1].removesuffix(".csv")
            if kind in ("idva_district", "other_district", "year_ending_services", "year_ending_police"):
                self._by_period(rows, s, name)
            elif kind == "idva_district_specialism":
                self._specialism(rows, s, name)
            elif kind == "headline":
                self._headline(rows, s, name)
            elif kind == "year_ending_offence_groups":
                self._offence_groups(rows, s, name)
            elif kind == "funnel_police_incidents":
                for row in rows[1:]:
                    self.observe((row[0], "da_incidents", s.quarter), s.state, row[1], name)
        doc, d, q = s.document, s.district, s.quarter
        for label, figures in doc.get("idva", {}).get("by_report_row", {}).items():
            for m in ("total_referrals", "criteria_met", "engaged", "repeats"):
                if figures.get(m) is not None:
                    self.observe((d, f"row:{label}:{m}", q), s.state, figures[m], "json")

    def _by_period(self, rows, s: Served, where: str) -> None:
        header = rows[0]
        for row in rows[1:]:
            label = row[0]
            for heading, text in zip(header[1:], row[1:], strict=False):
                found = PERIOD.search(heading)
                if not found or text == "":
                    continue
                who, period = self.area(heading[: found.start()].strip()), found.group(1)
                if label in COUNTS:
                    self.observe((who, COUNTS[label], period), s.state, text, where)
                elif label in PERCENTS:
                    num, den = PERCENTS[label]
                    self.percent((who, num, period), (who, den, period), s.state, text)

    def _offence_groups(self, rows, s: Served, where: str) -> None:
        """DA crimes by offence group: each group's count and its share of all the groups' (one decimal)."""
        header = rows[0]
        for row in rows[1:]:
            measure = "offence_total" if row[0] == "All offence groups" else f"offence_group:{row[0]}"
            for heading, text in zip(header[1:], row[1:], strict=False):
                share = heading.endswith(" share %")
                found = PERIOD.search(heading.removesuffix(" share %"))
                if not found or text == "":
                    continue
                who, period = self.area(heading[: found.start()].strip()), found.group(1)
                if share and measure != "offence_total":  # the total's own share is 100%: it says nothing
                    self.percent((who, measure, period), (who, "offence_total", period), s.state, text)
                elif share:
                    continue
                else:
                    self.observe((who, measure, period), s.state, text, where)

    def _specialism(self, rows, s: Served, where: str) -> None:
        header = rows[0]
        for row in rows[1:]:
            for heading, text in zip(header[1:], row[1:], strict=False):
                if text == "" or heading.endswith(("lower", "upper")):
                    continue
                for who in (s.district, self.county_label):
                    if heading.startswith(who + " "):
                        rest = heading[len(who) + 1 :]
                        found = PERIOD.search(rest)
                        what, period = rest[: found.start()].strip(), found.group(1)
                        prefix = f"row:{row[0]}:"
                        if what in COUNTS:
                            self.observe(
                                (self.area(who), prefix + COUNTS[what], period), s.state, text, where
                            )
                        elif what == "Engagement %":
                            self.percent((self.area(who), prefix + "engaged", period),
                                         (self.area(who), prefix + "criteria_met", period), s.state, text)  # fmt: skip
                        break

    def _headline(self, rows, s: Served, where: str) -> None:
        header = rows[0]
        now, prev = s.quarter, header[4]
        for row in rows[1:]:
            m = COUNTS.get(row[0])
            if m is None:
                continue
            self.observe((s.district, m, now), s.state, row[1], where)
            self.observe((s.district, m, prev), s.state, row[4], where)
            if row[5] != "":
                self.relation({((s.district, m, now), s.state): 1, ((s.district, m, prev), s.state): -1},
                              float(row[5]), float(row[5]), "change")  # fmt: skip

    # identities ----------------------------------------------------------------------------------
    def identities(self, quarters: list[str], year_endings: dict[str, list[str]]) -> None:
        """The relations that hold by definition, for every data state."""
        areas = [*self.districts, COUNTY]
        measures = {k[0][1] for k in self.index}
        periods = [*quarters, *year_endings]
        for st in sorted(self.states):
            for m in measures:
                for p in periods:
                    terms = {((d, m, p), st): 1.0 for d in self.districts}
                    terms[((COUNTY, m, p), st)] = -1.0
                    self.relation(terms, -np.inf, 0.0, f"districts <= county {m} {p}")
            for who in areas:
                for p in periods:
                    for prefix in [
                        "",
                        *sorted({m.rsplit(":", 1)[0] + ":" for m in measures if m.startswith("row:")}),
                    ]:
                        pairs = [("engaged", "criteria_met"), ("criteria_met", "total_referrals"),
                                 ("repeats", "total_referrals")]  # fmt: skip
                        for small, big in pairs:
                            self.relation({((who, prefix + small, p), st): 1.0, ((who, prefix + big, p), st): -1.0},
                                          -np.inf, 0.0, f"{prefix}{small} <= {big}")  # fmt: skip
                        if prefix:
                            for m in ("total_referrals", "criteria_met", "engaged", "repeats"):
                                self.relation({((who, prefix + m, p), st): 1.0, ((who, m, p), st): -1.0},
                                              -np.inf, 0.0, f"{prefix}{m} <= {m}")  # fmt: skip
                    self.relation({((who, "repeat_cases", p), st): 1.0, ((who, "cases_heard", p), st): -1.0},
                                  -np.inf, 0.0, "repeat cases <= heard")  # fmt: skip
                    for m in DEMOGRAPHIC:
                        self.relation({((who, m, p), st): 1.0, ((who, "total_referrals", p), st): -1.0},
                                      -np.inf, 0.0, f"{m} <= referrals")  # fmt: skip
                for before, q in zip(quarters, quarters[1:], strict=False):
                    self.relation({((who, "awaiting_hearing", q), st): 1.0, ((who, "awaiting_hearing", before), st): -1.0,
                                   ((who, "referrals", q), st): -1.0, ((who, "cases_heard", q), st): 1.0},
                                  0.0, 0.0, f"MARAC stock and flow {who} {q}")  # fmt: skip
                for ye, parts in year_endings.items():
                    for m in ("total_referrals", "criteria_met", "engaged", "repeats", "referrals", "cases_heard",
                              "repeat_cases", "da_incidents", "da_crimes"):  # fmt: skip
                        terms = {((who, m, q), st): -1.0 for q in parts}
                        terms[((who, m, ye), st)] = 1.0
                        self.relation(terms, 0.0, 0.0, f"{m} {ye} = its four quarters")
                    self.relation(
                        {
                            ((who, "total_recorded", ye), st): 1.0,
                            ((who, "da_crimes", ye), st): -1.0,
                            ((who, "incident_only", ye), st): -1.0,
                        },
                        0.0,
                        0.0,
                        "total = crimes + incident only",
                    )
                    self.relation({((who, "da_incidents", ye), st): 1.0, ((who, "crimed_incidents", ye), st): -1.0,
                                   ((who, "incident_only", ye), st): -1.0}, 0.0, 0.0, "incidents = crimed + only")  # fmt: skip
                    groups = sorted(m for m in measures if m.startswith("offence_group:"))
                    for whole in (
                        ("offence_total", "da_crimes") if groups else ()
                    ):  # the groups add up to both
                        terms = {((who, g, ye), st): -1.0 for g in groups}
                        terms[((who, whole, ye), st)] = 1.0
                        self.relation(terms, 0.0, 0.0, f"{whole} = the offence groups")

    def check_truth(self, truth: dict[int, dict[Key, int]]) -> list[str]:
        """Relations the true values break (each would be a wrong identity): empty when all hold."""
        value = {}
        for (key, st), v in self.index.items():
            if st in truth and key in truth[st]:
                value[v] = truth[st][key]
            elif st == 0:
                for t in sorted(truth):
                    if key in truth[t]:
                        value[v] = truth[t][key]
                        break
        broken = []
        for coefficients, low, high, why in self.rows:
            if all(v in value for v in coefficients):
                total = sum(c * value[v] for v, c in coefficients.items())
                if not (low - 1e-6 <= total <= high + 1e-6):
                    broken.append(f"{why}: {total} not in [{low}, {high}]")
        self.truth = value
        return broken

    # solving -------------------------------------------------------------------------------------
    def solve(self) -> Findings:
        """Smallest and largest value of each withheld unknown, one connected group of unknowns at a time."""
        n = len(self.index)
        names = {v: ident for ident, v in self.index.items()}
        lower = np.array([self.lo[v] for v in range(n)], dtype=float)
        upper = np.array([self.hi[v] for v in range(n)], dtype=float)
        free = lower < upper
        parent = list(range(n))

        def root(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        rows = []  # (free coefficients, low, high) with the fixed unknowns moved across
        names = {v: ident for ident, v in self.index.items()}
        for coefficients, low, high, why in self.rows:
            fixed = sum(c * lower[v] for v, c in coefficients.items() if not free[v])
            live = {v: c for v, c in coefficients.items() if free[v]}
            if not live:
                assert low - 1e-6 <= fixed <= high + 1e-6, (
                    f"the facts are inconsistent: an identity is wrong ({why}: {fixed} not in [{low}, {high}]; "
                    + ", ".join(f"{names[v]}={lower[v]}" for v in coefficients)
                    + ")"
                )
                continue
            rows.append((live, low - fixed, high - fixed))
            first = next(iter(live))
            for v in live:
                parent[root(v)] = root(first)
        groups: dict[int, list[int]] = defaultdict(list)
        for v in range(n):
            if free[v]:
                groups[root(v)].append(v)
        by_group: dict[int, list] = defaultdict(list)
        for live, low, high in rows:
            by_group[root(next(iter(live)))].append((live, low, high))
        findings = Findings()
        for v in range(n):
            if not self.markers[v]:
                continue
            findings.withheld += 1
            ident, truth = names[v], getattr(self, "truth", {}).get(v)
            if v in self.published:
                findings.recovered.append(f"{ident} = {self.published[v]} (published elsewhere)")
                continue
            lo, hi = self._range(v, groups[root(v)], by_group[root(v)], lower, upper)
            where = f"{ident} in [{lo}, {hi}] (true {truth}, shown {'/'.join(sorted(self.markers[v]))})"
            self.classify(v, lo, hi, findings, where)
        return findings

    def classify(self, v: int, lo: float, hi: float, findings: Findings, where: str) -> None:
        """Recovered, narrowed or bounded (docs/disclosure.md's definitions)."""
        t, truth = self.threshold, getattr(self, "truth", {}).get(v)
        if lo == hi:
            findings.recovered.append(where)
        elif f"<{t}" in self.markers[v] and (lo, hi) != (1, t - 1):
            findings.narrowed.append(where)
        elif truth is not None and truth < t and not (lo <= 1 and hi >= t - 1):
            findings.narrowed.append(where)
        elif hi != np.inf and f"<{t}" not in self.markers[v]:
            findings.bounded.append(where)

    def _range(self, v: int, members: list[int], rows: list, lower, upper) -> tuple[float, float]:
        if not members:  # a fixed unknown
            return lower[v], upper[v]
        cache = self.__dict__.setdefault("_problems", {})
        if id(members) not in cache:  # one matrix per connected group, built once
            local = {u: i for i, u in enumerate(members)}
            matrix = lil_matrix((len(rows), len(members)))
            for i, (live, _, _) in enumerate(rows):
                for u, c in live.items():
                    matrix[i, local[u]] = c
            constraints = (
                [LinearConstraint(matrix.tocsr(), [r[1] for r in rows], [r[2] for r in rows])] if rows else []
            )
            cache[id(members)] = (local, constraints, Bounds(lower[members], upper[members]), members)
        local, constraints, bounds, _ = cache[id(members)]
        c = np.zeros(len(members))
        c[local[v]] = 1.0
        integrality = np.ones(len(members))
        low = milp(c, constraints=constraints, bounds=bounds, integrality=integrality)
        high = milp(-c, constraints=constraints, bounds=bounds, integrality=integrality)
        assert low.status == 0, f"the facts are inconsistent ({low.message}): an identity is wrong"
        return round(low.fun), (round(-high.fun) if high.status == 0 else np.inf)


def attack(served: list[Served], county_label: str, districts: list[str], quarters: list[str],
           year_endings: dict[str, list[str]], threshold: int = 5, changed: set | None = None,
           truth: dict[int, dict[Key, int]] | None = None) -> Findings:  # fmt: skip
    """Everything served, its identities, then the bounds of every withheld unknown."""
    a = Attack(county_label, districts, threshold, changed)
    for s in served:
        a.read(s)
    a.identities(quarters, year_endings)
    if truth is not None:
        broken = a.check_truth(truth)
        assert not broken, "identities the data break: " + "; ".join(broken[:5])
    return a.solve()


# the public set (issue 31): every served byte, the county report included ---------------------------

ADDITIVE = ("total_referrals", "criteria_met", "engaged", "repeats", "referrals", "cases_heard", "repeat_cases",
            "da_incidents", "da_crimes", "crimed_incidents", "incident_only", "total_recorded", "male_victims",
            "disability", "aged_13_17", "lgbt_total", "not_asked")  # fmt: skip
QUARTER_LABEL = re.compile(r"^(\d{4})-\d{2} Q([1-4])$")
YE_LABEL = re.compile(r"^YE ([A-Z][a-z]{2}) (\d{4})$")
MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
OTHER_AREAS = (
    "Out of Area",
    "Address not documented",
    "Not known – moved to refuge",
)  # the county table's rows
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def quarter_ending(year: int, month: int) -> str:
    """The label of the quarter whose last month is (year, month)."""
    fy = year if month >= 4 else year - 1
    return f"{fy}-{(fy + 1) % 100:02d} Q{((month - 4) % 12) // 3 + 1}"


def quarter_months(label: str) -> list[str]:
    q = Quarter.parse(label)
    return [f"{m.year}-{m.month:02d}" for m in q.months]


def year_quarters(label: str) -> list[str] | None:
    """The four quarters of a year ending at a quarter's end (``YE Sep 2025``), else None."""
    m = YE_LABEL.match(label)
    month = MONTH_NAMES.index(m.group(1)) + 1
    if month % 3:
        return None
    q = Quarter.parse(quarter_ending(int(m.group(2)), month))
    out = []
    for _ in range(4):
        out.append(q.label)
        q = q.previous()
    return out[::-1]


class PublicAttack(Attack):
    """The attacker of the whole public set: facts from ``tests.served``, identities stated over every key seen."""

    def __init__(self, deployment, threshold: int, changed: set | None = None):
        reporting = deployment.police_reporting_area
        super().__init__(deployment.county_label, [a.name for a in deployment.districts], threshold, changed)
        self.reporting = (reporting.name, list(reporting.districts)) if reporting else None
        self.contradictions: list[str] = []
        self.row_areas = {
            r.label: list(r.areas) for r in deployment.report_rows if r.areas
        }  # published definitions

    def observe(self, key: Key, state: int, text, where: str) -> None:
        text = str(text).replace(" [r]", "").strip()
        marker = re.fullmatch(r"<(\d+)", text)
        v = self.var(key, state)
        if marker:
            top = int(marker.group(1)) - 1
            self.lo[v], self.hi[v] = max(self.lo[v], 1), min(self.hi[v], top)
            self.markers[v].add(text)
        elif text == "[c]":
            self.markers[v].add(text)
        elif NUMBER.fullmatch(text.replace(",", "")):
            value = float(text.replace(",", ""))
            if not value.is_integer():
                return  # not a count
            value = int(value)
            if v in self.published and self.published[v] != value:
                self.contradictions.append(f"{key} state {state}: {self.published[v]} and {value} ({where})")
                return
            self.lo[v], self.hi[v] = max(self.lo[v], value), min(self.hi[v], value)
            self.published[v] = value

    def percent(self, num: Key, den: Key, state: int, text) -> None:
        text = str(text).replace(" [r]", "").strip().removesuffix("%")
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            return
        decimals = len(text.split(".")[1]) if "." in text else 0
        p, half = float(text), 0.5 * 10.0**-decimals + 1e-9
        n, d = self.var(num, state), self.var(den, state)
        self.rows.append(({n: 100.0, d: -(p - half)}, 0.0, np.inf, f"{num} % low"))
        self.rows.append(({n: 100.0, d: -(p + half)}, -np.inf, 0.0, f"{num} % high"))
        self.rows.append(({d: 1.0}, 1.0, np.inf, f"{den} > 0 (a percentage is printed)"))

    def load(self, facts: dict[int, list[tuple]]) -> None:
        """Every fact; a figure printed with different values in two data states is a different unknown in each."""
        printed: dict[Key, dict[int, set]] = defaultdict(lambda: defaultdict(set))
        for state, items in facts.items():
            for f in items:
                if f[0] == "value" and NUMBER.fullmatch(str(f[2]).replace(",", "")):
                    printed[f[1]][state].add(str(f[2]).replace(",", ""))
        self.changed |= {k for k, by_state in printed.items() if len({v for s in by_state.values() for v in s}) > 1
                         and len(by_state) > 1}  # fmt: skip
        for state, items in sorted(facts.items()):
            self.states.add(state)
            for f in items:
                if f[0] == "value":
                    self.observe(f[1], state, f[2], "")
                elif f[0] == "pct":
                    self.percent(f[1], f[2], state, f[3])
                elif f[0] == "diff":
                    self.relation({(f[1], state): 1.0, (f[2], state): -1.0}, f[3], f[3], "change")
                elif f[0] == "mean":
                    text = str(f[2])
                    decimals = len(text.split(".")[1]) if "." in text else 0
                    half, n = 0.5 * 10.0**-decimals + 1e-9, len(f[1])
                    terms = {(k, state): 1.0 for k in f[1]}
                    for k in f[1]:
                        self.var(k, state)
                    self.relation(terms, (float(text) - half) * n, (float(text) + half) * n, "SPC mean")

    def public_identities(self) -> None:
        """Relations that hold by definition, over every (area, measure, period) anyone was shown."""
        self.fact_rows = len(self.rows)
        keys = {k for k, _ in self.index}
        measures = {k[1] for k in keys}
        periods = {k[2] for k in keys}
        areas = {k[0] for k in keys}
        others = areas - set(self.districts) - {COUNTY} - ({self.reporting[0]} if self.reporting else set())
        rows = sorted({m.rsplit(":", 1)[0] + ":" for m in measures if m.startswith("row:")})
        for st in sorted(self.states):
            for m in measures:
                for p in periods:
                    terms = {((d, m, p), st): 1.0 for d in self.districts}
                    terms |= {((o, m, p), st): 1.0 for o in others}
                    terms[((COUNTY, m, p), st)] = -1.0
                    self.relation(terms, -np.inf, 0.0, f"areas <= county {m} {p}")
                    if m in ("total_referrals", "criteria_met", "engaged", "repeats") and QUARTER_LABEL.match(
                        p
                    ):
                        # the county report's table by area prints every area and the total: the total is their
                        # sum (stated only where every area was shown: otherwise relation() leaves it out)
                        terms = {((a, m, p), st): 1.0 for a in [*self.districts, *OTHER_AREAS]}
                        terms[((COUNTY, m, p), st)] = -1.0
                        self.relation(terms, 0.0, 0.0, f"IDVA: areas = county {m} {p}")
                    if m.startswith("row:") and m.split(":")[1] in self.row_areas:
                        terms = {((a, m, p), st): 1.0 for a in self.row_areas[m.split(":")[1]]}
                        terms[((COUNTY, m, p), st)] = -1.0
                        self.relation(terms, 0.0, 0.0, f"a row's areas = its county figure {m} {p}")
                    if m in (
                        "da_incidents",
                        "da_crimes",
                        "crimed_incidents",
                        "incident_only",
                        "total_recorded",
                    ):
                        terms = {((d, m, p), st): 1.0 for d in self.districts}
                        terms[((COUNTY, m, p), st)] = -1.0
                        self.relation(terms, 0.0, 0.0, f"police: districts = county {m} {p}")
                    if self.reporting:
                        terms = {((d, m, p), st): 1.0 for d in self.reporting[1]}
                        terms[((self.reporting[0], m, p), st)] = -1.0
                        self.relation(terms, 0.0, 0.0, f"{self.reporting[0]} = its districts {m} {p}")
            for who in areas:
                for p in periods:
                    for prefix in ["", *rows]:
                        for small, big in (("engaged", "criteria_met"), ("criteria_met", "total_referrals"),
                                           ("repeats", "total_referrals")):  # fmt: skip
                            self.relation({((who, prefix + small, p), st): 1.0, ((who, prefix + big, p), st): -1.0},
                                          -np.inf, 0.0, f"{prefix}{small} <= {big}")  # fmt: skip
                        if prefix:
                            for m in ("total_referrals", "criteria_met", "engaged", "repeats"):
                                self.relation({((who, prefix + m, p), st): 1.0, ((who, m, p), st): -1.0},
                                              -np.inf, 0.0, f"{prefix}{m} <= {m}")  # fmt: skip
                    self.relation({((who, "repeat_cases", p), st): 1.0, ((who, "cases_heard", p), st): -1.0},
                                  -np.inf, 0.0, "repeat cases <= heard")  # fmt: skip
                    for m in (*DEMOGRAPHIC, *sorted(x for x in measures if x.startswith("so:"))):
                        self.relation({((who, m, p), st): 1.0, ((who, "total_referrals", p), st): -1.0},
                                      -np.inf, 0.0, f"{m} <= referrals")  # fmt: skip
                    self.relation({((who, "total_recorded", p), st): 1.0, ((who, "da_crimes", p), st): -1.0,
                                   ((who, "incident_only", p), st): -1.0}, 0.0, 0.0, "total = crimes + incident only")  # fmt: skip
                    self.relation({((who, "da_incidents", p), st): 1.0, ((who, "crimed_incidents", p), st): -1.0,
                                   ((who, "incident_only", p), st): -1.0}, 0.0, 0.0, "incidents = crimed + only")  # fmt: skip
                    if QUARTER_LABEL.match(p):
                        before = Quarter.parse(p).previous().label
                        self.relation({((who, "awaiting_hearing", p), st): 1.0,
                                       ((who, "awaiting_hearing", before), st): -1.0,
                                       ((who, "referrals", p), st): -1.0, ((who, "cases_heard", p), st): 1.0},
                                      0.0, 0.0, f"MARAC stock and flow {who} {p}")  # fmt: skip
                        for m in measures:
                            if m in ADDITIVE or m.startswith(("row:", "so:")):
                                terms = {((who, m, month), st): -1.0 for month in quarter_months(p)}
                                terms[((who, m, p), st)] = 1.0
                                if any((month, st if month in self.changed else 0) in self.index
                                       for month, _ in list(terms)[:3]):  # fmt: skip
                                    self.relation(terms, 0.0, 0.0, f"{m} {p} = its months")
                    elif YE_LABEL.match(p) and year_quarters(p):
                        for m in measures:
                            if m in ADDITIVE or m.startswith(("row:", "so:")):
                                terms = {((who, m, q), st): -1.0 for q in year_quarters(p)}
                                terms[((who, m, p), st)] = 1.0
                                self.relation(terms, 0.0, 0.0, f"{m} {p} = its four quarters")

    def relation(self, terms, low, high, why) -> None:
        """While stating identities, only over unknowns someone was shown (an unseen one adds nothing but work).

        An unseen count is 0 or more: in ``sum <= bound`` with a plus sign (or ``sum >= bound`` with a
        minus sign) it can be left out; anywhere else it would absorb any value, so the relation is dropped.
        """
        if not hasattr(self, "fact_rows"):
            return super().relation(terms, low, high, why)
        seen = {t: c for t, c in terms.items() if (t[0], t[1] if t[0] in self.changed else 0) in self.index}
        missing = [c for t, c in terms.items() if t not in seen]
        if len(seen) < 2 and missing:
            return None
        if (
            not missing
            or (low == -np.inf and all(c > 0 for c in missing))
            or (high == np.inf and all(c < 0 for c in missing))
        ):
            return super().relation(seen, low, high, why)
        return None

    def prune(self) -> None:
        """Drop what cannot inform: an unknown nobody was shown that sits in one relation only.

        In an equation it takes up any slack (the equation says nothing about the rest); in
        ``sum <= bound`` with a plus sign it can be 0, so the rest keeps ``sum <= bound`` (dropped
        from it); in any other inequality it makes the inequality empty. Repeated until nothing changes.
        """
        seen = {v for v in range(len(self.index)) if self.markers[v] or v in self.published
                or self.lo[v] > 0 or self.hi[v] != np.inf}  # fmt: skip
        for coefficients, *_ in self.rows[: self.fact_rows]:
            seen |= set(coefficients)
        rows = [list(r) for r in self.rows]
        uses: dict[int, set[int]] = defaultdict(set)
        for i, (coefficients, *_) in enumerate(rows):
            for v in coefficients:
                uses[v].add(i)
        queue = [v for v, at in uses.items() if len(at) == 1 and v not in seen]
        alive = [True] * len(rows)
        while queue:
            v = queue.pop()
            at = [i for i in uses[v] if alive[i]]
            if len(at) != 1 or v in seen:
                continue
            i = at[0]
            coefficients, low, high, _ = rows[i]
            c = coefficients[v]
            if low == -np.inf and c > 0 or high == np.inf and c < 0:
                rows[i][0] = {u: x for u, x in coefficients.items() if u != v}
                uses[v].discard(i)
                if not rows[i][0]:
                    alive[i] = False
                continue
            alive[i] = False
            for u in coefficients:
                uses[u].discard(i)
                if len([j for j in uses[u] if alive[j]]) == 1:
                    queue.append(u)
        self.rows = [tuple(r) for r, keep in zip(rows, alive, strict=True) if keep and r[0]]

    def classify(self, v: int, lo: float, hi: float, findings: Findings, where: str) -> None:
        t_markers = [int(m[1:]) for m in self.markers[v] if m.startswith("<")]
        truth = getattr(self, "truth", {}).get(v)
        t = self.threshold
        if lo == hi:
            findings.recovered.append(where)
        elif t_markers and (lo, hi) != (1, min(t_markers) - 1):
            findings.narrowed.append(where)
        elif truth is not None and 0 < truth < t and not (lo <= 1 and hi >= t - 1):
            findings.narrowed.append(where)
        elif truth is None and hi <= t - 1 and not (lo <= 1 and hi >= t - 1):
            findings.narrowed.append(where + " (truth unknown; range inside 0..threshold-1)")
        elif hi != np.inf and not t_markers:
            findings.bounded.append(where)


def attack_public(reading, deployment, threshold: int, truth: dict | None = None, changed: set | None = None):
    """Everything the store served (``tests.served.read_store``), the identities, then every withheld unknown's range.

    Returns the findings and the attack (its ``contradictions``: a figure printed twice with two values
    in one data state, which means a reader here is wrong).
    """
    a = PublicAttack(deployment, threshold, changed)
    a.load(reading.facts)
    a.public_identities()
    a.prune()
    if truth is not None:
        broken = a.check_truth(truth)
        assert not broken, "identities the data break: " + "; ".join(broken[:8])
    return a.solve(), a
