"""Funnel plot of district rates around the county rate (Spiegelhalter, Statistics in Medicine 2005).

Each district's count is compared with what the county rate would give at its population:
limits are the exact Poisson quantiles of the expected count, smoothed between whole
numbers as Spiegelhalter's appendix does, at 95% and 99.8%. A district outside the 99.8%
limits is named in the report; one between 95% and 99.8% is noted as a warning.

Over-dispersion (Spiegelhalter, "Handling over-dispersion of performance indicators", BMJ
Quality & Safety 2005;14:347-351): with counts in the hundreds, Poisson limits are so narrow
that ordinary differences between districts fall outside them. Each district's z-score is
taken on the square-root scale of its ratio observed / expected, the z-scores are winsorised
at their 10th and 90th percentiles, and the dispersion statistic ``I * phi`` (the sum of their
squares) is compared with its expectation ``I - 1``. When it is larger, the between-district
variance ``tau2`` of the paper's additive random-effects model (the one it prefers for funnel
plots) widens every limit: ``ratio = (1 +- z * sqrt(1 / (4 E) + tau2))^2``. Otherwise the
exact Poisson limits stand. ``dispersion`` also does the NHS SHMI variant (log scale,
truncation instead of winsorisation), by which the tests reproduce FunnelPlotR's example.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = (0.95, 0.998)
TRIM = 0.1  # winsorised at the 10th and 90th percentiles


@dataclass(frozen=True)
class Dispersion:
    """Over-dispersion of the areas around the centre (Spiegelhalter 2005).

    Attributes:
        phi: the dispersion ratio, the mean of the squared (winsorised) z-scores.
        tau2: the between-area variance added to each limit (0 when not over-dispersed), on
            the scale of ``transform`` ("sqrt": square root of observed / expected; "log").
        groups: the number of z-scores ``phi`` is the mean of.
    """

    phi: float
    tau2: float
    groups: int
    transform: str = "sqrt"

    @property
    def adjusted(self) -> bool:
        """Whether the limits are widened (the dispersion statistic exceeds its expectation)."""
        return self.tau2 > 0

    @property
    def method(self) -> str:
        """``additive_random_effects`` when the limits are widened, else ``poisson``."""
        return "additive_random_effects" if self.adjusted else "poisson"

    def summary(self) -> dict:
        """The keys of ``metrics.json`` ``funnel``: method, phi, tau2."""
        return {"method": self.method, "phi": round(self.phi, 4), "tau2": round(self.tau2, 6),
                "dispersion_statistic": round(self.phi * self.groups, 3), "expected": self.groups - 1,
                "transform": self.transform, "winsorised": TRIM}  # fmt: skip


def dispersion(
    observed, expected, transform: str = "sqrt", trim: str = "winsorise", by: float = TRIM
) -> Dispersion:
    """The phi and tau2 of counts ``observed`` against their ``expected`` counts (Spiegelhalter 2005).

    ``transform="sqrt", trim="winsorise"`` is the paper's method for standardised ratios (the
    report's); ``transform="log", trim="truncate"`` is the NHS SHMI variant (z-scores outside
    the 10% tails dropped by rank, as FunnelPlotR does).
    """
    import numpy as np

    o, e = np.asarray(observed, dtype=float), np.asarray(expected, dtype=float)
    if transform == "sqrt":
        z, s = (np.sqrt(o / e) - 1) * 2 * np.sqrt(e), 1 / (2 * np.sqrt(e))
    else:
        z, s = np.sqrt(e) * np.log(o / e), 1 / np.sqrt(e)
    if trim == "winsorise":
        low, high = np.quantile(z, [by, 1 - by])
        z = np.clip(z, low, high)
    else:
        from scipy.stats import rankdata

        k = 1 / by
        rank = rankdata(z)  # ties share their average rank, as R's rank()
        part = np.floor(rank * k / (len(z) + 1))
        keep = (part > 0) & (part < k - 1)
        z, s = z[keep], s[keep]
    n = len(z)
    phi = float(np.mean(z**2)) if n else 0.0
    w = 1 / s**2
    tau2 = 0.0
    if n > 1 and n * phi > n - 1:
        tau2 = max(0.0, float((n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum())))
    return Dispersion(phi, tau2, n, transform)


def adjusted_ratio_limits(expected, level: float, tau2: float, transform: str = "sqrt"):
    """(low, high) limits of observed / expected at ``level``, widened by ``tau2`` (arrays in, arrays out)."""
    import numpy as np
    from scipy.stats import norm

    e = np.asarray(expected, dtype=float)
    z = norm.ppf(1 - (1 - level) / 2)
    if transform == "sqrt":
        sd = np.sqrt(1 / (4 * e) + tau2)
        return np.maximum(0.0, 1 - z * sd) ** 2, (1 + z * sd) ** 2
    sd = np.sqrt(1 / e + tau2)
    return np.exp(-z * sd), np.exp(z * sd)


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
    dispersion: Dispersion | None = None  # None: not estimated (the limits are Poisson)

    @property
    def adjusted(self) -> bool:
        """Whether the limits are widened for over-dispersion."""
        return self.dispersion is not None and self.dispersion.adjusted

    def summary(self, only: str | None = None) -> dict:
        """``metrics.json`` ``funnel``: the centre, the adjustment (method, phi, tau2) and each area's position.

        ``only``: that area's position alone (a district slice's document, as its table).
        """
        out = {"measure": "police.da_incidents", "per": self.per, "centre": round(self.centre, 2)}
        out |= (
            self.dispersion.summary() if self.dispersion else {"method": "poisson", "phi": None, "tau2": None}
        )
        out["areas"] = {
            p.area: {"count": p.count, "population": p.population, "rate": round(p.rate, 2),
                     "limits": {f"{level * 100:g}": [round(v, 2) for v in p.limits[level]] for level in LEVELS},
                     "position": p.outside or "within 95%"}
            for p in self.points if only is None or p.area == only
        }  # fmt: skip
        return out

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


def _limits(
    centre: float, populations: list[int], per: int, tau2: float = 0.0
) -> list[dict[float, tuple[float, float]]]:
    """Each population's limits at every level, computed for all populations at once.

    With ``tau2`` > 0 the limits are widened for over-dispersion; else they are exact Poisson.
    """
    import numpy as np

    n = np.asarray(populations, dtype=float)
    expected = centre / per * n
    out: list[dict[float, tuple[float, float]]] = [{} for _ in populations]
    for level in LEVELS:
        tail = (1 - level) / 2
        if tau2 > 0:
            low, high = (r * centre for r in adjusted_ratio_limits(expected, level, tau2))
        else:
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


def funnel(
    counts: dict[str, tuple[int, int]], per: int = 1000, steps: int = 60, overdispersion: bool = True
) -> Funnel | None:
    """The funnel of areas' (count, population); None without two areas with a population.

    With ``overdispersion`` (the report's), the limits are widened when the areas are
    over-dispersed (see the module); without, they are exact Poisson whatever the spread.
    """
    usable = {a: (c, n) for a, (c, n) in counts.items() if n}
    if len(usable) < 2:
        return None
    centre = sum(c for c, _ in usable.values()) / sum(n for _, n in usable.values()) * per
    found = None
    if overdispersion and centre > 0:
        found = dispersion([c for c, _ in usable.values()], [centre / per * n for _, n in usable.values()])
    tau2 = found.tau2 if found else 0.0
    limits = _limits(centre, [n for _, n in usable.values()], per, tau2)
    points = [
        FunnelPoint(a, c, n, c / n * per, lim)
        for (a, (c, n)), lim in zip(usable.items(), limits, strict=True)
    ]
    low, high = min(n for _, n in usable.values()) * 0.5, max(n for _, n in usable.values()) * 1.3
    populations = [int(low + (high - low) * i / (steps - 1)) for i in range(steps)]
    curve = list(zip(populations, _limits(centre, populations, per, tau2), strict=True))
    return Funnel(centre, per, points, curve, found)
