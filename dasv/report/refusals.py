"""A release the joint plan cannot make safe: the check, and the one message naming the cell and what to change."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dasv.errors import UserError
from dasv.report.relations import Key
from dasv.report.suppress import COUNTY

if TYPE_CHECKING:
    from dasv.report.joint import Joint


class DisclosureError(UserError):
    """A slice would let a withheld count be worked out; the message names the cell."""


def violations(joint: Joint) -> list[str]:
    """The render-time check: each withheld cell readers could narrow, named with the figures that give it away."""
    bounds, reason = joint.propagate()
    # bounds that cross somewhere: the figures linked contradict each other (no value satisfies them all)
    broken = any(lo > hi or lo > 1e12 for lo, hi in bounds.values())
    out = []
    for key, _ in joint.narrowed(bounds):
        lo, hi = bounds[key]
        true = joint.value.get(key)
        if broken or (
            true is not None and not lo <= true <= hi
        ):  # the figures imply a value it does not have
            lo, hi = math.inf, 0
        n = reason.get(key)
        terms, why = (joint.constraints[n][0], joint.constraints[n][3]) if n is not None else ([], "")
        others = [_named(k) for k, _ in terms if k != key]
        listed = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6 else "")
        told = _told(lo, hi)
        served = bool(terms) and all(k in joint.known for k, _ in terms if k != key)
        if told.startswith("the figures"):
            fix = ("check that every one of these figures covers the whole period (a source's first quarter, a late "
                   "export) and render again")  # fmt: skip
        elif (
            served
        ):  # every figure that gives it away is already in the store: no plan of this release can help
            fix = ("this quarter cannot be released again without giving the count away, because later quarters "
                   "published first print the figures that fix it; its published version "
                   "stands (see `dasv publications`), and publishing quarters oldest first avoids this")  # fmt: skip
        else:
            fix = ("render the quarter again against the publication store as it is now; if it is refused again, "
                   "report it as a fault (the plan should have withheld one more of them)")  # fmt: skip
        out.append(f"{_named(key)} (withheld as {joint.mark(key) or 'published'}): {told}"
                   + (f", from {why} with {listed}" if listed else "")
                   + (", every one already served by releases of later quarters" if served else "")
                   + f". To publish: {fix}")  # fmt: skip
    return out


def _told(lo: float, hi: float) -> str:
    """What a reader could tell of a withheld count, in words (never a float's limits)."""
    huge = 1e12
    if lo > hi or lo > huge:
        return "the figures linked to it contradict each other, so the model cannot protect it"
    if lo == hi:
        return f"a reader could work it out exactly ({int(lo)})"
    if math.isinf(hi) or hi > huge:
        return f"a reader could tell it is at least {int(lo)}"
    return f"a reader could tell it is between {int(lo)} and {int(hi)}"


def _named(key: Key) -> str:
    """``Fenland, IDVA referrals, 2025-26 Q2`` for a cell of the model."""
    from dasv.measures.labels import LABELS as NAMES

    who, m, p = key
    name = m
    for source in ("idva", "marac", "police", "demographics"):
        if f"{source}.{m}" in NAMES:
            name = NAMES[f"{source}.{m}"]
            break
    if m.startswith("row:"):
        _, row, part = m.split(":", 2)
        name = f"{row} {NAMES.get(f'idva.{part}', part)}"
    return f"{'the county' if who == COUNTY else who}, {name}, {p}"


def refusal(what: str, problems: list[str]) -> str:
    """The one message of a refused release: the cells, the figures that give them away, what to change."""
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{what} is not safe to publish, so nothing was drawn: " + "; ".join(problems[:3]) + more
