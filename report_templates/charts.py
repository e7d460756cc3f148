"""Trend charts as reportlab drawings: one drawing is placed in the PDF and exported as SVG for HTML.

Readable in greyscale: every series has its own dash pattern and marker, not only a colour.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.validators import Auto

from dasv.report.model import Chart
from dasv.report_templates.svg import drawing_svg

PALETTE = [colors.HexColor(c) for c in ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1",
                                          "#0F7B3F", "#B58840", "#6B6B6B")]  # fmt: skip
DASHES = [None, (4, 2), (1, 2), (6, 2, 1, 2), (8, 3), (2, 2), (5, 1, 1, 1), (3, 4), (10, 2)]
MARKERS = ["FilledCircle", "FilledSquare", "FilledTriangle", "FilledDiamond", "Circle", "Square",
           "Triangle", "Diamond", "Cross"]  # fmt: skip


def draw_chart(chart: Chart, width: float = 720, height: float = 230, font: float = 7.5) -> Drawing:
    """A line chart with a title, axis label and legend; ``font`` is the smallest text size."""
    drawing = Drawing(width, height)
    drawing.add(String(0, height - font * 1.9, chart.title, fontName="Helvetica-Bold", fontSize=font * 1.45))
    names = [
        n for n in chart.series if any(v is not None for v in chart.series[n])
    ]  # an empty series has no line
    if not chart.categories or not names:
        shown = chart.categories[0] if len(chart.categories) == 1 else "these periods"
        message = f"Nothing to draw for {shown}: each value is withheld, incomplete or not supplied (the table says which)."
        drawing.add(String(font * 6, height / 2, message, fontName="Helvetica", fontSize=font * 1.2))
        return drawing
    plot = _line_plot(chart, names, width, height, font)
    # a series with gaps: reportlab draws the markers, the lines are drawn here broken at each gap
    gaps = [i for i in range(len(chart.categories)) if any(chart.series[n][i] is None for n in names)]
    plot.joinedLines = not gaps
    drawing.add(plot)
    if gaps:
        _draw_gaps(drawing, plot, chart, names, gaps, font)
    label = Group(String(0, 0, chart.y_label, fontName="Helvetica", fontSize=font, textAnchor="middle"))
    label.transform = (0, 1, -1, 0, font * 1.3, plot.y + plot.height / 2)  # rotated a quarter turn
    drawing.add(label)
    drawing.add(_legend(plot, len(names), height, font))
    return drawing


def _line_plot(
    chart: Chart, names: list[str], width: float, height: float, font: float
) -> HorizontalLineChart:
    """The plot of the series ``names``: axes, gridlines, and each line's colour, dash and marker."""
    plot = HorizontalLineChart()
    plot.x, plot.y = font * 6, font * 4.7
    plot.width, plot.height = width - 300 - font * 8, height - font * 10
    plot.data = [list(chart.series[n]) for n in names]
    plot.categoryAxis.categoryNames = chart.categories
    plot.categoryAxis.labels.fontSize = font
    plot.categoryAxis.labels.angle = 0 if len(chart.categories) <= 6 else 20
    plot.categoryAxis.labels.boxAnchor = "n" if len(chart.categories) <= 6 else "ne"
    top = max(v for n in names for v in chart.series[n] if v is not None) or 1  # all-zero still gets an axis
    step = _nice_step(top)
    axis = plot.valueAxis
    axis.valueMin, axis.valueMax, axis.valueStep = 0, step * math.ceil(top / step), step
    axis.labels.fontSize = font
    axis.labels.textAnchor = "end"  # anchored by the SVG: unclipped in the PDF's wider font
    places = 0 if float(step).is_integer() else 1  # 12,500 not 12500; 2.5 keeps its decimal
    axis.labelTextFormat = lambda v: f"{v:,.{places}f}"
    axis.visibleGrid = True
    axis.gridStrokeColor = colors.HexColor("#DDDDDD")
    for i, name in enumerate(names):
        line = plot.lines[i]
        line.strokeColor = PALETTE[i % len(PALETTE)]
        line.strokeWidth = 1.6
        if DASHES[i % len(DASHES)]:
            line.strokeDashArray = DASHES[i % len(DASHES)]
        symbol = makeMarker(MARKERS[i % len(MARKERS)])
        symbol.size = 4
        symbol.fillColor = symbol.strokeColor = PALETTE[i % len(PALETTE)]
        line.symbol = symbol
        line.name = name
    return plot


def _legend(plot: HorizontalLineChart, count: int, height: float, font: float) -> Legend:
    """The key beside the plot: each line's swatch drawn with its dash and marker, and its name."""
    legend = Legend()
    legend.x, legend.y = plot.x + plot.width + 20, height - 30
    legend.fontSize = font
    legend.dx, legend.dy = 16, 6
    legend.deltay = font * 1.45
    legend.alignment = "right"
    legend.subCols.minWidth = 200
    legend.colorNamePairs = Auto(obj=plot)
    legend.dxTextSpace = 6
    legend.columnMaximum = count
    return legend


GAP = colors.HexColor("#E8E8E8")


def _draw_gaps(drawing: Drawing, plot, chart: Chart, names: list[str], gaps: list[int], font: float) -> None:
    """Each run of values joined by its series' line, each quarter without a figure shaded and said so."""
    from reportlab.graphics.shapes import PolyLine, Rect

    plot.draw()  # lays the axes out, so a category's and a value's places can be read
    axis, values = plot.categoryAxis, plot.valueAxis
    width = axis._barWidth

    def x(i: int) -> float:
        return axis.scale(i)[0] + width / 2

    behind = drawing.contents.index(plot)
    for i in gaps:  # a light band behind the plot where a quarter has no figure
        drawing.insert(
            behind, Rect(x(i) - width / 2, plot.y, width, plot.height, fillColor=GAP, strokeColor=None)
        )
    for k, name in enumerate(names):
        run: list[float] = []
        for i, v in enumerate([*chart.series[name], None]):
            if v is not None:
                run += [x(i), values.scale(v)]
                continue
            if len(run) >= 4:
                drawing.add(PolyLine(run, strokeColor=PALETTE[k % len(PALETTE)], strokeWidth=1.6,
                                     strokeDashArray=DASHES[k % len(DASHES)]))  # fmt: skip
            run = []
    drawing.add(String(plot.x + plot.width + 20, plot.y - font * 0.2,
                       "Shaded: no figure (withheld or not supplied)", fontName="Helvetica", fontSize=font))  # fmt: skip


def _lone_points(values: list[float | None]) -> bool:
    """True if some value has no neighbour value on either side."""
    present = [v is not None for v in values]
    return any(
        here and not (i > 0 and present[i - 1]) and not (i + 1 < len(present) and present[i + 1])
        for i, here in enumerate(present)
    )


def _nice_step(value: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` gridlines."""
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


SANS = "Arial, Helvetica, 'Liberation Sans', sans-serif"


def draw_any(chart, width: float = 720, height: float = 230, font: float = 7.5) -> Drawing:
    """Any of the report's charts: a line chart, an SPC chart, a funnel plot or a bar chart."""
    from dasv.report.model import BarChart, FunnelChart, SpcChart
    from dasv.report_templates.bars import draw_bars
    from dasv.report_templates.plots import draw_funnel, draw_spc

    if isinstance(chart, BarChart):
        return draw_bars(chart, width, height, font)
    if isinstance(chart, SpcChart):
        return draw_spc(chart, width, height, font)
    if isinstance(chart, FunnelChart):
        return draw_funnel(chart, width, height * 1.15, font)
    return draw_chart(chart, width, height, font)


_DRAWN: dict[int, tuple[object, str]] = {}  # id(chart) -> (chart, its SVG): the last few drawn


def chart_svg(chart) -> str:
    """The chart as an SVG document for the HTML report: text at least 12 px, in a sans-serif font.

    The PDF places the same SVG (:func:`pdf_chart_svg`): a report's charts are drawn once.
    """
    drawn = _DRAWN.get(id(chart))
    if drawn is not None and drawn[0] is chart:
        return drawn[1]
    svg = drawing_svg(draw_any(chart, width=900, height=360, font=12))
    svg = svg.split("?>", 1)[-1].strip() if svg.startswith("<?xml") else svg
    svg = svg.replace("font-family: Helvetica-Bold", f"font-family: {SANS}; font-weight: bold")
    svg = svg.replace("font-family: Helvetica", f"font-family: {SANS}")
    svg = svg.replace("<title>...</title>", f"<title>{escape(chart.title)}</title>", 1).replace(
        "<desc>...</desc>", f"<desc>{escape(chart.description)}</desc>", 1
    )
    if len(_DRAWN) >= 32:
        _DRAWN.clear()
    _DRAWN[id(chart)] = (chart, svg)
    return svg


PDF_FONT = "'Atkinson Hyperlegible'"


def pdf_chart_svg(chart) -> str:
    """The HTML's SVG of the chart for the PDF, in the PDF's embedded font.

    reportlab writes ``fill: None``: browsers read CSS keywords in any case, Typst's SVG reader only
    as ``none``.
    """
    return chart_svg(chart).replace(SANS, PDF_FONT).replace("fill: None", "fill: none")
