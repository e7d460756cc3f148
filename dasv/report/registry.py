"""The registry of printed figures: what every public output prints, as sums of base counts.

One model protects the whole publication set (the county report's public edition, every
district slice, every quarter and version). Its unknowns are **base counts**, the finest cells
the warehouse holds: ``(area, measure, period)`` for one district (or the county's
out-of-area remainder, :data:`REST`), one measure and one quarter. Every figure a public table
prints is **registered** as a linear expression over base counts:

- a district's quarterly count is its own base count;
- the county's count is the sum of the districts' base counts and the remainder's;
- a year ending is the sum of its four quarters (of the same area);
- a new table's figure (say, crimes of one offence group in a district and year) is a new
  measure's base count, and its county total the sum of the districts' and the remainder's;
  the offence groups' sums (to their total and to the DA crimes) are declared in :func:`parts`,
  which takes the deployment's configured groups.

The planner (:mod:`dasv.report.joint`) reads the registry: each registered expression is a
constraint ``figure = sum(coefficient * part)``, so the identities between districts and the
county, or between a year and its quarters, are never listed by hand beside the tables (the
planner registers the figures of its plans, :meth:`dasv.report.joint.Joint.registry`). The
relations between measures that are not sums (engaged <= criteria met, MARAC stock and flow)
are declared once, with the measures, in :data:`RELATIONS`.

A figure whose status is not ``ok`` (not supplied, not recorded, incomplete) is never
registered: it is absent from the model, never a 0.

How a table uses it (the slices, the public county edition, and the next table)::

    reg = Registry()
    reg.figure(("Fenland", "crime:violence", q), 17)            # a district's count: a base count
    reg.figure((COUNTY, "crime:violence", q), 230, total_of=districts)  # the county: the districts' sum
    reg.figure(("Fenland", "crime:violence", year), 70, parts=quarters)  # a year ending: its quarters
    cell = reg.shown(("Fenland", "crime:violence", q), plan_marker)  # what the table prints
    ...
    reg.check(report)   # a protected report printing a number no figure explains cannot render

:meth:`Registry.shown` returns a :class:`Shown` (an ``int`` that knows its figure) or the
figure's marker; :func:`check` refuses a protected report that prints a bare ``int`` or a rate
on one, naming the table and row.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from dasv.errors import UserError
from dasv.measures import catalogue

COUNTY = "county"  # the county's area in a key (beside the districts' names)
REST = "remainder"  # the county's cases outside every district (out of area, not recorded)

Key = tuple[str, str, Hashable]  # (area, measure, period)
Expression = dict[Key, float]  # base count -> coefficient

# relations between measures that are not sums of base counts (declared once, read by the planner):
# (smaller, larger): the first never exceeds the second in the same area and period
AT_MOST = catalogue.at_most()  # declared with each measure (dasv.measures.catalogue: ``at_most``)
# stocks: awaiting at a quarter's end = awaiting at the previous end + inflow - outflow
STOCKS = catalogue.stocks()
# parts: the whole = the sum of its parts (same area and period)
PARTS = {
    "total_recorded": ("da_crimes", "incident_only"),
    "da_incidents": ("crimed_incidents", "incident_only"),
}
OFFENCE_GROUP = "offence_group:"  # a measure per configured offence group: offence_group:Robbery
OFFENCE_TOTAL = "offence_total"  # the DA crimes of all the offence groups together


def offence_measure(group: str) -> str:
    """The measure of one offence group's DA crimes (``offence_group:Robbery``)."""
    return OFFENCE_GROUP + group


def parts(offence_groups: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """The sums between measures, with a deployment's offence groups (:func:`dasv.loaders.values.offence_groups_of`).

    The groups add up to their total, and to the year's DA crimes: the offence-group export is of
    the same crimes as the monthly counts (a year where they differ is named under Data quality,
    and the planner states an identity only where the counts satisfy it).
    """
    out = dict(PARTS)
    groups = tuple(offence_measure(g) for g in offence_groups)
    if groups:
        out[OFFENCE_TOTAL] = groups
        out["da_crimes"] = groups
    return out


def groups_in(measures: Iterable[str]) -> list[str]:
    """The offence groups some measures name (a release's groups: those its plan holds)."""
    return sorted({m.removeprefix(OFFENCE_GROUP) for m in measures if m.startswith(OFFENCE_GROUP)})


RELATIONS = {"at_most": AT_MOST, "stocks": STOCKS, "parts": parts}


class UnregisteredFigure(UserError):
    """A protected table prints a number that no registered figure explains."""


class Shown(int):
    """A printed count that knows which registered figure it is (renders as the plain number)."""

    key: Key

    def __new__(cls, value: int, key: Key) -> Shown:  # noqa: D102
        obj = super().__new__(cls, value)
        obj.key = key
        return obj

    def __reduce__(self):  # pickled to the forked children that draw reports
        return (Shown, (int(self), self.key))


class Registry:
    """Every figure the public set prints, each with its value and its expressions over other figures."""

    def __init__(self) -> None:
        self.value: dict[Key, int] = {}
        self.expressions: dict[Key, list[Expression]] = {}

    def figure(self, key: Key, value: int, total_of: Iterable[str] | None = None,
               parts: Iterable[Key] | None = None) -> None:  # fmt: skip
        """Register a figure with its value, and what it is the sum of.

        Args:
            total_of: the figure is the county's: the sum of these areas' figures of the same
                measure and period, and the remainder's (:data:`REST`).
            parts: the figure is the sum of these figures (a year ending of its quarters).
            Neither: the figure is a base count. Both: two expressions, each an identity.
        """
        area, measure, period = key
        self.value[key] = int(value)
        exprs = self.expressions.setdefault(key, [])
        if total_of is not None:
            expr = {(d, measure, period): 1.0 for d in total_of}
            expr[(REST, measure, period)] = 1.0
            exprs.append(expr)
        if parts is not None:
            exprs.append({part: 1.0 for part in parts})

    def has(self, key: Key) -> bool:
        """Whether the figure is registered (an ``ok`` figure some table prints)."""
        return key in self.value

    def shown(self, key: Key, marker: str | None = None):
        """What a table prints for a registered figure: its marker, else a :class:`Shown` count.

        Raises:
            UnregisteredFigure: the figure was never registered.
        """
        if key not in self.value:
            raise UnregisteredFigure(f"{key[0]} {key[1]} {key[2]} is printed but not registered")
        from dasv.report.cells import Suppressed

        return Suppressed(marker) if marker else Shown(self.value[key], key)

    def identities(self) -> list[tuple[list[tuple[Key, float]], str]]:
        """Each registered expression as terms summing to 0 (figure - its parts), with a reason."""
        out = []
        for key, exprs in self.expressions.items():
            for expr in exprs:
                terms = [(key, 1.0)] + [(part, -c) for part, c in expr.items()]
                what = "the districts and the remainder" if REST in {p[0] for p in expr} else "its parts"
                out.append((terms, f"{key[1]} {_label(key[2])}: {key[0]} = {what}"))
        return out


def _label(period) -> str:
    return getattr(period, "label", None) or getattr(period, "short", None) or str(period)


def check(report) -> None:
    """Refuse a protected report that prints a count or rate no registered figure explains.

    Every count cell of every table must be a :class:`Shown` (or a marker, a status, a label);
    every rate's numerator and denominator too. A bare ``int`` means a table printed a figure it
    did not register, and the planner never saw it.

    Raises:
        UnregisteredFigure: names the table, the row and the value.
    """
    from dasv.report.cells import Change, Rate

    if not report.suppressed:
        return
    for table in report.all_tables:
        if table.key in UNCHECKED:
            continue
        for row in table.rows:
            for cell in row[1:]:
                bare = _bare(cell.now, cell.before) if isinstance(cell, Change) else _bare(cell)
                if isinstance(cell, Rate):
                    bare = _bare(cell.numerator, cell.denominator)
                if bare is not None:
                    raise UnregisteredFigure(
                        f"the table {table.key!r} prints {bare} in the row {row[0]!r}, a figure no table "
                        "registered: it cannot be protected, so the report is not drawn"
                    )


UNCHECKED = {"coverage"}  # months each source covers: dates and counts of months, not counts of people


def _bare(*cells):
    """The first count among ``cells`` that is a plain ``int`` (not a registered :class:`Shown`)."""
    from dasv.report.cells import Rate, Revised

    for cell in cells:
        if isinstance(cell, Revised):
            cell = cell.cell
        if isinstance(cell, Rate):
            found = _bare(cell.numerator, cell.denominator)
            if found is not None:
                return found
        elif isinstance(cell, int) and not isinstance(cell, bool | Shown):
            return cell
    return None
