"""Problems found in an input file, written the way README.md prescribes."""

from __future__ import annotations

from dataclasses import dataclass, field

# Values of personal columns (dates of birth, names) are never echoed back.
WITHHELD = "(value withheld: personal data)"


ROWS_NAMED = 5  # a problem repeated over rows names this many of them


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused, said once however many rows it is on.

    Rendered as ``<file>: sheet '<sheet>' row <n> column '<column>': <what>; expected <expected>``,
    leaving out the parts that do not apply (no sheet in a CSV, no row for a file-level problem).
    The same problem on several rows (a value the configuration does not map, on every row) is
    one line with how many rows and the first few of them:
    ``<file>: sheet 'IDVA' column 'Strand', 112 rows (3, 4, 7, 9, 12, …): 'Older Persons' is not ...``.
    ``rows`` holds every row it is on after the first (``row``).
    """

    file: str
    what: str
    expected: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    rows: list[int] = field(default_factory=list, compare=False)

    @property
    def key(self) -> tuple:
        """What makes two problems the same problem on different rows."""
        return (self.file, self.sheet, self.column, self.what, self.expected)

    @property
    def row_count(self) -> int:
        """How many rows the problem is on (0 for a file-level problem)."""
        return 0 if self.row is None else 1 + len(self.rows)

    def __str__(self) -> str:
        where = [self.file]
        place = []
        if self.sheet is not None:
            place.append(f"sheet '{self.sheet}'")
        if self.row is not None and not self.rows:
            place.append(f"row {self.row}")
        if self.column is not None:
            place.append(f"column '{self.column}'")
        if self.rows:
            named = [self.row, *self.rows[: ROWS_NAMED - 1]]
            more = ", …" if self.row_count > ROWS_NAMED else ""
            rows = f"{self.row_count:,} rows ({', '.join(map(str, named))}{more})"
            place = [" ".join(place) + "," if place else "", rows] if place else [rows]
        if place:
            where.append(" ".join(p for p in place if p))
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
