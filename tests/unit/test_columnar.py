"""The column reader gives exactly what the row reader gives, and hands every problem to it."""

from __future__ import annotations

import io
from datetime import date

import pytest

import dasv.loaders.data_rows as data_rows_module
import dasv.loaders.export as export_module
from dasv.config import load_deployment
from dasv.loaders.data_rows import PROGRESS_EVERY
from dasv.loaders.export import read_export
from dasv.progress import ProgressShow
from tests.files import IDVA_HEADER, idva_rows, write_csv, write_xlsx

TODAY = date(2026, 1, 10)


@pytest.fixture(scope="module")
def dep():
    return load_deployment()


# the two fast readers, each in its module, unpatched
READERS = {"_read_columns": (data_rows_module, data_rows_module._read_columns),
           "_read_typed": (export_module, export_module._read_typed)}  # fmt: skip


def with_and_without(reader: str, path, dep, monkeypatch, today):
    """The file read with ``<reader>`` watched (its answers recorded), then with it declining."""
    (module, original), answers = READERS[reader], []

    def spy(*args, **kwargs):
        answers.append(original(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(module, reader, spy)
    used = read_export(path, dep, today=today)
    monkeypatch.setattr(module, reader, lambda *a, **k: False)
    return used, read_export(path, dep, today=today), answers


def both(path, dep, monkeypatch, today=TODAY):
    """The file read by the column reader (as loads do) and by the row reader alone."""
    return with_and_without("_read_columns", path, dep, monkeypatch, today)


def same(fast, slow) -> None:
    for attr in ("source", "sheet", "header_row", "row_numbers", "rows_read", "rows_refused", "skipped_blank",
                 "skipped_total", "problem_count", "repairs"):  # fmt: skip
        assert getattr(fast, attr) == getattr(slow, attr), attr
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert fast.rows == slow.rows


def test_mixed_numeric_cells_read_as_the_row_reader_reads_them(tmp_path, dep, monkeypatch):
    rows = [IDVA_HEADER + ["Referral Route", "Repeat"]]
    for i, (crit, route) in enumerate([(1, "Police"), (True, "other"), ("Y", "Constabulary"), (0, "")]):
        rows.append([f"R{i}", f"C{i % 2}", "03/10/2025", "Fenland", crit, "N", route, 1.0 if i else True])
    path = write_xlsx(tmp_path / "idva" / "mixed.xlsx", rows)
    fast, slow, calls = both(path, dep, monkeypatch)
    assert calls == [True]
    same(fast, slow)
    assert [r["route"] for r in fast.rows] == ["Police", "Other", "Police", None]
    assert [r["criteria_met"] for r in fast.rows] == [True, True, True, False]


@pytest.mark.parametrize(
    "bad",
    [
        lambda rows: rows[2].__setitem__(2, "31/02/2025"),  # not a date
        lambda rows: rows[3].__setitem__(0, "R1"),  # a repeated Referral ID
        lambda rows: rows[1].__setitem__(5, "Y") or rows[1].__setitem__(4, "N"),  # engaged without criteria
        lambda rows: rows[2].__setitem__(4, ""),  # blank where required
        lambda rows: rows.append(["Total", "", "", "", "", ""]) or rows.append(idva_rows(1, start=99)[0]),
    ],
    ids=["cell", "duplicate", "rule", "blank", "after-total"],
)
def test_a_problem_is_worded_by_the_row_reader_exactly(tmp_path, dep, monkeypatch, bad):
    rows = [list(IDVA_HEADER), *idva_rows(5)]
    bad(rows)
    path = write_csv(tmp_path / "idva" / "bad.csv", rows)
    fast, slow, calls = both(path, dep, monkeypatch)
    assert fast.refused and calls in ([], [False])
    same(fast, slow)


def test_short_csv_rows_read_as_blank_cells(tmp_path, dep, monkeypatch):
    header = IDVA_HEADER + ["Risk Level"]
    rows = [header, [*idva_rows(1)[0], "High"], idva_rows(1, start=2)[0]]  # the second row stops early
    path = write_csv(tmp_path / "idva" / "short.csv", rows)
    fast, slow, calls = both(path, dep, monkeypatch)
    assert calls == [True]
    same(fast, slow)
    assert [r.get("risk_level") for r in fast.rows] == ["High", None]


def test_a_big_file_shows_progress_and_a_small_one_none(tmp_path, dep, engine, pseudonymiser):
    from dasv.warehouse.load import load_export

    n = PROGRESS_EVERY + 5_000
    path = write_csv(tmp_path / "idva" / "big.csv", [IDVA_HEADER, *idva_rows(n)])
    out = io.StringIO()
    with ProgressShow("big.csv", stream=out, every=0) as shown:
        export = read_export(path, dep, today=TODAY, progress=shown)
        load_export(engine, export, pseudonymiser, dep, progress=shown)
    lines = out.getvalue().splitlines()
    assert f"big.csv: read {n:,} of {n:,} rows" in lines
    assert f"big.csv: validated {n:,} of {n:,} rows" in lines
    assert f"big.csv: written {PROGRESS_EVERY:,} of {n:,} rows" in lines
    assert lines[-1] == f"big.csv: written {n:,} of {n:,} rows"
    small = io.StringIO()
    with ProgressShow("small.csv", stream=small, every=0) as shown:
        read_export(
            write_csv(tmp_path / "idva" / "small.csv", [IDVA_HEADER, *idva_rows(3)]), dep, progress=shown
        )
    assert small.getvalue() == ""


# --- big plain workbooks: typed columns (loaders/typed_xlsx.py) ------------------------------------


def typed_and_usual(path, dep, monkeypatch, today=TODAY):
    """The file read with the typed path open to every size, and with it closed."""
    monkeypatch.setattr(export_module, "TYPED_MIN_BYTES", 0)
    return with_and_without("_read_typed", path, dep, monkeypatch, today)


def same_export(a, b) -> None:
    same(a, b)
    assert (a.columns, a.ignored_columns, a.sha256) == (b.columns, b.ignored_columns, b.sha256)


def test_a_plain_workbook_reads_as_typed_columns_exactly_as_row_by_row(tmp_path, dep, monkeypatch):
    header = IDVA_HEADER + ["Specialism", "Age", "Repeat", "Date of Birth", "Notes"]
    rows = [header]
    for i in range(1, 41):
        rows.append([f"R{i}", 1000 + i % 7, date(2025, 10, 1 + i % 28), "Fenland" if i % 3 else "Peterborough",
                     "Y", "N" if i % 4 else "Y", "CYP; Housing" if i % 5 == 0 else None, 20 + i, i % 2 == 0,
                     date(1980, 1, 1 + i % 28) if i % 6 == 0 else None, "free text"])  # fmt: skip
    path = write_xlsx(tmp_path / "idva" / "plain.xlsx", rows)
    typed, usual, used = typed_and_usual(path, dep, monkeypatch)
    assert used == [True] and not typed.refused
    same_export(typed, usual)


@pytest.mark.parametrize(
    "change",
    [
        lambda rows: rows.insert(
            0, ["IDVA referrals, October to December 2025"]
        ),  # a banner: header on row 2
        lambda rows: rows.insert(5, [None] * 6),  # a blank row
        lambda rows: rows.append(["Total", None, None, None, None, None]),  # a Total row
        lambda rows: rows[3].__setitem__(1, 12345),  # a number among text IDs
        lambda rows: rows[3].__setitem__(2, "3 October 2025"),  # text among dates
        lambda rows: rows[2].__setitem__(4, "maybe"),  # a problem
        lambda rows: rows[0].append("District"),  # a repeated header
    ],
    ids=["banner", "blank-row", "total-row", "mixed-ids", "mixed-dates", "problem", "repeated-header"],
)
def test_anything_not_plain_is_read_the_usual_way_with_the_same_outcome(tmp_path, dep, monkeypatch, change):
    rows = [list(IDVA_HEADER)] + [
        [f"R{i}", f"C{i}", date(2025, 10, 3), "Fenland", "Y", "N"] for i in range(1, 9)
    ]
    change(rows)
    path = write_xlsx(tmp_path / "idva" / "odd.xlsx", rows)
    typed, usual, used = typed_and_usual(path, dep, monkeypatch)
    assert used in ([False], [])  # [] when the file is refused before (e.g. no header at all)
    same_export(typed, usual)


def test_keys_in_bulk_are_the_keys_one_at_a_time():
    from dasv.privacy import Pseudonymiser

    pseudo = Pseudonymiser("a partnership secret")
    ids = ["C1", " C2 ", "ü-7", "1001"]
    assert pseudo.keys("idva-person", ids) == [pseudo.key("idva-person", i) for i in ids]
    assert len(set(pseudo.keys("idva-person", ids))) == 4
