"""A bar chart of one period's shares: each bar named and valued as its table prints it, largest on top."""

from __future__ import annotations

import re

from dasv.measures.year_ending import YearEnding
from dasv.report.cells import Rate
from dasv.report.model import BarChart
from dasv.report.offence_groups import OffenceGroups
from dasv.report_templates.charts import chart_svg


def _texts(svg: str) -> list[tuple[float, str]]:
    """(y, text) of each text element of the SVG, in drawing order."""
    return [(float(y), t) for y, t in re.findall(r'<text[^>]*\by="([-\d.]+)"[^>]*>([^<]*)</text>', svg)]


def test_each_bar_is_named_and_valued_largest_first():
    bars = [
        ("Sexual offences", 8.1, "8%"),
        ("Violence against the person", 74.6, "75%"),
        ("Drug offences", 0.6, "0.6%"),
    ]
    svg = chart_svg(BarChart("b", "Share by group", bars, "Share %", "Bar chart described beside it."))
    texts = _texts(svg)
    said = [t for _, t in texts]
    for label, _, printed in bars:
        assert label in said and printed in said, (label, printed, said)
    # each text's y is the drawing's, upwards (its transform flips it for the SVG): the largest bar's name highest
    y = {t: yy for yy, t in texts}
    assert y["Violence against the person"] > y["Sexual offences"] > y["Drug offences"]
    assert "<title>Share by group</title>" in svg and "Bar chart described beside it." in svg


def test_no_bars_says_so_in_words():
    svg = chart_svg(BarChart("b", "Share by group", [], "Share %"))
    assert "Nothing to draw" in svg


class _Shares(OffenceGroups):
    """The offence-group chart's inputs alone: the latest year and each group's share cell."""

    def __init__(self, shares: dict):
        self.shares, self.groups, self.last = shares, list(shares), YearEnding.parse("2025-09")

    def share_cell(self, who, group, y, suppressed):
        return self.shares[group]


def test_the_offence_chart_draws_a_bar_for_each_printed_share_only():
    chart = _Shares(
        {"Robbery": Rate(0, 0), "Sexual offences": Rate(3, 40), "Theft offences": "[c]"}
    ).offence_chart("Fenland", "Fenland", suppressed=True)
    assert [(label, printed) for label, _, printed in chart.bars] == [("Sexual offences", "8%")]
    assert "Two groups are withheld or not supplied: in the table only." in chart.description
    assert (
        _Shares({"Robbery": Rate(0, 0)}).offence_chart("Fenland", "Fenland", suppressed=True) is None
    )  # no bar
