"""Rendering rules that do not need a warehouse: long tables flow with repeated headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from dasv.report.cells import Rate, Suppressed, format_cell
from dasv.report.model import Chart, Column, Report, ReportTable
from dasv.report_templates.pdf import render_pdf


def _report(n_areas: int) -> Report:
    columns = [Column("Area", "label"), Column("Total referrals 2025-26 Q3", group="Total referrals", sub="Q3", current=True),
               Column("Total referrals 2025-26 Q2", group="Total referrals", sub="Q2"),
               Column("Engagement 2025-26 Q3", "pct", group="Engagement %", sub="Q3", current=True)]  # fmt: skip
    rows = [[f"District {i:03d}", i, i + 1, Rate(i, i + 1)] for i in range(n_areas)]
    table = ReportTable(
        "idva_by_area", "All risk level referrals by area", columns, rows, section="referrals"
    )
    headline = ReportTable(
        "headline", "Headline", [Column("Measure", "label"), Column("Q3")], [["Referrals", 5]]
    )
    return Report(
        title="Report", subtitle="Quarter 3", quarter="2025-26 Q3", partnership="P", author="A",
        produced_at=datetime(2026, 1, 5, tzinfo=UTC), area=None, headline=headline, tables=[table],
        charts=[Chart("c", "Chart", ["2025-26 Q3"], {"All": [1.0]}, "n")], commentary=[], statements=[],
        quality=[], sources=[], definitions=[("Term", "Meaning")],
    )  # fmt: skip


def test_long_area_list_flows_onto_further_pages_with_repeated_headers(tmp_path):
    path = render_pdf(_report(300), tmp_path / "national.pdf")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(path).pages]
    with_rows = [p for p in pages if "District " in p]
    assert len(with_rows) >= 5
    for page in with_rows:
        assert "Area Total referrals Engagement %" in page  # the header is repeated on every page
    every_row = " ".join(with_rows)
    for i in (0, 150, 299):
        assert f"District {i:03d} {i} {i + 1}" in every_row  # rows are whole, never split


def test_print_forms():
    assert format_cell(Rate(287, 375)) == "77%"  # 76.53 -> 77, half up
    assert format_cell(Rate(1, 8)) == "13%"  # 12.5 -> 13, half up (not banker's rounding)
    assert format_cell(Rate(0, 0)) == "–"
    assert format_cell(None) == "–"
    assert format_cell(Suppressed("<5")) == "<5"
    assert format_cell(2437) == "2,437"
    assert format_cell(Rate(90, 83400, per=1000)) == "1.1"


@pytest.mark.parametrize("points", [0, 1, 2])
@pytest.mark.parametrize(
    "series",
    [
        {"All areas": [80.0, 75.5]},
        {"Fenland": [12.0, None], "Hunts": [3.0, 4.0]},
        {},
        {"Withheld": [None, None], "County": [1.0, 2.0]},
    ],
    ids=["one series", "two series with a gap", "no series", "a series all withheld"],
)
def test_charts_with_zero_one_or_two_quarters_render(tmp_path, points, series):
    """A first quarter, or a warehouse holding one quarter, still gets its charts (no max() of nothing)."""
    from dasv.report_templates.charts import chart_svg, draw_chart

    categories = ["2025-26 Q2", "2025-26 Q3"][:points]
    chart = Chart("c", "Chart", categories, {k: v[:points] for k, v in series.items()}, "n", "A chart.")
    assert draw_chart(chart).width > 0
    svg = chart_svg(chart)
    assert svg.startswith("<") and "font-family: Helvetica;" not in svg
    sizes = [float(x) for x in re.findall(r"font-size: ([0-9.]+)", svg)]
    assert sizes and min(sizes) >= 12  # readable in the HTML report
    report = _report(3)
    report.charts = [chart]
    assert render_pdf(report, tmp_path / "c.pdf").stat().st_size > 1000


@pytest.mark.parametrize("n", [0, 1, 2, 11, 12, 30])
def test_spc_charts_with_any_number_of_months_render(tmp_path, n):
    from dasv.measures.spc import analyse
    from dasv.report.model import SpcChart

    months = [f"{2023 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]
    chart = SpcChart("s", "Series", analyse(months, [10 + (i % 3) for i in range(n)]), "n", "d")
    report = _report(2)
    report.charts = [chart]
    assert render_pdf(report, tmp_path / "s.pdf").stat().st_size > 1000
