"""The rendered outputs of the sample quarter: PDF text, spreadsheet, HTML, CSV, JSON, slices."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from dasv.config import load_deployment
from dasv.measures.document import metrics_document
from dasv.pipeline import render_quarter
from dasv.quarters import Quarter
from dasv.report.build import build_report
from dasv.report.slices import SliceBuilder
from dasv.warehouse.db import open_warehouse

Q3 = Quarter.parse("2025-26 Q3")


@pytest.fixture(scope="module")
def rendered(sample_warehouse):
    tmp = sample_warehouse.root
    deployment = load_deployment()
    deployment.publication.restricted_edition = True  # the unsuppressed edition too: the whole report's tests
    engine = open_warehouse(sample_warehouse.url)
    outputs = render_quarter(engine, deployment, Q3, tmp / "out", commentary_dir=tmp / "inbox" / "commentary")
    with engine.connect() as conn:
        doc = metrics_document(conn, deployment, Q3)
        slices = SliceBuilder(conn, deployment, Q3)
    return {"outputs": outputs, "doc": doc, "slices": slices, "tmp": tmp, "engine": engine}


def test_the_county_report_from_the_slices_figures_is_the_one_gathered_alone(rendered):
    deployment = load_deployment()
    with rendered["engine"].connect() as conn:
        alone = build_report(conn, deployment, Q3)
        builder = SliceBuilder(conn, deployment, Q3)
        fenland = builder.report("Fenland")
        shared = build_report(conn, deployment, Q3, gathered=builder.gathered)
        again = builder.report("Fenland")
    assert shared.metrics == alone.metrics and shared.tables  # the same figures, tables and notes
    assert replace(shared, produced_at=alone.produced_at) == alone
    assert (
        replace(again, produced_at=fenland.produced_at) == fenland
    )  # the county report changed nothing shared


def pdf_text(path: Path) -> str:
    """All text of a PDF with whitespace folded (each table cell is extracted on its own line)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_pdf_area_table_has_the_printed_figures(rendered):
    text = pdf_text(rendered["outputs"]["restricted"]["pdf"])
    # Cambs City: referrals Q3 Q2 Q1, criteria met, engagement, repeats, repeat %
    assert "Cambs City 123 141 103 92 124 88 76% 81% 78% 51 46 39 41% 33% 38%" in text
    assert "Peterborough 15 19 0 14 15 0 86% 93% – 5 3 0 33% 16% –" in text
    assert re.search(r"Total 476 516 500 375 446 429 77% 80% 74% 161 176 149", text)
    assert "Quarter 3: October – December 2025" in text
    assert "IDVA and MARAC referral rates have slowed slightly in Q3." in text  # the author's commentary
    assert (
        "IDVA referrals fell 8%, from 516 to 476, within normal variation." in text
    )  # a drafted statement, tested


def test_pdf_sections_in_order_and_metadata(rendered):
    path = rendered["outputs"]["county"]["pdf"]
    text = pdf_text(path)
    order = ["1. Headline figures", "2. Referral data", "3. Other relevant data", "4. Variation: monthly SPC charts",
             "5. District comparison: funnel plot", "6. Year ending September: strategic assessment figures",
             "7. Other relevant information", "8. Data quality", "9. Definitions"]  # fmt: skip
    positions = [text.index(h) for h in order]
    assert positions == sorted(positions)
    meta = PdfReader(path).metadata
    assert meta.title.startswith("Domestic Abuse Quarterly Performance Report 2025-26")
    assert meta.author and "2025-26 Q3" in meta.subject


def test_metrics_json_is_the_metrics_document(rendered):
    from dasv.measures.present import explain_nulls  # the written document says why each null figure is null

    written = json.loads(rendered["outputs"]["restricted"]["metrics"].read_text())
    assert written == json.loads(json.dumps(explain_nulls(rendered["doc"]), default=str))


def test_xlsx_is_accessible_and_numbers_are_numbers(rendered):
    wb = openpyxl.load_workbook(rendered["outputs"]["restricted"]["xlsx"])
    assert wb.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges, ws.title
    area = next(
        ws for ws in wb.worksheets if str(ws["A1"].value).startswith("All risk level referrals by area")
    )
    header_row = next(r for r in range(1, 15) if area.cell(r, 1).value == "Area")
    assert area.cell(header_row, 2).value == "IDVA referrals 2025-26 Q3"
    cambs = [c.value for c in area[header_row + 1]]
    assert cambs[:4] == ["Cambs City", 123, 141, 103]
    assert all(isinstance(v, int | float) for v in cambs[1:])


def test_xlsx_tables_are_marked_up_linked_and_their_shorthand_explained(rendered):
    """Each table sheet: one Excel table from its header row to its last row, listed and linked on Contents;
    every shorthand used in a cell is a key on the Notes sheet."""
    wb = openpyxl.load_workbook(rendered["outputs"]["restricted"]["xlsx"])
    notes = wb["Notes"]
    keys = {notes.cell(r, 1).value for r in range(4, notes.max_row + 1)}
    assert {"[x]", "[z]"} <= keys and notes.cell(3, 1).value == "Note number"
    links = {wb["Contents"].cell(r, 1).hyperlink.location for r in range(4, wb["Contents"].max_row + 1)}
    tables = [ws for ws in wb.worksheets if ws.title.startswith("Table_")]
    assert (
        links == {f"'{ws.title}'!A1" for ws in tables} and len(tables) == 14
    )  # 11 + monthly values + coverage + DA crimes by offence group
    used = set()
    for ws in tables:
        assert not ws.sheet_view.showGridLines and len(ws.tables) == 1, ws.title
        (table,) = ws.tables.values()
        first, last = table.ref.split(":")
        header = int(re.sub(r"\D", "", first))
        assert [c.value for c in ws[header]][: len(table.tableColumns)] == [
            c.name for c in table.tableColumns
        ]
        assert int(re.sub(r"\D", "", last)) == ws.max_row
        used |= {
            c.value for row in ws.iter_rows(min_row=header + 1) for c in row if str(c.value).startswith("[")
        }
    assert used and used <= keys


def test_csv_per_table_matches_and_is_injection_safe(rendered):
    paths = [p for k, p in rendered["outputs"]["restricted"].items() if k.startswith("csv:")]
    assert (
        len(paths) == 14
    )  # 11 tables + the charts' monthly values + data coverage + DA crimes by offence group
    area = next(p for p in paths if p.name.endswith("idva_by_area.csv"))
    rows = list(csv.reader(area.open(encoding="utf-8")))
    assert rows[0][:2] == ["Area", "IDVA referrals 2025-26 Q3"]
    assert rows[1][:4] == ["Cambs City", "123", "141", "103"]
    for path in paths:
        for row in csv.reader(path.open(encoding="utf-8")):
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@"):
                    float(cell)  # only numbers may start that way


class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_is_accessible(rendered):
    html = rendered["outputs"]["restricted"]["html"].read_text(encoding="utf-8")
    outline = _Outline()
    outline.feed(html)
    tags = outline.tags
    assert tags[0] == ("html", {"lang": "en-GB"})
    headings = [int(t[1]) for t, _ in tags if re.fullmatch(r"h[1-6]", t)]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False))
    tables = sum(1 for t, _ in tags if t == "table")
    assert (
        tables == sum(1 for t, _ in tags if t == "caption") == 15
    )  # 12 + monthly values + data coverage + offence groups
    assert all("scope" in a for t, a in tags if t == "th")
    charts = [a for t, a in tags if t == "img" and a.get("class") == "chart"]
    assert len(charts) == 8 and all(a.get("alt") and a.get("aria-describedby") for a in charts)
    assert all(a["src"].startswith("data:image/svg+xml;base64,") for a in charts)  # one self-contained file


def test_the_sources_table_names_each_kind_of_export_as_the_coverage_table_does(rendered):
    """Not the warehouse's keys (``offences``): the names the data coverage table gives, in the HTML and the PDF."""
    from pypdf import PdfReader

    html = rendered["outputs"]["county"]["html"].read_text(encoding="utf-8")
    table = html[html.index("Files the figures come from") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<th scope="row">([^<]*)</th>', table)
    assert set(rows) == {"IDVA referral export", "MARAC case list", "Police monthly counts",
                         "Police DA crimes by offence group"}, rows  # fmt: skip
    coverage = html[html.index("Data coverage, ") :]
    assert set(rows) == set(
        re.findall(r'<th scope="row">([^<]*)</th>', coverage[: coverage.index("</table>")])
    )
    pdf = " ".join(page.extract_text() for page in PdfReader(rendered["outputs"]["county"]["pdf"]).pages)
    assert " ".join(pdf.split()).count("Police monthly counts") > 1  # the coverage table and the files table


def test_marac_return_sheet(rendered):
    wb = openpyxl.load_workbook(rendered["outputs"]["restricted"]["marac_return"])
    table = wb.worksheets[-1]
    values = [[c.value for c in row] for row in table.iter_rows()]
    heard = next(r for r in values if r[0] == "Cases heard")
    assert heard[1] == rendered["doc"]["marac"]["rolling_12_months"]["cases_heard"]


def test_every_district_gets_a_slice(rendered):
    names = [a.name for a in load_deployment().districts]
    assert [k for k in rendered["outputs"] if k not in ("county", "restricted")] == names
    for name in names:
        assert rendered["outputs"][name]["pdf"].is_file()


def test_a_slices_funnel_table_is_its_own_position_and_the_county_table_every_district(rendered):
    builder, county = rendered["slices"], rendered["outputs"]["county"]
    for name in [a.name for a in load_deployment().districts]:
        funnel = next(s for s in builder.report(name).sections if s.key == "funnel")
        assert [row[0] for row in funnel.tables[0].rows] == [name]
        assert len(funnel.charts[0].funnel.points) == len(builder.funnel.points)  # the plot: every district
    rows = county["csv:funnel_police_incidents"].read_text().splitlines()[1:]
    assert len(rows) == len(builder.funnel.points) == 6


def test_a_slice_whose_own_count_is_withheld_has_no_point_table_or_square(rendered):
    from dasv.report.funnel import funnel_section

    builder = rendered["slices"]
    others = builder.funnel.points[1:]  # as if the first district's count were withheld
    found = type(builder.funnel)(builder.funnel.centre, builder.funnel.per, others, builder.funnel.curve)
    name = builder.funnel.points[0].area
    section = funnel_section(found, builder.deployment, Q3, highlight=name)
    assert section.tables == [] and section.charts[0].highlight is None
    assert "withheld" in section.statements[0] and name not in section.charts[0].description


def test_the_demo_funnel_names_only_districts_outside_the_limits_widened_for_over_dispersion(rendered):
    from dasv.measures.funnel import funnel

    county = rendered["outputs"]["restricted"]
    spread = json.loads(county["metrics"].read_text())["funnel"]
    assert spread["method"] == "additive_random_effects" and spread["tau2"] > 0 and spread["phi"] > 1
    assert spread["dispersion_statistic"] > spread["expected"] == len(spread["areas"]) - 1 == 5
    outside = {a for a, v in spread["areas"].items() if v["position"].endswith("99.8%")}
    counts = {a: (v["count"], v["population"]) for a, v in spread["areas"].items()}
    poisson = funnel(counts, overdispersion=False)  # what the plot named before: 5 of the 6 districts
    assert sum(1 for p in poisson.points if p.outside and p.outside.endswith("99.8%")) >= 4 > len(outside)
    text = " ".join(
        PdfReader(county["pdf"]).pages[i].extract_text() for i in range(len(PdfReader(county["pdf"]).pages))
    )
    text = re.sub(r"\s+", " ", text)
    assert f"tau² = {spread['tau2']:.3g}" in text and f"phi = {spread['phi']:,.2f}" in text  # under the plot
    sentence = re.search(r"(No district is outside the adjusted 99.8% limits|Outside the adjusted 99.8% limits[^.]*\.)",
                         text).group(0)  # fmt: skip
    assert {a for a in counts if a in sentence} == outside
    assert "tau² = " in county["html"].read_text()
    fenland = json.loads(rendered["outputs"]["Fenland"]["metrics"].read_text())["funnel"]
    assert list(fenland["areas"]) == ["Fenland"] and fenland["tau2"] > 0  # a slice: its own position only


SMALL = {"1", "2", "3", "4"}


def test_no_slice_shows_a_count_from_1_to_4(rendered):
    builder = rendered["slices"]
    for area in load_deployment().districts:
        report = builder.report(area.name)
        for table in report.all_tables:
            for row in table.rows:
                for cell, column in zip(row, table.columns, strict=True):
                    if column.kind == "count" and isinstance(cell, int):
                        assert not 0 < cell < 5, (area.name, table.key, row[0])
        outputs = rendered["outputs"][area.name]
        for key, path in outputs.items():
            if key.startswith("csv:"):
                header, *rows = csv.reader(path.open(encoding="utf-8"))
                counts = [
                    i for i, h in enumerate(header) if i and not h.startswith("change")
                ]  # a change is no count
                for row in rows:
                    label = row[0]
                    if "%" in label or "per 1,000" in label or "Engagement" in label:
                        continue
                    assert not SMALL & {row[i] for i in counts}, (path.name, row)
        doc = json.loads(outputs["metrics"].read_text())
        for key, value in _counts(doc):
            assert not (type(value) is int and 0 < value < 5), (area.name, key, value)


def _counts(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in (
                "suppression",
                "period",
                "median_days_to_hearing",
                "points",
                "p_value",
                "intervals",
                "population_16_plus",
            ) or k.endswith(("_pct", "_per_1000")):
                continue
            yield from _counts(v, f"{path}.{k}")
    else:
        yield path, node


def test_slice_pdf_shows_markers_and_no_small_counts_in_tables(rendered):
    text = pdf_text(rendered["outputs"]["Peterborough"]["pdf"])
    labels = ["Referral criteria met", "Engaged", "Repeats", "MARAC referrals", "Cases heard at MARAC",
              "Male victims (IDVA)", "Disability (IDVA)", "LGBT+ (IDVA)"]  # fmt: skip
    checked = 0
    for label in labels:
        for match in re.finditer(re.escape(label) + r" ((?:\S+ ){6})", text):
            cells = match.group(1).split()
            if all(re.fullmatch(r"[\d,]+|<5|\[c\]|–|\d+%", c) for c in cells):
                assert not SMALL & set(cells), (label, cells)
                checked += 1
    assert checked >= len(labels)
    assert "<5" in text


def test_district_metrics_document_marks_suppressed_counts(rendered):
    doc = rendered["slices"].metrics("Peterborough")
    assert doc["district"] == "Peterborough"
    rows = doc["idva"]["by_report_row"]
    assert "CYP Cambs 13–17" not in rows  # a row for other areas only
    cyp = rows["CYP Peterborough excluding MARAC referrals"]
    assert cyp["total_referrals"] == "<5" and cyp["engagement_pct"] is None


def test_charts_as_svg_are_byte_for_byte_what_reportlabs_own_renderer_writes(rendered):
    """report_templates/svg.py swaps renderSVG's minidom document for a light one: nothing else may change
    (its canvas draws lines open and anchors text, :class:`KeyedCanvas`, on either document)."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.shapes import Drawing, Group, String

    from dasv.report_templates.charts import draw_any
    from dasv.report_templates.svg import drawing_svg

    deployment = load_deployment()
    with rendered["engine"].connect() as conn:
        county = build_report(conn, deployment, Q3, gathered=rendered["slices"].gathered)
    fenland = rendered["slices"].report("Fenland")
    charts = [c for r in (county, fenland) for c in [*r.charts, *(c for s in r.sections for c in s.charts)]]
    assert {type(c).__name__ for c in charts} == {
        "Chart",
        "SpcChart",
        "FunnelChart",
        "BarChart",
    }  # every kind
    drawings = [draw_any(c, width=900, height=360, font=12) for c in charts]
    odd = Drawing(200, 100)  # text that must be escaped, a nested transformed group, unicode
    group = Group(String(10, 10, 'A & B < C > "D" – 5%'), transform=(1, 0, 0, 1, 20, 30))
    group.add(Group(String(0, 0, "inner"), transform=(2, 0, 0, 2, 0, 0)))
    odd.add(group)
    for drawing in [*drawings, odd]:
        assert drawing_svg(drawing) == _on_minidom(drawing)
    assert _on_minidom(odd, renderSVG.SVGCanvas) == renderSVG.drawToString(
        odd
    )  # the reference is reportlab's


def _on_minidom(drawing, canvas_class=None) -> str:
    """What reportlab's renderer writes on its own minidom document with the charts' canvas (KeyedCanvas)."""
    from io import StringIO

    from reportlab.graphics import renderSVG
    from reportlab.graphics.renderbase import renderScaledDrawing

    from dasv.report_templates.svg import KeyedCanvas

    drawing = renderScaledDrawing(drawing)
    canvas = (canvas_class or KeyedCanvas)((drawing.width, drawing.height))
    renderSVG.draw(drawing, canvas, 0, 0)
    out = StringIO()
    canvas.save(out)
    return out.getvalue()


def test_a_slices_spc_chart_never_adds_up_to_a_withheld_quarter(rendered):
    """A charted monthly series publishes every month: none of its quarters may be withheld in the slice."""
    from datetime import date

    builder = rendered["slices"]
    plan, charted = builder.plan, 0
    for name in builder.districts:
        for measure, result in builder.variation(name).items():
            count = measure.split(".", 1)[1]
            for month in result.months:
                quarter = Quarter.containing(date(int(month[:4]), int(month[5:]), 1))
                if (name, count, quarter) in plan.values:
                    assert plan.shown(name, count, quarter), (name, measure, quarter.label)
            charted += 1
    assert charted  # some district's series is charted


def test_the_public_edition_prints_the_slices_figures_and_no_small_count(rendered):
    """The county report's public edition: one plan with the slices, so every figure it prints is what
    the slices print (value or marker), and no count from 1 to 4 is shown anywhere in it."""
    county = rendered["outputs"]["county"]
    doc = json.loads(county["metrics"].read_text())
    assert doc["edition"] == "public" and doc["suppression"]["marker"] == "<5"
    for area in load_deployment().districts:
        served = json.loads(rendered["outputs"][area.name]["metrics"].read_text())
        assert doc["idva"]["by_area"][area.name] == served["idva"]["by_area"][area.name], area.name
        for key, shown in served["suppression"]["cells"].items():
            assert doc["suppression"]["cells"].get(key, shown) == shown, (
                key
            )  # never withheld in one, shown in the other
    for key, value in _counts(
        {k: v for k, v in doc.items() if k in ("idva", "marac", "police", "demographics")}
    ):
        assert not (type(value) is int and 0 < value < 5), (key, value)
    assert any(v == "<5" or v == "[c]" for v in doc["suppression"]["cells"].values())
    for key, path in county.items():
        if key.startswith("csv:") and "coverage" not in key:
            header, *rows = csv.reader(path.open(encoding="utf-8"))
            counts = [i for i, h in enumerate(header) if i and not h.startswith("change") and "interval" not in h.lower()
                      and "%" not in h and "per 1,000" not in h and "lower" not in h and "upper" not in h]  # fmt: skip
            for row in rows:
                if "%" in row[0] or "per 1,000" in row[0] or "Engagement" in row[0]:
                    continue
                assert not SMALL & {row[i] for i in counts if i < len(row)}, (path.name, row)
    text = pdf_text(county["pdf"])
    assert "[c]" in text and "OFFICIAL-SENSITIVE" not in text
    # the by-area table's Peterborough row (15 cells): its small counts withheld, as its slice withholds them
    row = (
        re.search(r"All risk level referrals by area.*? Peterborough ((?:\S+ ){15})Total", text)
        .group(1)
        .split()
    )
    assert {"<5", "[c]"} & set(row) and not SMALL & set(row), row
    assert "marac_return" not in county  # the SafeLives return quotes small counts: restricted only
    notes = openpyxl.load_workbook(county["xlsx"])["Notes"]
    keys = {notes.cell(r, 1).value: notes.cell(r, 2).value for r in range(4, notes.max_row + 1)}
    assert "1 to 4" in keys["[c]"] and "1 to 4" in keys["<5"]


def test_the_restricted_edition_says_official_sensitive_on_every_page_and_is_never_published(
    rendered, tmp_path
):
    from dasv.pipeline import publish

    restricted = rendered["outputs"]["restricted"]
    assert all("OFFICIAL-SENSITIVE" in p.name for k, p in restricted.items() if not k.startswith("csv:"))
    reader = PdfReader(restricted["pdf"])
    assert len(reader.pages) > 3 and all("OFFICIAL-SENSITIVE" in page.extract_text() for page in reader.pages)
    assert reader.metadata.title.startswith(
        "OFFICIAL-SENSITIVE"
    ) and "OFFICIAL-SENSITIVE" in reader.metadata.get("/Keywords", "")
    assert "<title>OFFICIAL-SENSITIVE" in restricted["html"].read_text(encoding="utf-8")
    wb = openpyxl.load_workbook(restricted["xlsx"])
    assert "OFFICIAL-SENSITIVE" in " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row)
    published = publish(
        rendered["engine"], load_deployment(), Q3, rendered["tmp"] / "out", tmp_path / "store"
    )
    names = [p.name for p in (tmp_path / "store").rglob("*")]
    assert published.files and not any(
        "OFFICIAL" in n or "restricted" in n or "marac-return" in n for n in names
    )


def _printed_sentences(report) -> list[str]:
    """Every drafted sentence and headline row of a report, as a reader meets them."""
    rows = []
    table = report.headline
    change = next(i for i, c in enumerate(table.columns) if c.kind == "change")
    for r in range(len(table.rows)):
        now, before, moved = table.text(r, 1), table.text(r, 3), table.text(r, change)
        if "point" in moved:
            rows.append(f"{moved}, from {before} to {now}")
        elif "(" in moved:
            rows.append(f"{moved}, from {before} in the last quarter to {now} in this one")
    sections = [line for s in report.sections for line in s.statements]
    return [*report.statements, *sections, *report.quality, *rows]


def test_every_printed_change_adds_up_on_the_figures_printed_beside_it(rendered):
    """No "fell 4 points, from 80% to 77%": each change is the arithmetic on its own printed figures."""
    from tests.arithmetic import checked, problems

    deployment = load_deployment()
    with rendered["engine"].connect() as conn:
        county = build_report(conn, deployment, Q3, gathered=rendered["slices"].gathered)
    reports = [county, *(rendered["slices"].report(a.name) for a in deployment.districts)]
    read = 0
    for report in reports:
        for sentence in _printed_sentences(report):
            assert not problems(sentence), (report.area, sentence)
            read += checked(sentence)
    assert read > 60  # the checker read the report's changes, not nothing


def test_the_statements_find_every_real_change_largest_first_and_rank_the_districts(rendered):
    """South Cambs engagement 80% -> 56% is the quarter's clearest district change: it must be stated,
    in the county report and in its slice, with one verdict; rankings read as an assessment writes them."""
    deployment = load_deployment()
    with rendered["engine"].connect() as conn:
        county = build_report(conn, deployment, Q3, gathered=rendered["slices"].gathered)
    text = county.statements
    south = next(
        s for s in text if s.startswith("In South Cambs, engagement % of criteria met fell 24 points")
    )
    assert "from 80% to 56%, a real fall" in south
    real = [s for s in text if "a real " in s]
    assert real == text[: len(real)] and len(real) >= 4  # real changes come first
    assert "MARAC referrals fell 22%, from 271 to 212, a real fall (p = 0.008)." in text
    assert any(
        s.startswith("Of the six districts, East Cambs had the highest engagement % of criteria met")
        for s in text
    )
    assert not any(
        "unlikely to be chance" in s or "special cause –" in s.lower() for s in text
    )  # one verdict
    headline = {row[0]: county.headline.text(i, 5) for i, row in enumerate(county.headline.rows)}
    assert headline["MARAC referrals"] == "Real fall" and headline["IDVA referrals"] == "Normal variation"
    own = rendered["slices"].report("South Cambridgeshire").statements
    assert own[0].startswith("In South Cambridgeshire, engagement % of criteria met fell 24 points, from 80% to 56%, "
                             "a real fall")  # fmt: skip
    assert any(
        "had the lowest rate of police DA incidents per 1,000 aged 16+ of the six districts" in s for s in own
    )


def test_every_slice_prints_the_partnerships_commentary_and_page_one_names_no_file(rendered):
    """The CSP learns of the staffing stop that explains Housing falling from 44 to 19; file names are
    under Data quality, not on page 1."""
    outputs = rendered["outputs"]
    for who, files in outputs.items():
        reader = PdfReader(files["pdf"])
        first = " ".join(reader.pages[0].extract_text().split())
        assert ".xlsx" not in first and ".csv" not in first, who
        assert "What changed: the changes that are more than noise" in first, who  # page 1 answers it
        if who == "county":
            assert (
                "In South Cambs, engagement % of criteria met fell 24 points, from 80% to 56%, a real fall"
                in first
            )
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        assert "temporary stop on Housing and Minority Ethnic referrals" in text, who
        html = Path(files["html"]).read_text(encoding="utf-8")
        assert "temporary stop on Housing and Minority Ethnic referrals" in html, who


def test_every_acronym_in_every_pdf_is_in_its_glossary_and_spelled_out_on_page_one(rendered):
    from dasv.report import glossary
    from tests.unit.test_glossary import acronyms

    known = {t.term for t in glossary.TERMS} | {"LGBT", "XmR"}
    for who, files in rendered["outputs"].items():
        reader = PdfReader(files["pdf"])
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        assert acronyms(text) <= known, (who, acronyms(text) - known)
        first = " ".join(reader.pages[0].extract_text().split())
        assert "IDVA: Independent Domestic Violence Adviser" in first and "MARAC: Multi-Agency" in first, who
        glossary_part = text.split("Glossary", 1)[-1]
        assert "Real rise / real fall" in glossary_part and "Process limits" in glossary_part, who
        assert "Cambs and Cambridgeshire and Peterborough" not in text and "incidents Cambs " not in text, who


def test_every_charts_figures_are_in_a_table(rendered):
    """A screen reader and a spreadsheet reach every value a chart plots: the SPC charts' months and the
    trend charts' quarters are in the report's chart tables (PDF, HTML, CSV, xlsx); a slice prints the
    months only of the series it charts."""
    from dasv.report.model import Chart, SpcChart

    deployment = load_deployment()
    with rendered["engine"].connect() as conn:
        county = build_report(conn, deployment, Q3, gathered=rendered["slices"].gathered)
    for report in [county, *(rendered["slices"].report(a.name) for a in deployment.districts)]:
        tables = {t.key: t for t in report.chart_tables}
        assert all(t in report.all_tables for t in tables.values())  # so CSV and xlsx have them too
        for chart in report.charts:
            if isinstance(chart, SpcChart):
                table = tables["monthly_values"]
                col = next(i for i, c in enumerate(table.columns) if c.header in chart.title)
                shown = {row[0]: row[col] for row in table.rows}
                assert {
                    m: int(v) for m, v in zip(chart.result.months, chart.result.values, strict=True)
                } == shown
            elif isinstance(chart, Chart):
                table = tables["trend_values"]
                for name, values in chart.series.items():
                    col = next(i for i, c in enumerate(table.columns) if c.header.endswith(f", {name}")
                               and c.header.startswith(chart.y_label.split(" %")[0]))  # fmt: skip
                    assert [row[col] for row in table.rows] == [None if v is None else
                                                                (v if "%" in chart.y_label else int(v)) for v in values]  # fmt: skip
        charted = {c.result.months[0] for c in report.charts if isinstance(c, SpcChart)}
        assert bool(charted) == ("monthly_values" in tables)  # no monthly table where nothing is charted


def _offence_table(report):
    section = next(s for s in report.sections if s.key == "year_ending")
    return section, next(t for t in section.tables if t.key == "year_ending_offence_groups")


def test_a_slice_shows_da_crimes_by_offence_group_small_groups_withheld_and_shares_only_beside_counts(
    rendered,
):
    """The assessment's Figure 9 in Cambridge City's slice: every count registered, every small group withheld."""
    from dasv.report.cells import Rate, Suppressed, format_cell
    from dasv.report.registry import Shown

    report = rendered["slices"].report("Cambridge City")
    section, table = _offence_table(report)
    assert [c.header for c in table.columns[1:3]] == [
        "Cambridge City YE Sep 2022",
        "Cambridge City YE Sep 2022 share %",
    ]
    rows = {row[0]: row[1:] for row in table.rows}
    assert list(rows)[-1] == "All offence groups" and len(rows) == 10
    assert all(isinstance(c, Suppressed) for c in rows["Robbery"])  # a few a year: withheld, its share too
    for label, cells in rows.items():
        for count, share in zip(cells[::2], cells[1::2], strict=True):
            assert isinstance(count, Shown | Suppressed), (label, count)  # registered, or withheld
            if isinstance(count, Suppressed):
                assert isinstance(share, Suppressed), label  # a withheld count's share is withheld
            else:
                assert isinstance(share, Rate) and isinstance(share.denominator, Shown), label
                assert not 0 < count < 5
                assert format_cell(share, "pct") != "0%" or count == 0, label  # crimes never print as 0%
    # the planner saw them: nothing withheld can be worked out from the groups' sums
    from dasv.report.refusals import violations

    assert violations(rendered["slices"].joint) == []
    assert "Cambridge City: Violence against the person accounted for the highest proportion (75%) of DA crimes in " \
           "the year ending September 2025." in section.statements  # fmt: skip
    assert "Cambridge City: Sexual offences had the second highest proportion (8%); this proportion has increased " \
           "over the last four years." in section.statements  # fmt: skip
    # the chart: the latest year's printed shares as bars, largest first, each as the table prints it
    chart = next(c for c in section.charts if c.key == "year_ending_offence_groups")
    latest = {row[0]: row[-1] for row in table.rows[:-1]}
    assert {g: p for g, _, p in chart.bars} == {
        g: format_cell(c) for g, c in latest.items() if isinstance(c, Rate)
    }
    assert [v for _, v, _ in chart.bars] == sorted((v for _, v, _ in chart.bars), reverse=True)
    assert chart.bars[0][0] == "Violence against the person" and "Robbery" not in chart.description
    outputs = rendered["outputs"]["Cambridge City"]
    assert "csv:year_ending_offence_groups" in outputs
    text = pdf_text(outputs["pdf"])
    assert "Police recorded DA crimes by offence group, Cambridge City, years ending September" in text
    doc = json.loads(outputs["metrics"].read_text())
    groups = doc["year_ending"]["police"]["by_area"]["Cambridge City"]["by_offence_group"]
    assert groups["Violence against the person"]["share_pct"] == 75.2
    assert groups["Robbery"]["da_crimes"] in ("<5", "[c]") and groups["Robbery"]["share_pct"] is None


def test_the_county_report_breaks_down_the_countys_da_crimes_by_offence_group(rendered):
    deployment = load_deployment()
    with rendered["engine"].connect() as conn:
        county = build_report(conn, deployment, Q3, gathered=rendered["slices"].gathered)
    _, table = _offence_table(county)
    assert table.columns[1].header == f"{deployment.county_label} YE Sep 2022"
    total = table.rows[-1]
    police = rendered["slices"].year_ending.docs
    years = rendered["slices"].year_ending.years
    assert [total[1 + 2 * i] for i in range(len(years))] == [
        police[y]["police"]["total"]["da_crimes"] for y in years
    ]
