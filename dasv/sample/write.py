"""Write the sample inbox: realistic, deliberately messy exports of made-up people.

Each file exercises what docs/adopting.md says real exports do: banner rows above the header,
column aliases, personal columns that must be dropped (names, postcodes, addresses,
dates of birth), mixed date and yes/no forms, area aliases, blank rows and total rows,
xlsx and Windows-1252 CSV.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import Workbook

from dasv.config import load_deployment
from dasv.quarters import Quarter
from dasv.sample import targets as T
from dasv.sample.generate import Case, Referral, idva_referrals, marac_cases
from dasv.sample.police import offence_groups, police_counts


def write_sample_inbox(out: Path, seed: int = 2526) -> list[Path]:
    """Write ``idva/``, ``marac/``, ``police/`` and ``commentary/`` under ``out``; return the files."""
    out = Path(out)
    rng = random.Random(seed + 10)
    aliases = _area_spellings()
    referrals = idva_referrals(seed)
    by_quarter = {q: [r for r in referrals if r.quarter == q] for q in T.QUARTERS}
    history = [r for r in referrals if r.quarter in T.HISTORY]
    cases = marac_cases(seed)
    first = Quarter.parse(T.QUARTERS[0]).start
    written = [
        _idva_history_xlsx(out / "idva" / "IDVA referrals Jan 2024 - Mar 2025.xlsx", history, rng, aliases),
        _marac_xlsx(
            out / "marac" / "MARAC case list 2024 to March 2025.xlsx",
            [c for c in cases if c.referred < first],
            rng,
            aliases,
            title="MARAC case list – 1 January 2024 to 31 March 2025",
        ),
        _idva_q1_xlsx(
            out / "idva" / "IDVA referrals Q1 2025-26.xlsx", by_quarter["2025-26 Q1"], rng, aliases
        ),
        _idva_q2_csv(out / "idva" / "idva_export_jul-sep_2025.csv", by_quarter["2025-26 Q2"], rng, aliases),
        _idva_q3_xlsx(
            out / "idva" / "Oasis referrals Oct-Dec 2025.xlsx", by_quarter["2025-26 Q3"], rng, aliases
        ),
        _marac_xlsx(
            out / "marac" / "MARAC case list 2025-26 (Apr-Dec).xlsx",
            [c for c in cases if c.referred >= first],
            rng,
            aliases,
            title="MARAC case list – 1 April 2025 to 31 December 2025",
        ),
    ]
    police = police_counts(seed)
    written += _police_files(out / "police", police, aliases, rng)
    written.append(_offence_groups_xlsx(out / "police", offence_groups(police, seed), aliases, seed))
    for quarter, paragraphs in T.COMMENTARY.items():
        path = out / "commentary" / f"{Quarter.parse(quarter).slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _area_spellings() -> dict[str, list[str]]:
    spellings = {}
    for area in load_deployment().areas:
        spellings[area.name] = [area.name, *[a for a in area.aliases if a]] + (
            [""] if "" in area.aliases else []
        )
    return spellings


def _area(rng: random.Random, aliases: dict, area: str) -> str:
    return rng.choice(aliases[area])


def _yes_no(rng: random.Random, value: bool, forms: list[tuple[str, str]]) -> str:
    yes, no = rng.choice(forms)
    return yes if value else no


def _save(wb: Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.properties.creator = "Case management system export"
    wb.save(path)
    return path


def _add_rows(ws, rows: list[list], rng: random.Random, blank_every: int = 0) -> None:
    for i, row in enumerate(rows):
        ws.append(row)
        if blank_every and i and i % blank_every == 0 and rng.random() < 0.5:
            ws.append([])


def _idva_q1_xlsx(path: Path, refs: list[Referral], rng: random.Random, aliases: dict) -> Path:
    """Three banner rows (one merged), aliases, Excel dates mixed with UK text dates, a Total row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Referrals"
    ws.append(["IDVA Service – Referrals April to June 2025"])
    ws.merge_cells("A1:F1")
    ws.append(["Exported 03/07/2025 by Oasis reporting (performance team)"])
    ws.append([])
    ws.append(["Ref ID", "Client Ref", "Client Name", "Date of Referral", "Area", "Postcode",
               "Referral Criteria Met (Y/N)", "Client Engaged", "Specialist Service", "Referred By",
               "DASH Risk", "Repeat Referral", "Age at Referral", "Gender", "Disabled", "Sexuality",
               "Ethnic Group"])  # fmt: skip
    forms = [("Y", "N"), ("Y", "N"), ("Yes", "No"), ("y", "n")]
    rows = []
    for r in refs:
        day: object = r.day
        if rng.random() < 0.12:
            day = r.day.strftime("%d/%m/%Y")
        rows.append([
            r.ref, r.client, r.name, day, _area(rng, aliases, r.area), r.postcode,
            _yes_no(rng, r.criteria_met, forms),
            _yes_no(rng, r.engaged, forms) if r.criteria_met or rng.random() < 0.5 else None,
            "; ".join(_specialism_spelling(rng, s) for s in r.specialisms) or None,
            r.route, r.risk, _yes_no(rng, r.repeat, forms), r.age, r.gender, r.disability,
            r.orientation, r.ethnicity,
        ])  # fmt: skip
    _add_rows(ws, rows, rng, blank_every=97)
    ws.append([])
    ws.append(["Total", None, None, None, None, None, sum(r.criteria_met for r in refs)])
    for cell in ws["D"][4:]:
        cell.number_format = "DD/MM/YYYY"
    return _save(wb, path)


def _idva_history_xlsx(path: Path, refs: list[Referral], rng: random.Random, aliases: dict) -> Path:
    """The service's earlier referrals, exported before it recorded a Repeat flag: repeats are computed."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Referrals"
    ws.append(["Oasis – referrals January 2024 to March 2025 (historic extract, no repeat flag)"])
    ws.append(["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met", "Engaged", "Specialism",
               "Referral Route", "Risk Level", "Age", "Gender", "Disability", "Sexual Orientation", "Ethnicity"])  # fmt: skip
    for r in refs:
        ws.append([r.ref, r.client, r.day, _area(rng, aliases, r.area), "Y" if r.criteria_met else "N",
                   "Y" if r.engaged else "N", "; ".join(r.specialisms) or None, r.route, r.risk, r.age, r.gender,
                   r.disability, r.orientation, r.ethnicity])  # fmt: skip
    for cell in ws["C"][2:]:
        cell.number_format = "DD/MM/YYYY"
    return _save(wb, path)


def _idva_q2_csv(path: Path, refs: list[Referral], rng: random.Random, aliases: dict) -> Path:
    """Windows-1252 CSV: a title line, dates of birth instead of ages, short UK dates, 1/0 and Yes/No."""
    buffer = io.StringIO(newline="")
    w = csv.writer(buffer, lineterminator="\r\n")
    w.writerow(["IDVA referrals export", "", "", ""])
    w.writerow(["Period: July – September 2025", "", "", ""])
    w.writerow(["Referral No", "Person ID", "Full Name", "Date Referred", "District", "Address",
                "Meets Criteria", "Engagement", "Pathway", "Referral Source", "Risk", "Is Repeat",
                "Date of Birth", "Sex", "Has Disability", "Sexual Orientation", "Ethnicity"])  # fmt: skip
    forms = [("Yes", "No"), ("1", "0"), ("TRUE", "FALSE"), ("Y", "N")]
    date_forms: list[Callable[[date], str]] = [
        lambda d: d.strftime("%d/%m/%Y"),
        lambda d: f"{d.day}/{d.month}/{d:%y}",
        lambda d: f"{d.isoformat()} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00",
    ]
    for i, r in enumerate(refs):
        born = _birth_date(rng, r.day, r.age)
        w.writerow([
            r.ref, r.client, r.name, rng.choice(date_forms)(r.day), _area(rng, aliases, r.area),
            f"{rng.randint(1, 99)} {rng.choice(['High Street', 'Mill Road', 'Station Road'])}, {r.postcode}",
            _yes_no(rng, r.criteria_met, forms), _yes_no(rng, r.engaged, forms),
            " / ".join(_specialism_spelling(rng, s) for s in r.specialisms),
            r.route, r.risk, _yes_no(rng, r.repeat, forms), born.strftime("%d/%m/%Y"),
            r.gender, {"Yes": "Y", "No": "N"}.get(r.disability, r.disability), r.orientation,
            r.ethnicity,
        ])  # fmt: skip
        if i in (40, 41, 300):
            w.writerow([""] * 17)
    w.writerow([""] * 17)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def _idva_q3_xlsx(path: Path, refs: list[Referral], rng: random.Random, aliases: dict) -> Path:
    """A notes sheet first, data on a sheet not named Referrals, header on row 6, Excel booleans."""
    wb = Workbook()
    notes = wb.active
    notes.title = "About this export"
    notes.append(["Oasis case management – referral extract"])
    notes.append(["Contains personal data. Do not forward."])
    ws = wb.create_sheet("Q3 data")
    ws.append(["Referrals received 1 October 2025 to 31 December 2025"])
    ws.append(["Run at 05/01/2026 09:12"])
    ws.append([])
    ws.append(["Filters: all teams, all risk levels"])
    ws.append([])
    ws.append(["Referral Ref", "Oasis ID", "Surname", "Received", "Client District", "Post Code",
               "Eligible", "Engagement", "Pathway", "Route", "Risk Level", "Repeat", "Age",
               "Gender Identity", "Disability", "Sexual Orientation", "Ethnicity"])  # fmt: skip
    rows = []
    for r in refs:
        received = datetime.combine(r.day, time(rng.randint(8, 18), rng.randint(0, 59)))
        flag_forms: list[tuple[object, object]] = [
            (True, False),
            (True, False),
            ("TRUE", "FALSE"),
            ("✓", "N"),
        ]
        rows.append([
            r.ref, r.client, r.name.split()[-1], received, _area(rng, aliases, r.area), r.postcode,
            _yes_no(rng, r.criteria_met, flag_forms), _yes_no(rng, r.engaged, flag_forms),
            ", ".join(_specialism_spelling(rng, s) for s in r.specialisms) or None,
            r.route, r.risk, _yes_no(rng, r.repeat, flag_forms), r.age, r.gender, r.disability,
            r.orientation, r.ethnicity,
        ])  # fmt: skip
    _add_rows(ws, rows, rng, blank_every=150)
    ws.append(["Grand Total", len(refs)])
    return _save(wb, path)


def _marac_xlsx(path: Path, cases: list[Case], rng: random.Random, aliases: dict, title: str) -> Path:
    """A MARAC case list (the year to date, or the history): hearing dates blank while awaiting."""
    wb = Workbook()
    ws = wb.active
    ws.title = "MARAC"
    ws.append([title])
    ws.append([])
    ws.append(["MARAC ID", "Victim ID", "Victim Name", "Date Referred", "MARAC Date",
               "Local Authority", "Agency", "Repeat Case", "Age", "Gender", "Disability",
               "Sexuality", "Ethnicity"])  # fmt: skip
    for c in cases:
        ws.append([
            c.ref, c.client, f"{rng.choice(['A.', 'B.', 'C.', 'D.'])} {rng.choice(['Smith', 'Khan', 'Nowak'])}",
            c.referred, c.heard, _area(rng, aliases, c.area), c.agency,
            rng.choice([("Yes", "No"), ("Y", "N")])[0 if c.repeat else 1], c.age, c.gender,
            c.disability, c.orientation, c.ethnicity,
        ])  # fmt: skip
    for col in ("D", "E"):
        for cell in ws[col][3:]:
            cell.number_format = "DD/MM/YYYY"
    return _save(wb, path)


def _police_files(folder: Path, rows: list, aliases: dict, rng: random.Random) -> list[Path]:
    """The police exports: history, then one file per printed quarter.

    History from October 2021 as one xlsx; Q1 as CSV with Oct-25 style months; Q2 xlsx with
    Excel dates; Q3 xlsx with month names and a total. Every file has the crimed-incidents
    column, under a different alias each time.
    """

    def district(area: str) -> str:
        return rng.choice([a for a in aliases[area] if a])

    first_printed = Quarter.parse(T.QUARTERS[0]).start
    history = [r for r in rows if r[0] < first_printed]
    quarter_rows = {q: [r for r in rows if Quarter.containing(r[0]).label == q] for q in T.QUARTERS}
    folder.mkdir(parents=True, exist_ok=True)
    return [_police_history(folder, history, district), _police_q1(folder, quarter_rows["2025-26 Q1"], district),
            _police_q2(folder, quarter_rows["2025-26 Q2"], district),
            _police_q3(folder, quarter_rows["2025-26 Q3"], district)]  # fmt: skip


def _police_history(folder: Path, history: list, district) -> Path:
    """The months before the printed quarters as one xlsx, under a title and a note, with Excel dates."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Police"
    first, last = history[0][0], history[-1][0]
    ws.append([f"Cambridgeshire Constabulary – domestic abuse by CSP, {first:%B %Y} to {last:%B %Y}"])
    ws.append(["Backfill for the year-ending figures of the CSP strategic assessments"])
    ws.append(
        ["Month Start", "Local Authority", "DA Incidents", "DA Crimes", "Incidents Resulting in a Crime"]
    )
    for month, area, incidents, crimes, crimed in history:
        ws.append([month, district(area), incidents, crimes, crimed])
    for cell in ws["A"][3:]:
        cell.number_format = "DD/MM/YYYY"
    return _save(wb, folder / f"Police DA counts {first:%b %Y} - {last:%b %Y}.xlsx")


def _police_q1(folder: Path, rows: list, district) -> Path:
    """Q1 as a CSV with a byte-order mark and Oct-25 style months."""
    q1 = folder / "police_da_monthly_2025-26_Q1.csv"
    buffer = io.StringIO(newline="")
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(["Period", "CSP", "DA Related Incidents", "DA Flagged Crimes", "Crimed Incidents"])
    for month, area, incidents, crimes, crimed in rows:
        w.writerow([month.strftime("%b-%y"), district(area), incidents, crimes, crimed])
    q1.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return q1


def _police_q2(folder: Path, rows: list, district) -> Path:
    """Q2 as an xlsx under a title, with Excel dates shown as Jul-25."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Police"
    ws.append(["Cambridgeshire Constabulary – domestic abuse, July to September 2025"])
    ws.append(["Month", "District", "Incidents", "Crimes", "DA Incidents Crimed"])
    for month, area, incidents, crimes, crimed in rows:
        ws.append([month, district(area), incidents, crimes, crimed])
    for cell in ws["A"][2:]:
        cell.number_format = "MMM-YY"
    return _save(wb, folder / "Police DA counts Jul-Sep 2025.xlsx")


def _police_q3(folder: Path, rows: list, district) -> Path:
    """Q3 as an xlsx with month names, crimes as text with thousands commas, and a total row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Police"
    ws.append(["Month", "Area", "DA Incidents", "DA Crimes", "Incidents Crimed"])
    for month, area, incidents, crimes, crimed in rows:
        ws.append([month.strftime("%B %Y"), district(area), incidents, f"{crimes:,}", crimed])
    ws.append(["Total", None, sum(r[2] for r in rows), sum(r[3] for r in rows), sum(r[4] for r in rows)])
    return _save(wb, folder / "Police DA counts Oct-Dec 2025.xlsx")


OFFENCE_SPELLINGS = {"Violence against the person": ["Violence against the person", "VAP"],
                     "Criminal damage and arson": ["Criminal damage and arson", "Criminal damage & arson"]}  # fmt: skip


def _offence_groups_xlsx(folder: Path, rows: list, aliases: dict, seed: int) -> Path:
    """The police DA crimes by offence group for the same months as the counts (its own random stream)."""
    rng = random.Random(seed + 21)
    wb = Workbook()
    ws = wb.active
    ws.title = "Offence groups"
    ws.append([f"Cambridgeshire Constabulary – DA-flagged crimes by Home Office offence group, "
               f"{rows[0][0]:%B %Y} to {rows[-1][0]:%B %Y}"])  # fmt: skip
    ws.append(["Month", "CSP", "HO Offence Group", "DA Flagged Crimes"])
    for month, area, group, crimes in rows:
        spelling = rng.choice(OFFENCE_SPELLINGS.get(group, [group]))
        ws.append([month, rng.choice([a for a in aliases[area] if a]), spelling, crimes])
    for cell in ws["A"][2:]:
        cell.number_format = "MMM-YY"
    return _save(
        wb, folder / f"Police DA crimes by offence group {rows[0][0]:%b %Y} - {rows[-1][0]:%b %Y}.xlsx"
    )


def _specialism_spelling(rng: random.Random, specialism: str) -> str:
    spellings = {
        "CYP": ["CYP", "CYP", "Young People", "Children and Young People"],
        "Minority Ethnic": ["Minority Ethnic", "ME"],
        "Stalking": ["Stalking"],
        "Housing": ["Housing", "Housing IDVA"],
        "OOCD": ["OOCD"],
    }
    return rng.choice(spellings[specialism])


def _birth_date(rng: random.Random, referred: date, age: int) -> date:
    """A date of birth giving exactly ``age`` whole years on the referral date."""
    if (referred.month, referred.day) == (2, 29):
        anniversary = date(referred.year - age, 2, 28)
    else:
        anniversary = referred.replace(year=referred.year - age)
    return anniversary - timedelta(days=rng.randint(0, 360))
