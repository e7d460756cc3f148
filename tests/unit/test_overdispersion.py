"""Over-dispersion in the funnel plot (Spiegelhalter 2005, BMJ Quality & Safety 14:347-351).

The worked example reproduced is FunnelPlotR's (NHS-R Community, github.com/nhs-r-community/
FunnelPlotR, README "Summary of Use", commit 9020d49): the `medpar` data of Hilbe's COUNT R
package (1991 Arizona Medicare length of stay, 1,495 stays at 54 providers; the copy in
tests/fixtures/medpar.csv is the package's data as exported to CSV), a Poisson GLM
`los ~ hmo + died + age80 + factor(type)`, and a funnel of observed / predicted length of stay
by provider. FunnelPlotR prints: the GLM's coefficients, a Pearson dispersion of 6.240519,
"54 points of which 25 are outliers" with unadjusted 99.8% limits, and "9 are outliers"
with limits adjusted for over-dispersion by the NHS SHMI method (log scale, truncation at
10%, additive tau2). `dispersion` does that variant too, so the example pins the estimate
of phi and tau2 and the widened limits; the report's own method differs only in the scale
(square root) and in winsorising instead of truncating, as the paper does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dasv.measures.funnel import adjusted_ratio_limits, dispersion, funnel

MEDPAR = Path(__file__).parent.parent / "fixtures" / "medpar.csv"


@pytest.fixture(scope="module")
def medpar():
    import pandas as pd
    import statsmodels.api as sm

    data = pd.read_csv(MEDPAR)
    x = pd.DataFrame({"const": 1.0, "hmo": data.hmo, "died": data.died, "age80": data.age80,
                      "type2": data.type2, "type3": data.type3})  # fmt: skip
    model = sm.GLM(data.los.astype(float), x, family=sm.families.Poisson()).fit()
    data["prds"] = model.predict(x)
    by = data.groupby("provnum").agg(observed=("los", "sum"), expected=("prds", "sum"))
    return model, by.observed.to_numpy(float), by.expected.to_numpy(float)


def test_funnelplotr_medpar_example_reproduced(medpar):
    from scipy.stats import chi2

    model, observed, expected = medpar
    # the model FunnelPlotR's README prints
    assert model.params.to_numpy() == pytest.approx(
        [2.26875, -0.07637, -0.24574, -0.02141, 0.24921, 0.74869], abs=1e-5
    )
    assert sum(model.resid_pearson**2) / model.df_resid == pytest.approx(6.2405, abs=1e-3)
    assert len(observed) == 54
    ratio = observed / expected
    # unadjusted: FunnelPlotR's exact Poisson 99.8% limits for a standardised ratio -> 25 outliers
    low = chi2.isf(0.999, 2 * expected) / 2 / expected
    high = chi2.isf(0.001, 2 * (expected + 1)) / 2 / expected
    assert int(((ratio < low) | (ratio > high)).sum()) == 25
    # adjusted, SHMI method (expected rounded to 2 places, FunnelPlotR's default) -> 9 outliers
    rounded = np.round(expected, 2)
    found = dispersion(observed, rounded, transform="log", trim="truncate")
    assert found.groups < 54 and found.phi > 1 and found.adjusted  # truncated, over-dispersed
    low, high = adjusted_ratio_limits(rounded, 0.998, found.tau2, transform="log")
    shmi_ratio = observed / rounded
    assert int(((shmi_ratio < low) | (shmi_ratio > high)).sum()) == 9
    # our figures for phi and tau2 of that run (FunnelPlotR's phi() and tau2() give the same
    # formula: the mean squared truncated z-score; (n phi - (n - 1)) / (sum w - sum w^2 / sum w))
    assert (found.phi, found.tau2) == pytest.approx((8.5329, 0.028410), rel=1e-4)


def test_the_reports_method_winsorises_on_the_square_root_scale(medpar):
    _, observed, expected = medpar
    found = dispersion(observed, expected)  # the report's: sqrt, winsorised at 10% / 90%
    z = (np.sqrt(observed / expected) - 1) * 2 * np.sqrt(expected)
    low, high = np.quantile(z, [0.1, 0.9])
    assert found.groups == 54  # winsorising keeps every z-score, pulled in to the percentiles
    assert found.phi == pytest.approx(np.mean(np.clip(z, low, high) ** 2))
    w = 4 * expected
    assert found.tau2 == pytest.approx((54 * found.phi - 53) / (w.sum() - (w**2).sum() / w.sum()))
    lo, hi = adjusted_ratio_limits(expected, 0.998, found.tau2)
    sd = np.sqrt(1 / (4 * expected) + found.tau2)
    assert hi == pytest.approx((1 + 3.090232 * sd) ** 2, rel=1e-6)
    assert found.summary()["method"] == "additive_random_effects"


POPULATIONS = {"A": 123_900, "B": 74_800, "C": 86_000, "D": 151_700, "E": 139_500, "F": 182_300}
RATE = 4.8  # per 1,000


def test_a_series_where_no_district_differs_names_none():
    # counts as Poisson noise would give them: each within about one standard deviation of expected
    wobble = {"A": 0.8, "B": -1.1, "C": 0.3, "D": -0.6, "E": 1.2, "F": -0.4}
    counts = {
        a: (round(RATE * n / 1000 + wobble[a] * (RATE * n / 1000) ** 0.5), n) for a, n in POPULATIONS.items()
    }
    found = funnel(counts)
    assert not found.adjusted and found.dispersion.phi < 5 / 6  # no over-dispersion: Poisson limits stand
    assert found.summary()["method"] == "poisson" and found.summary()["tau2"] == 0
    assert [p.area for p in found.points if p.outside and p.outside.endswith("99.8%")] == []
    assert found.points[0].limits == funnel(counts, overdispersion=False).points[0].limits


def test_a_series_where_one_district_truly_differs_names_it_alone():
    # real differences between districts of about 10% (over-dispersed), and B at twice the rate
    spread = {"A": 1.08, "B": 2.0, "C": 1.12, "D": 0.95, "E": 0.90, "F": 0.93}
    counts = {a: (round(RATE * spread[a] * n / 1000), n) for a, n in POPULATIONS.items()}
    poisson = funnel(counts, overdispersion=False)
    named = [p.area for p in poisson.points if p.outside and p.outside.endswith("99.8%")]
    assert len(named) >= 4  # the Poisson limits cry wolf
    found = funnel(counts)
    assert found.adjusted and found.dispersion.tau2 > 0
    assert [(p.area, p.outside) for p in found.points if p.outside and p.outside.endswith("99.8%")] == [
        ("B", "above 99.8%")
    ]
    summary = found.summary()
    assert summary["method"] == "additive_random_effects" and summary["tau2"] > 0 and summary["phi"] > 1
    assert summary["areas"]["B"]["position"] == "above 99.8%"
    for p in found.points:  # adjusted limits are wider than the Poisson ones, at every level
        before = next(q for q in poisson.points if q.area == p.area)
        for level in (0.95, 0.998):
            assert (
                p.limits[level][0] < before.limits[level][0] and p.limits[level][1] > before.limits[level][1]
            )
