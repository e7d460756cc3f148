"""Percentages, rates and changes from counts: exact arithmetic, one rounding rule (half up), once.

Every figure is computed as an exact fraction from the warehouse's counts and rounded only
when it is shown (:func:`round_half_up`); a change between two rates is the difference of
the exact rates, never of their rounded forms.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import floor


def exact_ratio(numerator: int | None, denominator: int | None, per: int = 100) -> Fraction | None:
    """``numerator / denominator * per`` exactly; None when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return None
    return Fraction(numerator, denominator) * per


def round_half_up(value: Fraction | int | float, places: int = 1) -> float:
    """Round once for display: half away from zero (2.5 -> 3, -3.96 -> -4), at ``places`` decimals.

    Floats are taken at their exact binary value, so pass fractions where exactness matters.
    """
    exact = Fraction(value)
    scale = 10**places
    magnitude = Fraction(floor(abs(exact) * scale + Fraction(1, 2)), scale)
    rounded = magnitude if exact >= 0 else -magnitude
    return float(Decimal(rounded.numerator) / Decimal(rounded.denominator))


def ratio(numerator: int | None, denominator: int | None, per: int = 100, places: int = 1) -> float | None:
    """``numerator / denominator * per`` rounded half up; None when the denominator is 0 or missing."""
    exact = exact_ratio(numerator, denominator, per)
    return None if exact is None else round_half_up(exact, places)
