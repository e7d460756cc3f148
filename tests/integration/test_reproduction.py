"""The sample inbox, loaded with `dasv load` and read back with `dasv metrics`, reproduces the
printed 2025-26 report (tests/fixtures/published_2025_26.json, copied from the reference)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, POSTGRES_URL, backends, reset_postgres

PUBLISHED = json.loads((FIXTURES / "published_2025_26.json").read_text(encoding="utf-8"))
PRINTED_AREA = {
    "Cambs City": "Cambridge City", "East Cambs": "East Cambridgeshire", "Fenland": "Fenland",
    "Hunts": "Huntingdonshire", "South Cambs": "South Cambridgeshire", "Out of Area": "Out of Area",
    "Empty - address not documented on Oasis": "Address not documented",
    "Not Known - Client moved to refuge - no forwarding address documented": "Not known – moved to refuge",
    "Peterborough": "Peterborough",
}  # fmt: skip
QUARTERS = ["Q1", "Q2", "Q3"]
FIGURE_8 = PUBLISHED["police_da_cambridge_city_year_ending_september"]
TABLE_5 = PUBLISHED["police_da_rate_per_1000_by_district"]
YEARS_ENDING = {"2022-09": "2021/22", "2023-09": "2022/23", "2024-09": "2023/24", "2025-09": "2024/25"}
TABLE_5_AREA = {"Cambridge": "Cambridge City", "East Cambridgeshire": "East Cambridgeshire", "Fenland": "Fenland",
                "Huntingdonshire": "Huntingdonshire", "South Cambridgeshire": "South Cambridgeshire"}  # fmt: skip


def dasv(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "dasv", *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.fixture(scope="module", params=backends())
def metrics(request, tmp_path_factory):
    """The sample inbox loaded once per backend; the metrics document of each quarter."""
    tmp_path = tmp_path_factory.mktemp("reproduction")
    if request.param == "sqlite":
        warehouse_url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    else:
        reset_postgres(POSTGRES_URL)
        warehouse_url = POSTGRES_URL
    env = {**os.environ, "DASV_DATABASE_URL": warehouse_url}
    inbox = tmp_path / "inbox"
    made = dasv("sample-data", "--out", str(inbox), env=env)
    assert made.returncode == 0, made.stderr
    loaded = dasv("load", str(inbox), env=env)
    assert loaded.returncode == 0, loaded.stderr
    out = {}
    for q in QUARTERS:
        result = dasv("metrics", "--quarter", f"2025-26 {q}", "--format", "json", env=env)
        assert result.returncode == 0, result.stderr
        out[q] = json.loads(result.stdout)
    for year in YEARS_ENDING:
        result = dasv("metrics", "--year-ending", year, "--format", "json", env=env)
        assert result.returncode == 0, result.stderr
        out[year] = json.loads(result.stdout)
        district = dasv(
            "metrics", "--year-ending", year, "--district", "Cambridge City", "--format", "json", env=env
        )
        assert district.returncode == 0, district.stderr
        out[f"{year} Cambridge City"] = json.loads(district.stdout)
    return out


def test_area_table_reproduced(metrics):
    columns = PUBLISHED["idva_by_area"]["_columns"]
    checked = 0
    for printed_name, by_quarter in PUBLISHED["idva_by_area"].items():
        if printed_name.startswith("_"):
            continue
        area = PRINTED_AREA[printed_name]
        for q in QUARTERS:
            printed = by_quarter[q]
            ours = metrics[q]["idva"]["by_area"].get(area)
            if printed is None:
                assert ours is None or ours["total_referrals"] == 0, (area, q)
                continue
            p = dict(zip(columns, printed, strict=True))
            assert (ours["total_referrals"], ours["criteria_met"], ours["repeats"]) == (
                p["total_referrals"],
                p["criteria_met"],
                p["repeats"],
            ), (area, q)
            if p["criteria_met"]:
                # engaged is the whole number whose percentage is closest to the printed one
                best = min(
                    abs(100 * e / p["criteria_met"] - p["engagement_pct"])
                    for e in range(p["criteria_met"] + 1)
                )
                assert abs(100 * ours["engaged"] / p["criteria_met"] - p["engagement_pct"]) == best, (area, q)
            checked += 1
    assert checked == 23  # every printed non-blank cell group


def test_totals_are_the_sum_of_the_areas(metrics):
    for q in QUARTERS:
        idva = metrics[q]["idva"]
        for measure in ("total_referrals", "criteria_met", "engaged", "repeats"):
            assert idva["total"][measure] == sum(a[measure] for a in idva["by_area"].values())
        printed = PUBLISHED["idva_total"][q]
        assert idva["total"]["total_referrals"] == printed["total_referrals"]
        assert idva["total"]["repeats"] == printed["repeats"]


def test_marac_and_police_reproduced(metrics):
    other = PUBLISHED["other_relevant_data"]
    for q in QUARTERS:
        doc = metrics[q]
        assert doc["marac"]["referrals"] == other["marac_referrals"][q]
        assert doc["marac"]["cases_heard"] == other["marac_cases_heard"][q]
        cambs = doc["police"]["reporting_area"]  # the printed "Police DA Incidents Cambs": five districts
        assert cambs["name"] == "Cambs" and "Peterborough" not in cambs["districts"]
        assert cambs["da_incidents"] == other["police_da_incidents_cambs"][q]
        assert cambs["da_crimes"] == other["police_da_crimes_cambs"][q]
        assert cambs["complete"] is True and doc["police"]["total"]["complete"] is True
        whole = doc["police"]["total"]  # police.total keeps every district, Peterborough too
        assert (
            whole["da_incidents"]
            == cambs["da_incidents"] + doc["police"]["by_area"]["Peterborough"]["da_incidents"]
        )


def test_demographics_reproduced(metrics):
    other = PUBLISHED["other_relevant_data"]
    for q in QUARTERS:
        demo = metrics[q]["demographics"]
        assert demo["male_victims"] == other["male_victims"][q]
        assert demo["disability"] == other["disability"][q]
        printed = {k: v for k, v in other["lgbt"][q].items() if k != "Total"}
        assert demo["sexual_orientation"] == printed


def test_figure_8_reproduced_for_cambridge_city(metrics):
    """`dasv metrics --year-ending YYYY-09 [--district "Cambridge City"]` gives Figure 8's numbers exactly."""
    for year, printed_year in YEARS_ENDING.items():
        printed = FIGURE_8[printed_year]
        for doc in (metrics[year]["police"]["by_area"]["Cambridge City"],
                    metrics[f"{year} Cambridge City"]["police"]["by_area"]["Cambridge City"]):  # fmt: skip
            assert doc["complete"] is True
            assert (doc["total_recorded"], doc["da_crimes"], doc["da_incidents"], doc["crimed_incidents"],
                    doc["incident_only"]) == (printed["total_incidents_and_crimes"], printed["da_crimes"],
                                              printed["da_incidents"], printed["incidents_crimed"],
                                              printed["incident_only"]), year  # fmt: skip
            assert round(doc["crimed_pct"]) == printed["pct_incidents_crimed"]  # printed as whole percents


def test_table_5_rates_reproduced_to_one_decimal(metrics):
    for year, printed_year in YEARS_ENDING.items():
        police = metrics[year]["police"]
        for printed_name, area in TABLE_5_AREA.items():
            assert police["by_area"][area]["total_per_1000"] == TABLE_5[printed_name][printed_year], (
                area,
                year,
            )
            assert police["by_area"][area]["population_year"] == year[:4]  # the year the period ends in
        assert police["reporting_area"]["total_per_1000"] == TABLE_5["Cambridgeshire"][printed_year], year
