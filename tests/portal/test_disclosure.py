"""Nothing a CSP account or token can fetch holds a count from 1 to 4 (docs/portal.md, rules).

Every page, download and API answer a Fenland CSP can reach is fetched and every table in it
read: HTML tables, the CSVs in csv.zip, every worksheet of the spreadsheet, the PDF's text
rows, the JSON documents and the API's rows. Cells that are not counts (percentages, rates,
intervals, limits, changes, populations, days, versions) are left aside by their headings.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser

import openpyxl
from pypdf import PdfReader

from tests.portal.conftest import sign_in

SMALL = {1, 2, 3, 4}
NOT_COUNTS = re.compile(r"%|per 1,000|per 10,000|interval|lower|upper|change|limit|position|population|variation|"
                        r"points|days|version|rate|pct|per_1000|quarter|period|year|month", re.I)  # fmt: skip


class Tables(HTMLParser):
    """Rows of cell texts of every table of a page."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join(self.cell.split()))
            self.cell = None


def small_counts(rows: list[list[str]], where: str) -> list[str]:
    """Cells of a table that are counts 1-4: columns and rows whose headings are not about counts are skipped."""
    if not rows:
        return []
    header = rows[0]
    found = []
    for row in rows[1:]:
        label = row[0] if row else ""
        if NOT_COUNTS.search(label):
            continue
        for i, cell in enumerate(row[1:], start=1):
            heading = header[i] if i < len(header) else ""
            if NOT_COUNTS.search(heading):
                continue
            if re.fullmatch(r"[0-9]+", cell.replace(",", "")) and int(cell.replace(",", "")) in SMALL:
                found.append(f"{where}: {label} / {heading} = {cell}")
    return found


def json_counts(node, path="") -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("suppression", "intervals", "variation", "changes", "period") or NOT_COUNTS.search(
                str(key)
            ):
                continue
            found += json_counts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for value in node:
            found += json_counts(value, path)
    elif type(node) is int and node in SMALL:
        found.append(f"{path} = {node}")
    return found


def test_nothing_a_csp_can_fetch_holds_a_count_from_1_to_4(published, server):
    client = sign_in(server, "fenland@csp.test")
    api = {"Authorization": f"Bearer {published['tokens']['csp-fenland']}"}
    problems: list[str] = []
    tables = 0
    pages = ["/", "/districts/fenland/", "/districts/fenland/2025-26-Q3/"]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200
        parser = Tables()
        parser.feed(page.text)
        for t, rows in enumerate(parser.tables):
            problems += small_counts(rows, f"{path} table {t}")
        tables += len(parser.tables)
    assert tables >= 8  # the slice page holds the published slice's tables
    base = "/districts/fenland/2025-26-Q3/"
    archive = zipfile.ZipFile(io.BytesIO(client.get(base + "csv.zip").content))
    assert len(archive.namelist()) >= 6
    for name in archive.namelist():
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
        problems += small_counts(rows, name)
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + "slice.xlsx").content))
    for sheet in book.worksheets:
        values = [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]
        start = next(
            (i for i, r in enumerate(values) if r and r[0] in ("Measure", "Report row", "Area", "District")),
            None,
        )
        if start is not None:
            problems += small_counts(values[start:], f"xlsx {sheet.title}")
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(client.get(base + "slice.pdf").content)).pages
    )
    for label in ("Referral criteria met", "Repeat referrals", "MARAC referrals", "Cases heard at MARAC",
                  "Male victims (IDVA)", "Disability (IDVA)", "LGBT+ (IDVA)", "Engaged"):  # fmt: skip
        for match in re.finditer(re.escape(label) + r" ((?:\S+ ){4})", text):
            cells = match.group(1).split()
            if all(re.fullmatch(r"[\d,]+|<5|\[c\]|–|[\d,]+ \[r\]", c) for c in cells):
                problems += [f"pdf {label}: {c}" for c in cells if c.isdigit() and int(c) in SMALL]
    assert sum(1 for s in book.worksheets if s.max_row > 5) >= 6
    problems += json_counts(client.get(base + "slice.json").json(), "slice.json")
    rows = client.get("/api/v1/districts/fenland/metrics.json", headers=api).json()["rows"]
    assert (
        rows
        and any(r["status"] == "withheld" for r in rows)
        and any(r["period_type"] == "year_ending" for r in rows)
    )
    problems += [f"api {r['measure']} {r['period']}" for r in rows
                 if not NOT_COUNTS.search(r["measure"]) and type(r["value"]) is int and r["value"] in SMALL]  # fmt: skip
    listing = client.get("/api/v1/districts/fenland/metrics.csv", headers=api).text
    for row in csv.DictReader(io.StringIO(listing)):
        if not NOT_COUNTS.search(row["measure"]) and row["value"].isdigit() and int(row["value"]) in SMALL:
            problems.append(f"api csv {row['measure']}")
    assert "<5" in listing or "true" in listing  # suppressed rows are there, marked, without a value
    assert problems == []
    # the scanner itself finds a small count when one is there
    assert small_counts([["Measure", "Q3"], ["Referral criteria met", "3"]], "probe") != []
    assert json_counts({"idva": {"total_referrals": 2}}) != []
    json.dumps(rows)  # the answer is plain JSON
