"""Statistical process control for monthly series: XmR charts and run charts (docs/statistics.md).

As NHS England's *Making Data Count* and its reference implementation, NHS-R's
NHSRplotthedots, define them:

- centre line: the mean of the points; moving ranges: absolute differences of consecutive
  points; MR-bar: their mean after screening out every moving range at or above 3.267 times
  their first mean (``screen_outliers = TRUE``);
- process limits: mean +/- 2.66 MR-bar (the lower not below 0); "close to a limit": beyond
  mean +/- 1.773 MR-bar (2 sigma) but within the limits;
- special-cause rules: (1) a point outside the limits; (2) 7 or more consecutive points on
  one side of the mean (a point on the mean breaks the run); (3) 7 or more consecutive points
  all rising or all falling (a tie breaks it); (4) two of three consecutive points close to a
  limit with all three on the same side of the mean (the close points are flagged). Every
  point of a qualifying run of rules 2 and 3 is flagged;
- a configured rebase month starts a new part with its own mean and limits; rules run
  within a part;
- fewer than 12 points: a run chart around the median; no signal is claimed.

DA measures are neutral: a signal is "special cause – higher" or "– lower", never
improvement or concern (a deployment may give a measure a direction; it is recorded, not used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean, median

MIN_XMR_POINTS = 12
RUN_LENGTH = 7
MR_SCREEN = 3.267
LIMIT = 2.66
CLOSE = 1.773

SIGNAL_TEXT = {
    "common_cause": "Common cause",
    "special_cause_higher": "Special cause – higher",
    "special_cause_lower": "Special cause – lower",
    None: "Too few months for limits",
}


@dataclass
class SpcResult:
    """One series' chart: per point its part's centre and limits, its flags; and the summary."""

    method: str  # "xmr" or "run"
    months: list[str]
    values: list[float]
    centre: list[float]
    lower: list[float | None] = field(default_factory=list)
    upper: list[float | None] = field(default_factory=list)
    rules: list[set[int]] = field(default_factory=list)  # per point: the rules that flag it
    side: list[int] = field(default_factory=list)  # per point: +1 higher, -1 lower, 0 not flagged
    signal: str | None = None

    @property
    def flags(self) -> list[str]:
        """Months flagged by any rule."""
        return [m for m, r in zip(self.months, self.rules, strict=True) if r]

    def summary(self, places: int = 1) -> dict:
        """The ``variation`` entry of ``metrics.json``."""
        from dasv.measures.rates import round_half_up

        latest = self.values[-1] if self.values else None
        if self.method == "run":
            return {"method": "run", "points": len(self.values),
                    "median": None if not self.values else round_half_up(self.centre[-1], places), "signal": None}  # fmt: skip
        return {
            "method": "xmr",
            "points": len(self.values),
            "mean": round_half_up(self.centre[-1], places),
            "lower": round_half_up(self.lower[-1], places),
            "upper": round_half_up(self.upper[-1], places),
            "latest": latest,
            "signal": self.signal,
            "flags": self.flags,
        }


def analyse(months: list[str], values: list[float], rebase: list[str] | None = None) -> SpcResult:
    """An XmR chart with the four rules, or a run chart below 12 points."""
    values = [float(v) for v in values]
    if len(values) < MIN_XMR_POINTS:
        centre = median(values) if values else 0.0
        return SpcResult("run", list(months), values, [centre] * len(values), rules=[set() for _ in values],
                         side=[0] * len(values))  # fmt: skip
    starts = sorted({0} | {months.index(m) for m in (rebase or []) if m in months and months.index(m) > 0})
    result = SpcResult("xmr", list(months), values, [])
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(values)
        _part(result, values[start:end])
    latest = len(values) - 1
    if not result.rules[latest]:
        result.signal = "common_cause"
    else:
        result.signal = "special_cause_higher" if result.side[latest] > 0 else "special_cause_lower"
    return result


def _part(result: SpcResult, values: list[float]) -> None:
    """Limits and rule flags for one part (from the start or a rebase) of the series."""
    centre = mean(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr_bar = mean(ranges) if ranges else 0.0
    screened = [r for r in ranges if r < MR_SCREEN * mr_bar]
    mr_bar = mean(screened) if screened else 0.0
    upper, lower = centre + LIMIT * mr_bar, max(0.0, centre - LIMIT * mr_bar)
    near_up, near_low = centre + CLOSE * mr_bar, centre - CLOSE * mr_bar
    n = len(values)
    rules: list[set[int]] = [set() for _ in range(n)]
    side = [0] * n
    relative = [(v > centre) - (v < centre) for v in values]

    def flag(i: int, rule: int, direction: int) -> None:
        rules[i].add(rule)
        side[i] = side[i] or direction

    for i, v in enumerate(values):  # rule 1: outside the limits
        if v > upper or v < lower:
            flag(i, 1, 1 if v > upper else -1)
    for run in _runs(relative, lambda a, b: a == b and a != 0):  # rule 2: one side of the mean
        for i in run:
            flag(i, 2, relative[run[0]])
    steps = [(b > a) - (b < a) for a, b in zip(values, values[1:], strict=False)]
    for run in _runs(steps, lambda a, b: a == b and a != 0, length=RUN_LENGTH - 1):  # rule 3: a trend
        for i in range(run[0], run[-1] + 2):
            flag(i, 3, steps[run[0]])
    close = [1 if upper >= v > near_up else -1 if lower <= v < near_low else 0 for v in values]
    for i in range(n - 2):  # rule 4: two of three close to a limit, all three on one side
        window = range(i, i + 3)
        for direction in (1, -1):
            if sum(close[j] == direction for j in window) >= 2 and all(
                relative[j] == direction for j in window
            ):
                for j in window:
                    if close[j] == direction:
                        flag(j, 4, direction)
    result.centre += [centre] * n
    result.lower += [lower] * n
    result.upper += [upper] * n
    result.rules += rules
    result.side += side


def _runs(signs: list[int], same, length: int = RUN_LENGTH) -> list[list[int]]:
    """Index runs of at least ``length`` consecutive items that ``same`` joins."""
    runs, start = [], 0
    for i in range(1, len(signs) + 1):
        if i == len(signs) or not same(signs[i - 1], signs[i]):
            if i - start >= length and signs[start] != 0:
                runs.append(list(range(start, i)))
            start = i
    return runs
