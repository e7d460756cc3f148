"""Year-ending figures on hand-counted fixtures (SQLite and PostgreSQL), and the printed mistake.

The fixture (Fenland only, so every count is easy to check by eye):

- police months September 2023 to October 2024 for Fenland, 100 incidents and 60 crimes a
  month; the crimed column is 40 a month except February and March 2024, where the
  second file leaves it blank: every year here that holds them has no crimed figure;
- the years ending August, September and October 2024 miss no month; the year ending
  November 2024 misses November (incomplete);
- IDVA referrals on 28 Feb 2023 (outside the year ending February 2024), 1 Mar 2023 (its
  first day), 29 Feb 2024 (its last day: a leap day), 30 Sep 2024 (the last day of the year
  ending September 2024) and 1 Oct 2024 (the first day after it).
"""

from __future__ import annotations

from datetime import date

import pytest

from dasv.loaders.export import read_export
from dasv.measures.year_ending import YearEnding, year_ending_document
from dasv.pipeline import load_files
from tests.files import IDVA_HEADER, write_csv

TODAY = date(2025, 1, 15)


def _month(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


@pytest.fixture
def loaded(engine, deployment, pseudonymiser, tmp_path):
    months = [(2023, m) for m in range(9, 13)] + [(2024, m) for m in range(1, 11)]
    with_crimed = [
        [_month(y, m), "Fenland", 100, 60, 40] for y, m in months if (y, m) not in ((2024, 2), (2024, 3))
    ]
    blank_crimed = [[_month(y, m), "Fenland", 100, 60, ""] for y, m in ((2024, 2), (2024, 3))]
    header = ["Month", "District", "DA Incidents", "DA Crimes", "Incidents Resulting in a Crime"]
    write_csv(tmp_path / "inbox" / "police" / "a.csv", [header, *with_crimed])
    write_csv(tmp_path / "inbox" / "police" / "b.csv", [header, *blank_crimed])
    days = ["28/02/2023", "01/03/2023", "29/02/2024", "30/09/2024", "01/10/2024"]
    rows = [[f"R{i}", f"C{i}", day, "Fenland", "Y", "Y"] for i, day in enumerate(days)]
    write_csv(tmp_path / "inbox" / "idva" / "r.csv", [IDVA_HEADER, *rows])
    results = load_files(engine, [tmp_path / "inbox"], deployment, pseudonymiser, today=TODAY)
    assert [o.status for _, o in results] == ["loaded"] * 3
    return engine


def doc(engine, deployment, month: str) -> dict:
    with engine.connect() as conn:
        return year_ending_document(conn, deployment, YearEnding.parse(month))


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        # Sep 2023 .. Aug 2024 would need Sep 2023: present; Feb/Mar 2024 lack the crimed column
        ("2024-08", {"da_incidents": 1200, "da_crimes": 720, "crimed_incidents": None, "complete": True}),
        # Oct 2023 .. Sep 2024: the September/October boundary; still no crimed figure
        ("2024-09", {"da_incidents": 1200, "da_crimes": 720, "crimed_incidents": None, "complete": True}),
        # Nov 2023 .. Oct 2024: complete
        ("2024-10", {"da_incidents": 1200, "complete": True}),
        # Dec 2023 .. Nov 2024: November 2024 is missing, so the year is incomplete
        # (never the sum of the eleven months present: null, with its status)
        (
            "2024-11",
            {
                "da_incidents": None,
                "complete": False,
                "status": "incomplete",
                "missing_months": ["Fenland 2024-11"],
            },
        ),  # fmt: skip
    ],
)
def test_police_year_boundaries_and_completeness(loaded, deployment, month, expected):
    fenland = doc(loaded, deployment, month)["police"]["by_area"]["Fenland"]
    assert {k: fenland[k] for k in expected} == expected
    if not fenland["complete"]:
        assert fenland["total_per_1000"] is None  # no rate on a short year


def test_crimed_figures_appear_only_when_every_month_has_the_column(loaded, deployment):
    """Nov 2023 .. Oct 2024 is complete, but February and March came without the crimed column."""
    fenland = doc(loaded, deployment, "2024-10")["police"]["by_area"]["Fenland"]
    assert fenland["complete"] is True and fenland["da_incidents"] == 1200
    assert fenland["crimed_incidents"] is fenland["incident_only"] is fenland["total_recorded"] is None
    assert fenland["crimed_pct"] is None and fenland["total_per_1000"] is None


def test_crimed_sums_incident_only_total_and_rate(engine, deployment, pseudonymiser, tmp_path):
    header = ["Month", "District", "DA Incidents", "DA Crimes", "Crimed Incidents"]
    rows = [[_month(2024 + (m < 10), m), "Fenland", 100 + m, 60, 40 + m] for m in [10, 11, 12, *range(1, 10)]]
    write_csv(tmp_path / "police" / "y.csv", [header, *rows])
    [(_, outcome)] = load_files(
        engine, [tmp_path / "police"], deployment, pseudonymiser, today=date(2025, 12, 1)
    )
    assert outcome.status == "loaded"
    fenland = doc(engine, deployment, "2025-09")["police"]["by_area"]["Fenland"]
    incidents = sum(100 + m for m in range(1, 13))  # 1,278
    crimed = sum(40 + m for m in range(1, 13))  # 558
    assert (fenland["da_incidents"], fenland["crimed_incidents"]) == (incidents, crimed)
    assert fenland["incident_only"] == incidents - crimed == 720
    assert fenland["total_recorded"] == 720 + 720  # incident-only + 12 x 60 crimes
    assert fenland["crimed_pct"] == 43.7  # 558 / 1,278 = 43.66%
    assert fenland["population_year"] == "2025" and fenland["population"] == 105600
    assert fenland["total_per_1000"] == 13.6  # 1,440 / 105,600 x 1,000 = 13.64


def test_idva_year_boundaries_and_the_leap_day(loaded, deployment):
    assert (
        doc(loaded, deployment, "2024-02")["idva"]["by_area"]["Fenland"]["total_referrals"] == 2
    )  # 1 Mar 23, 29 Feb 24
    assert (
        doc(loaded, deployment, "2024-09")["idva"]["by_area"]["Fenland"]["total_referrals"] == 2
    )  # 29 Feb, 30 Sep
    assert doc(loaded, deployment, "2024-10")["idva"]["by_area"]["Fenland"]["total_referrals"] == 3
    assert YearEnding.parse("2024-02").end == date(2024, 2, 29)
    assert YearEnding.parse("2024-02").start == date(2023, 3, 1)


def test_a_crimed_count_above_the_incidents_is_refused_naming_the_row(deployment, tmp_path):
    header = ["Month", "District", "DA Incidents", "DA Crimes", "Incidents Crimed"]
    path = write_csv(tmp_path / "police" / "bad.csv", [header, ["2024-10", "Fenland", 40, 30, 12],
                                                       ["2024-11", "Fenland", 40, 30, 50]])  # fmt: skip
    export = read_export(path, deployment, today=TODAY, display_name="bad.csv")
    assert export.refused
    assert str(export.problems[0]) == (
        "bad.csv: row 3 column 'Incidents Crimed': 50 incidents crimed is more than the row's 40 DA incidents; "
        "expected at most the DA incidents of the same month and district"
    )


def test_the_printed_statement_mistake_cannot_happen(deployment, pseudonymiser, tmp_path, sample_template):
    """The strategic assessment printed DA incidents rose "14% (+152 incidents)"; +152 is incident-only.

    Our statements name the measure they compare and compute its own change: incidents
    +148 (+7.7%, printed whole as every change in the report: +8%), incident-only +152 (+16.5%: +17%).
    """
    from dasv.report.year_ending import YearEndingFigures
    from dasv.warehouse.db import open_warehouse

    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.db'}")
    load_files(engine, [sample_template.inbox / "police"], deployment, pseudonymiser)  # read, never changed
    with engine.connect() as conn:
        figures = YearEndingFigures(conn, deployment, YearEnding.parse("2025-09"))
    lines = figures.statements("Cambridge City", "Cambridge City", suppressed=True)
    assert ("Police DA incidents, Cambridge City: +148 (+8%), from 1,914 in the year ending September 2024 "
            "to 2,062 in the year ending September 2025, the highest of the four years shown.") in lines  # fmt: skip
    assert ("Incident only, Cambridge City: +152 (+17%), from 919 in the year ending September 2024 to 1,071 "
            "in the year ending September 2025, the highest of the four years shown.") in lines  # fmt: skip
    assert not any("+152" in line and "incidents," in line.split(":")[0] for line in lines)
    table = figures.police_table([("Cambridge City", "Cambridge City")], suppressed=True)
    printed = {row[0]: [table.text(r, c) for c in range(1, 5)] for r, row in enumerate(table.rows)}
    assert printed["Proportion of incidents crimed"] == ["56%", "53%", "52%", "48%"]  # Figure 8's row
    assert printed["Police recorded DA per 1,000 population (all ages)"] == ["17.1", "13.9", "16.0", "16.7"]
    engine.dispose()


# --- DA crimes by offence group ------------------------------------------------------------------

OFFENCE_HEADER = ["Month", "District", "Offence group", "DA Crimes"]
# 60 DA crimes a month, as the monthly counts: 45 + 5 + 1 + 9; March 2024's groups add to 59
GROUPS = {"Violence against the person": 45, "Sexual offences": 5, "Robbery": 1, "Public order offences": 9}


@pytest.fixture
def with_groups(loaded, deployment, pseudonymiser, tmp_path):
    months = [(2023, m) for m in range(10, 13)] + [(2024, m) for m in range(1, 10)]
    rows = [[_month(y, m), "Fenland", g, n - ((y, m, g) == (2024, 3, "Robbery"))]
            for y, m in months for g, n in GROUPS.items()]  # fmt: skip
    write_csv(tmp_path / "groups" / "police" / "groups.csv", [OFFENCE_HEADER, *rows])
    results = load_files(loaded, [tmp_path / "groups"], deployment, pseudonymiser, today=TODAY)
    assert [(o.status, o.source) for _, o in results] == [("loaded", "offences")]
    return loaded


def test_offence_group_breakdown_of_a_whole_year_and_null_with_a_status_otherwise(with_groups, deployment):
    year = doc(with_groups, deployment, "2024-09")["police"]
    fenland = year["by_area"]["Fenland"]
    # 12 months: 540, 60, 11 (one month's robbery is 0), 108 of 719; groups with no row had none
    assert fenland["by_offence_group_status"] == "ok"
    assert fenland["by_offence_group"]["Violence against the person"] == {"da_crimes": 540, "share_pct": 75.1}
    assert fenland["by_offence_group"]["Sexual offences"] == {"da_crimes": 60, "share_pct": 8.3}
    assert fenland["by_offence_group"]["Robbery"] == {"da_crimes": 11, "share_pct": 1.5}
    assert fenland["by_offence_group"]["Public order offences"] == {"da_crimes": 108, "share_pct": 15.0}
    assert fenland["by_offence_group"]["Drug offences"] == {"da_crimes": 0, "share_pct": 0.0}
    assert list(fenland["by_offence_group"]) == deployment_groups()
    # the county holds no other district's groups: never the share of Fenland alone
    assert (year["total"]["by_offence_group"], year["total"]["by_offence_group_status"]) == (
        None,
        "incomplete",
    )
    assert year["by_area"]["Peterborough"]["by_offence_group_status"] == "not supplied"
    # the year ending October 2024 lacks October's groups: incomplete, never eleven months' shares
    later = doc(with_groups, deployment, "2024-10")["police"]["by_area"]["Fenland"]
    assert (later["by_offence_group"], later["by_offence_group_status"]) == (None, "incomplete")


def test_offence_groups_differing_from_the_monthly_crimes_are_named(with_groups):
    from dasv.measures.offence_groups import reconciliation_notes

    with with_groups.connect() as conn:
        notes = reconciliation_notes(conn, date(2023, 10, 1), date(2024, 9, 1))
    assert len(notes) == 1
    assert "in 1 district-month (Fenland 2024-03: groups 59, monthly counts 60)" in notes[0]


def deployment_groups() -> list[str]:
    from dasv.config import load_deployment
    from dasv.loaders.values import offence_groups_of

    return offence_groups_of(load_deployment())


def test_the_sample_breaks_down_the_same_months_as_its_police_counts(sample_warehouse, deployment):
    """Groups add up to the monthly DA crimes; violence about three quarters; sexual offences about 8% and rising."""
    from dasv.measures.offence_groups import reconciliation
    from dasv.warehouse.db import open_warehouse

    engine = open_warehouse(f"sqlite:///{sample_warehouse.db}")
    try:
        with engine.connect() as conn:
            assert reconciliation(conn, date(2021, 10, 1), date(2025, 12, 1)) == []
            years = [
                year_ending_document(conn, deployment, YearEnding(date(y, 9, 1)))
                for y in (2022, 2023, 2024, 2025)
            ]
    finally:
        engine.dispose()
    for doc_ in years:
        for entry in [doc_["police"]["total"], *doc_["police"]["by_area"].values()]:
            assert entry["by_offence_group_status"] == "ok"
            assert sum(g["da_crimes"] for g in entry["by_offence_group"].values()) == entry["da_crimes"]
    city = [d["police"]["by_area"]["Cambridge City"]["by_offence_group"] for d in years]
    assert 74.5 <= city[-1]["Violence against the person"]["share_pct"] < 75.5  # prints 75%
    assert 7.5 <= city[-1]["Sexual offences"]["share_pct"] < 8.5  # prints 8%
    sexual = [c["Sexual offences"]["share_pct"] for c in city]
    assert sexual == sorted(sexual) and sexual[0] < sexual[-1]
    ranked = sorted(city[-1], key=lambda g: -city[-1][g]["da_crimes"])
    assert ranked[:2] == ["Violence against the person", "Sexual offences"]
    assert min(city[-1][g]["da_crimes"] for g in ("Robbery", "Drug offences")) < 5  # small groups to withhold


def test_the_breakdown_table_drafts_nothing_from_a_short_year_and_data_quality_names_the_months(
    with_groups, deployment
):
    from dasv.measures.status import Missing
    from dasv.report.build import offence_group_notes
    from dasv.report.cells import Rate, Suppressed
    from dasv.report.year_ending import YearEndingFigures

    with with_groups.connect() as conn:
        figures = YearEndingFigures(conn, deployment, YearEnding.parse("2024-09"))
        notes = offence_group_notes(conn, figures)
    assert "Fenland 2024-03: groups 59, monthly counts 60" in notes[0]
    table = figures.offence_groups_table("Fenland", "Fenland", suppressed=False)
    rows = {row[0]: row[1:] for row in table.rows}
    *earlier, last = [
        rows["Violence against the person"][2 * i : 2 * i + 2] for i in range(len(figures.years))
    ]
    assert last[0] == 540 and isinstance(last[1], Rate) and last[1].value(1) == 75.1
    assert earlier and all(isinstance(c, Missing) for pair in earlier for c in pair)  # never 0, never a share
    assert (
        figures.offence_statements("Fenland", "Fenland", suppressed=False) == []
    )  # a short year: nothing drafted
    # protected: the county lacks the year, so Fenland's counts were never planned and are never printed bare
    protected = figures.offence_groups_table("Fenland", "Fenland", suppressed=True)
    assert isinstance(protected.rows[0][-2], Suppressed)


def test_without_the_offence_group_export_the_breakdown_is_not_supplied_and_the_police_status_stays_ok(
    loaded, deployment
):
    from dasv.measures.present import explain_nulls, statuses

    year = explain_nulls(doc(loaded, deployment, "2024-09"))
    fenland = year["police"]["by_area"]["Fenland"]
    # the police entry's own status is as it was (here the crimed figures' map): nothing of the breakdown in it
    assert "by_offence_group" not in fenland["status"] and fenland["da_crimes"] == 720
    assert (fenland["by_offence_group"], fenland["by_offence_group_status"]) == (None, "not supplied")
    assert statuses(year)["police.by_area.Fenland.by_offence_group"] == "not supplied"  # null with its reason
