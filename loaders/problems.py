"""Problems found in an input file, written the way CLI.md prescribes."""

from __future__ import annotations

from dataclasses import dataclass

# Values of personal columns (dates of birth, names) are never echoed back.
WITHHELD = "(value withheld: personal data)"


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused.

    Rendered as ``<file>: sheet '<sheet>' row <n> column '<column>': <what>; expected <expected>``,
    leaving out the parts that do not apply (no sheet in a CSV, no row for a file-level problem).
    """

    file: str
    what: str
    expected: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        place = []
        if self.sheet is not None:
            place.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column is not None:
            place.append(f"column '{self.column}'")
        if place:
            where.append(" ".join(place))
        return f"{': '.join(where)}: {self.what}; expected {self.expected}"


class CellError(ValueError):
    """A cell that cannot be read as its column requires."""

    def __init__(self, what: str, expected: str):
        super().__init__(what)
        self.what = what
        self.expected = expected


class FileRefused(Exception):
    """A whole file cannot be read (wrong format, corrupt, no header)."""

    def __init__(self, what: str, expected: str, sheet: str | None = None):
        super().__init__(what)
        self.what = what
        self.expected = expected
        self.sheet = sheet


def show_value(value: object, limit: int = 60) -> str:
    """A cell value quoted for a message, shortened when very long (``-3.0`` from a workbook shows as ``-3``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)
