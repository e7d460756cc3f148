"""Chart text a reader must be able to read: funnel labels clear of each other, the points and the
limit lines; value axes with thousands separators."""

from __future__ import annotations

import re

import pytest

import dasv.report_templates.plots as plots
from dasv.measures.funnel import funnel
from dasv.report.model import Chart, FunnelChart
from dasv.report_templates.charts import chart_svg, pdf_chart_svg

# Norfolk-like districts: King's Lynn and West Norfolk sits just above Breckland, Huntingdonshire
# on the 99.8% limit: today's labels overlapped or were struck through by a limit line
COUNTS = {"King's Lynn and West Norfolk": (760, 125_000), "Breckland": (700, 118_000), "Broadland": (520, 118_500),
          "Great Yarmouth": (620, 82_000), "Norwich": (980, 120_000), "North Norfolk": (420, 88_000),
          "South Norfolk": (530, 116_000), "Huntingdonshire": (692, 151_700)}  # fmt: skip


@pytest.mark.parametrize("width, height, font", [(762, 218, 7.5), (900, 414, 12)], ids=["pdf", "html"])
def test_funnel_labels_cover_no_label_point_or_limit_line(monkeypatch, width, height, font):
    fn = funnel(COUNTS)
    seen: list[tuple[str, tuple, list, list]] = []
    place = plots.place_label

    def spy(text, x, y, face, size, placed, dots, lines, frame, clear_only=False):
        box = place(text, x, y, face, size, placed, dots, lines, frame, clear_only)
        seen.append((text, box, dots, lines))
        return box

    monkeypatch.setattr(plots, "place_label", spy)
    plots.draw_funnel(FunnelChart("f", "Funnel", fn, "Population", "Rate", "d"), width, height, font)
    assert {t for t, *_ in seen} == set(COUNTS)  # at most 12 districts: every one is named
    boxes = [b for _, b, _, _ in seen]
    for i, (text, box, dots, lines) in enumerate(seen):
        assert not any(plots._overlap(box, other) for other in boxes[:i] + boxes[i + 1 :]), text
        assert not any(plots._overlap(box, dot) for dot in dots), text
        assert not any(plots._crosses(box, line) for line in lines), text


def test_funnel_label_placement_sees_a_line_through_a_box():
    line = ([0.0, 100.0], [0.0, 10.0])
    assert plots._crosses((40, 2, 60, 6), line)  # the line runs through y 4-6 there
    assert not plots._crosses((40, 7, 60, 12), line)
    assert not plots._crosses((140, 0, 160, 12), line)  # beyond the line's end


def test_value_axis_has_thousands_separators():
    chart = Chart(
        "ye", "Year ending", ["YE Sep 2022", "YE Sep 2023"], {"Total": [11_285.0, 12_639.0]}, "Records", "d"
    )
    for svg in (chart_svg(chart), pdf_chart_svg(chart)):
        labels = re.findall(r">\s*([\d,.]+)\s*</text>", svg)
        assert "12,500" in labels or "10,000" in labels, labels
        assert not any(re.fullmatch(r"\d{4,}", label) for label in labels), labels


def test_a_crowded_funnel_names_few_districts_each_clear_of_the_rest(monkeypatch):
    """300 districts: the slice's own district always, then at most 20 names, none overlapping."""
    counts = {f"District {i:03d}": (300 + (i * 37) % 400, 60_000 + (i * 7919) % 200_000) for i in range(300)}
    fn = funnel(counts)
    seen = []
    place = plots.place_label

    def spy(text, *args, clear_only=False):
        box = place(text, *args, clear_only)
        if box:
            seen.append((text, box))
        return box

    monkeypatch.setattr(plots, "place_label", spy)
    plots.draw_funnel(
        FunnelChart("f", "Funnel", fn, "Population", "Rate", "d", highlight="District 150"), 762, 218
    )
    assert seen[0][0] == "District 150" and 2 <= len(seen) <= 1 + plots.MAX_NAMES
    boxes = [b for _, b in seen]
    for i, box in enumerate(boxes):
        assert not any(plots._overlap(box, other) for other in boxes[i + 1 :]), seen[i][0]


def _xmr(values: list[float]):
    from dasv.measures.spc import analyse

    months = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(len(values))]
    return analyse(months, values)


def test_dashed_lines_are_open_paths_and_labels_are_anchored_by_the_svg():
    """A dashed limit drawn as M…L…Z retraces itself and looks solid; a label placed by Helvetica's
    widths runs under the axis in the PDF's wider font ("80" read "8")."""
    from dasv.report.model import SpcChart

    result = _xmr([100 + (i % 5) * 4 for i in range(24)])
    for svg in (chart_svg(SpcChart("s", "IDVA referrals by month", result, "Referrals", "d")),
                chart_svg(Chart("c", "Trend", ["Q1", "Q2", "Q3"], {"A": [80.0, 12_500.0, 90.0]}, "n", "d"))):  # fmt: skip
        dashed = re.findall(r'<path d="([^"]*)"[^>]*stroke-dasharray', svg)
        assert not any(d.rstrip().endswith("Z") for d in dashed), dashed
        assert dashed or "Trend" in svg  # the SPC chart's limits and key are dashed
        y_labels = re.findall(r'<text[^>]*text-anchor="end"[^>]*>\s*([\d,.]+)\s*</text>', svg)
        assert y_labels, "the value axis's labels are anchored at their end by the SVG itself"


def test_limits_that_flag_most_months_flag_none_and_say_so():
    """A level shift (police crimes in the demo: 22 of 24 months flagged) signals nothing."""
    from dasv.report.model import SpcChart
    from dasv.report.verdict import limits_fit

    shifted = _xmr([540.0 + (i % 3) for i in range(12)] + [620.0 + (i % 3) for i in range(12)])
    assert not limits_fit(shifted) and len(shifted.flags) > 12
    svg = chart_svg(SpcChart("s", "Police DA crimes by month", shifted, "Crimes", "d"))
    assert "Limits do not fit" in svg
    assert "Special cause" not in svg and "<polygon" not in svg  # no triangle or diamond marks
    steady = _xmr([100 + (i % 5) * 4 for i in range(24)])
    assert limits_fit(steady)
