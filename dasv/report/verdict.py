"""One verdict per change from last quarter, in the words a Board member uses.

Two tests look at a change: the quarter-on-quarter test (the exact conditional test of two
Poisson counts; Newcombe's interval for a percentage) and the monthly SPC chart. They are
reconciled by one rule (docs/statistics.md, "One verdict per change"):

1. A chart whose limits flag most of its months (more than half) does not fit the series: its
   months vary more than an XmR chart allows, or the level shifted (over-dispersion,
   seasonality, a change of recording). Its flags say nothing; it is not used.
2. The change is **a real rise** (or **fall**) when the quarter-on-quarter test finds it
   unlikely to be chance (p < 0.05, or an interval of the difference that excludes 0), or when
   a chart the report prints, and that fits, flags the latest month in the direction of the change.
3. Otherwise it is **within normal variation**.

The headline table's Variation column, the drafted statements and the chart descriptions all
print :class:`Verdict` (never the two tests' readings side by side).
"""

from __future__ import annotations

from dataclasses import dataclass

from dasv.measures.context import NOTABLE_P
from dasv.measures.intervals import newcombe, poisson_change_p
from dasv.measures.rates import round_half_up
from dasv.measures.spc import SpcResult

FIT_SHARE = 0.5  # a chart flagging more than this share of its months does not fit the series
ICON = {1: "special_cause_higher", -1: "special_cause_lower", 0: "common_cause"}


def limits_fit(result: SpcResult | None) -> bool:
    """Whether an XmR chart's limits describe its series (no more than half its months flagged)."""
    if result is None or result.method != "xmr" or not result.values:
        return False
    return len(result.flags) <= FIT_SHARE * len(result.values)


def misfit_text(result: SpcResult) -> str:
    """Why a chart flags nothing: ``its limits do not fit (22 of 24 months beyond them or in runs) ...``."""
    return (f"its process limits do not fit the series ({len(result.flags)} of {len(result.values)} months "
            "flagged: the months vary more than an XmR chart allows, or the level shifted), so no month is "
            "marked as special cause")  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """The one reading of a change: its direction, whether it is real, and the evidence in brackets."""

    direction: int  # +1 rose, -1 fell, 0 unchanged
    real: bool
    evidence: str = ""  # "p = 0.008", "95% interval -38 to -9 points", "the monthly chart flags 2025-12"

    def words(self) -> str:
        """``a real fall (p = 0.008)`` or ``within normal variation``."""
        if not self.real:
            return "within normal variation"
        what = "a real rise" if self.direction > 0 else "a real fall"
        return f"{what} ({self.evidence})" if self.evidence else what

    def short(self) -> str:
        """The headline column's words: ``Real rise``, ``Real fall``, ``Normal variation``."""
        if not self.real:
            return "Normal variation"
        return "Real rise" if self.direction > 0 else "Real fall"

    @property
    def icon(self) -> str:
        """The SPC marker shape that stands for it (triangle rise, diamond fall, circle normal)."""
        return ICON[self.direction if self.real else 0]


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {round_half_up(p, 3 if p < 0.01 else 2):g}"


def of_counts(now: int, before: int, chart: SpcResult | None = None) -> Verdict | None:
    """The verdict on a count's change (None when both are 0: nothing to judge)."""
    p = poisson_change_p(now, before)
    if p is None:
        return None
    direction = (now > before) - (now < before)
    if p < NOTABLE_P and direction:
        return Verdict(direction, True, _p_text(p))
    if direction and limits_fit(chart) and chart.side[-1] == direction and chart.rules[-1]:  # type: ignore[union-attr]
        return Verdict(direction, True, f"the monthly chart flags {chart.months[-1]}")  # type: ignore[union-attr]
    return Verdict(direction, False)


def of_rates(k_now: int, n_now: int, k_before: int, n_before: int) -> Verdict | None:
    """The verdict on a percentage's change: real when Newcombe's 95% interval of the difference excludes 0."""
    interval = newcombe(k_now, n_now, k_before, n_before)
    if interval is None:
        return None
    diff = k_now * n_before - k_before * n_now  # the sign of k_now/n_now - k_before/n_before
    direction = (diff > 0) - (diff < 0)
    if interval[0] > 0 or interval[1] < 0:
        low, high = (round_half_up(x, 0) for x in interval)
        return Verdict(direction, True, f"95% interval {low:+.0f} to {high:+.0f} points")
    return Verdict(direction, False)


REAL = ("a real rise", "a real fall")  # the words Verdict.words() begins a real change's verdict with


def real_changes(statements: list[str]) -> list[str]:
    """The drafted statements that state a real change (page 1's "What changed"), in their order."""
    return [s for s in statements if any(f", {words}" in s for words in REAL)]
