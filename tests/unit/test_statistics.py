"""SPC rules, intervals and tests against hand-built series and published worked examples.

Sources of the worked examples:
- Wilson: Newcombe RG (1998), "Two-sided confidence intervals for the single proportion:
  comparison of seven methods", Statistics in Medicine 17:857-872, Table I (score method).
- Newcombe difference: Newcombe RG (1998), "Interval estimation for the difference between
  independent proportions: comparison of eleven methods", Statistics in Medicine
  17:873-890, Table II (method 10).
- Byar / exact Poisson: the method of the OHID Fingertips technical guidance (Breslow and Day
  1987), checked against the exact chi-squared limits it approximates.
- SPC: NHSRplotthedots (NHS-R) rule tests, tests/testthat/test-ptd_calculate_point_type.R and
  test-ptd_spc_standard.R ("2 of 3 close points on opposite sides of the mean is common cause").
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasv.measures.intervals import byar, newcombe, poisson_change_p, rate_interval, wilson
from dasv.measures.spc import analyse


def months(n: int) -> list[str]:
    return [f"{2023 + (i // 12)}-{i % 12 + 1:02d}" for i in range(n)]


def flagged(result, rule: int) -> list[int]:
    return [i for i, r in enumerate(result.rules) if rule in r]


# --- the four rules, each on its own hand-built series ------------------------------------------


def test_rule_1_a_point_outside_the_limits():
    """14 points alternating 10/14 (mean 13.2 with the last), then 30: MR 16 is screened out."""
    r = analyse(months(15), [10, 14] * 7 + [30])
    assert (r.method, r.signal) == ("xmr", "special_cause_higher")
    assert math.isclose(r.centre[-1], 13.2) and math.isclose(
        r.upper[-1], 13.2 + 2.66 * 4
    )  # MR-bar 4, not 4.86
    assert flagged(r, 1) == [14] and r.flags == ["2024-03"]


def test_rule_2_seven_on_one_side_flags_every_point_of_the_run():
    r = analyse(months(17), [13, 7] * 5 + [12] * 7)
    assert math.isclose(r.centre[-1], (100 + 84) / 17)
    assert flagged(r, 2) == list(range(10, 17)) and r.signal == "special_cause_higher"


def test_a_run_touching_the_mean_is_broken_by_the_point_on_it():
    """The fourth point of the run equals the mean exactly (10.75): two runs of 3, no signal."""
    r = analyse(months(17), [13, 7] * 5 + [12, 12, 12, 10.75, 12, 12, 12])
    assert r.centre[-1] == 10.75
    assert flagged(r, 2) == [] and r.signal == "common_cause"


@pytest.mark.parametrize("direction", [1, -1])
def test_rule_3_seven_rising_or_falling(direction):
    trend = [9.4, 9.8, 10.2, 10.6, 11.0, 11.4, 11.8][::direction]
    r = analyse(months(19), [10, 11] * 6 + trend)
    assert flagged(r, 3) == list(range(12, 19)) and flagged(r, 1) == []
    assert r.signal == ("special_cause_higher" if direction == 1 else "special_cause_lower")


def test_a_tie_breaks_a_trend():
    """NHSRplotthedots: ptd_seven_point_trend(c(1:3, 3:6)) flags nothing."""
    r = analyse(months(19), [10, 11] * 6 + [9.4, 9.8, 10.2, 10.2, 11.0, 11.4, 11.8])
    assert flagged(r, 3) == [] and r.signal == "common_cause"


def test_rule_4_two_of_three_close_to_a_limit_on_one_side():
    r = analyse(months(17), [10, 11] * 7 + [12.9, 11.0, 12.9])
    assert flagged(r, 4) == [14, 16]  # the close points, not the middle one
    assert flagged(r, 1) == [] and r.signal == "special_cause_higher"


def test_two_close_points_on_opposite_sides_are_common_cause():
    """NHSRplotthedots test-ptd_spc_standard.R: 1/-1 alternating, then 5.5 and -5.5 (shifted by 10 here,
    because our counts' lower limit is never below 0)."""
    r = analyse(months(16), [11, 9] * 7 + [15.5, 4.5])
    assert r.flags == [] and r.signal == "common_cause"


def test_a_rebase_gives_each_part_its_own_limits():
    values = [10, 12] * 6 + [20, 22] * 6
    assert analyse(months(24), values).signal == "special_cause_higher"  # one mean for both parts: shifts
    r = analyse(months(24), values, rebase=["2024-01"])
    assert (r.centre[0], r.centre[-1]) == (11, 21) and r.flags == [] and r.signal == "common_cause"
    assert r.summary()["mean"] == 21.0


def test_a_flat_series_has_limits_on_the_mean_and_no_signal():
    r = analyse(months(12), [10] * 12)
    assert (r.lower[-1], r.centre[-1], r.upper[-1]) == (10, 10, 10)
    assert r.flags == [] and r.signal == "common_cause"


def test_fewer_than_12_points_is_a_run_chart_with_no_signal():
    r = analyse(months(9), [3, 5, 4, 8, 6, 7, 5, 9, 6])
    assert r.summary() == {"method": "run", "points": 9, "median": 6.0, "signal": None}


def test_the_variation_summary_keeps_the_contract_keys():
    summary = analyse(months(15), [10, 14] * 7 + [30]).summary()
    assert set(summary) == {"method", "points", "mean", "lower", "upper", "latest", "signal", "flags"}
    assert summary["latest"] == 30 and summary["points"] == 15


# --- intervals and tests against published values ------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper"),
    [(81, 263, 25.53, 36.62), (15, 148, 6.24, 16.05), (0, 20, 0.0, 16.11), (1, 29, 0.61, 17.18)],
)
def test_wilson_against_newcombe_1998_table_1(k, n, lower, upper):
    """Newcombe prints four decimals of the proportion: two of the percentage."""
    ci = wilson(k, n)
    assert abs(ci.lower - lower) < 0.006 and abs(ci.upper - upper) < 0.006


def test_wilson_in_closed_form_equals_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for n in (1, 2, 7, 30, 263, 5000):
        for k in {0, 1, n // 3, n // 2, n - 1, n}:
            lower, upper = proportion_confint(k, n, alpha=0.05, method="wilson")
            ci = wilson(k, n)
            assert (
                abs(ci.lower - 100 * max(0.0, lower)) < 1e-9 and abs(ci.upper - 100 * min(1.0, upper)) < 1e-9
            )


def test_wilson_edge_cases():
    assert wilson(0, 0) is None
    none, every = wilson(0, 12), wilson(12, 12)
    assert none.lower == 0 and none.upper > 0 and every.upper == 100 and every.lower < 100


@pytest.mark.parametrize(
    ("a", "b", "lower", "upper"),
    [((56, 70), (48, 80), 5.24, 33.39), ((9, 10), (3, 10), 17.05, 80.90), ((5, 56), (0, 29), -3.81, 19.26),
     ((10, 10), (0, 10), 60.75, 100.0)],
)  # fmt: skip
def test_newcombe_difference_against_newcombe_1998_table_2(a, b, lower, upper):
    low, high = newcombe(*a, *b)
    assert (round(low, 2), round(high, 2)) == (lower, upper)


@pytest.mark.parametrize(
    ("events", "lower", "upper"),
    [(65, 50.2, 82.8), (1045, 982.6, 1110.3), (10, 4.8, 18.4), (1, 0.0, 5.6), (0, 0.0, 3.7)],
)
def test_byar_and_exact_poisson(events, lower, upper):
    from scipy.stats import chi2

    ci = byar(events)
    assert (round(ci.lower, 1), round(ci.upper, 1)) == (lower, upper)
    exact = (chi2.ppf(0.025, 2 * events) / 2 if events else 0.0, chi2.ppf(0.975, 2 * events + 2) / 2)
    assert abs(ci.lower - exact[0]) < 0.05 and abs(ci.upper - exact[1]) < 0.05  # Byar approximates the exact


def test_a_rate_interval_scales_the_count_interval():
    ci = rate_interval(90, 86_000, 1000)
    assert math.isclose(ci.value, 90 / 86)
    assert math.isclose(ci.lower, byar(90).lower / 86) and ci.method == "byar"
    assert rate_interval(5, 0, 1000) is None


def test_poisson_change_p_values():
    assert round(poisson_change_p(476, 516), 2) == 0.22  # IDVA referrals 516 -> 476: within normal variation
    assert poisson_change_p(85, 61) > 0.05 and poisson_change_p(120, 61) < 0.001
    assert poisson_change_p(0, 0) is None


# --- properties -------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 5000))
def test_intervals_are_never_negative_nan_and_contain_the_estimate(k, extra):
    n = k + extra
    for ci in [byar(k), wilson(k, n), rate_interval(k, n + 1, 1000)]:
        if ci is None:
            continue
        assert not any(math.isnan(x) for x in (ci.lower, ci.upper, ci.value))
        assert 0 <= ci.lower <= ci.value <= ci.upper


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=0, max_size=30))
def test_limits_are_never_negative_or_nan(values):
    r = analyse(months(len(values)), values)
    numbers = r.centre + [x for x in r.lower + r.upper if x is not None]
    assert all(x >= 0 and not math.isnan(x) for x in numbers)
    if r.method == "xmr":
        assert all(lo <= c <= up for lo, c, up in zip(r.lower, r.centre, r.upper, strict=True))
