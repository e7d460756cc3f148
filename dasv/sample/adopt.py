"""A second, made-up partnership: its own deployment YAML and inbox (``make adopt-example``).

Wyvernshire is invented: seven districts, one police force covering all of them, an IDVA
provider whose export names its columns differently, an "Older People" specialism, and its
own spellings of referral routes, referring agencies, risk levels and ethnicity. Nothing here
is Cambridgeshire's: the example shows (and a test proves) that a partnership adopts the
project with a YAML file and its exports only, following docs/adopting.md.

    python -m dasv.sample.adopt FOLDER   # writes FOLDER/wyvernshire.yaml and FOLDER/inbox/
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from dasv.quarters import Quarter

DISTRICTS = {  # name -> (printed label, aliases in the exports, all ages, ONS-style code)
    "Ashby Marsh": ("Ashby", ["Ashby", "Ashby Marsh DC"], 98_400, "E07900001"),
    "Brenmoor": ("Brenmoor", ["Brenmoor Borough"], 131_200, "E07900002"),
    "Caldwick": ("Caldwick", ["Caldwick City"], 142_900, "E07900003"),
    "Dunholt": ("Dunholt", ["Dunholt & Leaside"], 88_100, "E07900004"),
    "Eastwold": ("Eastwold", ["E Wold", "Eastwold DC"], 104_700, "E07900005"),
    "Fernleigh Vale": ("Fernleigh", ["Fernleigh"], 76_300, "E07900006"),
    "Greyhaven": ("Greyhaven", ["Greyhaven Borough"], 119_800, "E07900007"),
}
COUNTY = "Wyvernshire"
QUARTERS = [Quarter(2024, 1), Quarter(2024, 2), Quarter(2024, 3), Quarter(2024, 4),
            Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3)]  # fmt: skip
LAST = QUARTERS[-1]
POLICE_FROM = date(2023, 4, 1)  # the force's export starts here: no figures for the year ending December 2022
# the provider's spellings: (value in the export, weight)
SERVICE_STRANDS = [("", 55), ("Young People", 8), ("Housing IDVA", 9), ("Older Persons", 10), ("Stalking", 7),
                   ("Older Persons; Housing IDVA", 3), ("BAME", 8)]  # fmt: skip
SOURCES_OF_REFERRAL = [("Wyvernshire Constabulary", 40), ("MARAC", 10), ("Self", 10), ("GP", 10),
                       ("National Probation Service", 6), ("Housing Options", 8), ("Children's Services", 10),
                       ("Other", 6)]  # fmt: skip
AGENCIES = [("Wyvernshire Constabulary", 45), ("Wyvern Police", 8), ("IDVA Service", 15), ("NHS", 10),
            ("Housing Options", 7), ("Children's Services", 8), ("Probation Service", 4), ("Other", 3)]  # fmt: skip
RISKS = [("High Risk", 45), ("Medium Risk", 35), ("Standard Risk", 20)]
ETHNICITIES = [("WB", 70), ("White Other", 10), ("Asian British", 7), ("Black African", 5), ("Mixed", 4),
               ("Not stated", 4)]  # fmt: skip
IDVA_HEADER = ["Case Number", "Service User Ref", "Referral Received On", "Home District", "Meets IDVA Criteria",
               "Engaged With Service", "Service Strand", "Source of Referral", "Risk Assessment",
               "Previously Referred", "Age", "Gender", "Disability", "Sexual Orientation", "Ethnicity",
               "Caseworker"]  # fmt: skip
MARAC_HEADER = ["MARAC Ref", "Victim Ref", "Date Referred", "Conference Date", "District", "Referring Agency",
                "Age", "Gender", "Ethnicity"]  # fmt: skip
POLICE_HEADER = ["Period", "Local Authority", "DA Incidents", "DA Crimes", "Incidents Crimed"]


def config_text() -> str:
    """The made-up partnership's deployment YAML (what an adopter writes)."""
    areas = "\n".join(
        f"  - name: {name}\n    kind: district\n    label: {label}\n    ons_code: {code}\n    aliases: [{', '.join(aliases)}]"
        for name, (label, aliases, _, code) in DISTRICTS.items()
    )
    population = "\n".join(
        f"    {name}: {{all_ages: {n}, aged_16_plus: {round(n * 0.814, -2):.0f}, female_16_plus: {round(n * 0.419, -2):.0f}}}"
        for name, (_, _, n, _) in DISTRICTS.items()
    )
    return f"""# yaml-language-server: $schema=https://example.invalid/dasv/deployment.schema.json
# A made-up partnership (dasv/sample/adopt.py): every name here is invented.
partnership: Wyvernshire Domestic Abuse Partnership
county_label: {COUNTY}
author: Wyvernshire community safety analysts

areas:
{areas}
  - name: Outside {COUNTY}
    kind: other
    aliases: [Out of County, OOC]
  - name: No address recorded
    kind: other
    aliases: ["", Unknown, No fixed abode]

population:
  year: "2024"
  source: Made-up mid-year estimates for an invented county (aged 16+ and female 16+ from national shares).
  by_area:
{population}

specialisms: {{add: [Older People]}}

report_rows:
  - label: Children and young people
    specialism: CYP
  - label: Housing
    specialism: Housing
  - label: Older People (65+ service)
    specialism: Older People
  - label: Stalking, Caldwick and Greyhaven
    specialism: Stalking
    areas: [Caldwick, Greyhaven]
  - label: Minority ethnic communities
    specialism: Minority Ethnic

column_aliases:
  idva:
    Referral ID: [Case Number]
    Client ID: [Service User Ref]
    Referral Date: [Referral Received On]
    District: [Home District]
    Criteria Met: [Meets IDVA Criteria]
    Engaged: [Engaged With Service]
    Specialism: [Service Strand]
    Referral Route: [Source of Referral]
    Risk Level: [Risk Assessment]
    Repeat: [Previously Referred]
  marac:
    Case ID: [MARAC Ref]
    Client ID: [Victim Ref]

value_aliases:
  idva:
    specialisms:
      Older People: [Older Persons, Older People Service]
    route:
      Police: [Wyvernshire Constabulary]
      Probation: [National Probation Service, NPS]
      Housing: [Housing Options]
    risk_level:
      High: [High Risk]
      Medium: [Medium Risk]
      Standard: [Standard Risk]
    ethnic_group:
      White: [WB]
  marac:
    referring_agency:
      Police: [Wyvernshire Constabulary, Wyvern Police]
      Housing: [Housing Options]
    ethnic_group:
      White: [WB]

# one force covers every district: the police rows are the county's
police_reporting_area:
  name: {COUNTY}
  districts: [{", ".join(DISTRICTS)}]

suppression:
  threshold: 5

# the county report is public (its public edition is protected with the slices); the Board also
# gets the unsuppressed edition, marked OFFICIAL-SENSITIVE and never published
publication:
  county_report: public
  restricted_edition: true

delivery:
  mode: link
  sender: reports@wyvernshire.example
  partnership: [board@wyvernshire.example]
  operator: [analysts@wyvernshire.example]
  districts:
    Caldwick: [csp@caldwick.example]
"""


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _district(rng: random.Random) -> str:
    names = list(DISTRICTS)
    name = rng.choices(names, weights=[DISTRICTS[n][2] for n in names])[0]
    return rng.choice([name, *DISTRICTS[name][1]])


def _idva_workbook(path: Path, q: Quarter, rng: random.Random, first: int) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Referrals"
    ws.append([f"{COUNTY} IDVA Service – referrals {q.months_label}"])
    ws.append(IDVA_HEADER)
    days = (q.end - q.start).days + 1
    for i in range(rng.randint(150, 190)):
        criteria = rng.random() < 0.84
        ws.append([
            f"WY{first + i:06d}", f"SU{rng.randrange(4000):05d}", q.start + timedelta(days=rng.randrange(days)),
            _district(rng) if rng.random() > 0.03 else rng.choice(["OOC", "Unknown"]),
            "Yes" if criteria else "No", ("Yes" if rng.random() < 0.8 else "No") if criteria else "No",
            _pick(rng, SERVICE_STRANDS) or None, _pick(rng, SOURCES_OF_REFERRAL), _pick(rng, RISKS),
            "Y" if rng.random() < 0.3 else "N", rng.randint(16, 84), "Female" if rng.random() < 0.9 else "Male",
            "Yes" if rng.random() < 0.2 else "No", "Heterosexual" if rng.random() < 0.92 else "Bisexual",
            _pick(rng, ETHNICITIES), rng.choice(["A. Caseworker", "B. Caseworker"]),
        ])  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _marac_rows(rng: random.Random) -> list[list]:
    rows = []
    start, end = QUARTERS[0].start, LAST.end
    for i in range((end - start).days // 2):
        referred = start + timedelta(days=rng.randrange((end - start).days + 1))
        heard = referred + timedelta(days=rng.randint(7, 35))
        rows.append([
            f"M{i + 1:05d}", f"V{rng.randrange(1500):05d}", referred.strftime("%d/%m/%Y"),
            heard.strftime("%d/%m/%Y") if heard <= end else "", _district(rng), _pick(rng, AGENCIES),
            rng.randint(16, 80), "F" if rng.random() < 0.92 else "M", _pick(rng, ETHNICITIES),
        ])  # fmt: skip
    return rows


def _police_rows(rng: random.Random) -> list[list]:
    rows = []
    month = POLICE_FROM
    while month <= LAST.end:
        for name, (_, _, people, _) in DISTRICTS.items():
            incidents = int(people / 1000 * rng.uniform(1.0, 1.4))
            crimed = int(incidents * rng.uniform(0.3, 0.4))
            rows.append(
                [month.strftime("%b-%y"), name, incidents, int(incidents * rng.uniform(0.45, 0.6)), crimed]
            )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return rows


def write_adopt_example(folder: Path, seed: int = 7) -> tuple[Path, Path]:
    """Write ``folder/wyvernshire.yaml`` and ``folder/inbox``; return both paths."""
    folder = Path(folder)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "wyvernshire.yaml"
    config.write_text(config_text(), encoding="utf-8")
    inbox = folder / "inbox"
    first = 1
    for q in QUARTERS:
        _idva_workbook(inbox / "idva" / f"IDVA referrals {q.slug}.xlsx", q, rng, first)
        first += 1000
    _write_csv(inbox / "marac" / "MARAC cases.csv", MARAC_HEADER, _marac_rows(rng))
    _write_csv(inbox / "police" / "Wyvernshire DA monthly.csv", POLICE_HEADER, _police_rows(rng))
    commentary = inbox / "commentary" / f"{LAST.slug}.md"
    commentary.parent.mkdir(parents=True, exist_ok=True)
    commentary.write_text(
        "Referrals from the Older People service rose after its outreach began in the autumn.\n",
        encoding="utf-8",
    )
    return config, inbox


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("var/adopt")
    cfg, box = write_adopt_example(target)
    print(f"wrote {cfg} and {box}")
