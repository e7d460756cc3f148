"""Every served byte of a publication store, turned into facts about unknown counts.

The store holds, per quarter and version, ``county/`` (the county report: ``report.pdf``,
``report.html``, ``report.xlsx``, ``metrics.json``, ``csv.zip``, ``marac-return.xlsx``,
``provenance.json``) and ``districts/<slug>/`` (each slice: ``slice.pdf``, ``slice.html``,
``slice.xlsx``, ``slice.json``, ``csv.zip``). Every file there is public (the shipped deployment
publishes the county report and every slice), except one marked OFFICIAL-SENSITIVE, which must
not be there at all. The portal's feed is built from the slice documents with the portal's own
function and read too.

A fact is a tuple:

- ``("value", key, text)``: a figure as printed (a count, ``<N``, ``[c]``);
- ``("pct", numerator key, denominator key, text)``: a percentage as printed (its precision is
  the printed decimals; ``[z]`` says the denominator is 0);
- ``("diff", key, other key, number)``: a printed change, key minus other key;
- ``("mean", [keys], text)``: a printed mean of some counts (an SPC chart's mean of its months).

Keys are ``(area, measure, period)``: area a district's name, ``county`` or the police reporting
area; measure as the slices' ``suppression.cells`` name it (``total_referrals``,
``row:Housing:engaged``...); period ``2025-26 Q3``, ``YE Sep 2025`` or a month ``2025-10``.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.charts import read_chart
from tests.tables import COUNTY, TableReader, flatten_document, quarter_of

EXPECTED = {
    "county": {"report.pdf", "report.html", "report.xlsx", "metrics.json", "csv.zip"},
    "slice": {"slice.pdf", "slice.html", "slice.xlsx", "slice.json", "csv.zip"},
}
READABLE = {".pdf", ".html", ".xlsx", ".json", ".zip"}
SENSITIVE = re.compile(r"OFFICIAL[-_ ]?SENSITIVE", re.IGNORECASE)  # the restricted edition's marking


@dataclass
class Version:
    """One quarter's version as served: its county report and its slices (folder per district slug)."""

    quarter: str
    version: int
    folder: Path
    county: Path | None
    slices: dict[str, Path]


@dataclass
class Reading:
    """What the attacker read: facts per data state, and what it could not read."""

    by_origin: dict[tuple[int, bool], list[tuple]] = field(
        default_factory=dict
    )  # (state, from the county report)
    files: dict[str, int] = field(default_factory=dict)  # file type -> files read
    unread: list[str] = field(default_factory=list)  # charts, PDF figures... not turned into facts
    sensitive: list[str] = field(default_factory=list)

    def add(self, state: int, facts: list[tuple], county: bool = False) -> None:
        self.by_origin.setdefault((state, county), []).extend(facts)

    @property
    def facts(self) -> dict[int, list[tuple]]:
        """Facts per data state, from everything read."""
        out: dict[int, list[tuple]] = {}
        for (state, _), facts in sorted(self.by_origin.items()):
            out.setdefault(state, []).extend(facts)
        return out

    def slices_only(self) -> Reading:
        """What the slices (and the feed) alone give: the county report left out."""
        return Reading({k: v for k, v in self.by_origin.items() if not k[1]}, self.files, self.unread)


def versions(store: Path) -> list[Version]:
    """Every quarter and version folder of a store, oldest quarter first; fails loudly on a missing file type."""
    out = []
    for folder in sorted(Path(store).glob("*/v*")):
        if not folder.is_dir() or not re.fullmatch(r"v\d+", folder.name):
            continue
        county = folder / "county"
        slices = {p.name: p for p in sorted((folder / "districts").glob("*")) if p.is_dir()}
        assert county.is_dir(), f"{folder}: no county report in the store (expected county/)"
        assert slices, f"{folder}: no district slices in the store"
        missing = EXPECTED["county"] - {p.name for p in county.iterdir()}
        assert not missing, f"{county}: the county report lacks {sorted(missing)}"
        for _name, path in slices.items():
            missing = EXPECTED["slice"] - {p.name for p in path.iterdir()}
            assert not missing, f"{path}: the slice lacks {sorted(missing)}"
        out.append(Version(quarter_of(folder.parent.name), int(folder.name[1:]), folder, county, slices))
    assert out, f"{store}: no published version"
    return out


def read_store(store: Path, states: dict[tuple[str, int], int], deployment) -> Reading:
    """Every file of every version, and the feed, as facts (``states``: (quarter slug, version) -> data state)."""
    reading = Reading()
    for v in versions(store):
        state = states.get((v.folder.parent.name, v.version), 0)
        for path in sorted(p for p in v.folder.rglob("*") if p.is_file()):
            _check_not_sensitive(path, reading)
            if path.suffix not in READABLE:
                raise AssertionError(f"{path}: a served file of a type the attacker cannot read")
            district = None if path.parent.name == "county" else _district(path, deployment)
            reader = TableReader(deployment, v.quarter, district)
            reading.files[path.name] = reading.files.get(path.name, 0) + 1
            reading.add(state, read_file(path, reader, reading), county=district is None)
    for district in deployment.districts:
        for state, facts in _feed(store, states, district.name, deployment).items():
            reading.add(state, facts)
    return reading


def _district(path: Path, deployment) -> str:
    folder = path.parent.name
    for area in deployment.districts:
        if re.sub(r"[^a-z0-9]+", "-", area.name.lower()).strip("-") == folder:
            return area.name
    raise AssertionError(f"{path}: a slice folder naming no configured district")


def _check_not_sensitive(path: Path, reading: Reading) -> None:
    """A restricted edition's file (marked OFFICIAL-SENSITIVE in its name or words) must never be in the store."""
    text = path.name
    if path.suffix in (".html", ".json"):
        text += path.read_text(encoding="utf-8", errors="replace")
    elif path.suffix == ".pdf":
        from pypdf import PdfReader

        pdf = PdfReader(io.BytesIO(path.read_bytes()))
        text += str(pdf.metadata or "") + (pdf.pages[0].extract_text() or "" if pdf.pages else "")
    elif path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        text += str(book.properties.title or "") + " ".join(
            str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c
        )
    if SENSITIVE.search(text):
        reading.sensitive.append(str(path))


def read_file(path: Path, reader: TableReader, reading: Reading) -> list[tuple]:
    """The facts one served file gives."""
    data = path.read_bytes()
    if path.name == "csv.zip":
        archive = zipfile.ZipFile(io.BytesIO(data))
        facts = []
        for name in archive.namelist():
            rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            facts += reader.table(rows, name)
        return facts
    if path.suffix == ".json":
        doc = json.loads(data)
        if path.name == "provenance.json":
            return []  # load batches and hashes: no figures
        area = reader.district or COUNTY
        return flatten_document(doc, area, reader.quarter, reader.deployment, facts=True)
    if path.suffix == ".xlsx":
        return _xlsx(data, reader, path.name)
    if path.suffix == ".html":
        return _html(data.decode("utf-8"), reader, reading, str(path))
    if path.suffix == ".pdf":
        return _pdf(data, path, reading)
    return []


def _xlsx(data: bytes, reader: TableReader, where: str) -> list[tuple]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    facts = []
    for sheet in book.worksheets:
        rows = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        start = next((i for i, r in enumerate(rows) if sum(1 for c in r if c != "") > 1 and i > 0), None)
        if start is None or not sheet.title.startswith("Table"):
            continue
        facts += reader.table(rows[start:], f"{where}:{sheet.title}")
    return facts


def _html(text: str, reader: TableReader, reading: Reading, where: str) -> list[tuple]:
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(text)
    facts = []
    for table in tree.iter("table"):
        rows = _html_rows(table)
        if rows:
            facts += reader.table(rows, f"{where}:table", short_periods=True)
    for img in tree.iter("img"):
        src = img.get("src", "")
        if not src.startswith("data:image/svg+xml;base64,"):
            continue
        chart = read_chart(base64.b64decode(src.split(",", 1)[1]).decode("utf-8"))
        found = reader.chart(chart)
        if not found and (chart.points or chart.problem):
            reading.unread.append(f"{where}: chart '{chart.title}' ({chart.problem or 'series not named'})")
        facts += found
    return facts


def _html_rows(table) -> list[list[str]]:
    """A table's header rows folded into one (spanning cells repeated), then its body rows."""
    head = [tr for tr in table.iter("tr") if tr.getparent().tag == "thead"]
    body = [tr for tr in table.iter("tr") if tr.getparent().tag != "thead"]
    width = max(
        (sum(int(c.get("colspan", 1)) for c in tr if c.tag in ("th", "td")) for tr in head + body), default=0
    )
    header = [""] * width
    for tr in head:
        col = 0
        cells = [c for c in tr if c.tag in ("th", "td")]
        if len(cells) < width and sum(int(c.get("colspan", 1)) for c in cells) < width:
            col = width - sum(int(c.get("colspan", 1)) for c in cells)  # a row under a spanning corner
        for c in cells:
            span = int(c.get("colspan", 1))
            for i in range(span):
                header[col + i] = (header[col + i] + " " + c.text_content().strip()).strip()
            col += span
    rows = [header] if head else []
    for tr in body:
        rows.append([re.sub(r"\s+", " ", c.text_content()).strip() for c in tr if c.tag in ("th", "td")])
    return rows


def _pdf(data: bytes, path: Path, reading: Reading) -> list[tuple]:
    """PDF text: its figures are the HTML's (same tables); any number the PDF prints that its HTML does not is listed as unread."""
    from lxml import html as lxml_html
    from pypdf import PdfReader

    if shutil.which("pdftotext"):  # poppler's, as the docs use pdftoppm: much faster than pypdf
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
    else:
        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    html_path = path.with_suffix(".html")
    html_text = " ".join(lxml_html.fromstring(html_path.read_text(encoding="utf-8")).itertext())
    for img in re.findall(r"base64,([A-Za-z0-9+/=]+)", html_path.read_text(encoding="utf-8")):
        html_text += base64.b64decode(img).decode("utf-8", errors="replace")
    numbers = lambda t: set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])", t.replace(",", "")))  # noqa: E731
    extra = sorted(numbers(text) - numbers(html_text), key=lambda s: (len(s), s))
    if extra:
        reading.unread.append(
            f"{path}: {len(extra)} numbers in the PDF text not in its HTML: {' '.join(extra[:20])}"
        )
    return []


def _feed(store: Path, states: dict, district: str, deployment) -> dict[int, list[tuple]]:
    """The portal's feed of a district (``dasv.portal.feed.feed_rows`` over the store's slice documents) as facts."""
    from dasv.portal.feed import feed_rows

    found, state_of = [], {}
    for v in versions(store):
        folder = next(
            (p for name, p in v.slices.items() if _district(p / "slice.json", deployment) == district), None
        )
        if folder is None:
            continue
        doc = json.loads((folder / "slice.json").read_text(encoding="utf-8"))
        published = datetime.fromtimestamp((folder / "slice.json").stat().st_mtime, UTC)
        found.append((v.quarter, v.version, published, doc))
        state_of[(v.quarter, v.version)] = states.get((v.folder.parent.name, v.version), 0)
    found.sort(key=lambda f: f[2])
    by_time = {(published, version): state_of[(q, version)] for q, version, published, _ in found}
    quarter_at = {(published, version): q for q, version, published, _ in found}
    out: dict[int, list[tuple]] = {}
    rows = feed_rows(found, district)
    assert rows, f"the feed of {district} is empty"
    for row in rows:
        text = row.suppression if row.suppression else row.value
        if text is None:
            continue
        reader = TableReader(deployment, quarter_at[(row.published, row.version)], district)
        out.setdefault(by_time[(row.published, row.version)], []).extend(reader.feed_row(row, text))
    return out
