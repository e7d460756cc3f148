"""Turn one export file into validated rows, or the list of reasons it is refused.

This is the one function every source goes through (``read_export``): pick the
source and the sheet, find the header, read each cell by its column type, apply the
source's row rules, drop personal columns. It reads; it derives no measures and
writes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING

from dasv.loaders.cells import CellReaders
from dasv.loaders.columnar import (
    NeedsRowReader,
    columns_from_rows,
    columns_of,
    derive_age,
    read_columns,
    rows_of,
)
from dasv.loaders.header import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from dasv.loaders.idva import IdvaRules
from dasv.loaders.marac import MaracRules
from dasv.loaders.police import OffenceGroupRules, PoliceRules
from dasv.loaders.problems import WITHHELD, CellError, FileRefused, Problem
from dasv.loaders.read import WORKBOOK_SUFFIXES, Sheet, check_zip, open_sheets, sha256_of
from dasv.loaders.rules import RowRules
from dasv.loaders.spec import OFFENCES, SOURCES, SourceSpec, kinds_in, source_spec
from dasv.loaders.typed_xlsx import MIN_BYTES as TYPED_MIN_BYTES
from dasv.loaders.typed_xlsx import read_typed
from dasv.loaders.values import vocabularies_for
from dasv.names import normalise_name
from dasv.progress import Progress, gc_paused

if TYPE_CHECKING:  # the loaders read the deployment they are given: no import of dasv.config
    from dasv.config import Deployment

MAX_PROBLEMS_KEPT = 1000
PROGRESS_EVERY = 25_000  # rows between progress reports; smaller files report none
_TOTAL_WORDS = {"total", "grand total"}


@dataclass
class Export:
    """What reading one file produced.

    Attributes:
        data: the validated rows as columns (field -> one value per row), personal columns
            already dropped; ``rows`` gives them as one dict per row.
        row_numbers: the Excel/CSV row number of each row.
        rows_read: data rows seen (not blank, not the Total row).
        problems: why the file is refused (first ``MAX_PROBLEMS_KEPT``); empty if it loads. The
            same problem on several rows is one problem naming its rows (:class:`Problem`).
        problem_count: how many problems there were in all (a repeated one counted once).
        repairs: what was repaired, with counts (e.g. an unknown route stored as Other).
        ignored_columns: headers naming no known column (never stored).
    """

    path: Path
    source: str | None = None
    sheet: str | None = None
    sha256: str = ""
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    data: dict[str, list] = field(default_factory=dict)
    row_numbers: list[int] = field(default_factory=list)
    rows_read: int = 0
    rows_refused: int = 0
    skipped_blank: int = 0
    skipped_total: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    repairs: Counter = field(default_factory=Counter)
    # set once raw identifiers are replaced by keyed hashes (dasv.warehouse.pseudonyms.pseudonymise)
    key_fingerprint: str = ""
    _by_key: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def row_count(self) -> int:
        """How many rows would load."""
        return len(self.row_numbers)

    @property
    def rows(self) -> list[dict]:
        """The validated rows as one dict per row (built from ``data`` on each call)."""
        return rows_of(self.data)

    @property
    def refused(self) -> bool:
        """True when the file must not be loaded at all."""
        return self.problem_count > 0

    def add_problem(self, problem: Problem) -> None:
        """Record one problem (keeping at most ``MAX_PROBLEMS_KEPT``); the same problem on another row is added to its rows."""
        if problem.row is not None:
            same = self._by_key.get(problem.key)
            if same is not None:
                same.rows.append(problem.row)
                return
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)
            if problem.row is not None:
                self._by_key[problem.key] = problem


def read_export(
    path: Path,
    deployment: Deployment,
    source: str | None = None,
    today: date | None = None,
    display_name: str | None = None,
    progress: Progress | None = None,
) -> Export:
    """Read and validate one export file.

    Args:
        path: the file (.xlsx, .xlsm or .csv).
        deployment: areas and extra aliases.
        source: the inbox folder's source (``idva``, ``marac`` or ``police``); if None, taken
            from the inbox sub-folder the file is in, else from its header. A police folder's file
            with an ``Offence group`` column is the offence-group export (``offences``).
        today: the load's run date (future dates are refused); default today.
        display_name: how messages name the file (default: the path as given).
        progress: called as ``progress(stage, done, total)`` while a big file is read
            (``read``: rows gathered, total None until the end; ``validated``).

    Returns:
        An :class:`Export`; ``export.refused`` says whether it may be loaded.
    """
    with gc_paused():
        return _read_export(Path(path), deployment, source, today, display_name, progress)


def _read_export(
    path: Path,
    deployment: Deployment,
    source: str | None,
    today: date | None,
    display_name: str | None,
    progress: Progress | None,
) -> Export:
    name = display_name or str(path)
    export = Export(path=path)
    today = today or date.today()
    try:
        export.sha256 = sha256_of(path)
        if source is None and path.parent.name.lower() in SOURCES:
            source = path.parent.name.lower()
        if _read_typed(export, path, deployment, source, today, name, progress):
            return export
        sheets = open_sheets(path)
        spec, sheet, header, data_rows = _choose(sheets, deployment, source, name)
    except FileRefused as exc:
        export.add_problem(Problem(name, exc.what, exc.expected, sheet=exc.sheet))
        return export
    except OSError as exc:
        export.add_problem(Problem(name, f"cannot be opened ({exc.strerror})", "a readable file"))
        return export
    export.source, export.sheet = spec.source, sheet.name
    export.header_row, export.columns = header.row, dict(header.headers)
    export.ignored_columns = header.ignored
    for _fld, texts in header.duplicates.items():
        export.add_problem(
            Problem(
                name,
                f"columns {', '.join(repr(t) for t in texts)} all name {spec.lookup[normalise_name(texts[0])].name}",
                "each column once",
                sheet=sheet.name,
                row=header.row,
                column=texts[-1],
            )
        )
    try:
        _read_data(export, spec, header, data_rows, deployment, today, name, progress)
    except FileRefused as exc:
        export.add_problem(Problem(name, exc.what, exc.expected, sheet=exc.sheet))
    if export.rows_read == 0 and not export.refused:
        export.add_problem(
            Problem(
                name,
                "the file has a header but no data rows",
                "at least one row of data",
                sheet=sheet.name,
                row=header.row,
            )
        )
    if export.refused:
        export.data = {}
        export.row_numbers = []
    return export


def _read_typed(
    export: Export,
    path: Path,
    deployment: Deployment,
    source: str | None,
    today: date,
    name: str,
    progress: Progress | None,
) -> bool:
    """A big plain workbook read as typed columns (:mod:`dasv.loaders.typed_xlsx`); True when it loaded clean."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return False
    check_zip(path)  # never hand a compression bomb to any reader

    def choose(first_rows):
        spec, _sheet, header, _rest = _choose([Sheet(None, iter(first_rows))], deployment, source, name)
        return spec, header

    typed = read_typed(path, choose, min_bytes=TYPED_MIN_BYTES)
    if typed is None:
        return False
    sheet_name, spec, header, columns, height = typed
    numbers = list(range(header.row + 1, header.row + 1 + height))
    if not _check_columns(export, spec, header, columns, numbers, deployment, today):
        return False
    export.source, export.sheet = spec.source, sheet_name
    export.header_row, export.columns = header.row, dict(header.headers)
    export.ignored_columns = header.ignored
    if progress is not None and height >= PROGRESS_EVERY:
        progress("read", height, height)
        progress("validated", height, height)
    return True


def _rules_for(source: str, today: date, deployment: Deployment) -> RowRules:
    if source == "idva":
        return IdvaRules(today)
    if source == "marac":
        return MaracRules(today)
    if source == OFFENCES:
        return OffenceGroupRules(today, deployment)
    return PoliceRules(today, deployment)


def _choose(
    sheets: list[Sheet], deployment: Deployment, source: str | None, name: str
) -> tuple[SourceSpec, Sheet, HeaderMatch, object]:
    """Pick the source, the sheet and the header row (docs/adopting.md: sheet and header rules)."""
    specs = [source_spec(s, deployment) for s in kinds_in(source)]
    heads: dict[int, list] = {}
    rests: dict[int, object] = {}

    def first_rows(i: int) -> list:
        if i not in heads:
            rows = sheets[i].rows
            heads[i] = list(islice(rows, HEADER_SEARCH_ROWS))
            rests[i] = rows
        return heads[i]

    def data_after(i: int, header_row: int) -> object:
        return chain((r for r in heads[i] if r[0] > header_row), rests[i])

    best: tuple[HeaderMatch, Sheet, SourceSpec] | None = None
    for spec in specs:
        named = [
            i for i, s in enumerate(sheets) if s.name and normalise_name(s.name) == normalise_name(spec.sheet)
        ]
        order = named or range(len(sheets))
        for i in order:
            header, near = find_header(first_rows(i), spec)
            if header is not None:
                return spec, sheets[i], header, data_after(i, header.row)
            if spec.recognised_by and not (near and spec.recognised_by in near.headers):
                continue  # told by its column: a header without it is the folder's other export's
            if near and (best is None or len(near.headers) > len(best[0].headers)):
                best = (near, sheets[i], spec)
    expected_cols = "; ".join(f"{s.title}: {', '.join(c.name for c in s.required)}" for s in specs
                              if not s.recognised_by)  # fmt: skip
    if best is None:
        if all(all(_blank(c) for _, cells in first_rows(i) for c in cells) for i in range(len(sheets))):
            raise FileRefused("the file is empty", f"a header row naming {expected_cols}")
        raise FileRefused(
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows",
            f"a header row naming {expected_cols}",
            sheet=sheets[0].name if len(sheets) == 1 else None,
        )
    near, sheet, spec = best
    unrecognised = (
        f"; headers not recognised: {', '.join(repr(t) for t in near.ignored)}" if near.ignored else ""
    )
    raise FileRefused(
        f"no complete header row in the first {HEADER_SEARCH_ROWS} rows: the nearest, row {near.row}, "
        f"lacks {', '.join(c.name for c in near.missing)}{unrecognised}",
        f"a header row naming {', '.join(c.name for c in spec.required)} (or their aliases); if the export "
        f"names a column differently, map it in the deployment YAML under `column_aliases.{spec.source}` "
        f"(e.g. {near.missing[0].name}: [<the export's header>])",
        sheet=sheet.name,
    )


def _blank(cell: object) -> bool:
    if cell is None:
        return True
    return type(cell) is str and (cell == "" or cell.isspace())


def _first_cell(cells: list) -> object:
    """The first non-blank cell of a row, or None for a blank row."""
    if cells and not _blank(cells[0]):
        return cells[0]
    return next((c for c in cells if not _blank(c)), None)


def _is_total(first: object) -> bool:
    return type(first) is str and first.lstrip()[:1] in "TtGg" and normalise_name(first) in _TOTAL_WORDS


def _read_data(
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
    blank = 0
    total_row: int | None = None
    clean = True
    try:
        for row_number, cells in data_rows:
            first = cells[0] if cells else None  # inline: this loop sees every row of a big file
            if first is None or (type(first) is str and (first == "" or first.isspace())):
                first = _first_cell(cells)
                if first is None:
                    blank += 1
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
        export.skipped_blank += blank
        raise
    big = progress is not None and len(kept) >= PROGRESS_EVERY  # small files show no progress
    if big:
        progress("read", len(kept), len(kept))
    if clean and _read_columns(export, spec, header, kept, total_row, deployment, today):
        export.skipped_blank = blank
        if big:
            progress("validated", export.row_count, export.row_count)
        return
    _read_rows(export, spec, header, iter(kept), deployment, today, name)
    export.skipped_blank += blank


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
    if not _check_columns(export, spec, header, columns_from_rows([c for _, c in rows], header), numbers,
                          deployment, today):  # fmt: skip
        return False
    export.skipped_total = 1 if total_row is not None else 0
    return True


def _cell_checks(spec: SourceSpec, header: HeaderMatch, deployment: Deployment, today: date):
    """The cell readers, the source's row rules, and which fields may not be blank: both readers use them."""
    rules = _rules_for(spec.source, today, deployment)
    blank_refused = {
        col.field: col.required and col.type != "area" and col.field not in rules.blank_allowed
        for col in header.columns.values()
    }
    return CellReaders(deployment, vocabularies_for(spec.source, deployment)), rules, blank_refused


def _check_columns(
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
    # (index, field, column, parse, memo): the memo keeps each distinct value's outcome, inline below
    parsers = [
        (i, col.field, col, parse, {} if remembered else None)
        for i, col in sorted(header.columns.items())
        for parse, remembered in [readers.parser(col)]
    ]
    repairs = readers.repairs
    limit = readers.CACHE_LIMIT
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
            export.add_problem(
                Problem(
                    name,
                    f"data after the Total row (row {total_row})",
                    "the Total row to be the last row",
                    sheet=sheet,
                    row=row_number,
                )  # fmt: skip
            )
            refused_rows.add(row_number)
            continue
        if _is_total(first):
            total_row = row_number
            export.skipped_total += 1
            continue
        export.rows_read += 1
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
        if bad:
            continue
        _derive_age(row, report)
        rules.check(row, row_number, report)
        if row_number not in refused_rows:
            rows.append(row)
            export.row_numbers.append(row_number)
    export.data = columns_of(rows)
    export.rows_refused = len(refused_rows)
    export.repairs.update(repairs)


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
