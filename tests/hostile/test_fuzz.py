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
from dasv.loaders.cells import CellReaders
from dasv.loaders.export import read_export
from dasv.loaders.problems import CellError
from dasv.loaders.spec import source_spec, vocabularies
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


# Plain workbooks, each column mostly of one type (the shape the typed-column path reads): read with
# that path open to every size and with it closed, the outcome is the same in every respect.
_COLUMN_VALUES = {
    "Referral ID": st.text(alphabet="RN0123456789", min_size=1, max_size=6),
    "Client ID": st.one_of(st.text(alphabet="C0123456789", min_size=1, max_size=5), st.integers(1, 99)),
    "Referral Date": st.one_of(st.dates(min_value=date(1985, 1, 1), max_value=date(2026, 3, 1)),
                               st.sampled_from(["03/10/2025", "2025-10-03", "10/31/2025"])),
    "District": st.sampled_from(["Fenland", "Hunts", "P'boro", "Cambridge City", "Atlantis", "Out of Area"]),
    "Criteria Met": st.sampled_from(["Y", "N", "y", "no", "maybe", True, False]),
    "Engaged": st.sampled_from(["Y", "N", "", True, False]),
    "Age": st.one_of(st.integers(-2, 130), st.floats(0, 130, allow_nan=False)),
    "Specialism": st.sampled_from(["CYP", "Housing; Stalking", "ME / CYP", "Gardening", ""]),
    "Referral Route": st.sampled_from(["Police", "GP", "Carrier pigeon", "Self"]),
}  # fmt: skip


@st.composite
def plain_workbooks(draw):
    names = list(_COLUMN_VALUES)[:6] + draw(st.lists(st.sampled_from(list(_COLUMN_VALUES)[6:]), unique=True))
    n = draw(st.integers(1, 20))
    columns = [draw(st.lists(st.one_of(_COLUMN_VALUES[h], st.just(None)) if draw(st.booleans()) else _COLUMN_VALUES[h],
                             min_size=n, max_size=n)) for h in names]  # fmt: skip
    return [names, *map(list, zip(*columns, strict=True))]


@settings(max_examples=WORKBOOK_CASES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(table=plain_workbooks())
def test_typed_columns_read_plain_workbooks_exactly_as_the_rows(table, monkeypatch):
    import dasv.loaders.export as export_module

    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(Path(tmp) / "idva" / "plain.xlsx", table)
        outcomes = []
        for size in (0, 10**15):
            monkeypatch.setattr(export_module, "TYPED_MIN_BYTES", size)
            export = read_export(path, DEP, today=date(2026, 1, 10))
            outcomes.append((export.refused, [str(p) for p in export.problems], export.problem_count, export.rows,
                             export.row_numbers, export.rows_read, export.skipped_blank, export.skipped_total,
                             dict(export.repairs), export.columns, export.ignored_columns, export.header_row))  # fmt: skip
        assert outcomes[0] == outcomes[1]
