"""Property: any valid IDVA rows, written to a real xlsx (or CSV) and read back, come back unchanged."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dasv.config import load_deployment
from dasv.loaders.export import read_export
from dasv.names import normalise_name
from tests.files import write_csv, write_xlsx

DEP = load_deployment()
TODAY = date(2026, 1, 10)
AREAS = [(alias, a.name) for a in DEP.areas for alias in [a.name, *a.aliases]]
SPECIALISMS = ["CYP", "Housing", "Minority Ethnic", "Stalking", "OOCD"]
GENDERS = ["Female", "Male", "Non-binary", "Other", "Not known"]
HEADER = ["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met", "Engaged",
          "Specialism", "Age", "Gender"]  # fmt: skip

ident = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "Pd"]), min_size=1, max_size=20
).filter(lambda s: s.strip() == s and normalise_name(s) not in {"total", "grand total"})


@st.composite
def referral(draw, number):
    criteria = draw(st.booleans())
    return {
        "referral_ref": f"R{number}-{draw(ident)}",
        "client_id": draw(ident),
        "referral_date": draw(st.dates(date(2000, 1, 1), TODAY)),
        "area": draw(st.sampled_from(AREAS)),
        "criteria_met": criteria,
        "engaged": criteria and draw(st.booleans()),
        "specialisms": tuple(draw(st.lists(st.sampled_from(SPECIALISMS), unique=True, max_size=3))),
        "age": draw(st.one_of(st.none(), st.integers(0, 120))),
        "gender": draw(st.one_of(st.none(), st.sampled_from(GENDERS))),
    }


rows_strategy = st.integers(1, 25).flatmap(lambda n: st.tuples(*[referral(i) for i in range(n)]))


def _cells(row, as_text: bool):
    day = row["referral_date"].strftime("%d/%m/%Y") if as_text else row["referral_date"]
    yes_no = (lambda b: "Y" if b else "N") if as_text else (lambda b: b)
    return [row["referral_ref"], row["client_id"], day, row["area"][0], yes_no(row["criteria_met"]),
            yes_no(row["engaged"]), "; ".join(row["specialisms"]), row["age"], row["gender"]]  # fmt: skip


def _expected(row):
    return {**row, "area": row["area"][1]}


def _check(path: Path, rows):
    export = read_export(path, DEP, today=TODAY)
    assert not export.refused, [str(p) for p in export.problems[:3]]
    got = [{k: r.get(k) for k in rows[0]} for r in export.rows]
    for r in got:
        r["specialisms"] = tuple(r["specialisms"] or ())
    assert got == [_expected(r) for r in rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, banner=st.integers(0, 10))
def test_xlsx_round_trip(rows, banner):
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(
            Path(tmp) / "idva" / "r.xlsx", [["banner"]] * banner + [HEADER] + [_cells(r, False) for r in rows]
        )
        _check(path, list(rows))


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy, encoding=st.sampled_from(["utf-8", "utf-8-sig"]))
def test_csv_round_trip(rows, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        cells = [[("" if c is None else c) for c in _cells(r, True)] for r in rows]
        path = write_csv(Path(tmp) / "idva" / "r.csv", [HEADER, *cells], encoding=encoding)
        _check(path, list(rows))
