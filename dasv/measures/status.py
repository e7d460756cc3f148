"""A figure's status beside its value: absence is never zero (docs/statuses.md).

Every measure the report shows carries one of four statuses:

- ``ok``: its source covered the whole period; the value is the figure.
- ``not supplied``: no loaded export of its source covers the period (a late export, or a
  partnership's first year).
- ``not recorded``: the export covers the period but has no such column (a MARAC list without
  a disability column), or leaves it blank on every row.
- ``incomplete``: the export covers only part of the period (nine months of a rolling year,
  two of a quarter's three police months).

A figure that is not ``ok`` has no value: it is printed as its status in the PDF, HTML and
terminal, ``[x]`` in the spreadsheet, an empty cell beside a status column in the CSV and
``null`` with its status in JSON. Never 0, never a total of the months present.
"""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
NOT_SUPPLIED = "not supplied"
NOT_RECORDED = "not recorded"
INCOMPLETE = "incomplete"
STATUSES = (OK, NOT_SUPPLIED, NOT_RECORDED, INCOMPLETE)

# what each status means, for the spreadsheet's notes, the CSV and JSON readers and the definitions
MEANING = {
    OK: "the source covered the whole period",
    NOT_SUPPLIED: "no loaded export of the source covers the period",
    NOT_RECORDED: "the source's export for the period has no such column (or leaves it blank on every row)",
    INCOMPLETE: "the source's exports cover only part of the period",
}


@dataclass(frozen=True, eq=False)
class Missing:
    """A figure with no value: ``not supplied``, ``not recorded`` or ``incomplete``.

    Attributes:
        status: one of :data:`STATUSES` other than ``ok``.
        reason: what is missing, in words (e.g. ``IDVA export for 2025-26 Q1``), for notes.
    """

    status: str
    reason: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES or self.status == OK:
            raise ValueError(f"{self.status!r} is not a status of a missing figure")

    def __str__(self) -> str:
        return self.status

    def __eq__(self, other: object) -> bool:
        """Equal to another missing figure, or to the text of, its status (``== "not supplied"``)."""
        if isinstance(other, Missing):
            return self.status == other.status
        return isinstance(other, str) and self.status == other

    def __hash__(self) -> int:
        return hash(self.status)


def combine(statuses: list[str]) -> str:
    """The status of a figure made from parts: ok only if every part is; none supplied is not supplied."""
    if not statuses or all(s == OK for s in statuses):
        return OK
    if all(s == NOT_SUPPLIED for s in statuses):
        return NOT_SUPPLIED
    if all(s == NOT_RECORDED for s in statuses):
        return NOT_RECORDED
    return INCOMPLETE


def status_of(value: object) -> str:
    """A value's status: a :class:`Missing` says its own; anything else is ok."""
    return value.status if isinstance(value, Missing) else OK
