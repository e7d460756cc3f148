"""A national-scale sample inbox: N districts, M IDVA referrals a quarter, K quarters.

Streams every file row by row (xlsxwriter in constant-memory mode, csv.writer), so memory
stays flat whatever the volume. Writes the matching deployment configuration beside the
inbox (``dasv-national.yaml``: areas with ONS-style codes and populations).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path

import xlsxwriter
import yaml

from dasv.quarters import Quarter

SPECIALISMS = ["", "", "", "", "", "", "Housing", "Minority Ethnic", "Stalking", "CYP", "Housing; Stalking"]
ROUTES = ["Police", "Police", "Police", "MARAC", "Self", "Health", "Children's Social Care", "Other"]
RISKS = ["High", "Medium", "Standard"]
ORIENTATIONS = ["Heterosexual"] * 90 + [
    "Lesbian",
    "Gay",
    "Bi",
    "Pansexual",
    "Asexual",
    "Not asked",
    "Not asked",
]
LAST_QUARTER = Quarter(2025, 3)
IDVA_HEADER = ["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met", "Engaged", "Specialism",
               "Referral Route", "Risk Level", "Repeat", "Age", "Gender", "Disability", "Sexual Orientation"]  # fmt: skip


def district_names(n: int) -> list[str]:
    """``District 001`` ... with ONS-style codes (E06/E07/E08/E09/W06 and six digits)."""
    return [f"District {i:03d}" for i in range(1, n + 1)]


def ons_code(i: int) -> str:
    """A nine-character code shaped like an ONS local authority code."""
    prefix = ["E06", "E07", "E08", "E09", "W06"][i % 5]
    return f"{prefix}{i:06d}"


def write_config(path: Path, n: int, rng: random.Random) -> Path:
    """The deployment YAML for the generated districts."""
    areas = [{"name": name, "kind": "district", "ons_code": ons_code(i), "aliases": [f"D{i:03d}"]}
             for i, name in enumerate(district_names(n), start=1)]  # fmt: skip
    areas += [
        {"name": "Out of Area", "kind": "other", "aliases": ["OOA"]},
        {"name": "Address not documented", "kind": "other", "aliases": ["", "Empty"]},
    ]
    population = {}
    for name in district_names(n):
        adults = rng.randint(40_000, 900_000)
        population[name] = {"aged_16_plus": adults, "female_16_plus": int(adults * 0.515)}
    config = {
        "partnership": f"National sample: {n} districts (made-up data)",
        "county_label": "All districts",
        "author": "dasv-reporting benchmark",
        "areas": areas,
        "population": {
            "year": "2024",
            "source": "Made-up populations for the national sample",
            "by_area": population,
        },
        "report_rows": [
            {"label": s, "specialism": s} for s in ("CYP", "Housing", "Minority Ethnic", "Stalking", "OOCD")
        ],
        "suppression": {"threshold": 5},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _days(q: Quarter) -> int:
    return (q.end - q.start).days + 1


def write_idva_xlsx(
    path: Path, q: Quarter, rows: int, names: list[str], rng: random.Random, first_id: int
) -> Path:
    """One quarter's IDVA export, streamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Referrals")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, IDVA_HEADER)
    clients = max(1000, rows // 2)
    for r in range(1, rows + 1):
        criteria = rng.random() < 0.82
        sheet.write_string(r, 0, f"N{first_id + r:09d}")
        sheet.write_string(r, 1, f"P{rng.randrange(clients * 4):08d}")
        sheet.write_datetime(
            r, 2, datetime.combine(q.start + timedelta(days=rng.randrange(_days(q))), time()), date_format
        )
        sheet.write_string(r, 3, rng.choice(names) if rng.random() > 0.02 else "OOA")
        sheet.write_string(r, 4, "Y" if criteria else "N")
        sheet.write_string(r, 5, "Y" if criteria and rng.random() < 0.78 else "N")
        sheet.write_string(r, 6, rng.choice(SPECIALISMS))
        sheet.write_string(r, 7, rng.choice(ROUTES))
        sheet.write_string(r, 8, rng.choice(RISKS))
        sheet.write_string(r, 9, "Y" if rng.random() < 0.33 else "N")
        sheet.write_number(r, 10, rng.randint(16, 80))
        sheet.write_string(r, 11, "Male" if rng.random() < 0.08 else "Female")
        sheet.write_string(r, 12, "Y" if rng.random() < 0.25 else "N")
        sheet.write_string(r, 13, rng.choice(ORIENTATIONS))
    workbook.close()
    return path


def _write_csv(path: Path, header: list[str], rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_national_inbox(
    out: Path,
    districts: int = 300,
    referrals_per_quarter: int = 250_000,
    quarters: int = 4,
    last: Quarter = LAST_QUARTER,
    seed: int = 2526,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the configuration and the inbox; return the files (configuration first)."""
    out = Path(out)
    rng = random.Random(seed)
    names = district_names(districts)
    written = [write_config(out / "dasv-national.yaml", districts, rng)]
    for k, q in enumerate(last.last_n(quarters)):
        written.append(write_idva_xlsx(out / "idva" / f"idva-{q.slug}.xlsx", q, referrals_per_quarter, names, rng,
                                       first_id=k * referrals_per_quarter))  # fmt: skip
        marac_rows = (
            [f"M{k}-{i:08d}", f"V{rng.randrange(referrals_per_quarter):08d}", (d := q.start + timedelta(days=rng.randrange(_days(q)))).isoformat(),
             (d + timedelta(days=rng.randint(3, 60))).isoformat() if rng.random() < 0.85 else "", rng.choice(names),
             rng.choice(["Police", "Police", "IDVA", "Health", "Housing", "Probation"]), "Yes" if rng.random() < 0.3 else "No"]
            for i in range(referrals_per_quarter // 3)
        )  # fmt: skip
        written.append(_write_csv(out / "marac" / f"marac-{q.slug}.csv",
                                  ["Case ID", "Client ID", "Referral Date", "Hearing Date", "District", "Referring Agency", "Repeat"],
                                  marac_rows))  # fmt: skip
        police_rows = (
            [f"{m:%Y-%m}", name, rng.randint(20, 900), rng.randint(10, 700)]
            for m in q.months
            for name in names
        )
        written.append(_write_csv(out / "police" / f"police-{q.slug}.csv", ["Month", "District", "DA Incidents", "DA Crimes"],
                                  police_rows))  # fmt: skip
        if progress:
            progress(f"{q.label}: {referrals_per_quarter:,} IDVA referrals, {referrals_per_quarter // 3:,} MARAC cases, "
                     f"{3 * districts} police rows")  # fmt: skip
    return written
