"""Turn one export file into validated rows, or the list of reasons it is refused.

This is the one function every source goes through (``read_export``): pick the
source and the sheet, find the header, read each cell by its column type, apply the
source's row rules, drop personal columns. It reads; it derives no measures and
writes nothing. Finding the file's source, sheet and header is here; reading the rows
under the header is :mod:`dasv.loaders.data_rows`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING

from dasv.loaders.columnar import (
    rows_of,
)
from dasv.loaders.data_rows import PROGRESS_EVERY, blank, check_columns, read_data
from dasv.loaders.header import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from dasv.loaders.problems import FileRefused, Problem
from dasv.loaders.read import WORKBOOK_SUFFIXES, Sheet, check_zip, open_sheets, sha256_of
from dasv.loaders.spec import SOURCES, SourceSpec, kinds_in, source_spec
from dasv.loaders.typed_xlsx import MIN_BYTES as TYPED_MIN_BYTES
from dasv.loaders.typed_xlsx import read_typed
from dasv.names import normalise_name
from dasv.progress import Progress, gc_paused

if TYPE_CHECKING:  # the loaders read the deployment they are given: no import of dasv.config
    from dasv.config import Deployment

MAX_PROBLEMS_KEPT = 1000


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
        read_data(export, spec, header, data_rows, deployment, today, name, progress)
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
    if not check_columns(export, spec, header, columns, numbers, deployment, today):
        return False
    export.source, export.sheet = spec.source, sheet_name
    export.header_row, export.columns = header.row, dict(header.headers)
    export.ignored_columns = header.ignored
    if progress is not None and height >= PROGRESS_EVERY:
        progress("read", height, height)
        progress("validated", height, height)
    return True


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
        if all(all(blank(c) for _, cells in first_rows(i) for c in cells) for i in range(len(sheets))):
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
