"""Find the header row: up to 10 banner, note or blank rows may come before it."""

from __future__ import annotations

from dataclasses import dataclass, field

from dasv.loaders.spec import ColumnSpec, SourceSpec

HEADER_SEARCH_ROWS = 11  # the header may be preceded by up to 10 rows


@dataclass
class HeaderMatch:
    """How one row's cells map onto a source's columns.

    Attributes:
        row: the row number as Excel shows it.
        columns: cell index -> the column it fills.
        headers: field -> the header text as written in the file (used in messages).
        ignored: header texts that name no known column (never stored).
        duplicates: fields named by more than one header, with those headers.
        missing: required columns not found.
    """

    row: int
    columns: dict[int, ColumnSpec] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    missing: list[ColumnSpec] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every required column is present."""
        return not self.missing


def match_header(row: int, cells: list, spec: SourceSpec) -> HeaderMatch:
    """Match one row's cells against a source's column names and aliases."""
    match = HeaderMatch(row)
    for index, cell in enumerate(cells):
        text = str(cell).strip() if cell is not None else ""
        if not text:
            continue
        column = spec.column_for(text)
        if column is None:
            match.ignored.append(text)
        elif column.field in match.headers:
            match.duplicates.setdefault(column.field, [match.headers[column.field]]).append(text)
        else:
            match.columns[index] = column
            match.headers[column.field] = text
    match.missing = [c for c in spec.required if c.field not in match.headers]
    return match


def find_header(
    first_rows: list[tuple[int, list]], spec: SourceSpec
) -> tuple[HeaderMatch | None, HeaderMatch | None]:
    """The header among the first rows, and otherwise the closest candidate.

    Returns:
        ``(header, None)`` when a row names every required column, else ``(None, best)``
        where ``best`` is the row naming most of them (None if no row names any).
    """
    best: HeaderMatch | None = None
    for row, cells in first_rows[:HEADER_SEARCH_ROWS]:
        match = match_header(row, cells, spec)
        if match.complete:
            return match, None
        if match.headers and (best is None or len(match.headers) > len(best.headers)):
            best = match
    return None, best
