"""The county PDF and the slice PDFs are tagged PDF/UA-1: structure, alternative text, language,
title, fonts, reading order; values print as written; Typst works in the forked children."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
import pytest
from pdfua import validate
from pypdf import PdfReader

from dasv.config import load_deployment
from dasv.pipeline import render_quarter
from dasv.quarters import Quarter
from dasv.report.public import PublicEdition
from dasv.report.slices import SliceBuilder
from dasv.warehouse.db import open_warehouse

Q3 = Quarter.parse("2025-26 Q3")
SLICES = ["Fenland", "East Cambridgeshire"]  # every SPC chart shown; some left out, with the reason


@pytest.fixture(scope="module")
def made(sample_warehouse):
    tmp = sample_warehouse.root
    deployment = load_deployment()
    engine = open_warehouse(sample_warehouse.url)
    outputs = render_quarter(engine, deployment, Q3, tmp / "out", districts=SLICES)  # in forked children
    with engine.connect() as conn:
        builder = SliceBuilder(conn, deployment, Q3)
        county = PublicEdition(conn, builder).report()  # what render_quarter draws as the county report
        reports = {"county": county, **{name: builder.report(name) for name in SLICES}}
    return {"outputs": outputs, "reports": reports}


def _kids(element) -> list:
    k = element.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]


def _elements(element, out: list | None = None) -> list:
    """Every structure element under ``element``, in the tree's (reading) order."""
    out = [] if out is None else out
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            out.append(kid)
            _elements(kid, out)
    return out


def _fonts_embedded(pdf: pikepdf.Pdf) -> list[str]:
    """The names of fonts used on any page (or in a form on it) that are not embedded."""
    missing = []
    seen = set()

    def check(resources) -> None:
        for font in (resources.get("/Font") or {}).values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            if font.get("/Subtype") == "/Type3":
                continue  # drawn from its own glyph procedures: nothing to embed
            descriptor = (
                font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
            )
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(str(font.get("/BaseFont")))
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                check(xobject.Resources)

    for page in pdf.pages:
        check(page.Resources)
    return missing


@pytest.mark.parametrize("who", ["county", *SLICES])
def test_pdf_is_tagged_pdf_ua(made, who):
    path = made["outputs"][who]["pdf"]
    report = made["reports"][who]
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en-GB"
        assert root.ViewerPreferences.DisplayDocTitle is True
        meta = pdf.open_metadata()
        assert str(meta.get("pdfuaid:part")) == "1"
        assert meta.get("dc:title").startswith(report.title) and (report.area or "") in meta.get("dc:title")
        elements = _elements(root.StructTreeRoot)
        tags = [str(e.S) for e in elements]
        headings = [int(t[2]) for t in tags if re.fullmatch(r"/H[1-6]", t)]
        assert headings[0] == 1 and headings.count(1) == 1 and {2, 3} <= set(headings)
        assert all(b <= a + 1 for a, b in zip(headings, headings[1:], strict=False))  # no level skipped
        for tag in ("/Table", "/TR", "/TH", "/TD", "/Figure", "/L", "/LI", "/P"):
            assert tag in tags, tag
        figures = [e for e in elements if e.S == "/Figure"]
        assert len(figures) == len(report.charts) + sum(len(s.charts) for s in report.sections)
        for figure, chart in zip(
            figures, [*report.charts, *(c for s in report.sections for c in s.charts)], strict=True
        ):
            alt = str(figure.get("/Alt", ""))
            # the chart named (as the HTML's alt); its description is the text beside it, read once
            assert chart.title in alt and chart.description not in alt
        assert _fonts_embedded(pdf) == []
        bookmarks = []
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop(0)
                bookmarks.append(item.title)
                stack[:0] = list(item.children)
        assert "1. Headline figures" in bookmarks and "9. Definitions" in bookmarks
        assert report.headline.title in bookmarks  # table titles are H3 headings: bookmarks too
    verdict = validate(str(path))  # the pdfua package: PDF/UA-1's machine-checkable subset
    assert verdict.exit_code == 0, [(f.rule_id, f.message) for f in verdict.findings]


def _tagged_text(path: Path) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence: (page index, MCID) -> text."""
    out: dict[tuple[int, int], str] = {}
    for index, page in enumerate(PdfReader(path).pages):
        stack: list[int | None] = []

        def before(op, args, cm, tm, stack=stack):
            if op == b"BDC":
                props = args[1] if len(args) > 1 else None
                stack.append(props.get("/MCID") if hasattr(props, "get") else None)
            elif op == b"BMC":
                stack.append(None)
            elif op == b"EMC" and stack:
                stack.pop()

        def text(t, cm, tm, font, size, stack=stack, index=index):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None:
                out[(index, mcid)] = out.get((index, mcid), "") + t

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return out


def test_headline_table_reads_in_order_row_by_row(made):
    """A screen reader reads the tagged headline table header first, then each row left to right."""
    path = made["outputs"]["county"]["pdf"]
    texts = _tagged_text(path)
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}

        def text_of(element, page=None) -> str:
            page = pages.get(element.Pg.objgen) if "/Pg" in element else page
            parts = []
            for kid in _kids(element):
                if isinstance(kid, int):
                    parts.append(texts.get((page, kid), ""))
                elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
                    parts.append(
                        texts.get(
                            (pages.get(kid.Pg.objgen, page) if "/Pg" in kid else page, int(kid.MCID)), ""
                        )
                    )
                elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    parts.append(text_of(kid, page))
            return " ".join(" ".join(parts).split())

        table = next(e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Table")
        rows = [[text_of(cell) for cell in _kids(tr)] for part in _kids(table) for tr in _kids(part)]
    headline = made["reports"]["county"].headline
    assert rows[0] == [c.header for c in headline.columns]
    printed = [
        [str(row[0])] + [headline.text(r, c) for c in range(1, len(row))]
        for r, row in enumerate(headline.rows)
    ]
    assert rows[1:] == printed


def test_slice_shows_its_spc_charts_or_says_why_not(made):
    from dasv.measures.context import CHARTED
    from dasv.measures.labels import label

    fenland, east = made["reports"]["Fenland"], made["reports"]["East Cambridgeshire"]
    for report in (fenland, east):  # each series is charted, or named in the note with why not
        shown = [c.key for c in report.charts if c.key.startswith("spc_")]
        left = [k for k in CHARTED if f"spc_{k.replace('.', '_')}" not in shown]
        assert all(label(k) in report.notes["spc"] for k in left), (report.area, left, report.notes["spc"])
    note = east.notes["spc"]
    shown = [c.title for c in east.charts if c.key.startswith("spc_")]
    assert "not charted, because a month of the series, or a quarter" in note and len(shown) < 5
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in PdfReader(made["outputs"]["East Cambridgeshire"]["pdf"]).pages
    )
    assert note in text and all(title in text for title in shown)
    assert "Engagement % of criteria met" in [row[0] for row in east.headline.rows]


def test_typst_draws_in_a_child_forked_after_this_process_drew(made, tmp_path):
    """Typst's threads are not copied by a fork: a child must not wait on them (it would for ever)."""
    from dasv.forked import call_in_child
    from dasv.report_templates.pdf import render_pdf

    report = made["reports"]["Fenland"]
    render_pdf(report, tmp_path / "here.pdf")
    with ThreadPoolExecutor(2) as pool:
        done = [pool.submit(call_in_child, render_pdf, report, tmp_path / f"child-{i}.pdf") for i in range(2)]
        assert all(f.result(timeout=120).stat().st_size > 10_000 for f in done)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed")
@pytest.mark.parametrize("who", ["county", "Fenland"])
def test_layout_text_has_one_line_per_row(made, who):
    """``pdftotext -layout`` (how readers and checks copy figures) finds each area row and each
    year-ending measure on one line, label and figures together."""
    lines = subprocess.run(["pdftotext", "-layout", str(made["outputs"][who]["pdf"]), "-"], capture_output=True,
                           text=True, check=True).stdout.splitlines()  # fmt: skip
    report = made["reports"][who]
    tables = [
        t
        for t in report.all_tables
        if t.key in ("idva_by_area", "idva_district") or t.key.startswith("year_ending")
    ]
    assert len(tables) >= 2
    for table in tables:
        for r, row in enumerate(table.rows):
            cells = [str(row[0])] + [table.text(r, c) for c in range(1, len(row))]
            pattern = r"\s+".join(re.escape(c) for c in cells)
            assert any(re.search(pattern, line) for line in lines), (table.key, cells)


@pytest.mark.parametrize("who", ["county", *SLICES])
def test_row_headers_are_th_with_row_scope_and_poppler_reads_the_pdf_without_error(made, who):
    """A screen reader hears "Cambs City" with "Q3, 92": each body row's first cell is its header."""
    import shutil
    import subprocess

    path = made["outputs"][who]["pdf"]
    with pikepdf.open(path) as pdf:
        assert "/Suspects" not in pdf.Root.MarkInfo  # poppler: "Suspects object is wrong type (boolean)"
        ids = dict(pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree).items())
        rows = 0
        for table in (e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Table"):
            for body in (k for k in _kids(table) if k.get("/S") == "/TBody"):
                for tr in _kids(body):
                    first, *rest = [k for k in _kids(tr) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
                    assert first.S == "/TH", tr
                    attrs = [a for a in (first.A if isinstance(first.A, pikepdf.Array) else [first.A])
                             if a.get("/O") == "/Table"]  # fmt: skip
                    assert attrs and attrs[0].Scope == "/Row"
                    assert str(first.ID) in ids
                    for cell in rest:
                        table_attrs = [a for a in (cell.A if isinstance(cell.A, pikepdf.Array) else [cell.A])
                                       if a.get("/O") == "/Table"]  # fmt: skip
                        assert first.ID in list(table_attrs[0].Headers)
                    rows += 1
        assert rows > 10
    if shutil.which("pdftotext") and shutil.which("pdfinfo"):
        for tool in (["pdfinfo", str(path)], ["pdftotext", str(path), "-"]):
            result = subprocess.run(tool, capture_output=True, text=True, check=False)
            assert result.returncode == 0 and "Error" not in result.stderr, (tool[0], result.stderr)
