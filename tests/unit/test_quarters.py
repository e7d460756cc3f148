from datetime import date, datetime

import pytest

from dasv.quarters import Quarter, QuarterError


@pytest.mark.parametrize("text", ["2025-26 Q3", "2025-26-Q3", "2025-26Q3", " 2025-26 q3 "])
def test_accepted_forms(text):
    """The command line (README, "Using it"): the three written forms all mean the same quarter."""
    assert Quarter.parse(text) == Quarter(2025, 3)


@pytest.mark.parametrize("text", ["2025 Q3", "2025-27 Q3", "Q3 2025-26", "2025-26 Q5", ""])
def test_refused_forms_name_the_accepted_ones(text):
    with pytest.raises(QuarterError, match="2025-26 Q3"):
        Quarter.parse(text)


@pytest.mark.parametrize(
    "quarter, start, end",
    [
        (Quarter(2025, 1), date(2025, 4, 1), date(2025, 6, 30)),
        (Quarter(2025, 3), date(2025, 10, 1), date(2025, 12, 31)),
        (Quarter(2025, 4), date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_boundaries(quarter, start, end):
    assert (quarter.start, quarter.end) == (start, end)
    assert Quarter.containing(start) == quarter == Quarter.containing(end)


def test_year_turns_in_april_not_january():
    """31 December and 1 January are in different quarters of the same financial year."""
    assert Quarter.containing(date(2025, 12, 31)) == Quarter(2025, 3)
    assert Quarter.containing(date(2026, 1, 1)) == Quarter(2025, 4)
    assert Quarter.containing(date(2026, 4, 1)) == Quarter(2026, 1)


def test_latest_completed_uses_london_time():
    # 00:30 on 1 April BST is still 31 March in UTC: London has started Q1, so Q4 is complete.
    now = datetime.fromisoformat("2026-03-31T23:30:00+00:00")
    assert Quarter.latest_completed(now) == Quarter(2025, 4)
    assert Quarter.latest_completed(datetime.fromisoformat("2026-03-31T22:30:00+00:00")) == Quarter(2025, 3)


def test_labels_and_neighbours():
    q = Quarter(2025, 3)
    assert (q.label, q.slug, q.months_label) == ("2025-26 Q3", "2025-26-Q3", "October – December 2025")
    assert q.earlier_in_year() == [Quarter(2025, 2), Quarter(2025, 1)]
    assert Quarter(2025, 1).previous() == Quarter(2024, 4)
    assert q.last_n(8)[0] == Quarter(2023, 4)
