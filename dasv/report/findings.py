"""What the drafted statements find: every change with its one verdict, and where a district ranks.

A :class:`Finding` is one sentence with what it takes to order it: a real change is stated
before one within normal variation, the largest first (a count's change in percent, a
percentage's in points). Every figure a sentence prints is printed by the report's own
formatting (:func:`dasv.report.cells.format_cell`), and a change in points is the difference of
the two percentages as printed beside it (:func:`dasv.report.cells.points_difference`), so no
sentence disagrees with its own arithmetic. Rankings read as a strategic assessment writes
them: "the third highest rate of the five districts", "similar to the county".
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dasv.config import Words
from dasv.measures.intervals import wilson
from dasv.measures.rates import round_half_up
from dasv.measures.spc import SpcResult
from dasv.report.cells import Change, Rate, format_cell, points_difference, printed_pair
from dasv.report.verdict import Verdict, of_counts, of_rates

NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()
ORDINALS = ["", "", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


@dataclass(frozen=True)
class Finding:
    """One drafted sentence about a change, with its verdict and its size (for the order)."""

    text: str
    verdict: Verdict | None
    size: float  # |percent| of a count's change, |points| of a percentage's

    @property
    def real(self) -> bool:
        """Whether the change is more than noise (its verdict)."""
        return self.verdict is not None and self.verdict.real


def lower_first(name: str) -> str:
    """``police DA incidents`` from ``Police DA incidents``; an acronym (``IDVA``) keeps its capitals."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() or not name else name[0].lower() + name[1:]


def count_finding(name: str, now: int, before: int, chart: SpcResult | None = None) -> Finding | None:
    """``IDVA referrals fell 8%, from 516 to 476, within normal variation.`` (None when both are 0)."""
    if before == 0 and now == 0:
        return None
    verdict = of_counts(now, before, chart)
    if now == before:
        return Finding(f"{name} were unchanged at {now:,}.", verdict, 0.0)
    verb = "rose" if now > before else "fell"
    tail = f", {verdict.words()}" if verdict else ""
    if before == 0:
        return Finding(f"{name} {verb} from 0 to {now:,}{tail}.", verdict, float("inf"))
    pct = round_half_up(abs(Change(now, before).percent()), 0)  # type: ignore[arg-type]
    return Finding(f"{name} {verb} {pct:.0f}%, from {before:,} to {now:,}{tail}.", verdict, pct)


def rate_finding(name: str, now: Rate, before: Rate) -> Finding | None:
    """A percentage's change, e.g. ``fell 3.9 points, from 80.4% to 76.5%, within normal variation``.

    The two percentages print at the precision that makes their difference the change printed.
    """
    if not Change(now, before).comparable:
        return None
    now, before = printed_pair(now, before)
    places = now.shown_places()
    points = points_difference(now, before, places)
    shown_now, shown_before = format_cell(now), format_cell(before)
    verdict = of_rates(now.numerator, now.denominator, before.numerator, before.denominator)
    if points == 0:
        return Finding(f"{name} was unchanged at {shown_now}.", verdict, 0.0)
    verb = "rose" if points > 0 else "fell"
    unit = "point" if abs(points) == 1 else "points"
    tail = f", {verdict.words()}" if verdict else ""
    return Finding(f"{name} {verb} {abs(points):.{places}f} {unit}, from {shown_before} to {shown_now}{tail}.",
                   verdict, abs(points))  # fmt: skip


def ordered(findings: list[Finding | None], keep_normal: bool = True) -> list[str]:
    """Real changes first, the largest first; then (with ``keep_normal``) the rest in the order given."""
    found = [f for f in findings if f is not None]
    real = sorted((f for f in found if f.real), key=lambda f: -f.size)
    rest = [f for f in found if not f.real] if keep_normal else []
    return [f.text for f in real + rest]


def number_word(n: int) -> str:
    """``six`` for 6 (up to twelve in words)."""
    return NUMBERS[n] if 0 <= n < len(NUMBERS) else f"{n:,}"


def rank_phrase(position: int, count: int) -> str:
    """``the highest``, ``the third highest``, ``the second lowest``, ``the lowest`` (1 = highest)."""
    if position == 1:
        return "the highest"
    if position == count:
        return "the lowest"
    from_bottom = count - position + 1
    if position <= from_bottom:
        return (
            f"the {ORDINALS[position]} highest"
            if position < len(ORDINALS)
            else f"number {position} of {count}"
        )
    return (
        f"the {ORDINALS[from_bottom]} lowest"
        if from_bottom < len(ORDINALS)
        else f"number {position} of {count}"
    )


def beside_county_pct(rate: Rate, county: Rate, w: Words | None = None) -> str:
    """``similar to the county`` when the county's percentage lies in the district's 95% Wilson interval."""
    interval = wilson(rate.numerator, rate.denominator)
    value = county.exact()
    if interval is None or value is None:
        return ""
    whole = f"the {(w or Words())('whole')}"
    if interval.lower <= value <= interval.upper:
        return f"similar to {whole}"
    return f"above {whole}" if value < interval.lower else f"below {whole}"


def beside_county_funnel(outside: str | None, adjusted: bool, w: Words | None = None) -> str:
    """A funnel point's position in words: ``similar to the county`` within the 95% limits."""
    w = w or Words()
    if not outside:
        return w.say("similar to the {whole}") + (w.say(" once the usual spread between {areas} is allowed for")
                                                  if adjusted else "")  # fmt: skip
    side, level = outside.split()
    return (f"{'above' if side == 'above' else 'below'} the {w('whole')} (beyond the {'widened ' if adjusted else ''}"
            f"{level} limits)")  # fmt: skip


@dataclass(frozen=True)
class Ranked:
    """One district's figure in a ranking: its label, the exact value, the printed value, its comparison."""

    label: str
    exact: Fraction | float
    shown: str
    comparison: str


def county_ranking(what: str, entries: list[Ranked], county_shown: str, w: Words | None = None) -> str | None:
    """``Of the six districts, East Cambs had the highest engagement % (89%, above the county) and ...``."""
    if len(entries) < 3:
        return None
    w = w or Words()
    ranked = sorted(entries, key=lambda e: -e.exact)
    top, bottom = ranked[0], ranked[-1]
    opening = f"Of the {number_word(len(ranked))} {w('areas')}, {top.label} had the highest {what}"
    whole = f"the {w('whole')}"
    if len({e.comparison for e in ranked}) == 1:  # all alike: say it once
        return (f"{opening} ({top.shown}) and {bottom.label} the lowest ({bottom.shown}); {whole}'s was "
                f"{county_shown}, and every {w('area')} was {top.comparison.replace(whole, 'it')}.")  # fmt: skip
    others = [e.label for e in ranked[1:-1] if e.comparison.startswith("similar")]
    middle = (f"; {_joined(others)} {'was' if len(others) == 1 else 'were'} similar to {whole}"
              if others else "")  # fmt: skip
    return (f"{opening} ({top.shown}, {top.comparison}) and {bottom.label} the lowest ({bottom.shown}, "
            f"{bottom.comparison}){middle}; {whole}'s was {county_shown}.")  # fmt: skip


def own_ranking(
    what: str, own: str, entries: list[Ranked], county_shown: str, w: Words | None = None
) -> str | None:
    """``South Cambs had the lowest police DA incidents per 1,000 of the six districts (3.2), similar to ...``."""
    ranked = sorted(entries, key=lambda e: -e.exact)
    mine = next((i for i, e in enumerate(ranked) if e.label == own), None)
    if mine is None or len(ranked) < 3:
        return None
    entry = ranked[mine]
    return (f"{own} had {rank_phrase(mine + 1, len(ranked))} {what} of the {number_word(len(ranked))} "
            f"{(w or Words())('areas')} "
            f"({entry.shown}), {entry.comparison} ({county_shown}).")  # fmt: skip


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
