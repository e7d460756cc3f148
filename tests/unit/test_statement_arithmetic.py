"""Every drafted change adds up as printed, and carries the one verdict (dasv.report.verdict)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dasv.report.cells import Change, Rate, format_cell, printed_pair
from dasv.report.findings import count_finding, rate_finding
from dasv.report.verdict import of_counts, of_rates
from tests.arithmetic import checked, problems


def test_the_checker_reads_what_a_board_member_would_call_an_error():
    assert problems("Engagement % of criteria met fell 4 points, from 80% to 77%, within normal variation.")
    assert problems("In Fenland, engagement rose 0 points, from 61% to 62%.")
    assert problems("MARAC referrals fell 21%, from 271 to 212.")
    assert problems("Proportion of incidents crimed, Cambs: -2 points, from 59% to 58%.")
    assert not problems("Engagement % of criteria met fell 4.0 points, from 80.5% to 76.5%.")
    assert not problems("MARAC referrals fell 22%, from 271 to 212, a real fall (p = 0.008).")
    assert not problems("Police DA crimes, Cambs: +959 (+15%), from 6,444 in the year ending September 2024 to "
                        "7,403 in the year ending September 2025.")  # fmt: skip


counts = st.integers(min_value=0, max_value=3000)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 400), st.integers(1, 400), st.data())
def test_a_percentages_change_is_the_arithmetic_on_the_printed_percentages(n_now, n_before, data):
    k_now, k_before = data.draw(st.integers(0, n_now)), data.draw(st.integers(0, n_before))
    found = rate_finding("Engagement", Rate(k_now, n_now), Rate(k_before, n_before))
    assert found is not None
    assert not problems(found.text), found.text
    assert checked(found.text) or "unchanged" in found.text
    now, before = printed_pair(Rate(k_now, n_now), Rate(k_before, n_before))  # the table's row and change
    row = f"{Change(now, before).text()}, from {format_cell(before)} to {format_cell(now)}"
    assert not problems(row), row


@settings(max_examples=150, deadline=None)
@given(counts, counts)
def test_a_counts_change_is_the_arithmetic_on_the_printed_counts(now, before):
    found = count_finding("IDVA referrals", now, before)
    if found is None:
        assert now == before == 0
        return
    assert not problems(found.text), found.text


def test_one_verdict_reconciles_the_quarters_test_and_the_monthly_chart():
    from dasv.measures.spc import analyse

    assert of_counts(212, 271).real and of_counts(212, 271).words() == "a real fall (p = 0.008)"
    assert not of_counts(476, 516).real and of_counts(476, 516).words() == "within normal variation"
    assert of_rates(30, 54, 60, 75).real  # South Cambs engagement 80% -> 56%
    months = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]
    low_latest = analyse(
        months, [96.0 + (i * 7) % 9 for i in range(23)] + [60.0]
    )  # December far below the limits
    assert of_counts(296, 300, low_latest).real  # a small quarterly fall, but the chart flags the month
    shifted = analyse(
        months, [540.0 + (i % 3) for i in range(12)] + [620.0 + (i % 3) for i in range(11)] + [500.0]
    )
    assert not of_counts(296, 300, shifted).real  # limits that flag most months are not used
