"""Reads a printed sentence or table row as a Board member would, and redoes its arithmetic.

Every change a report prints beside its two figures must be what those figures, as printed,
give: ``fell 4 points, from 80% to 77%`` is wrong on its face even when 4 is the change of the
unrounded rates. Used by the tests of the drafted statements and the headline tables.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

NUMBER = r"\d[\d,]*(?:\.\d+)?"
# "rose 39%, from 61 to 85"; "fell 3.9 points, from 80.5% to 76.5%"; "+1,300 (+13%), from 10,339 in ... to 11,639"
COUNT = re.compile(rf"\b(rose|fell) ({NUMBER})%, from ({NUMBER}) to ({NUMBER})\b")
POINTS = re.compile(rf"\b(rose|fell) ({NUMBER}) points?, from ({NUMBER})% to ({NUMBER})%")
SIGNED_POINTS = re.compile(rf"([+-]?{NUMBER}) points?,? (?:\(|from )({NUMBER})% to ({NUMBER})%")
SIGNED_COUNT = re.compile(rf"([+-]{NUMBER}) \(([+-]?{NUMBER})%\), from ({NUMBER}) in .*? to ({NUMBER}) in")
MOVED = re.compile(rf"moved ({NUMBER}) points? \(({NUMBER})% to ({NUMBER})%\)")


def _n(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _places(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def problems(sentence: str) -> list[str]:
    """What in the sentence disagrees with the arithmetic on its own printed figures (empty: none)."""
    out = []
    for verb, pct, before, now in COUNT.findall(sentence):
        b, n = _n(before), _n(now)
        if (n > b) != (verb == "rose") or not b:
            out.append(f"{verb} from {before} to {now}")
            continue
        if _round(abs(n - b) / b * 100, _places(pct)) != _n(pct):
            out.append(f"{pct}% is not the change from {before} to {now}")
    for verb, points, before, now in POINTS.findall(sentence):
        out += _points(sentence, points, before, now, verb)
    for points, before, now in SIGNED_POINTS.findall(sentence) + MOVED.findall(sentence):
        out += _points(sentence, points, before, now, None)
    for change, pct, before, now in SIGNED_COUNT.findall(sentence):
        b, n = _n(before), _n(now)
        if n - b != _n(change) or (b and _round((n - b) / b * 100, _places(pct)) != _n(pct)):
            out.append(f"{change} ({pct}%) is not the change from {before} to {now}")
    return out


def _points(sentence: str, points: str, before: str, now: str, verb: str | None) -> list[str]:
    b, n = _n(before), _n(now)
    places = max(_places(before), _places(now))
    if _places(points) != places:
        return [f"{points} points printed at another precision than {before}% and {now}%"]
    shown = _n(points)
    expected = n - b if verb is None and points.startswith(("+", "-")) else abs(n - b)
    if verb is not None and (n > b) != (verb == "rose"):
        return [f"{verb} from {before}% to {now}%"]
    if shown != expected:
        return [f"{points} points is not the change from {before}% to {now}%: {sentence}"]
    return []


def checked(sentence: str) -> bool:
    """Whether the sentence prints a change the checker can read (so a test knows it read something)."""
    return any(p.search(sentence) for p in (COUNT, POINTS, SIGNED_POINTS, SIGNED_COUNT, MOVED))
