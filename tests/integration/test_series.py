"""Monthly series, variation, intervals and changes from a warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date

import pytest

from dasv.measures.funnel import funnel, rate_limits
from dasv.pipeline import load_files
from tests.files import IDVA_HEADER, write_csv


def dasv(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "dasv", *args], capture_output=True, text=True, env=env, check=False
    )


def test_monthly_series_counts_covered_months_only(
    engine, warehouse_url, deployment, pseudonymiser, tmp_path
):
    """Q3 referrals in October and December only: November is covered (0), Q2 is not covered (absent)."""
    rows = [[f"R{i}", f"C{i}", day, "Fenland", "Y", "Y" if i % 2 else "N"]
            for i, day in enumerate(["03/10/2025", "15/10/2025", "02/12/2025"])]  # fmt: skip
    write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *rows])
    load_files(engine, [tmp_path / "idva"], deployment, pseudonymiser, today=date(2026, 1, 10))
    env = {**os.environ, "DASV_DATABASE_URL": warehouse_url}
    result = dasv("metrics", "--quarter", "2025-26 Q3", "--series", "monthly", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["covered"]["idva"] == ["2025-10", "2025-11", "2025-12"] and len(doc["months"]) == 24
    county = {
        r["month"]: r["value"]
        for r in doc["series"]
        if r["measure"] == "idva.total_referrals" and r["area"] == "county"
    }
    assert county == {"2025-10": 2, "2025-11": 0, "2025-12": 1}
    engaged = {
        r["month"]: r["value"]
        for r in doc["series"]
        if r["measure"] == "idva.engaged" and r["area"] == "Fenland"
    }
    assert engaged == {"2025-10": 1, "2025-11": 0, "2025-12": 0}
    as_csv = dasv(
        "metrics", "--quarter", "2025-26 Q3", "--series", "monthly", "--format", "csv", env=env
    ).stdout
    assert as_csv.splitlines()[0] == "month,measure,area,value"
    assert "2025-11,idva.total_referrals,county,0" in as_csv and "2025-09" not in as_csv
    refused = dasv("metrics", "--year-ending", "2025-09", "--series", "monthly", env=env)
    assert refused.returncode == 2 and "--series monthly goes with --quarter" in refused.stderr


def test_variation_intervals_and_changes_in_metrics_json(tmp_path):
    """The demo warehouse holds 24 months of IDVA data: an XmR summary, as docs/statistics.md fixes it."""
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    assert dasv("sample-data", "--out", str(tmp_path / "inbox"), env=env).returncode == 0
    assert dasv("load", str(tmp_path / "inbox"), env=env).returncode == 0
    doc = json.loads(dasv("metrics", "--quarter", "2025-26 Q3", "--format", "json", env=env).stdout)
    referrals = doc["variation"]["idva.total_referrals"]
    assert set(referrals) == {"method", "points", "mean", "lower", "upper", "latest", "signal", "flags"}
    assert referrals["method"] == "xmr" and referrals["points"] == 24 and referrals["latest"] == 142
    assert referrals["lower"] <= referrals["mean"] <= referrals["upper"]
    assert referrals["signal"] in ("common_cause", "special_cause_higher", "special_cause_lower")
    assert all(len(m) == 7 and m[4] == "-" for m in referrals["flags"])
    engagement = doc["intervals"]["idva.total.engagement_pct"]
    assert engagement == {"value": 76.5, "lower": 72.0, "upper": 80.5, "method": "wilson"}
    assert doc["intervals"]["idva.total.total_referrals"]["method"] == "byar"
    change = doc["changes"]["idva.total_referrals"]
    assert (change["from"], change["to"], change["change_pct"], change["notable"]) == (516, 476, -7.8, False)
    assert 0.2 < change["p_value"] < 0.23
    district = json.loads(dasv("metrics", "--quarter", "2025-26 Q3", "--district", "Fenland", env=env).stdout)
    # a change is shown only where both quarters' counts are published in the slice (the joint plan may
    # withhold Fenland's Q2 referrals, [c], so that no small count can be worked out)
    assert district["changes"] and all(isinstance(c["from"], int) and isinstance(c["to"], int)
                                       for c in district["changes"].values())  # fmt: skip
    assert all(not isinstance(v, str) for k, v in district["intervals"].items())  # none for a withheld count


def test_funnel_limits_follow_the_exact_poisson_and_name_outliers():
    centre = 4.2
    for people in (20_000, 150_000, 1_000_000):
        low, high = rate_limits(centre, people, 0.95, 1000)
        expected = centre / 1000 * people
        assert low < centre < high
        approx = (expected - 1.96 * math.sqrt(expected)) / people * 1000
        assert abs(low - approx) < (0.15 if people < 100_000 else 0.02)  # the normal limit, for large counts
    assert rate_limits(centre, 20_000, 0.998, 1000)[1] > rate_limits(centre, 20_000, 0.95, 1000)[1]
    counts = {"A": (500, 120_000), "B": (200, 75_000), "C": (520, 84_000), "D": (600, 150_000)}
    found = funnel(counts, overdispersion=False)  # Poisson limits (the over-dispersion tests widen them)
    positions = {p.area: p.outside for p in found.points}
    assert positions == {"A": None, "B": "below 99.8%", "C": "above 99.8%", "D": None}
    for p in found.points:  # the whole funnel is computed at once: the same limits as one district at a time
        for level, (low, high) in p.limits.items():
            assert (low, high) == pytest.approx(
                rate_limits(found.centre, p.population, level, 1000), abs=1e-12
            )
    assert funnel({"A": (5, 1000)}) is None  # one district: nothing to compare
