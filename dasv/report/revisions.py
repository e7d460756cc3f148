"""``[r]``: a figure of an earlier quarter that differs from what was first published (ONS practice).

When a later report shows an earlier quarter, each figure it shows is compared with that
quarter's first published version (the county's metrics document, or the district's
suppressed one for a slice); a figure that differs is marked ``[r]`` and the table says
when the quarter was first published.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from dasv.quarters import Quarter, london_time
from dasv.report.cells import Cell, Rate, Revised, Suppressed


class Revisions:
    """First-published figures of the earlier quarters a report shows, and the marks they call for."""

    def __init__(
        self,
        conn: Connection | None,
        quarters: list[Quarter],
        current: Quarter,
        district: str | None = None,
        first: dict | None = None,
    ):
        from dasv.published import first_published

        self.first: dict[Quarter, tuple[dict, datetime]] = dict(first or {})
        self.marked: dict[Quarter, datetime] = {}
        if conn is not None:
            for q in quarters:
                if q != current and (found := first_published(conn, q, district)):
                    self.first[q] = found

    def mark(
        self, q: Quarter, path: tuple[str, ...], cell: Cell, rate_of: tuple[tuple, tuple] | None = None
    ) -> Cell:
        """The cell, marked ``[r]`` if it differs from the first-published value at ``path``.

        Args:
            rate_of: for a rate cell, the paths of its numerator and denominator.
        """
        found = self.first.get(q)
        if found is None:
            return cell
        doc, at = found
        if isinstance(cell, Rate) and rate_of:
            old = (_pick(doc, rate_of[0]), _pick(doc, rate_of[1]))
            changed = None not in old and old != (cell.numerator, cell.denominator)
        else:
            old = _pick(doc, path)
            # published then, withheld now: it changed (an unchanged figure readers hold stays published)
            changed = isinstance(old, int) and (
                isinstance(cell, int) and old != cell or isinstance(cell, Suppressed)
            )
        if not changed:
            return cell
        self.marked[q] = at
        return Revised(cell, at)

    def notes(self) -> list[str]:
        """One note per quarter with a revised figure."""
        return [f"[r] {q.label}: revised since first published on {london_time(at).rsplit(' ', 2)[0]}; see revisions."
                for q, at in sorted(self.marked.items())]  # fmt: skip


def _pick(doc: dict, path: tuple) -> object:
    node: object = doc
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
