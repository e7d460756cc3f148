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

:func:`dasv.report.refusals.violations` is the same check alone: slices refuse to render while it
finds anything. The relations are stated in :mod:`dasv.report.relations`; what the store served is
read by :mod:`dasv.report.served`.
The integer-programming attacker in the tests checks the result exactly.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from dasv.quarters import Quarter
from dasv.report.relations import INF, Key, Relations
from dasv.report.suppress import COUNTY, SuppressionPlan
from dasv.rule import SECONDARY, rule  # noqa: F401  (rule: the words, re-exported)
from dasv.rule import small_marker as primary_marker


def period_label(p: Hashable) -> str | None:
    """A quarter's label or a year ending's column heading; None for months (not planned jointly)."""
    if isinstance(p, Quarter):
        return p.label
    short = getattr(p, "short", None)
    return short if isinstance(short, str) else None


class Joint(Relations):
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
        # served before with the values they have now: no cell this release withholds loosens them
        # (a gap is an unknown, and a figure this release prints it could still withhold)
        return self._pointless(key, bounds) and all(k in self.known for k in others)

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
