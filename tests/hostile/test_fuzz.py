"""Property-based fuzzing: cell readers and whole generated workbooks never raise anything but
the refusals they are meant to. `make stress` multiplies the number of cases (DASV_STRESS)."""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from dasv.config import load_deployment
from loaders import read_export
from loaders.cells import CellReaders
from loaders.problems import CellError
from loaders.spec import source_spec, vocabularies
from tests.files import write_csv, write_xlsx

DEP = load_deployment()
READERS = CellReaders(DEP, vocabularies())
SCALE = int(os.environ.get("DASV_STRESS", "1"))
CELL_CASES = 2000 * SCALE
WORKBOOK_CASES = 150 * SCALE

cells = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789/-.: TtZ+", max_size=25),  # date-like and number-like text
    st.sampled_from(["Y", "n", "✓", "TRUE", "1,234", "-0", "1e400", "nan", "inf", "Oct-25", "31/02/2025", "10/31/2025",
                     "2025-13-01", "  ", "\x00", "=1+1", "Total", "Hunts", "P'boro", "CYP; ME / Stalking", "#N/A"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
)  # fmt: skip


@pytest.mark.parametrize("kind", sorted(READERS.by_type))
@settings(max_examples=CELL_CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=cells)
def test_cell_readers_refuse_cleanly_or_read(kind, value):
    try:
        READERS.by_type[kind](value)
    except CellError as exc:
        assert exc.what and exc.expected


def _header_names(source: str) -> list[str]:
    spec = source_spec(source, DEP)
    return sorted({name for c in spec.columns for name in (c.name, *c.aliases)})


headers = st.sampled_from(["idva", "marac", "police"]).flatmap(
    lambda s: st.lists(
        st.one_of(st.sampled_from(_header_names(s)), st.text(max_size=12)), min_size=1, max_size=12
    )
)
workbook_cells = st.one_of(cells, st.none())


@settings(
    max_examples=WORKBOOK_CASES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    banner=st.lists(st.lists(workbook_cells, max_size=4), max_size=11),
    header=headers,
    rows=st.lists(st.lists(workbook_cells, max_size=14), max_size=25),
    as_csv=st.booleans(),
)
def test_generated_workbooks_load_or_are_refused_never_crash(banner, header, rows, as_csv):
    with tempfile.TemporaryDirectory() as tmp:
        table = [*banner, header, *rows]
        if as_csv:
            text_rows = [["" if v is None else str(v) for v in row] for row in table]
            try:
                path = write_csv(Path(tmp) / "in.csv", text_rows)
            except UnicodeEncodeError:  # lone surrogates cannot be saved as a file at all
                return
        else:
            try:
                path = write_xlsx(Path(tmp) / "in.xlsx", [[_xlsx_safe(v) for v in row] for row in table])
            except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses to write the value
                return
        export = read_export(path, DEP, today=date(2026, 1, 10))
        if export.refused:
            assert export.problems and all(str(p).startswith(str(path)) for p in export.problems)
            assert export.rows == []
        else:
            assert len(export.rows) <= len(rows) + len(banner)


def _xlsx_safe(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, datetime | date) and value.year < 1900:
        return value.isoformat()
    return value
