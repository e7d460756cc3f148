"""The analyst's feed as Power BI or Excel loads it: pandas reads the CSV over HTTP with a token.

A quarter is published, corrected (version 2) and a later quarter published; filtering on
``latest`` must count every figure once, with the corrected value, and ``revised`` must say
which figures changed since first published.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from dasv import accounts
from dasv.config import load_deployment
from dasv.pipeline import load_files, publish, render_quarter
from dasv.portal.feed import COLUMNS, STATUSES
from dasv.privacy import Pseudonymiser
from dasv.quarters import Quarter
from dasv.warehouse.db import open_warehouse
from tests.files import IDVA_HEADER, write_csv
from tests.servers import free_port, start, stop

Q2, Q3 = Quarter.parse("2025-26 Q2"), Quarter.parse("2025-26 Q3")
KEY = Pseudonymiser("feed-test-key")


def _rows(n: int, day: str, district: str, start: int = 0) -> list[list]:
    return [[f"R{i}", f"C{i}", day, district, "Y", "Y" if i % 3 else "N"] for i in range(start, start + n)]


def _inbox(folder: Path, q2_fenland: int) -> None:
    write_csv(folder / "idva" / "q2.csv", [IDVA_HEADER, *_rows(q2_fenland, "03/08/2025", "Fenland"),
                                           *_rows(30, "04/08/2025", "Hunts", 500)])  # fmt: skip
    write_csv(folder / "idva" / "q3.csv", [IDVA_HEADER, *_rows(35, "03/11/2025", "Fenland", 1000),
                                           *_rows(32, "04/11/2025", "Hunts", 1500)])  # fmt: skip


@pytest.fixture(scope="module")
def revised(tmp_path_factory):
    """Q2 published, corrected (Fenland's referrals 40 -> 37) as version 2, then Q3; a portal serving it."""
    tmp = tmp_path_factory.mktemp("feed")
    url = f"sqlite:///{tmp / 'w.db'}"
    engine, deployment, out, store = open_warehouse(url), load_deployment(), tmp / "out", tmp / "store"
    _inbox(tmp / "inbox", 40)
    load_files(engine, [tmp / "inbox"], deployment, KEY)
    render_quarter(engine, deployment, Q2, out)
    publish(engine, deployment, Q2, out, store)
    _inbox(tmp / "inbox", 37)
    load_files(engine, [tmp / "inbox" / "idva" / "q2.csv"], deployment, KEY)
    render_quarter(engine, deployment, Q2, out)
    assert publish(engine, deployment, Q2, out, store).version == 2
    render_quarter(engine, deployment, Q3, out)
    publish(engine, deployment, Q3, out, store)
    accounts.add_user(engine, "analyst@csp.test", "csp", ["Fenland"], "a long enough test password")
    _, token = accounts.create_token(engine, "analyst@csp.test")
    port = free_port()
    env = {**os.environ, "DASV_DATABASE_URL": url, "DASV_PUBLISH_DIR": str(store),
           "DASV_PORTAL_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    process = start(
        [sys.executable, "-m", "dasv", "portal", "serve", "--port", str(port)], env, tmp / "portal.log"
    )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while time.monotonic() - started < 60:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).text == "ok":
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield {"base": base, "token": token, "deployment": deployment}
    stop(process)
    engine.dispose()


def _feed(revised) -> pd.DataFrame:
    """The CSV as a "From Web" query reads it: over HTTP, with the token in the Authorization header."""
    url = f"{revised['base']}/api/v1/districts/fenland/metrics.csv"
    return pd.read_csv(url, storage_options={"Authorization": f"Bearer {revised['token']}"},
                       dtype={"value": "float64"}, keep_default_na=False, na_values={"value": [""]})  # fmt: skip


def test_filtering_latest_never_counts_a_revised_figure_twice(revised):
    feed = _feed(revised)
    assert list(feed.columns) == COLUMNS
    quarters = feed[feed.period_type == "quarter"]
    assert set(quarters.period) == {"2025-26 Q2", "2025-26 Q3"}  # every published quarter
    assert set(quarters[quarters.period == "2025-26 Q2"].version) == {1, 2}  # and every version
    latest = feed[feed.latest]
    key = ["period_type", "period", "measure", "area"]
    assert not latest.duplicated(key).any()  # one row per figure: nothing counted twice
    assert len(latest.drop_duplicates(key)) == len(feed.drop_duplicates(key))  # and no figure lost
    referrals = latest[(latest.measure == "idva.total_referrals") & (latest.area == "Fenland")
                       & (latest.period_type == "quarter")]  # fmt: skip
    assert referrals.set_index("period").value.to_dict() == {"2025-26 Q2": 37.0, "2025-26 Q3": 35.0}
    assert referrals.value.sum() == 72  # what a dashboard's total shows
    row = latest[(latest.measure == "idva.total_referrals") & (latest.area == "Fenland")
                 & (latest.period == "2025-26 Q2")].iloc[0]  # fmt: skip
    assert row.revised and row.version == 2 and row.label == "IDVA referrals" and row.status == "ok"
    first = feed[(feed.period == "2025-26 Q2") & (feed.version == 1) & (feed.measure == "idva.total_referrals")
                 & (feed.area == "Fenland")].iloc[0]  # fmt: skip
    assert first.value == 40 and not first.revised and not first.latest


def test_county_rows_withheld_markers_and_json_match_the_csv(revised):
    feed = _feed(revised)
    county = revised["deployment"].county_label
    latest = feed[feed.latest & (feed.period_type == "quarter")]
    assert set(latest.area) == {"Fenland", county}
    assert set(latest[latest.area == county].measure) <= set(latest[latest.area == "Fenland"].measure)
    assert set(feed.status) <= set(STATUSES)
    assert not (feed.value.isna() & (feed.status == "ok")).any(), feed[
        feed.value.isna() & (feed.status == "ok")
    ]
    # the years ending the slice shows (up to four; years before anything was loaded are left out)
    years = {p for t, p in zip(feed.period_type, feed.period, strict=True) if t == "year_ending"}
    slice_doc = httpx.get(f"{revised['base']}/districts/fenland/2025-26-Q3/metrics.json",
                          headers={"Authorization": f"Bearer {revised['token']}"})  # fmt: skip
    if slice_doc.status_code == 200:
        assert years == {y["district"]["year_ending"] for y in slice_doc.json()["year_ending_years"]}
    assert 1 <= len(years) <= 4
    as_json = httpx.get(f"{revised['base']}/api/v1/districts/fenland/metrics.json",
                        headers={"Authorization": f"Bearer {revised['token']}"}).json()["rows"]  # fmt: skip
    assert len(as_json) == len(feed) and list(as_json[0]) == COLUMNS
    text = httpx.get(f"{revised['base']}/api/v1/districts/fenland/metrics.csv",
                     headers={"Authorization": f"Bearer {revised['token']}"}).text  # fmt: skip
    assert pd.read_csv(io.StringIO(text)).shape == feed.shape


def test_a_withheld_value_says_which_marker_as_the_slice_prints_it(published, server):
    """The sample's Fenland slice withholds small counts (<5) and what would reveal them ([c])."""
    token = published["tokens"]["csp-fenland"]
    feed = pd.read_csv(f"{server}/api/v1/districts/fenland/metrics.csv", keep_default_na=False,
                       storage_options={"Authorization": f"Bearer {token}"})  # fmt: skip
    withheld = feed[feed.status == "withheld"]
    assert set(withheld.suppression) == {"<5", "[c]"} and withheld.value.eq("").all()
    assert feed[feed.status != "withheld"].suppression.eq("").all()
    cyp = feed[(feed.period == "2025-26 Q3") & feed.measure.str.startswith("idva.by_report_row.CYP")]
    marks = dict(zip(cyp.measure.str.rsplit(".", n=1).str[-1], cyp.suppression, strict=True))
    assert (
        marks["total_referrals"] == "<5" and marks["engagement_pct"] == "[c]"
    )  # not blank and "not withheld"
    assert (feed[feed.area != "Fenland"].area == published["deployment"].county_label).all()
    # each figure of an area and period is named once, by its own name: no two measures share a label
    # (the offence groups name their group), and no label is the measure's path
    named = feed.groupby(["period", "area", "label"]).measure.nunique()
    assert (named == 1).all(), named[named > 1].head()
    assert not (feed.label == feed.measure).any(), feed[feed.label == feed.measure].measure.unique()[:5]


def test_the_demo_publishes_every_quarter_it_renders(tmp_path):
    import subprocess

    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'demo' / 'warehouse.db'}",
           "DASV_PUBLISH_DIR": str(tmp_path / "demo" / "publish")}  # fmt: skip
    demo = subprocess.run([sys.executable, "-m", "dasv", "demo", "--out", str(tmp_path / "demo")], env=env,
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-2000:]
    listed = subprocess.run([sys.executable, "-m", "dasv", "publications"], env=env, capture_output=True, text=True,
                            cwd=tmp_path, timeout=120).stdout  # fmt: skip
    rendered = sorted(p.name for p in (tmp_path / "demo" / "out").iterdir() if p.is_dir())
    assert rendered == ["2025-26-Q1", "2025-26-Q2", "2025-26-Q3"]
    for quarter in ("2025-26 Q1", "2025-26 Q2", "2025-26 Q3"):
        assert f"{quarter}  version 1" in listed, listed
