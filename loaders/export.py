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

from dasv.config import Deployment
from dasv.names import normalise_name
from loaders.cells import CellReaders
from loaders.header import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from loaders.idva import IdvaRules
from loaders.marac import MaracRules
from loaders.police import PoliceRules
from loaders.problems import WITHHELD, CellError, FileRefused, Problem
from loaders.read import Sheet, open_sheets, sha256_of
from loaders.rules import RowRules
from loaders.spec import SOURCES, SourceSpec, source_spec, vocabularies

MAX_PROBLEMS_KEPT = 1000
_TOTAL_WORDS = {"total", "grand total"}


@dataclass
class Export:
    """What reading one file produced.

    Attributes:
        rows: validated rows (field -> value), personal columns already dropped.
        row_numbers: the Excel/CSV row number of each row in ``rows``.
        rows_read: data rows seen (not blank, not the Total row).
        problems: why the file is refused (first ``MAX_PROBLEMS_KEPT``); empty if it loads.
        problem_count: how many problems there were in all.
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
    rows: list[dict] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    rows_read: int = 0
    rows_refused: int = 0
    skipped_blank: int = 0
    skipped_total: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    repairs: Counter = field(default_factory=Counter)

    @property
    def refused(self) -> bool:
        """True when the file must not be loaded at all."""
        return self.problem_count > 0

    def add_problem(self, problem: Problem) -> None:
        """Record one problem (keeping at most ``MAX_PROBLEMS_KEPT``)."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)


def read_export(
    path: Path,
    deployment: Deployment,
    source: str | None = None,
    today: date | None = None,
    display_name: str | None = None,
) -> Export:
    """Read and validate one export file.

    Args:
        path: the file (.xlsx, .xlsm or .csv).
        deployment: areas and extra aliases.
        source: ``idva``, ``marac`` or ``police``; if None, taken from the inbox
            sub-folder the file is in, else from its header.
        today: the load's run date (future dates are refused); default today.
        display_name: how messages name the file (default: the path as given).

    Returns:
        An :class:`Export`; ``export.refused`` says whether it may be loaded.
    """
    path = Path(path)
    name = display_name or str(path)
    export = Export(path=path)
    today = today or date.today()
    try:
        export.sha256 = sha256_of(path)
        if source is None and path.parent.name.lower() in SOURCES:
            source = path.parent.name.lower()
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
        _read_rows(export, spec, header, data_rows, deployment, today, name)
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
        export.rows = []
        export.row_numbers = []
    return export


def _rules_for(source: str, today: date, deployment: Deployment) -> RowRules:
    if source == "idva":
        return IdvaRules(today)
    if source == "marac":
        return MaracRules(today)
    return PoliceRules(today, deployment)


def _choose(
    sheets: list[Sheet], deployment: Deployment, source: str | None, name: str
) -> tuple[SourceSpec, Sheet, HeaderMatch, object]:
    """Pick the source, the sheet and the header row (INPUTS.md: sheet and header rules)."""
    specs = [source_spec(s, deployment) for s in ([source] if source else SOURCES)]
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
            if near and (best is None or len(near.headers) > len(best[0].headers)):
                best = (near, sheets[i], spec)
    expected_cols = "; ".join(f"{s.title}: {', '.join(c.name for c in s.required)}" for s in specs)
    if best is None:
        if all(all(_blank(c) for _, cells in first_rows(i) for c in cells) for i in range(len(sheets))):
            raise FileRefused("the file is empty", f"a header row naming {expected_cols}")
        raise FileRefused(
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows",
            f"a header row naming {expected_cols}",
            sheet=sheets[0].name if len(sheets) == 1 else None,
        )
    near, sheet, spec = best
    raise FileRefused(
        f"no complete header row in the first {HEADER_SEARCH_ROWS} rows: the nearest, row {near.row}, "
        f"lacks {', '.join(c.name for c in near.missing)}",
        f"a header row naming {', '.join(c.name for c in spec.required)} "
        f"(or their aliases; see loaders/columns.yaml)",
        sheet=sheet.name,
    )


def _blank(cell: object) -> bool:
    if cell is None:
        return True
    return type(cell) is str and (cell == "" or cell.isspace())


def _read_rows(
    export: Export,
    spec: SourceSpec,
    header: HeaderMatch,
    data_rows,
    deployment: Deployment,
    today: date,
    name: str,
) -> None:
    readers = CellReaders(deployment, vocabularies())
    rules = _rules_for(spec.source, today, deployment)
    blank_refused = {
        col.field: col.required and col.type != "area" and col.field not in rules.blank_allowed
        for col in header.columns.values()
    }
    # (index, field, column, parse, memo): the memo keeps each distinct value's outcome, inline below
    parsers = [
        (
            i,
            col.field,
            col,
            readers.plain.get(col.type, readers.by_type[col.type]),
            {} if col.type in readers.plain else None,
        )
        for i, col in sorted(header.columns.items())
    ]
    repairs = readers.repairs
    limit = readers.CACHE_LIMIT
    total_row: int | None = None
    refused_rows: set[int] = set()
    sheet = export.sheet
    row_number = 0

    def report(fld: str, what: str, expected: str) -> None:
        refused_rows.add(row_number)
        export.add_problem(
            Problem(name, what, expected, sheet=sheet, row=row_number, column=header.headers.get(fld, fld))
        )

    for row_number, cells in data_rows:  # noqa: B007 - report() reads the current row_number
        first = (
            cells[0] if cells and not _blank(cells[0]) else next((c for c in cells if not _blank(c)), None)
        )
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
        if type(first) is str and first.lstrip()[:1] in "TtGg" and normalise_name(first) in _TOTAL_WORDS:
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
            export.rows.append(row)
            export.row_numbers.append(row_number)
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
