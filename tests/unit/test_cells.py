"""Each tolerated cell form reads to the right value; each refused form says what was expected."""

from datetime import date, datetime

import pytest

from dasv.config import load_deployment
from dasv.loaders.cells import CellReaders, read_age, read_bool, read_count, read_date, read_month
from dasv.loaders.problems import CellError
from dasv.loaders.spec import vocabularies
from dasv.loaders.values import vocabularies_for


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Y", True), ("yes", True), (" TRUE ", True), ("1", True), ("✓", True), (True, True), (1.0, True),
        ("N", False), ("No", False), ("false", False), ("0", False), (False, False), (0, False),
    ],
)  # fmt: skip
def test_booleans(raw, expected):
    assert read_bool(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "Yes please", 0.5])
def test_boolean_refused(raw):
    with pytest.raises(CellError) as err:
        read_bool(raw)
    assert "Y, Yes, TRUE" in err.value.expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        (date(2025, 10, 3), date(2025, 10, 3)),
        (datetime(2025, 10, 3, 14, 5), date(2025, 10, 3)),
        (45933.0, date(2025, 10, 3)),  # an Excel serial that lost its date format
        ("2025-10-03", date(2025, 10, 3)),
        ("2025-10-03T14:05:00", date(2025, 10, 3)),
        ("2025-10-03 14:05", date(2025, 10, 3)),
        ("03/10/2025", date(2025, 10, 3)),
        ("3/10/25", date(2025, 10, 3)),
        ("03/10/2025 09:15", date(2025, 10, 3)),
        ("03-10-2025", date(2025, 10, 3)),
        ("3 Oct 2025", date(2025, 10, 3)),
        ("12/01/2026", date(2026, 1, 12)),  # day first, always
    ],
)
def test_dates(raw, expected):
    assert read_date(raw) == expected


def test_month_first_only_date_is_refused_not_guessed():
    """docs/adopting.md: 10/31/2025 is only valid month-first, so it is refused."""
    with pytest.raises(CellError, match="month-first"):
        read_date("10/31/2025")


@pytest.mark.parametrize("raw", ["31/02/2025", "next Tuesday", "2025-13-01", True, -5])
def test_dates_refused(raw):
    with pytest.raises(CellError) as err:
        read_date(raw)
    assert "DD/MM/YYYY" in err.value.expected


@pytest.mark.parametrize(
    "raw, expected",
    [("2025-10", date(2025, 10, 1)), ("Oct-25", date(2025, 10, 1)), ("October 2025", date(2025, 10, 1)),
     ("Oct 2025", date(2025, 10, 1)), ("17/10/2025", date(2025, 10, 1)), (date(2025, 10, 17), date(2025, 10, 1)),
     (datetime(2025, 10, 1), date(2025, 10, 1)), ("10/2025", date(2025, 10, 1))],
)  # fmt: skip
def test_months(raw, expected):
    assert read_month(raw) == expected


@pytest.mark.parametrize("raw", ["Octember 2025", "2025-13", "Q3"])
def test_months_refused(raw):
    with pytest.raises(CellError, match="not a month"):
        read_month(raw)


@pytest.mark.parametrize(
    "raw, expected", [(12, 12), (12.0, 12), ("12", 12), ("1,234", 1234), ("0", 0), ("7.0", 7)]
)
def test_counts(raw, expected):
    assert read_count(raw) == expected


@pytest.mark.parametrize("raw, what", [(-1, "negative"), ("-3", "negative"), (2.5, "not a whole"),
                                       ("2.5", "not a whole"), ("many", "not a number"), (float("nan"), "not a number")])  # fmt: skip
def test_counts_refused(raw, what):
    with pytest.raises(CellError, match=what):
        read_count(raw)


def test_age_bounds():
    assert read_age(16.0) == 16
    with pytest.raises(CellError, match="plausible"):
        read_age(130)


@pytest.fixture(scope="module")
def readers():
    return CellReaders(load_deployment(), vocabularies())


@pytest.mark.parametrize(
    "raw, area",
    [("Cambs City", "Cambridge City"), ("cambridge", "Cambridge City"), ("HUNTS", "Huntingdonshire"),
     ("S Cambs", "South Cambridgeshire"), ("South_Cambs", "South Cambridgeshire"), ("P'boro", "Peterborough"),
     ("Pboro", "Peterborough"), ("OOA", "Out of Area"), ("", "Address not documented"),
     ("Empty", "Address not documented"), ("Moved to refuge", "Not known – moved to refuge")],
)  # fmt: skip
def test_area_aliases(readers, raw, area):
    assert readers.read_area(raw) == area


def test_unknown_area_lists_the_known_ones(readers):
    with pytest.raises(CellError) as err:
        readers.read_area("Narnia")
    assert "Cambridge City" in err.value.expected and "Peterborough" in err.value.expected


@pytest.mark.parametrize(
    "raw, expected",
    [("CYP", ("CYP",)), ("Housing; Stalking", ("Housing", "Stalking")), ("ME / CYP", ("Minority Ethnic", "CYP")),
     ("Children and Young People, Housing", ("CYP", "Housing")), ("Stalking;", ("Stalking",))],
)  # fmt: skip
def test_specialisms(readers, raw, expected):
    assert readers.by_type["specialisms"](raw) == expected


def test_unknown_specialism_refused(readers):
    with pytest.raises(CellError, match="not a specialism"):
        readers.by_type["specialisms"]("Housing; Gardening")


def test_unknown_route_is_refused_never_stored_as_other():
    readers = CellReaders(load_deployment(), vocabularies_for("idva", load_deployment()))
    assert readers.by_type["route"]("Police") == "Police"
    assert readers.by_type["route"]("Other") == "Other"  # Other only where the export says Other
    with pytest.raises(CellError) as err:
        readers.by_type["route"]("Neighbour")
    assert "value_aliases.idva.route" in err.value.expected and "Children's Social Care" in err.value.expected
    assert not readers.repairs


@pytest.mark.parametrize(
    "raw, group",
    [("White British", "White"), ("Mixed: White and Black Caribbean", "Mixed or Multiple"),
     ("Asian British - Indian", "Asian or Asian British"), ("Black British", "Black, Black British, Caribbean or African"),
     ("Arab", "Other ethnic group"), ("Not stated", "Not known"), ("Any other White background", "White")],
)  # fmt: skip
def test_ethnicity_kept_only_as_coarse_group(readers, raw, group):
    assert readers.by_type["ethnicity"](raw) == group


@pytest.mark.parametrize("raw, value", [("F", "Female"), ("male", "Male"), ("Non binary", "Non-binary")])
def test_gender(readers, raw, value):
    assert readers.by_type["gender"](raw) == value


def test_unrecognised_gender_refused(readers):
    with pytest.raises(CellError) as err:
        readers.by_type["gender"]("Xyz")
    assert "Female" in err.value.expected
