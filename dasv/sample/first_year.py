"""A made-up partnership in its first year: its YAML and inbox (``make adopt-first-year``).

Ravensholm is invented: a unitary authority whose three community safety areas are its
"districts", one police force (its monthly counts from April 2023), IDVA and MARAC exports that
began in April 2025 (the first year of its services), a police CSV without a crimed-incidents column, its own column names and
service strands, and an "Engaged?" column written Yes, No or Declined. Everything it needs is
configuration: the example shows (and a test proves) that such a partnership reaches a published
quarter with every slice from its YAML and its exports alone (docs/adopting.md).

    python -m dasv.sample.first_year FOLDER   # writes FOLDER/ravensholm.yaml and FOLDER/inbox/
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from dasv.quarters import Quarter
from dasv.sample.adopt import _pick, _write_csv

WHOLE = "Ravensholm"
AREAS = {  # name -> (aliases in the exports, all ages, code)
    "Northgate": (["North", "Northgate CSA"], 61_200, "X00000001"),
    "Riverside": (["Central", "Riverside CSA"], 74_800, "X00000002"),
    "Southmere": (["South", "Southmere CSA"], 52_400, "X00000003"),
}
STARTED = date(2025, 4, 1)  # the IDVA and MARAC exports begin here: the services' first year
POLICE_FROM = date(2023, 4, 1)  # the force's monthly counts reach back two years
QUARTERS = [Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3)]
LAST = QUARTERS[-1]
STRANDS = [("", 50), ("Young People", 12), ("Older Victims", 10), ("Honour Based Abuse", 6),
           ("Stalking Service", 10), ("Young People / Stalking Service", 4), ("Men's Service", 8)]  # fmt: skip
ROUTES = [("Police", 45), ("MARAC", 10), ("Self", 12), ("GP", 10), ("Childrens Services", 12), ("Other", 11)]
AGENCIES = [("Ravensholm Police", 50), ("IDVA Service", 15), ("NHS", 12), ("Housing", 10), ("CSC", 10),
            ("Other", 3)]  # fmt: skip
IDVA_HEADER = ["Ref", "Client", "Date Received", "CSA", "Eligible?", "Engaged?", "Strand", "Referred By",
               "Risk", "Age", "Gender", "Ethnicity", "Support Worker"]  # fmt: skip
MARAC_HEADER = [
    "Case No",
    "Victim ID",
    "Date Referred",
    "Conference Date",
    "CSA",
    "Referring Agency",
    "Gender",
]
POLICE_HEADER = ["Month", "Community Safety Area", "Incidents", "Crimes"]


def config_text() -> str:
    """The first-year partnership's deployment YAML (what its analyst writes)."""
    areas = "\n".join(
        f"  - name: {name}\n    kind: district\n    ons_code: {code}\n    aliases: [{', '.join(aliases)}]"
        for name, (aliases, _, code) in AREAS.items()
    )
    population = "\n".join(
        f"    {name}: {{all_ages: {n}, aged_16_plus: {round(n * 0.81, -2):.0f}, female_16_plus: {round(n * 0.42, -2):.0f}}}"
        for name, (_, n, _) in AREAS.items()
    )
    return f"""# A made-up unitary authority in its first year (dasv/sample/first_year.py): every name is invented.
partnership: {WHOLE} Safer Communities Partnership
county_label: {WHOLE}
author: {WHOLE} community safety team

# what this partnership calls its areas and the whole
words:
  area: community safety area
  areas: community safety areas
  whole: borough

areas:
{areas}
  - name: Outside {WHOLE}
    kind: other
    aliases: [Out of Borough]
  - name: No address recorded
    kind: other
    aliases: ["", Unknown, NFA]

population:
  year: "2024"
  source: Made-up mid-year estimates for an invented borough.
  by_area:
{population}

# its own service strands: the whole list
specialisms: [Young People, Older Victims, Honour Based Abuse, Stalking, Male Victims]

report_rows:
  - label: Young people's service
    specialism: Young People
  - label: Older victims
    specialism: Older Victims
  - label: Honour based abuse
    specialism: Honour Based Abuse
  - label: Stalking
    specialism: Stalking
  - label: Men's service
    specialism: Male Victims

column_aliases:
  idva:
    Referral ID: [Ref]
    Client ID: [Client]
    District: [CSA]
    Criteria Met: ["Eligible?"]
    Engaged: ["Engaged?"]
    Specialism: [Strand]
  marac:
    District: [CSA]
  police:
    District: [Community Safety Area]

value_aliases:
  idva:
    engaged:
      "No": [Declined]
    specialisms:
      Stalking: [Stalking Service]
      Male Victims: ["Men's Service"]
    route:
      Children's Social Care: [Childrens Services]
  marac:
    referring_agency:
      Police: [{WHOLE} Police]

suppression:
  threshold: 5

# the county report's public edition is protected with the slices; the Board also gets the
# unsuppressed edition, marked OFFICIAL-SENSITIVE and never published
publication:
  county_report: public
  restricted_edition: true
"""


def _area(rng: random.Random) -> str:
    names = list(AREAS)
    name = rng.choices(names, weights=[AREAS[n][1] for n in names])[0]
    return rng.choice([name, *AREAS[name][0]])


def _idva_workbook(path: Path, q: Quarter, rng: random.Random, first: int) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "IDVA"
    ws.append([f"{WHOLE} IDVA referrals, {q.months_label}"])
    ws.append([])
    ws.append(IDVA_HEADER)
    days = (q.end - q.start).days + 1
    for i in range(rng.randint(60, 80)):
        eligible = rng.random() < 0.85
        engaged = rng.choices(["Yes", "No", "Declined"], weights=[70, 15, 15])[0] if eligible else "No"
        ws.append([
            f"R{first + i:05d}", f"C{rng.randrange(900):04d}", (q.start + timedelta(days=rng.randrange(days))).strftime("%d/%m/%Y"),
            _area(rng) if rng.random() > 0.04 else rng.choice(["Out of Borough", ""]), "Yes" if eligible else "No",
            engaged, _pick(rng, STRANDS) or None, _pick(rng, ROUTES), rng.choice(["High", "Medium", "Standard"]),
            rng.randint(17, 82), "Female" if rng.random() < 0.88 else "Male",
            rng.choice(["White British", "White Other", "Asian British", "Black African", "Mixed", "Not stated"]),
            "A. Worker",
        ])  # fmt: skip
    ws.append(["Total", None, None, None, None, None, None, None, None, None, None, None, None])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _marac_rows(rng: random.Random) -> list[list]:
    rows = []
    start, end = STARTED, LAST.end
    for i in range((end - start).days // 4):
        referred = start + timedelta(days=rng.randrange((end - start).days + 1))
        heard = referred + timedelta(days=rng.randint(7, 35))
        rows.append([
            f"M{i + 1:04d}", f"V{rng.randrange(600):04d}", referred.strftime("%d/%m/%Y"),
            heard.strftime("%d/%m/%Y") if heard <= end else "", _area(rng), _pick(rng, AGENCIES),
            "F" if rng.random() < 0.9 else "M",
        ])  # fmt: skip
    return rows


def _police_rows(rng: random.Random) -> list[list]:
    rows = []
    month = POLICE_FROM
    while month <= LAST.end:
        for name, (_, people, _) in AREAS.items():
            incidents = int(people / 1000 * rng.uniform(1.0, 1.4))
            rows.append([month.strftime("%B %Y"), name, incidents, int(incidents * rng.uniform(0.45, 0.6))])
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return rows


def write_first_year_example(folder: Path, seed: int = 11) -> tuple[Path, Path]:
    """Write ``folder/ravensholm.yaml`` and ``folder/inbox``; return both paths."""
    folder = Path(folder)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "ravensholm.yaml"
    config.write_text(config_text(), encoding="utf-8")
    inbox = folder / "inbox"
    first = 1
    for q in QUARTERS:
        _idva_workbook(inbox / "idva" / f"IDVA {q.slug}.xlsx", q, rng, first)
        first += 1000
    _write_csv(inbox / "marac" / "MARAC list.csv", MARAC_HEADER, _marac_rows(rng))
    _write_csv(inbox / "police" / f"{WHOLE} DA by CSA.csv", POLICE_HEADER, _police_rows(rng))
    return config, inbox


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("var/adopt-first-year")
    cfg, box = write_first_year_example(target)
    print(f"wrote {cfg} and {box}")
