"""The measures step: every measure of the national quarter on SQLite and PostgreSQL, against DuckDB over the same rows."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.shared import (
    DATA,
    QUARTERS,
    RESULTS,
    env_for,
    fresh_postgres,
    log,
    run_measured,
    timed,
)


def load_all(url: str, folder: Path) -> float:
    seconds, _, _ = run_measured(
        [sys.executable, "-m", "dasv", "load", str(folder)], env_for(url, folder / "dasv-national.yaml")
    )
    return seconds


def bench_measures(folder: Path) -> None:
    import duckdb

    from dasv.config import load_deployment
    from dasv.measures.context import variation
    from dasv.measures.document import metrics_document
    from dasv.measures.idva import counts_by_quarter_area
    from dasv.measures.series import COUNTY, monthly_series
    from dasv.quarters import Quarter
    from dasv.report.data import gather_by_area
    from dasv.warehouse.db import open_warehouse

    deployment = load_deployment(folder / "dasv-national.yaml")
    quarter = Quarter(2025, 3)
    areas = [COUNTY, *(a.name for a in deployment.districts)]
    targets = {"sqlite": f"sqlite:///{DATA / 'measures.db'}"}
    (DATA / "measures.db").unlink(missing_ok=True)
    if (pg := fresh_postgres()) is not None:
        targets["postgresql"] = pg
    out = {}
    for name, url in targets.items():
        log(f"measures: loading {QUARTERS} quarters into {name}")
        load_seconds = load_all(url, folder)
        engine = open_warehouse(url)
        with engine.connect() as conn:
            county, doc = timed(metrics_document, conn, deployment, quarter)
            districts, _ = timed(gather_by_area, conn, deployment, [quarter])
            same_query, _ = timed(counts_by_quarter_area, conn, [quarter.fy_start * 10 + quarter.number])
            plain, _ = timed(metrics_document, conn, deployment, quarter, context=False)
            series_seconds, series = timed(monthly_series, conn, deployment, quarter)
            spc_seconds, charts = timed(lambda s: [variation(s, deployment, a) for a in areas], series)
        engine.dispose()
        out[name] = {"load_all_seconds": round(load_seconds, 1), "county_document_seconds": round(county, 2),
                     "all_districts_seconds": round(districts, 2), "all_measures_seconds": round(county + districts, 2),
                     "idva_by_area_seconds": round(same_query, 3),
                     "county_document_without_statistics_seconds": round(plain, 2),
                     "monthly_series_seconds": round(series_seconds, 2),
                     "spc_county_and_every_district_seconds": round(spc_seconds, 3),
                     "spc_charts": sum(len(c) for c in charts),
                     "series_and_spc_seconds": round(series_seconds + spc_seconds, 2)}  # fmt: skip
    log("measures: DuckDB baseline over the same IDVA rows")
    import sqlite3

    import pandas as pd

    with sqlite3.connect(DATA / "measures.db") as source:
        frame = pd.read_sql_query(  # noqa: F841 - DuckDB reads the local DataFrame by name
            "SELECT area_id, quarter_id, person_key, referral_day, criteria_met, engaged, repeat_flag FROM idva_referral",
            source,
        )
    con = duckdb.connect()
    con.execute("CREATE TABLE r AS SELECT * FROM frame")
    qid = quarter.fy_start * 10 + quarter.number
    query = f"""
        SELECT area_id, count(*), sum(criteria_met::INT), sum(engaged::INT),
               sum(CASE WHEN repeat_flag IS NOT NULL THEN repeat_flag::INT
                        WHEN EXISTS (SELECT 1 FROM r p WHERE p.person_key = r.person_key
                                     AND p.referral_day < r.referral_day AND p.referral_day >= r.referral_day - 365)
                        THEN 1 ELSE 0 END)
        FROM r WHERE quarter_id = {qid} GROUP BY area_id"""
    duck, _ = timed(lambda: con.execute(query).fetchall())
    out["duckdb_idva_group_by_seconds"] = round(duck, 3)
    for name in targets:
        out[name]["ratio_to_duckdb_same_group_by"] = round(out[name]["idva_by_area_seconds"] / duck, 2)
        out[name]["ratio_to_duckdb_all_measures"] = round(out[name]["all_measures_seconds"] / duck, 1)
    out["target_ratio_to_duckdb"] = 2.0
    out["target_series_and_spc_seconds"] = 2.0
    out["note"] = ("like for like: the IDVA group-by by area with repeats (ours through SQLAlchemy on the warehouse, "
                   "DuckDB in memory, columnar); all_measures is every measure of the quarter, county and every district")  # fmt: skip
    RESULTS["measures"] = out
