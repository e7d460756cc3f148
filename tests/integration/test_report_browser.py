"""The HTML report and a slice in a real browser: axe-core finds nothing to flag, not even to review."""

from __future__ import annotations

import pytest

from dasv.config import load_deployment
from dasv.pipeline import render_quarter
from dasv.quarters import Quarter
from dasv.warehouse.db import open_warehouse
from tests.browser import axe_violations, browser  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def html_reports(sample_warehouse):
    tmp = sample_warehouse.root
    engine = open_warehouse(sample_warehouse.url)
    outputs = render_quarter(engine, load_deployment(), Quarter.parse("2025-26 Q3"), tmp / "out",
                             districts=["Fenland"])  # fmt: skip
    engine.dispose()
    return {"county": outputs["county"]["html"], "Fenland": outputs["Fenland"]["html"], "tmp": tmp}


@pytest.mark.parametrize("which", ["county", "Fenland"])
def test_html_report_passes_axe_outright(browser, html_reports, which):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(html_reports[which].resolve().as_uri())
    assert axe_violations(page) == []  # no violation, and nothing left "needing review"
    page.screenshot(path=str(html_reports["tmp"] / f"{which}.png"), full_page=True)
    # chart text is inside images with text alternatives; the page's own text is sans-serif
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily").startswith("Arial")
    assert page.locator("img.chart").count() >= 3
    page.close()
