"""Confidence intervals and quarter-on-quarter tests (docs/statistics.md, "Intervals and tests").

Methods as the Office for Health Improvement and Disparities uses them (Fingertips technical
guidance): Wilson score intervals for proportions; Byar's method for counts and rates, exact
Poisson (chi-squared) below 10 events. Changes: the exact conditional test of two Poisson
counts (the later count is binomial given the sum, p = 0.5) and Newcombe's hybrid score
interval (method 10, from Wilson intervals) for a difference of two proportions.

Everything here takes counts and returns unrounded floats; callers round once for display.
scipy and statsmodels are imported when first used (they are slow to import).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal
BYAR_MIN_EVENTS = 10  # below this, exact Poisson limits (Fingertips)


@dataclass(frozen=True)
class Interval:
    """A confidence interval on the scale of its value (a percentage, a count or a rate)."""

    value: float
    lower: float
    upper: float
    method: str

    def as_dict(self, places: int = 1) -> dict:
        """The ``intervals`` entry of ``metrics.json`` (rounded half up, once)."""
        from dasv.measures.rates import round_half_up

        return {
            "value": round_half_up(self.value, places),
            "lower": round_half_up(self.lower, places),
            "upper": round_half_up(self.upper, places),
            "method": self.method,
        }


def wilson(successes: int, trials: int, per: int = 100) -> Interval | None:
    """95% Wilson score interval of ``successes / trials`` (None when there are no trials)."""
    if trials <= 0:
        return None
    # the score interval in closed form (Wilson 1927; statsmodels' proportion_confint "wilson" gives
    # the same, tested, at a thousand times the cost: a report computes hundreds of them)
    p, z2 = successes / trials, Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    lower = 0.0 if successes == 0 else max(0.0, centre - half)  # exact bounds at 0/n and n/n
    upper = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(per * successes / trials, per * lower, per * upper, "wilson")


@lru_cache(maxsize=4096)  # a national report asks for the same small counts' limits thousands of times
def poisson_limits(events: int, confidence: float = 0.95) -> tuple[float, float]:
    """Limits of a Poisson count: Byar's approximation from 10 events, exact (chi-squared) below."""
    z = _z(confidence)
    if events < BYAR_MIN_EVENTS:
        from scipy.stats import chi2

        alpha = 1 - confidence
        lower = 0.0 if events == 0 else float(chi2.ppf(alpha / 2, 2 * events)) / 2
        return lower, float(chi2.ppf(1 - alpha / 2, 2 * events + 2)) / 2
    lower = events * (1 - 1 / (9 * events) - z / (3 * math.sqrt(events))) ** 3
    upper = (events + 1) * (1 - 1 / (9 * (events + 1)) + z / (3 * math.sqrt(events + 1))) ** 3
    return lower, upper


def byar(events: int) -> Interval:
    """95% interval of a count (Byar; exact Poisson below 10 events)."""
    lower, upper = poisson_limits(events)
    return Interval(float(events), lower, upper, "byar" if events >= BYAR_MIN_EVENTS else "exact poisson")


def rate_interval(events: int, population: int, per: int) -> Interval | None:
    """95% interval of ``events / population * per`` (the count's interval, scaled)."""
    if not population:
        return None
    count = byar(events)
    scale = per / population
    return Interval(events * scale, count.lower * scale, count.upper * scale, count.method)


def poisson_change_p(now: int, before: int) -> float | None:
    """Two-sided p-value that two Poisson counts share one rate: exact, conditional on their sum."""
    if now + before == 0:
        return None
    from scipy.stats import binomtest

    return float(binomtest(now, now + before, 0.5).pvalue)


def newcombe(k_now: int, n_now: int, k_before: int, n_before: int) -> tuple[float, float] | None:
    """95% Newcombe (Wilson) interval of the difference of two proportions, in percentage points."""
    if n_now <= 0 or n_before <= 0:
        return None
    from statsmodels.stats.proportion import confint_proportions_2indep

    lower, upper = confint_proportions_2indep(
        k_now, n_now, k_before, n_before, method="newcomb", compare="diff"
    )
    return 100 * float(lower), 100 * float(upper)


def _z(confidence: float) -> float:
    if confidence == 0.95:
        return Z95
    from scipy.stats import norm

    return float(norm.ppf(1 - (1 - confidence) / 2))
