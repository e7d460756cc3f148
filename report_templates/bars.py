"""Horizontal bar charts (one period's shares, largest first) as reportlab drawings for the PDF and the HTML.

Each bar carries its label on the left and its value, printed as the table beside it prints it, at
its end: a bar a few pixels long still says what it is, where a line among eight near zero did not.
"""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from dasv.report.model import BarChart
from dasv.report_templates.plots import GREY, GRID, NAVY, Frame, nice_range, no_data


def draw_bars(chart: BarChart, width: float = 720, height: float = 230, font: float = 7.5) -> Drawing:
    """The chart's bars, largest first, each named on the left and valued at its end, on a gridded axis."""
    d = Drawing(width, height)
    d.add(String(0, height - font * 1.9, chart.title, fontName="Helvetica-Bold", fontSize=font * 1.45))
    if not chart.bars:
        return no_data(
            d,
            height,
            font,
            "Nothing to draw: every value is withheld or not supplied (the table says which).",
        )
    bars = sorted(chart.bars, key=lambda bar: -bar[1])
    left = max(stringWidth(label, "Helvetica", font) for label, _, _ in bars) + font
    _, xmax, step = nice_range(0, max(value for _, value, _ in bars))  # room for its value beyond the axis
    f = Frame(left, font * 4.5, width - left - font * 6, height - font * 7.5, 0, xmax, 0, len(bars))
    ticks = [i * step for i in range(int(round(xmax / step)) + 1)]
    for value in ticks:
        d.add(Line(f.x(value), f.y0, f.x(value), f.y0 + f.height, strokeColor=GRID, strokeWidth=0.5))
        d.add(String(f.x(value), f.y0 - font * 1.3, f"{value:,g}", fontName="Helvetica", fontSize=font,
                     textAnchor="middle"))  # fmt: skip
    d.add(Line(f.x0, f.y0, f.x0, f.y0 + f.height, strokeColor=GREY, strokeWidth=0.8))
    d.add(String(f.x0 + f.width / 2, f.y0 - font * 2.7, chart.x_label, fontName="Helvetica", fontSize=font,
                 textAnchor="middle"))  # fmt: skip
    thickness = f.height / len(bars) * 0.62
    for i, (label, value, printed) in enumerate(bars):
        middle = f.y(len(bars) - i - 0.5)  # the largest at the top
        d.add(
            Rect(f.x0, middle - thickness / 2, f.x(value) - f.x0, thickness, fillColor=NAVY, strokeColor=None)
        )
        d.add(String(f.x0 - font * 0.6, middle - font / 3, label, fontName="Helvetica", fontSize=font,
                     textAnchor="end"))  # fmt: skip
        d.add(
            String(f.x(value) + font * 0.4, middle - font / 3, printed, fontName="Helvetica", fontSize=font)
        )
    return d
