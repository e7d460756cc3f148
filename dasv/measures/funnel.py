"""Funnel plot of district rates around the county rate (Spiegelhalter, Statistics in Medicine 2005).

Each district's count is compared with what the county rate would give at its population:
limits are the exact Poisson quantiles of the expected count, smoothed between whole
numbers as Spiegelhalter's appendix does, at 95% and 99.8%. A district outside the 99.8%
limits is named in the report; one between 95% and 99.8% is noted as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = (0.95, 0.998)


@dataclass(frozen=True)
class FunnelPoint:
    """One district: its count, population, rate and limits, and where it falls."""

    area: str
    count: int
    population: int
    rate: float
    limits: dict[float, tuple[float, float]]

    @property
    def outside(self) -> str | None:
        """``"above 99.8%"``, ``"below 95%"`` ... or None when within the 95% limits."""
        for level in sorted(self.limits, reverse=True):
            low, high = self.limits[level]
            if self.rate > high:
                return f"above {level * 100:g}%"
            if self.rate < low:
                return f"below {level * 100:g}%"
        return None


@dataclass(frozen=True)
class Funnel:
    """The county rate, each district's point, and the limit curves over populations."""

    centre: float
    per: int
    points: list[FunnelPoint]
    curve: list[tuple[int, dict[float, tuple[float, float]]]]

    @property
    def areas(self) -> set[str]:
        """The districts with a point."""
        return {p.area for p in self.points}


def poisson_limit_count(expected, p: float):
    """The ``p`` quantile of a Poisson count of mean ``expected``, interpolated (Spiegelhalter 2005).

    ``expected`` may be a number or an array of them (one scipy call for a whole funnel).
    """
    import numpy as np
    from scipy.stats import poisson

    expected = np.asarray(expected, dtype=float)
    r = poisson.ppf(p, expected)
    below, at = poisson.cdf(r - 1, expected), poisson.cdf(r, expected)
    gap = at - below
    alpha = np.divide(at - p, gap, out=np.zeros_like(gap), where=gap > 0)
    out = np.maximum(0.0, r - alpha)
    return float(out) if out.ndim == 0 else out


def _limits(centre: float, populations: list[int], per: int) -> list[dict[float, tuple[float, float]]]:
    """Each population's limits at every level, computed for all populations at once."""
    import numpy as np

    n = np.asarray(populations, dtype=float)
    expected = centre / per * n
    out: list[dict[float, tuple[float, float]]] = [{} for _ in populations]
    for level in LEVELS:
        tail = (1 - level) / 2
        low = poisson_limit_count(expected, tail) / n * per
        high = poisson_limit_count(expected, 1 - tail) / n * per
        for i, limits in enumerate(out):
            limits[level] = (float(low[i]), float(high[i]))
    return out


def rate_limits(centre: float, population: int, level: float, per: int) -> tuple[float, float]:
    """The ``level`` limits of a rate per ``per`` at a population, around the centre rate."""
    expected = centre / per * population
    tail = (1 - level) / 2
    return (
        float(poisson_limit_count(expected, tail) / population * per),
        float(poisson_limit_count(expected, 1 - tail) / population * per),
    )


def funnel(counts: dict[str, tuple[int, int]], per: int = 1000, steps: int = 60) -> Funnel | None:
    """The funnel of areas' (count, population); None without two areas with a population."""
    usable = {a: (c, n) for a, (c, n) in counts.items() if n}
    if len(usable) < 2:
        return None
    centre = sum(c for c, _ in usable.values()) / sum(n for _, n in usable.values()) * per
    limits = _limits(centre, [n for _, n in usable.values()], per)
    points = [
        FunnelPoint(a, c, n, c / n * per, lim)
        for (a, (c, n)), lim in zip(usable.items(), limits, strict=True)
    ]
    low, high = min(n for _, n in usable.values()) * 0.5, max(n for _, n in usable.values()) * 1.3
    populations = [int(low + (high - low) * i / (steps - 1)) for i in range(steps)]
    curve = list(zip(populations, _limits(centre, populations, per), strict=True))
    return Funnel(centre, per, points, curve)
