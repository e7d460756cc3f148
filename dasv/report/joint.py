"""Secondary suppression planned jointly: every linked table, identity, quarter, year ending and version.

Line-by-line suppression (:mod:`dasv.report.suppress`) protects each measure's line of
districts against its county total. A reader pooling every slice knows more: that engaged <=
criteria met <= referrals, that a specialism row is part of the total, that MARAC cases
awaiting at a quarter's end are those awaiting before plus referrals minus cases heard, that
a year ending is its four quarters, and every figure earlier versions and quarters served.

This module states those facts as linear constraints over the counts (docs/disclosure.md),
with every published count fixed and every withheld one free within its marker's range (``<5``:
1 to 4; ``[c]``: 0 or more), and propagates bounds through them (interval constraint
propagation, exact for one equation at a time and sound for all of them together). While a
withheld count can be narrowed — a ``<5`` that is not free over 1 to 4, a ``[c]`` hiding a
small count that is not, or any ``[c]`` pinned to one value — one more cell of the constraint
that narrowed it is withheld: a published count (the smallest at or above the threshold
first), else a ``<5`` becomes ``[c]``. Cells served before keep their fate: withheld stays
withheld; published and unchanged is known to every reader, so it cannot hide anything.

:func:`violations` is the same check alone: slices refuse to render while it finds anything.
The integer-programming attacker in the tests checks the result exactly.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Hashable

import numpy as np

from dasv.errors import UserError
from dasv.measures import catalogue
from dasv.quarters import Quarter
from dasv.report.registry import AT_MOST, PARTS, REST, STOCKS, Registry
from dasv.report.suppress import COUNTY, SuppressionPlan
from dasv.rule import SECONDARY, rule  # noqa: F401  (rule: the words, re-exported)
from dasv.rule import small_marker as primary_marker

Key = tuple[str, str, str]  # (area, measure, period label)
INF = math.inf
ROW_PARTS = catalogue.names("idva", slice=True)  # a report row's counts, each within the total's
YE_SUMMED = catalogue.names(year_ending=True)  # a year ending of each is its four quarters


class DisclosureError(UserError):
    """A slice would let a withheld count be worked out; the message names the cell."""


def period_label(p: Hashable) -> str | None:
    """A quarter's label or a year ending's column heading; None for months (not planned jointly)."""
    if isinstance(p, Quarter):
        return p.label
    short = getattr(p, "short", None)
    return short if isinstance(short, str) else None


class Joint:
    """The counts of one release (the quarterly plan and the year-ending plan) with what was served before."""

    def __init__(
        self, plans: list[SuppressionPlan], districts: list[str], served: dict[Key, object] | None = None
    ):
        self.threshold = plans[0].threshold
        self.small = primary_marker(self.threshold)
        self.districts = districts
        self.value: dict[Key, int] = {}
        self.where: dict[Key, tuple[SuppressionPlan, tuple]] = {}
        for plan in plans:
            for key, v in plan.values.items():
                label = period_label(key[2])
                if label is None:
                    continue
                measure = (
                    key[1].split(".", 1)[1] if key[1].startswith(("idva.", "marac.", "police.")) else key[1]
                )
                jk = (key[0], measure, label)
                self.value[jk] = v
                self.where[jk] = (plan, key)
        self.known: set[Key] = set()  # published before with the value it has now
        self.forced: dict[Key, str] = {}  # withheld before: stays withheld
        for key, shown in (served or {}).items():
            if isinstance(shown, str):
                self.forced[key] = shown
            elif key not in self.value:  # shown before, not in this release: a known figure
                self.value[key] = shown
                self.known.add(key)
            elif self.value[key] == shown:
                self.known.add(key)
        for key in self.known & set(self.where):  # readers hold it: withholding it again would hide nothing
            plan, pk = self.where[key]
            if not 0 < self.value[key] < self.threshold:
                plan.marks.pop(pk, None)
        for key, marker in self.forced.items():
            if key in self.where and key not in self.known:
                plan, pk = self.where[key]
                # the same marker as before: a [c] shown as <5 later would tell readers it is 1 to 4
                small = marker == self.small and 0 < self.value[key] < self.threshold
                plan.marks[pk] = self.small if small else SECONDARY
        self.constraints = self._identities()

    def __getstate__(self) -> dict:
        """Sent to a worker to draw slices: the cells and marks, not the constraints (rebuilt if asked)."""
        state = dict(self.__dict__)
        for heavy in ("constraints", "keys", "rows_", "cols_", "coefs_", "lows_", "highs_"):
            state.pop(heavy, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.constraints = self._identities()

    # the marks -----------------------------------------------------------------------------------
    def mark(self, key: Key) -> str | None:
        """The cell's marker as readers see it (None: published, or known from an earlier version)."""
        if key in self.known:
            return None
        if key in self.where:
            plan, pk = self.where[key]
            return plan.marks.get(pk)
        return self.forced.get(key, SECONDARY)  # not in this release: withheld before, or never shown

    def domain(self, key: Key) -> tuple[float, float]:
        """The values readers must allow for the cell before any relation is used."""
        m = self.mark(key)
        if m is None and self._unprinted(key):
            return 0, INF  # planned but printed nowhere: readers do not know it
        if m is None:
            v = self.value[key]
            return v, v
        return (1, self.threshold - 1) if m == self.small or self._served_small(key) else (0, INF)

    def _unprinted(self, key: Key) -> bool:
        """A cell of the release that no public output prints (``printed``: set by the slices' builder)."""
        printed = getattr(self, "printed", None)
        return (
            printed is not None
            and key in self.where
            and key not in self.known
            and (key[1], key[2]) not in printed
        )

    def _served_small(self, key: Key) -> bool:
        """Shown as ``<5`` by an earlier version and still small: readers know it is 1 to 4 whatever it shows now."""
        return self.forced.get(key) == self.small and 0 < self.value.get(key, 1) < self.threshold

    def _set(self, key: Key, marker: str) -> None:
        plan, pk = self.where[key]
        plan.marks[pk] = marker

    # the identities ------------------------------------------------------------------------------
    def _identities(self) -> list[tuple[list[tuple[Key, float]], float, float, str]]:
        out = []
        v = self.value
        areas = [*self.districts, COUNTY]
        periods = sorted({p for _, _, p in v})
        measures = {m for _, m, _ in v}
        rows = sorted({m.rsplit(":", 1)[0] + ":" for m in measures if m.startswith("row:")})
        for terms, why in self.registry().identities():  # the sums: derived from the registered figures
            rest = [(k, c) for k, c in terms if k[0] == REST]
            terms = [(k, c) for k, c in terms if k[0] != REST]
            if rest:  # the remainder outside every district: a constant we assume readers know (stricter)
                ((key, c),) = rest
                value = v[terms[0][0]] - sum(v.get((d, key[1], key[2]), 0) for d in self.districts)
                out.append((terms, -c * value, -c * value, why))
            else:
                out += self._if_true(terms, 0.0, why)
        # the relations that are not sums, declared once with the measures (dasv.report.registry.RELATIONS)
        pairs = [(f"{pre}{a}", f"{pre}{b}") for pre in ["", *rows] for a, b in AT_MOST]
        pairs += [(f"{pre}{m}", m) for pre in rows for m in ROW_PARTS]  # a specialism row within the total
        out += self._gaps(pairs, periods)
        quarters = sorted({p for p in periods if not p.startswith("YE ")}, key=lambda s: Quarter.parse(s))
        for who in areas:
            for p in periods:
                for small, big in pairs:
                    if (who, small, p) in v and (who, big, p) in v:
                        out.append(
                            ([((who, small, p), 1.0), ((who, big, p), -1.0)], -INF, 0.0, f"{small} <= {big}")
                        )
            for q in quarters:
                for stock, (inflow, outflow) in STOCKS.items():
                    out += self._stock_and_flow(who, q, stock, inflow, outflow)
            for p in periods:
                if not p.startswith("YE "):
                    continue
                for whole, parts in PARTS.items():
                    terms = [((who, whole, p), 1.0)] + [((who, part, p), -1.0) for part in parts]
                    out += self._if_true(terms, 0.0, f"{whole} = {' + '.join(parts)}")
        return out

    def _gaps(self, pairs: list[tuple[str, str]], periods: list[str]) -> list:
        """Each relation small <= big as its gap: big - small = gap >= 0, and the county's gap is its areas'.

        One equation at a time, bounds cannot add the relations of several districts up (the
        districts' engaged are at most their criteria met, so their sum is at most the sum of
        theirs); a gap per area, summed like a count, states it: a district's engaged is at least
        its criteria met less the county's gap. Gaps are not cells (never printed or marked).
        """
        v, out = self.value, []
        for small, big in pairs:
            gap = f"gap:{big}-{small}"
            for p in periods:
                both = [
                    who for who in [*self.districts, COUNTY] if (who, small, p) in v and (who, big, p) in v
                ]
                for who in both:
                    terms = [((who, big, p), 1.0), ((who, small, p), -1.0), ((who, gap, p), -1.0)]
                    out.append((terms, 0.0, 0.0, f"{big} - {small} = their gap"))
                districts = [d for d in both if d != COUNTY]
                # a district without the smaller figure (a report row that leaves it out): its gap is its larger
                only_big = [d for d in self.districts if d not in both and (d, big, p) in v]
                if COUNTY in both and districts:
                    # the remainder's gap (outside every district): a constant we assume readers know (stricter)
                    rest = v[(COUNTY, big, p)] - v[(COUNTY, small, p)]
                    rest -= sum(v[(d, big, p)] - v[(d, small, p)] for d in districts)
                    rest -= sum(v[(d, big, p)] for d in only_big)
                    terms = [((COUNTY, gap, p), 1.0)] + [((d, gap, p), -1.0) for d in districts]
                    terms += [((d, big, p), -1.0) for d in only_big]
                    out.append((terms, float(rest), float(rest), f"the county's {big} - {small}: its areas'"))
        return out

    def _stock_and_flow(self, who: str, q: str, stock: str, inflow: str, outflow: str) -> list:
        """A stock at a quarter's end = at the previous end + inflow - outflow, over one to four quarters.

        Bounds propagate one equation at a time, so the identity is stated over two, three and four
        quarters too; added up, a year ending's flows stand in for its four quarters.
        """
        out = []
        for span in (1, 2, 3, 4):
            window = [Quarter.parse(q)]
            for _ in range(span - 1):
                window.insert(0, window[0].previous())
            labels = [x.label for x in window]
            before = window[0].previous().label
            ends = [((who, stock, q), 1.0), ((who, stock, before), -1.0)]
            flows = [((who, inflow, x), -1.0) for x in labels] + [((who, outflow, x), 1.0) for x in labels]
            name = f"MARAC stock and flow {q}" if span == 1 else f"MARAC stock and flow {labels[0]} to {q}"
            out += self._if_true(ends + flows, 0.0, name)
            ye = f"YE {window[-1].end.strftime('%b')} {window[-1].end.year}"
            if span == 4 and _quarters_of(ye) == labels:
                totals = [((who, inflow, ye), -1.0), ((who, outflow, ye), 1.0)]
                out += self._if_true(ends + totals, 0.0, f"MARAC stock and flow over {ye}")
        return out

    def registry(self) -> Registry:
        """The release's figures registered as sums: the county of its districts and remainder, a year of its quarters."""
        reg = Registry()
        for (who, m, p), value in self.value.items():
            quarters = _quarters_of(p) if p.startswith("YE ") and m in YE_SUMMED else []
            total_of = [d for d in self.districts if (d, m, p) in self.value] if who == COUNTY else None
            reg.figure((who, m, p), value, total_of=total_of, parts=[(who, m, q) for q in quarters] or None)
        return reg

    def _if_true(self, terms, rhs: float, why: str) -> list:
        """The identity, when the counts we hold satisfy it (those we lack are unknown to us too)."""
        if not any(k in self.value for k, _ in terms):
            return []
        if all(k in self.value for k, _ in terms) and sum(c * self.value[k] for k, c in terms) != rhs:
            return []
        return [(terms, rhs, rhs, why)]

    # bounds --------------------------------------------------------------------------------------
    def _arrays(self) -> None:
        """The constraints as flat arrays (one entry a term), built once."""
        keys: dict[Key, int] = {}
        rows, cols, coefs, lows, highs = [], [], [], [], []
        for n, (terms, low, high, _) in enumerate(self.constraints):
            for key, c in terms:
                rows.append(n)
                cols.append(keys.setdefault(key, len(keys)))
                coefs.append(c)
            lows.append(low)
            highs.append(high)
        self.keys = list(keys)
        self.rows_, self.cols_ = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
        self.coefs_ = np.array(coefs, dtype=float)
        self.lows_, self.highs_ = np.array(lows, dtype=float), np.array(highs, dtype=float)

    def propagate(self) -> tuple[dict[Key, list[float]], dict[Key, int]]:
        """Each withheld count's bounds given everything published, and which constraint set them.

        Bounds propagate through every constraint at once (numpy), round after round until none moves.
        """
        if not hasattr(self, "keys"):
            self._arrays()
        m, r, k, c = len(self.constraints), self.rows_, self.cols_, self.coefs_
        domains = np.array([self.domain(key) for key in self.keys], dtype=float).reshape(-1, 2)
        lo, hi = domains[:, 0].copy(), domains[:, 1].copy()
        start_lo, start_hi = lo.copy(), hi.copy()
        reason_lo = np.full(len(lo), -1)
        reason_hi = np.full(len(lo), -1)
        # bounds may be unbounded (inf) or huge: inf - inf and overflow mean "no bound", as meant
        with np.errstate(over="ignore", invalid="ignore"):
            return self._propagate(m, r, k, c, lo, hi, start_lo, start_hi, reason_lo, reason_hi)

    def _propagate(self, m, r, k, c, lo, hi, start_lo, start_hi, reason_lo, reason_hi):
        """The rounds of :meth:`propagate` (numpy's overflow warnings off: an overflow is an unbounded side)."""
        for _ in range(500):
            tmin = np.where(c > 0, c * lo[k], c * hi[k])
            tmax = np.where(c > 0, c * hi[k], c * lo[k])
            min_inf, max_inf = np.isinf(tmin), np.isinf(tmax)
            min_fin = np.bincount(r, np.where(min_inf, 0.0, tmin), m)
            max_fin = np.bincount(r, np.where(max_inf, 0.0, tmax), m)
            min_n, max_n = np.bincount(r, min_inf, m), np.bincount(r, max_inf, m)
            rest_min = np.where(min_n[r] - min_inf > 0, -INF, min_fin[r] - np.where(min_inf, 0.0, tmin))
            rest_max = np.where(max_n[r] - max_inf > 0, INF, max_fin[r] - np.where(max_inf, 0.0, tmax))
            with np.errstate(invalid="ignore"):
                a, b = self.lows_[r] - rest_max, self.highs_[r] - rest_min  # c * x within [a, b]
                new_lo = np.ceil(np.where(c > 0, a / c, b / c) - 1e-9)
                new_hi = np.floor(np.where(c > 0, b / c, a / c) + 1e-9)
            best_lo, best_hi = lo.copy(), hi.copy()
            np.maximum.at(best_lo, k, np.nan_to_num(new_lo, nan=-INF))
            np.minimum.at(best_hi, k, np.nan_to_num(new_hi, nan=INF))
            moved_lo, moved_hi = best_lo > lo, best_hi < hi
            if not (moved_lo.any() or moved_hi.any()):
                break
            # which constraint set each moved bound (any one that reaches it)
            hit_lo = moved_lo[k] & (new_lo >= best_lo[k])
            hit_hi = moved_hi[k] & (new_hi <= best_hi[k])
            reason_lo[k[hit_lo]] = r[hit_lo]
            reason_hi[k[hit_hi]] = r[hit_hi]
            lo, hi = best_lo, best_hi
        bounds, reason = {}, {}
        hidden = start_lo < start_hi
        for i in np.nonzero(hidden)[0]:
            key = self.keys[i]
            bounds[key] = [lo[i], hi[i]]
            if reason_lo[i] >= 0 or reason_hi[i] >= 0:
                reason[key] = int(reason_lo[i] if lo[i] > start_lo[i] else reason_hi[i])
        return bounds, reason

    def narrowed(self, bounds: dict[Key, list[float]]) -> list[tuple[Key, str]]:
        """Withheld counts readers can narrow: (cell, what they learn)."""
        t = self.threshold
        out = []
        printed = getattr(self, "printed", None)
        for key, (lo, hi) in bounds.items():
            m = self.mark(key)
            if m is None or (key not in self.where and key not in self.forced):
                continue
            unprinted = printed is not None and (key[1], key[2]) not in printed and key not in self.forced
            if unprinted and not 0 < self.value.get(key, 0) < t:
                # never printed (a quarter the report only plans): no reader sees a marker to narrow; but a
                # small count is protected all the same, for the release of an earlier quarter that prints it
                continue
            true = self.value.get(key)
            if (
                lo == hi
                or (m == self.small and (lo > 1 or hi < t - 1))
                or (true is not None and true < t and (lo > 1 or hi < t - 1))
            ):
                out.append((key, f"between {lo:g} and {hi:g}"))
        return out

    def protect(self, rounds: int = 500) -> int:
        """Withhold more cells until nothing withheld can be narrowed; returns the cells added."""
        added = 0
        for _ in range(rounds):
            bounds, reason = self.propagate()
            found = self.narrowed(bounds)
            stuck = [key for key, _ in found if key in reason and self._stuck(key, bounds[key], reason[key])]
            for key in stuck:  # a complement pinned by figures readers hold: published, it hides nothing
                plan, pk = self.where[key]
                plan.marks.pop(pk, None)
            found = [(key, why) for key, why in found if key not in set(stuck)]
            if not found:
                break
            progress = False
            for key, _ in found:
                if key in reason and reason[key] >= 0 and self._widen(reason[key], key):
                    progress, added = True, added + 1
            if not progress:
                for key, _ in found:  # no constraint to blame: any constraint holding the cell
                    for n, (terms, _, _, _) in enumerate(self.constraints):
                        if any(k == key for k, _ in terms) and self._widen(n, key):
                            progress, added = True, added + 1
                            break
            if not progress:
                break
        self._publish_pointless()
        return added

    def _stuck(self, key: Key, bounds: list[float], index: int) -> bool:
        """A pointless complement (:meth:`_pointless`) pinned by a relation whose other figures readers already hold.

        Nothing this release withholds can loosen it, so it is published at once rather than
        made the reason to withhold more.
        """
        others = [k for k, _ in self.constraints[index][0] if k != key]
        return self._pointless(key, bounds) and not any(
            k in self.where and k not in self.known for k in others
        )

    def _publish_pointless(self) -> None:
        """Publish the complements readers work out exactly from what is published: withholding them hides nothing.

        Publishing a figure readers can already work out changes no other cell's bounds, so one pass does.
        """
        bounds, _ = self.propagate()
        for key, _ in self.narrowed(bounds):
            if self._pointless(key, bounds[key]):
                plan, pk = self.where[key]
                plan.marks.pop(pk, None)

    def _pointless(self, key: Key, bounds: list[float]) -> bool:
        """A complementary ``[c]`` readers work out exactly from what is published: it hides nothing.

        Not a small count (those are what the rule protects), nor one an earlier version withheld
        (it stays withheld): published in the end instead. A 0 under a printed 0 total, or a
        district's count fixed by the county's served figure and the other districts', is such a cell.
        """
        lo, hi = bounds
        value = self.value.get(key)
        return (
            lo == hi == value
            and key in self.where
            and key not in self.forced
            and self.mark(key) == SECONDARY
            and not 0 < value < self.threshold
        )

    def _widen(self, index: int, victim: Key) -> bool:
        """Withhold one more cell of constraint ``index`` (or loosen a ``<5`` there to ``[c]``)."""
        keys = [k for k, _ in self.constraints[index][0]]
        free = [k for k in keys if k in self.where and k not in self.known]
        others = [k for k in free if k != victim]
        published = [
            k for k in others if self.mark(k) is None and not self._unprinted(k)
        ]  # printed: hides it
        # the smallest published count first, a district's before the county's (totals are dearest)
        big = sorted((k[0] == COUNTY, self.value[k], k) for k in published if self.value[k] >= self.threshold)
        loosen = [k for k in others if self.mark(k) == self.small and not self._served_small(k)]
        choices = [[k for _, _, k in big], sorted(published), sorted(loosen),
                   [victim] if victim in free and self.mark(victim) == self.small and not self._served_small(victim)
                   else []]  # fmt: skip
        for options in choices:
            if options:
                self._set(options[0], SECONDARY)
                return True
        return False


def _sum(items: list[float]) -> float:
    if any(x == INF for x in items):
        return INF
    if any(x == -INF for x in items):
        return -INF
    return sum(items)


def _without(total: float, j: int, items: list[float]) -> float:
    """The sum of ``items`` but the ``j``-th (exact with infinite items)."""
    if not math.isinf(total):
        return total - items[j]
    return _sum(items[:j] + items[j + 1 :])


def _quarters_of(ye: str) -> list[str]:
    """``YE Sep 2025`` -> the four quarters ending September 2025 (a year ending at a quarter's end)."""
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    _, mon, year = ye.split()
    month = months.index(mon) + 1
    if month % 3:
        return []
    # the quarter ending in that month: financial quarters end in Jun (Q1), Sep, Dec, Mar
    number = {6: 1, 9: 2, 12: 3, 3: 4}[month]
    q = Quarter(int(year) - (1 if number == 4 else 0), number)
    out = [q]
    for _ in range(3):
        out.append(out[-1].previous())
    return [x.label for x in reversed(out)]


def served_cells(conn, since: Quarter | None = None) -> dict[Key, object]:
    """Every cell any served version showed (slices and the public edition): its value, or its marker (withheld wins).

    Args:
        since: read only the publications of this quarter and later (those whose cells a release
            can be linked to: its earliest quarter less a year).
    """
    from sqlalchemy import select

    from dasv.publications import quarter_id
    from warehouse.models import Publication, PublicationMetrics

    query = select(PublicationMetrics.document).join(  # every document served: slices and the public edition
        Publication, Publication.id == PublicationMetrics.publication_id
    )
    if since is not None:
        query = query.where(Publication.quarter_id >= quarter_id(since))
    out: dict[Key, object] = {}
    for (doc,) in conn.execute(query):
        for name, shown in json.loads(doc).get("suppression", {}).get("cells", {}).items():
            key = tuple(name.split("|", 2))
            small = isinstance(shown, str) and shown.startswith("<")
            if (
                small
                or (isinstance(shown, str) and not str(out.get(key, "")).startswith("<"))
                or key not in out
            ):
                out[key] = shown  # withheld wins over published, and <5 (readers know 1 to 4) over [c]
            elif not isinstance(out[key], str) and out[key] != shown:
                out[key] = shown  # revised: the later value (both are known; the older is a different figure)
    return out


def cells_document(joint: Joint, district: str, shown=None) -> dict[str, object]:
    """The cells a slice shows (the district's and the county's) as served.

    ``"area|measure|period"`` -> value or marker; ``shown(measure, period)`` leaves out what the
    slice does not print.
    """
    if not hasattr(joint, "by_area"):  # grouped once: a national run asks for 300 slices
        joint.by_area = defaultdict(list)
        for key in sorted(joint.where):
            joint.by_area[key[0]].append(key)
    return {
        "|".join(key): joint.mark(key) or joint.value[key]
        for who in (district, COUNTY)
        for key in joint.by_area[who]
        if shown is None or shown(key[1], key[2])
    }


def violations(joint: Joint) -> list[str]:
    """The render-time check: each withheld cell readers could narrow, named with the figures that give it away."""
    bounds, reason = joint.propagate()
    # bounds that cross somewhere: the figures linked contradict each other (no value satisfies them all)
    broken = any(lo > hi or lo > 1e12 for lo, hi in bounds.values())
    out = []
    for key, _ in joint.narrowed(bounds):
        lo, hi = bounds[key]
        true = joint.value.get(key)
        if broken or (
            true is not None and not lo <= true <= hi
        ):  # the figures imply a value it does not have
            lo, hi = math.inf, 0
        n = reason.get(key)
        terms, why = (joint.constraints[n][0], joint.constraints[n][3]) if n is not None else ([], "")
        others = [_named(k) for k, _ in terms if k != key]
        listed = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6 else "")
        told = _told(lo, hi)
        served = bool(terms) and all(k in joint.known for k, _ in terms if k != key)
        if told.startswith("the figures"):
            fix = ("check that every one of these figures covers the whole period (a source's first quarter, a late "
                   "export) and render again")  # fmt: skip
        elif (
            served
        ):  # every figure that gives it away is already in the store: no plan of this release can help
            fix = ("this quarter cannot be released again without giving the count away, because later quarters "
                   "published first print the figures that fix it; its published version "
                   "stands (see `dasv publications`), and publishing quarters oldest first avoids this")  # fmt: skip
        else:
            fix = ("render the quarter again against the publication store as it is now; if it is refused again, "
                   "report it as a fault (the plan should have withheld one more of them)")  # fmt: skip
        out.append(f"{_named(key)} (withheld as {joint.mark(key) or 'published'}): {told}"
                   + (f", from {why} with {listed}" if listed else "")
                   + (", every one already served by releases of later quarters" if served else "")
                   + f". To publish: {fix}")  # fmt: skip
    return out


def _told(lo: float, hi: float) -> str:
    """What a reader could tell of a withheld count, in words (never a float's limits)."""
    huge = 1e12
    if lo > hi or lo > huge:
        return "the figures linked to it contradict each other, so the model cannot protect it"
    if lo == hi:
        return f"a reader could work it out exactly ({int(lo)})"
    if math.isinf(hi) or hi > huge:
        return f"a reader could tell it is at least {int(lo)}"
    return f"a reader could tell it is between {int(lo)} and {int(hi)}"


def _named(key: Key) -> str:
    """``Fenland, IDVA referrals, 2025-26 Q2`` for a cell of the model."""
    from dasv.measures.labels import LABELS as NAMES

    who, m, p = key
    name = m
    for source in ("idva", "marac", "police", "demographics"):
        if f"{source}.{m}" in NAMES:
            name = NAMES[f"{source}.{m}"]
            break
    if m.startswith("row:"):
        _, row, part = m.split(":", 2)
        name = f"{row} {NAMES.get(f'idva.{part}', part)}"
    return f"{'the county' if who == COUNTY else who}, {name}, {p}"


def refusal(what: str, problems: list[str]) -> str:
    """The one message of a refused release: the cells, the figures that give them away, what to change."""
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{what} is not safe to publish, so nothing was drawn: " + "; ".join(problems[:3]) + more
