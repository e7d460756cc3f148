"""Read the data rows under an export's header: a column at a time when the file is clean, else row by row.

:func:`read_data` takes the rows after the header that :mod:`dasv.loaders.export` found. The
column reader (:mod:`dasv.loaders.columnar`) parses each column's distinct values once and checks
the rules over whole columns; at its first problem the row reader (:func:`_read_rows`) reads the
same rows again, so every problem is worded, ordered and counted the same way whichever read it.
Both take their cell readers and row rules from :func:`_cell_checks`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from dasv.loaders.cells import CellReaders
from dasv.loaders.columnar import NeedsRowReader, columns_from_rows, columns_of, derive_age, read_columns
from dasv.loaders.header import HeaderMatch
from dasv.loaders.idva import IdvaRules
from dasv.loaders.marac import MaracRules
from dasv.loaders.police import OffenceGroupRules, PoliceRules
from dasv.loaders.problems import WITHHELD, CellError, FileRefused, Problem
from dasv.loaders.rules import RowRules
from dasv.loaders.spec import OFFENCES, SourceSpec
from dasv.loaders.values import vocabularies_for
from dasv.names import normalise_name
from dasv.progress import Progress

if TYPE_CHECKING:  # the loaders read the deployment they are given: no import of dasv.config
    from dasv.config import Deployment
    from dasv.loaders.export import Export

PROGRESS_EVERY = 25_000  # rows between progress reports; smaller files report none
_TOTAL_WORDS = {"total", "grand total"}


def rules_for(source: str, today: date, deployment: Deployment) -> RowRules:
    """The row rules of a source (each source's own module: idva, marac, police)."""
    if source == "idva":
        return IdvaRules(today)
    if source == "marac":
        return MaracRules(today)
    if source == OFFENCES:
        return OffenceGroupRules(today, deployment)
    return PoliceRules(today, deployment)


def blank(cell: object) -> bool:
    """An empty cell: nothing, or text of spaces alone."""
    if cell is None:
        return True
    return type(cell) is str and (cell == "" or cell.isspace())


def _first_cell(cells: list) -> object:
    """The first non-blank cell of a row, or None for a blank row."""
    if cells and not blank(cells[0]):
        return cells[0]
    return next((c for c in cells if not blank(c)), None)


def _is_total(first: object) -> bool:
    return type(first) is str and first.lstrip()[:1] in "TtGg" and normalise_name(first) in _TOTAL_WORDS


def read_data(
    export: Export,
    spec: SourceSpec,
    header: HeaderMatch,
    data_rows,
    deployment: Deployment,
    today: date,
    name: str,
    progress: Progress | None = None,
) -> None:
    """Read the data rows: a column at a time when the file is clean, else row by row.

    The non-blank rows are gathered first (with progress every ``PROGRESS_EVERY`` rows);
    :mod:`dasv.loaders.columnar` parses each column's distinct values once and checks the rules
    over whole columns. At its first problem the row reader reads the same rows again, so
    every problem is worded, ordered and counted exactly as it always was.
    """
    kept: list[tuple[int, list]] = []
    blanks = 0
    total_row: int | None = None
    clean = True
    try:
        for row_number, cells in data_rows:
            first = cells[0] if cells else None  # inline: this loop sees every row of a big file
            if first is None or (type(first) is str and (first == "" or first.isspace())):
                first = _first_cell(cells)
                if first is None:
                    blanks += 1
                    continue
            kept.append((row_number, cells))
            if total_row is not None:
                clean = False  # data after the Total row: the row reader words it
            elif _is_total(first):
                total_row = row_number
            if progress is not None and len(kept) % PROGRESS_EVERY == 0:
                progress("read", len(kept), None)
    except FileRefused:
        _read_rows(export, spec, header, iter(kept), deployment, today, name)
        export.skipped_blank += blanks
        raise
    big = progress is not None and len(kept) >= PROGRESS_EVERY  # small files show no progress
    if big:
        progress("read", len(kept), len(kept))
    if clean and _read_columns(export, spec, header, kept, total_row, deployment, today):
        export.skipped_blank = blanks
        if big:
            progress("validated", export.row_count, export.row_count)
        return
    _read_rows(export, spec, header, iter(kept), deployment, today, name)
    export.skipped_blank += blanks


def _read_columns(
    export: Export,
    spec: SourceSpec,
    header: HeaderMatch,
    kept: list[tuple[int, list]],
    total_row: int | None,
    deployment: Deployment,
    today: date,
) -> bool:
    """The column reader; True when it read the file (it had no problem)."""
    rows = kept[:-1] if total_row is not None else kept
    numbers = [number for number, _ in rows]
    if not check_columns(export, spec, header, columns_from_rows([c for _, c in rows], header), numbers,
                          deployment, today):  # fmt: skip
        return False
    export.skipped_total = 1 if total_row is not None else 0
    return True


def _cell_checks(spec: SourceSpec, header: HeaderMatch, deployment: Deployment, today: date):
    """The cell readers, the source's row rules, and which fields may not be blank: both readers use them."""
    rules = rules_for(spec.source, today, deployment)
    blank_refused = {
        col.field: col.required and col.type != "area" and col.field not in rules.blank_allowed
        for col in header.columns.values()
    }
    return CellReaders(deployment, vocabularies_for(spec.source, deployment)), rules, blank_refused


def check_columns(
    export: Export,
    spec: SourceSpec,
    header: HeaderMatch,
    columns: dict,
    numbers: list[int],
    deployment: Deployment,
    today: date,
) -> bool:
    """Parse and check the contract columns; fill ``export`` and return True when nothing is wrong."""
    readers, rules, blank_refused = _cell_checks(spec, header, deployment, today)
    try:
        data = read_columns(columns, header, readers, blank_refused)
        derive_age(data)
    except NeedsRowReader:
        return False
    if not rules.check_columns(data, numbers):
        return False
    export.data, export.row_numbers = data, numbers
    export.rows_read = len(numbers)
    export.repairs.update(readers.repairs)
    return True


def _read_rows(
    export: Export,
    spec: SourceSpec,
    header: HeaderMatch,
    data_rows,
    deployment: Deployment,
    today: date,
    name: str,
) -> None:
    readers, rules, blank_refused = _cell_checks(spec, header, deployment, today)
    # (index, field, column, parse, memo): the memo keeps each distinct value's outcome (_parse_row)
    parsers = [
        (i, col.field, col, parse, {} if remembered else None)
        for i, col in sorted(header.columns.items())
        for parse, remembered in [readers.parser(col)]
    ]
    total_row: int | None = None
    refused_rows: set[int] = set()
    sheet = export.sheet
    row_number = 0
    rows: list[dict] = []

    def report(fld: str, what: str, expected: str) -> None:
        refused_rows.add(row_number)
        export.add_problem(
            Problem(name, what, expected, sheet=sheet, row=row_number, column=header.headers.get(fld, fld))
        )

    for row_number, cells in data_rows:  # noqa: B007 - report() reads the current row_number
        first = _first_cell(cells)
        if first is None:
            export.skipped_blank += 1
            continue
        if total_row is not None:
            export.add_problem(Problem(name, f"data after the Total row (row {total_row})",
                                       "the Total row to be the last row", sheet=sheet, row=row_number))  # fmt: skip
            refused_rows.add(row_number)
            continue
        if _is_total(first):
            total_row = row_number
            export.skipped_total += 1
            continue
        export.rows_read += 1
        row, bad = _parse_row(cells, parsers, blank_refused, readers, report)
        if bad:
            continue
        _derive_age(row, report)
        rules.check(row, row_number, report)
        if row_number not in refused_rows:
            rows.append(row)
            export.row_numbers.append(row_number)
    export.data = columns_of(rows)
    export.rows_refused = len(refused_rows)
    export.repairs.update(readers.repairs)


def _parse_row(
    cells: list, parsers: list, blank_refused: dict, readers: CellReaders, report
) -> tuple[dict, bool]:
    """One row's cells read by their columns' parsers: the row, and whether any cell was refused.

    ``parsers`` holds ``(index, field, column, parse, memo)``; a memo keeps each distinct value's
    outcome (a big file repeats its areas, dates and yes/no words), up to the readers' cache limit.
    """
    repairs, limit = readers.repairs, readers.CACHE_LIMIT
    row: dict = {}
    width = len(cells)
    bad = False
    for index, fld, col, parse, memo in parsers:
        raw = cells[index] if index < width else None
        if raw is None or (type(raw) is str and (raw == "" or raw.isspace())):
            if col.type != "area":
                if blank_refused[fld]:
                    report(fld, "blank", f"a value: {col.name} is required")
                    bad = True
                row[fld] = None
                continue
            raw = ""
        if memo is None:
            try:
                row[fld] = parse(raw)
            except CellError as exc:
                report(fld, WITHHELD if col.personal else exc.what, exc.expected)
                row[fld] = None
                bad = True
            continue
        key = raw if type(raw) is str else (type(raw), raw)
        hit = memo.get(key)
        if hit is None:
            hit = readers.outcome(parse, raw)
            if len(memo) < limit:
                memo[key] = hit
        value, repair, error = hit
        row[fld] = value
        if error is not None:
            report(fld, WITHHELD if col.personal else error.what, error.expected)
            bad = True
        elif repair is not None:
            repairs[repair] += 1
    return row, bad


def _derive_age(row: dict, report) -> None:
    """Age at referral from a date of birth, which is then dropped (never stored)."""
    if "date_of_birth" not in row:
        return
    born = row.pop("date_of_birth")
    if born is None or row.get("age") is not None:
        return
    referred = row.get("referral_date")
    if referred is None:
        return
    if born > referred:
        report(
            "date_of_birth", WITHHELD + " is after the referral date", "a date of birth before the referral"
        )
        return
    age = referred.year - born.year - ((referred.month, referred.day) < (born.month, born.day))
    if age > 120:
        report("date_of_birth", WITHHELD + " gives an age over 120", "a plausible date of birth")
        return
    row["age"] = age
