"""Every measure against a small hand-counted fixture, on SQLite and PostgreSQL.

The rows below were counted by hand; the comments say which case each row pins.
"""

from __future__ import annotations

from datetime import date

import pytest

from dasv.measures.document import metrics_document
from dasv.measures.marac import marac_counts_by_quarter_area
from dasv.pipeline import load_files
from dasv.quarters import Quarter
from tests.files import write_csv, write_xlsx

IDVA = [
    ["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met", "Engaged", "Specialism",
     "Referral Route", "Age", "Gender", "Disability", "Sexual Orientation"],
    # 31 December / 1 January: R1 is Q3, R2 is Q4 and a repeat of the same person one day later
    ["R1", "C1", "31/12/2025", "Fenland", "Y", "Y", "Housing; Stalking", "Police", 30, "F", "Y", "Lesbian"],
    ["R2", "C1", "01/01/2026", "Fenland", "Y", "N", "", "Police", 30, "F", "N", "Heterosexual"],
    # criteria not met, engaged blank: counts in the CYP Cambs row with a zero denominator
    ["R3", "C2", "01/10/2025", "Hunts", "N", "", "CYP", "MARAC", 15, "F", "N", "Not asked"],
    # CYP Peterborough: R4 counts in the row, R5 (referred through MARAC) is excluded from it
    ["R4", "C3", "15/11/2025", "Pboro", "Y", "Y", "CYP", "Self", 16, "M", "N", "Bi"],
    ["R5", "C4", "16/11/2025", "Pboro", "Y", "Y", "CYP", "MARAC", 14, "F", "N", ""],
    # the financial year turns in April: R6 is 2026-27 Q1, a repeat of C2 182 days later
    ["R6", "C2", "01/04/2026", "Hunts", "Y", "Y", "", "Police", 16, "F", "N", ""],
    # 366 days apart: R8 is not a repeat of R7
    ["R7", "C5", "01/10/2024", "Fenland", "Y", "Y", "", "Police", 40, "F", "N", ""],
    ["R8", "C5", "02/10/2025", "Fenland", "Y", "N", "", "Health", 41, "F", "Yes", "Heterosexual"],
    ["R9", "C6", "05/10/2025", "OOA", "N", "N", "", "Other", 50, "Male", "N", ""],
]  # fmt: skip

MARAC = [
    ["Case ID", "Client ID", "Referral Date", "Hearing Date", "District", "Referring Agency"],
    ["M1", "V1", "01/10/2025", "21/10/2025", "Fenland", "Police"],
    ["M2", "V1", "01/11/2025", "08/11/2025", "Fenland", "IDVA"],  # repeat: V1 31 days before
    ["M3", "V2", "20/12/2025", "", "Hunts", "Health"],  # awaiting at the end of Q3 and Q4
    ["M4", "V3", "30/12/2025", "05/01/2026", "Pboro", "Police"],  # awaiting at Q3 end, heard in Q4
    ["M5", "V4", "30/09/2025", "01/10/2025", "Hunts", "Police"],  # referred in Q2, heard in Q3
]
DISTRICTS = [
    "Cambridge City",
    "East Cambridgeshire",
    "Fenland",
    "Huntingdonshire",
    "South Cambridgeshire",
    "Peterborough",
]
POLICE = (
    [["Month", "District", "DA Incidents", "DA Crimes"]]
    + [
        [month, d, 10 * (i + 1), 5 * (i + 1)]
        for month in ("2025-10", "2025-11", "2025-12")
        for i, d in enumerate(DISTRICTS)
    ]
    + [["2026-01", "Fenland", 7, 3]]
)  # Q4 has one month of one district: incomplete


@pytest.fixture
def loaded(engine, tmp_path, deployment, pseudonymiser):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "idva" / "idva.xlsx", IDVA)
    write_csv(inbox / "marac" / "marac.csv", MARAC)
    write_csv(inbox / "police" / "police.csv", POLICE)
    results = load_files(engine, [inbox], deployment, pseudonymiser, today=date(2026, 6, 1))
    assert [o.status for _, o in results] == ["loaded"] * 3, [str(p) for e, _ in results for p in e.problems]
    return engine


@pytest.fixture
def docs(loaded, deployment):
    with loaded.connect() as conn:
        return {q: metrics_document(conn, deployment, Quarter.parse(q))
                for q in ("2025-26 Q2", "2025-26 Q3", "2025-26 Q4", "2026-27 Q1")}  # fmt: skip


def test_idva_total_and_by_area(docs):
    q3 = docs["2025-26 Q3"]["idva"]
    assert q3["total"] == {"total_referrals": 6, "criteria_met": 4, "engaged": 3, "engagement_pct": 75.0,
                           "repeats": 0, "repeats_pct": 0.0}  # fmt: skip
    assert q3["by_area"] == {
        "Fenland": {"total_referrals": 2, "criteria_met": 2, "engaged": 1, "engagement_pct": 50.0, "repeats": 0, "repeats_pct": 0.0},
        "Huntingdonshire": {"total_referrals": 1, "criteria_met": 0, "engaged": 0, "engagement_pct": None, "repeats": 0, "repeats_pct": 0.0,
                            "status": {"engagement_pct": "no denominator (0)"}},
        "Peterborough": {"total_referrals": 2, "criteria_met": 2, "engaged": 2, "engagement_pct": 100.0, "repeats": 0, "repeats_pct": 0.0},
        "Out of Area": {"total_referrals": 1, "criteria_met": 0, "engaged": 0, "engagement_pct": None, "repeats": 0, "repeats_pct": 0.0,
                        "status": {"engagement_pct": "no denominator (0)"}},
    }  # fmt: skip


def test_quarter_boundary_and_repeat_across_the_new_year(docs):
    q4 = docs["2025-26 Q4"]["idva"]
    assert q4["total"]["total_referrals"] == 1 and q4["total"]["repeats"] == 1
    # areas with referrals earlier in the financial year stay, with zeros
    assert list(q4["by_area"]) == ["Fenland", "Huntingdonshire", "Peterborough", "Out of Area"]
    assert q4["by_area"]["Peterborough"]["total_referrals"] == 0


def test_financial_year_turns_in_april(docs):
    q1 = docs["2026-27 Q1"]["idva"]
    assert q1["total"]["total_referrals"] == 1 and q1["total"]["repeats"] == 1
    assert list(q1["by_area"]) == ["Huntingdonshire"]  # no earlier quarter in the new year


def test_empty_quarter(docs):
    q2 = docs["2025-26 Q2"]["idva"]
    assert q2["total"] == {"total_referrals": 0, "criteria_met": 0, "engaged": 0, "engagement_pct": None,
                           "repeats": 0, "repeats_pct": None,  # each null says why (never an empty "ok")
                           "status": {"engagement_pct": "no denominator (0)", "repeats_pct": "no denominator (0)"}}  # fmt: skip
    assert q2["by_area"] == {}


def test_report_rows(docs):
    rows = docs["2025-26 Q3"]["idva"]["by_report_row"]
    assert (
        rows["Housing"]["total_referrals"] == 1
        and rows["Stalking (all – Cambs and Peterborough)"]["total_referrals"] == 1
    )
    assert rows["CYP Cambs 13–17"] == {"total_referrals": 1, "criteria_met": 0, "engaged": 0, "engagement_pct": None,
                                       "repeats": 0, "repeats_pct": 0.0, "status": {"engagement_pct": "no denominator (0)"}}  # fmt: skip
    assert rows["CYP Peterborough excluding MARAC referrals"]["total_referrals"] == 1
    assert rows["OOCD"]["total_referrals"] == 0


def test_repeats_computed_from_history_are_reported(docs):
    check = docs["2025-26 Q3"]["idva"]["repeat_check"]
    assert check == {"flagged": 0, "disagree": 0, "unflagged": 6, "history_months": 12}


def test_marac(docs):
    q3, q4 = docs["2025-26 Q3"]["marac"], docs["2025-26 Q4"]["marac"]
    assert {k: q3[k] for k in ("referrals", "cases_heard", "awaiting_hearing", "repeat_cases", "repeat_pct",
                               "median_days_to_hearing")} == {
        "referrals": 4, "cases_heard": 3, "awaiting_hearing": 2, "repeat_cases": 1, "repeat_pct": 33.3,
        "median_days_to_hearing": 7}  # fmt: skip
    # no MARAC list covers Q4's referrals: its figures are not supplied, never 0 (absence is never zero)
    assert (q4["referrals"], q4["cases_heard"], q4["awaiting_hearing"], q4["median_days_to_hearing"]) == (
        None, None, None, None)  # fmt: skip
    assert docs["2025-26 Q4"]["status"]["marac"] == "not supplied"
    # nor does any cover the rest of the rolling year to Q4: incomplete, no count of part of it
    rolling = q4["rolling_12_months"]
    assert rolling["cases_heard"] is None and rolling["status"]["cases_heard"] == "incomplete"
    q3_rolling = q3["rolling_12_months"]
    assert (
        q3_rolling["status"]["cases_heard"] == "incomplete" and q3_rolling["partner_agency_referrals"] is None
    )


def test_police_complete_and_incomplete(docs):
    q3, q4 = docs["2025-26 Q3"]["police"], docs["2025-26 Q4"]["police"]
    assert (q3["total"]["da_incidents"], q3["total"]["da_crimes"], q3["total"]["complete"]) == (
        630,
        315,
        True,
    )
    # rates use the population estimate of the year the quarter ends in: Fenland 2025, 86,000 aged 16+
    assert q3["by_area"]["Fenland"] == {"da_incidents": 90, "da_crimes": 45, "months": 3,
                                        "incidents_per_1000": 1.0, "crimes_per_1000": 0.5, "population_16_plus": 86000}  # fmt: skip
    assert q3["population_year"] == "2025"
    # one month of one district: no total of the months present, the status says why
    assert (q4["total"]["da_incidents"], q4["total"]["complete"], q4["total"]["status"]) == (
        None,
        False,
        "incomplete",
    )
    assert len(q4["total"]["missing_months"]) == 17 and q4["total"]["incidents_per_1000"] is None


def test_demographics(docs):
    assert docs["2025-26 Q3"]["demographics"] == {
        "male_victims": 2, "disability": 2, "aged_13_17": 3,
        "sexual_orientation": {"Lesbian": 1, "Bi": 1, "Not asked": 1}, "lgbt_total": 2,
    }  # fmt: skip


def test_an_incomplete_police_quarter_prints_as_incomplete_not_a_short_total(loaded, deployment):
    from dasv.report.build import build_report

    with loaded.connect() as conn:
        report = build_report(conn, deployment, Quarter.parse("2025-26 Q4"))
    tables = {t.key: t for t in report.all_tables}
    other = tables["other_data"]
    incidents = next(row for row in other.rows if row[0] == "Police DA incidents, all districts")
    assert incidents[1:3] == ["incomplete", 630]  # Q4 (one month of one district), then Q3
    police = tables["police_by_district"]
    assert police.rows[-1][:3] == ["Total", "incomplete", 630]
    headline = next(
        row for row in tables["headline"].rows if row[0] == "Police DA incidents Cambridgeshire (5 districts)"
    )
    # Q4 incomplete (no interval), Q3 the five Cambs districts, no change between them
    assert (headline[1], headline[2], headline[3]) == ("incomplete", None, 450) and headline[4].text() == "–"
    assert any("incomplete" in note for note in report.quality)


def test_median_days_of_an_even_number_of_cases_is_the_mean_of_the_middle_two(engine, tmp_path, deployment,
                                                                              pseudonymiser):  # fmt: skip
    """Four cases heard: 2, 5, 8 and 30 days -> 6.5 (the old window-function query said 8: SQLAlchemy 2's
    true division made ``(n + 1) / 2`` 2.5, so it matched only the upper middle row)."""
    rows = [MARAC[0]] + [
        [f"E{i}", f"W{i}", referred, heard, district, "Police"]
        for i, (referred, heard, district) in enumerate([
            ("01/10/2025", "03/10/2025", "Fenland"), ("01/10/2025", "06/10/2025", "Fenland"),
            ("01/10/2025", "09/10/2025", "Hunts"), ("01/10/2025", "31/10/2025", "Hunts"),
        ])
    ]  # fmt: skip
    write_csv(tmp_path / "inbox" / "marac.csv", rows)
    results = load_files(engine, [tmp_path / "inbox"], deployment, pseudonymiser, today=date(2026, 6, 1))
    assert [o.status for _, o in results] == ["loaded"]
    with engine.connect() as conn:
        doc = metrics_document(conn, deployment, Quarter.parse("2025-26 Q3"))
    assert doc["marac"]["median_days_to_hearing"] == 6.5
    with engine.connect() as conn:
        q3 = Quarter.parse("2025-26 Q3")
        by_area = marac_counts_by_quarter_area(conn, [q3])[q3].areas
    assert (by_area["Fenland"].median_days_to_hearing, by_area["Huntingdonshire"].median_days_to_hearing) == (
        3.5,
        19,
    )
