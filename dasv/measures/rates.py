"""Percentages and rates from counts: one rounding rule, half up, everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def ratio(numerator: int | None, denominator: int | None, per: int = 100, places: int = 1) -> float | None:
    """``numerator / denominator * per`` rounded half up; None when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return None
    value = Decimal(numerator) * per / Decimal(denominator)
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def whole_percent(numerator: int | None, denominator: int | None) -> str:
    """The PDF form: ``80%`` (whole percent, half up), ``–`` when nothing to divide by."""
    value = ratio(numerator, denominator, places=0)
    return "–" if value is None else f"{value:.0f}%"
