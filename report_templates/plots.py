"""SPC (XmR and run) charts and funnel plots, drawn as reportlab drawings for the PDF and the HTML.

Every element a reader must tell apart has its own shape or dash, not only a colour: points
are circles, special-cause points triangles (higher) or diamonds (lower), the mean a solid
line, process limits dashed, "close to a limit" zones are not drawn; in a funnel plot the
95% limits are dashed, the 99.8% dotted, and a slice's own district a large square with its
name. Each chart carries a legend in words.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from dasv.report.verdict import limits_fit

NAVY = colors.HexColor("#12436D")
ORANGE = colors.HexColor("#F46A25")
TEAL = colors.HexColor("#28A197")
GREY = colors.HexColor("#505A5F")
PURPLE = colors.HexColor("#801650")
GRID = colors.HexColor("#DDDDDD")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass
class Frame:
    """The plotting area of a drawing and the data ranges it shows."""

    x0: float
    y0: float
    width: float
    height: float
    xmin: float
    xmax: float
    ymin: float
    ymax: float

    def x(self, v: float) -> float:
        """Drawing x of a data x."""
        return self.x0 + (v - self.xmin) / ((self.xmax - self.xmin) or 1) * self.width

    def y(self, v: float) -> float:
        """Drawing y of a data y."""
        return self.y0 + (v - self.ymin) / ((self.ymax - self.ymin) or 1) * self.height


def nice_range(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """A rounded (min, max, step) covering ``low`` to ``high`` with about ``ticks`` gridlines."""
    if high <= low:
        high = low + 1
    raw = (high - low) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def marker(kind: str, x: float, y: float, size: float, color) -> Group | Circle | Polygon | Rect:
    """A point marker: circle, triangle (points up), diamond or square."""
    h = size / 2
    if kind == "triangle":
        return Polygon([x - h, y - h, x + h, y - h, x, y + h * 1.2], fillColor=color, strokeColor=color)
    if kind == "diamond":
        return Polygon(
            [x, y - h * 1.2, x + h, y, x, y + h * 1.2, x - h, y], fillColor=color, strokeColor=color
        )
    if kind == "square":
        return Rect(x - h, y - h, size, size, fillColor=color, strokeColor=colors.black, strokeWidth=0.8)
    return Circle(x, y, h * 0.8, fillColor=color, strokeColor=color)


def axes(d: Drawing, f: Frame, xticks, yticks, font: float, x_label: str, y_label: str) -> None:
    """Gridlines, tick labels and axis titles."""
    for value, text in yticks:
        d.add(Line(f.x0, f.y(value), f.x0 + f.width, f.y(value), strokeColor=GRID, strokeWidth=0.5))
        d.add(
            String(
                f.x0 - 4, f.y(value) - font / 3, text, fontName="Helvetica", fontSize=font, textAnchor="end"
            )
        )
    for value, text in xticks:
        d.add(Line(f.x(value), f.y0, f.x(value), f.y0 - 3, strokeColor=GREY, strokeWidth=0.5))
        d.add(
            String(
                f.x(value), f.y0 - font * 1.3, text, fontName="Helvetica", fontSize=font, textAnchor="middle"
            )
        )
    d.add(Line(f.x0, f.y0, f.x0 + f.width, f.y0, strokeColor=GREY, strokeWidth=0.8))
    d.add(
        String(
            f.x0 + f.width / 2,
            f.y0 - font * 2.7,
            x_label,
            fontName="Helvetica",
            fontSize=font,
            textAnchor="middle",
        )
    )
    title = Group(String(0, 0, y_label, fontName="Helvetica", fontSize=font, textAnchor="middle"))
    title.transform = (0, 1, -1, 0, font, f.y0 + f.height / 2)
    d.add(title)


def legend(d: Drawing, x: float, y: float, items: list[tuple[str, str]], font: float) -> None:
    """A key in words: (style, text) with style a marker kind or ``line``, ``dashed``, ``dotted``."""
    for i, (style, text) in enumerate(items):
        yy = y - i * font * 1.6
        if style == "none":  # a line of words continuing the one above
            pass
        elif style in ("line", "dashed", "dotted"):
            dash = {"line": None, "dashed": [5, 3], "dotted": [1, 2]}[style]
            d.add(Line(x, yy + font / 3, x + 22, yy + font / 3, strokeColor=GREY if style != "line" else NAVY,
                       strokeWidth=1.2, strokeDashArray=dash))  # fmt: skip
        else:
            color = {"circle": NAVY, "triangle": ORANGE, "diamond": TEAL, "square": PURPLE}[style]
            d.add(marker(style, x + 11, yy + font / 3, font * 0.7, color))
        d.add(String(x + 28, yy, text, fontName="Helvetica", fontSize=font))


def month_tick(month: str) -> str:
    """``Jan 24`` for ``2024-01``."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year[2:]}"


def no_data(d: Drawing, height: float, font: float, text: str) -> Drawing:
    """A chart with nothing to draw says so in words (absence is never an empty axis)."""
    d.add(String(font * 6, height / 2, text, fontName="Helvetica", fontSize=font * 1.2))
    return d


def _spc_frame(r, width: float, height: float, font: float) -> tuple[Frame, list, list]:
    """The plotting area of an SPC chart and its ticks: (frame, x ticks, y ticks)."""
    n = len(r.values)
    spread = [
        *r.values,
        *r.centre,
        *(v for v in r.upper if v is not None),
        *(v for v in r.lower if v is not None),
    ]
    ymin, ymax, step = nice_range(min(spread) * 0.95, max(spread) * 1.03)
    f = Frame(font * 6, font * 4.5, width - font * 6 - 190, height - font * 8, -0.5, n - 0.5, ymin, ymax)
    yticks = [
        (ymin + i * step, f"{ymin + i * step:,.0f}") for i in range(int(round((ymax - ymin) / step)) + 1)
    ]
    every = max(1, math.ceil(n / 12))
    xticks = [(i, month_tick(m)) for i, m in enumerate(r.months) if i % every == 0]
    if (
        n - 1
    ) % every >= every * 0.75 or every == 1:  # the latest month, unless it would crowd the one before
        xticks = [t for t in xticks if t[0] != n - 1] + [(n - 1, month_tick(r.months[-1]))]
    return f, xticks, yticks


def _spc_lines(d: Drawing, f: Frame, r) -> None:
    """Each part's centre line and, on an XmR chart, its process limits dashed."""
    for start, end in _parts(r):
        x0, x1 = f.x(start - 0.4), f.x(end - 1 + 0.4)
        d.add(Line(x0, f.y(r.centre[start]), x1, f.y(r.centre[start]), strokeColor=GREY, strokeWidth=1.2))
        if r.method == "xmr":
            for limit in (r.upper[start], r.lower[start]):
                d.add(Line(x0, f.y(limit), x1, f.y(limit), strokeColor=GREY, strokeWidth=1,
                           strokeDashArray=[5, 3]))  # fmt: skip


def _spc_points(d: Drawing, f: Frame, r, font: float, fits: bool) -> None:
    """The monthly values joined by a line; special causes as triangles (higher) or diamonds (lower)."""
    points = [(f.x(i), f.y(v)) for i, v in enumerate(r.values)]
    if len(points) > 1:
        d.add(PolyLine([c for p in points for c in p], strokeColor=NAVY, strokeWidth=1.2))
    for i, (x, y) in enumerate(points):
        if fits and r.side[i] > 0:
            d.add(marker("triangle", x, y, font * 0.9, ORANGE))
        elif fits and r.side[i] < 0:
            d.add(marker("diamond", x, y, font * 0.9, TEAL))
        else:
            d.add(marker("circle", x, y, font * 0.6, NAVY))


def _spc_keys(r, fits: bool) -> list[tuple[str, str]]:
    """The SPC chart's key in words."""
    n = len(r.values)
    keys = [("circle", "Monthly value"), ("line", "Median" if r.method == "run" else "Mean")]
    if r.method == "xmr" and not fits:
        keys += [("dashed", "Process limits"), ("none", "Limits do not fit:"),
                 ("none", f"{len(r.flags)} of {n} months flagged,"), ("none", "so none is marked")]  # fmt: skip
    elif r.method == "xmr":
        keys += [("dashed", "Process limits"), ("triangle", "Special cause – higher"),
                 ("diamond", "Special cause – lower")]  # fmt: skip
    else:
        keys.append(("circle", f"Too few months for process limits (n = {n})"))
    return keys


def draw_spc(chart, width: float = 720, height: float = 230, font: float = 7.5) -> Drawing:
    """An XmR chart (mean, process limits, special-cause points) or a run chart around the median."""
    r = chart.result
    d = Drawing(width, height)
    d.add(String(0, height - font * 1.9, chart.title, fontName="Helvetica-Bold", fontSize=font * 1.45))
    if not r.values:
        return no_data(d, height, font, "No months loaded for this series yet.")
    f, xticks, yticks = _spc_frame(r, width, height, font)
    axes(d, f, xticks, yticks, font, "Month", chart.y_label)
    _spc_lines(d, f, r)
    fits = r.method != "xmr" or limits_fit(
        r
    )  # limits that flag most months flag nothing (dasv.report.verdict)
    _spc_points(d, f, r, font, fits)
    legend(d, f.x0 + f.width + 18, height - font * 4.5, _spc_keys(r, fits), font)
    return d


def _parts(r) -> list[tuple[int, int]]:
    """(start, end) of each part with its own centre line (a rebase starts a new one)."""
    starts = [0] + [i for i in range(1, len(r.values)) if (r.centre[i], r.upper[i] if r.upper else None)
                    != (r.centre[i - 1], r.upper[i - 1] if r.upper else None)]  # fmt: skip
    return [(s, starts[j + 1] if j + 1 < len(starts) else len(r.values)) for j, s in enumerate(starts)]


def _crosses(box: tuple[float, float, float, float], line: tuple[list[float], list[float]]) -> bool:
    """True if a line (its x in increasing order, and its y) passes through the box."""
    x0, y0, x1, y1 = box
    xs, ys = line
    i, j = bisect_left(xs, x0), bisect_right(xs, x1)
    inside = ys[i:j]
    for x in (x0, x1):  # where the line enters and leaves the box's columns
        k = bisect_right(xs, x)
        if 0 < k < len(xs) and xs[k - 1] != x:
            inside.append(ys[k - 1] + (ys[k] - ys[k - 1]) * (x - xs[k - 1]) / (xs[k] - xs[k - 1]))
    return bool(inside) and min(inside) <= y1 and max(inside) >= y0


DY = (-1.2, 0.6, -0.35, -2.4, 1.8, -3.6, 3.0)  # places below, above and level with a point, in sizes


MAX_NAMES = 20  # names on a crowded funnel plot (the table beside it lists every district)


def place_label(
    text: str,
    x: float,
    y: float,
    face: str,
    size: float,
    placed: list,
    dots: list,
    lines: list,
    frame: Frame,
    clear_only: bool = False,
) -> tuple[float, float, float, float] | None:
    """The box of a point's label: the first place beside the point that covers no label, point or line.

    Places are tried right then left of the point, below, above and level with it, then further
    out; each is scored by what it covers (another label worst, then a point, then each line it
    crosses, then leaving the plot), and the first of the lowest score is taken; with
    ``clear_only``, None when every place covers something.
    """
    width = stringWidth(text, face, size)
    gap = size * 0.8
    reach = (x - gap - width, y + min(DY) * size - size, x + gap + width, y + max(DY) * size + 2 * size)
    near_labels = [b for b in placed if _overlap(reach, b)]  # what any of the places could touch
    near_dots = [b for b in dots if _overlap(reach, b)]
    best, best_score = None, None
    for dy in DY:
        for dx in (gap, -gap - width):
            box = (x + dx, y + dy * size, x + dx + width, y + dy * size + size)
            score = 100 * sum(_overlap(box, b) for b in near_labels) + 50 * sum(
                _overlap(box, b) for b in near_dots
            )
            clear = (box[0], box[1] - size * 0.4, box[2], box[3] + size * 0.2)  # a line must not graze it
            score += 10 * sum(_crosses(clear, line) for line in lines)
            score += 30 * (box[0] < frame.x0 or box[2] > frame.x0 + frame.width or box[1] < frame.y0
                           or box[3] > frame.y0 + frame.height)  # fmt: skip
            if best_score is None or score < best_score:
                best, best_score = box, score
            if score == 0:
                placed.append(box)
                return box
    if clear_only:
        return None
    placed.append(best)
    return best


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _funnel_frame(fn, width: float, height: float, font: float) -> tuple[Frame, list, list]:
    """The plotting area of a funnel plot and its ticks: (frame, x ticks, y ticks)."""
    rates = [p.rate for p in fn.points] + [v for _, lim in fn.curve for pair in lim.values() for v in pair]
    ymin, ymax, ystep = nice_range(max(0.0, min(rates) * 0.9), max(rates) * 1.05)
    _, xmax, xstep = nice_range(0, max(n for n, _ in fn.curve))
    f = Frame(font * 6, font * 4.5, width - font * 6 - 190, height - font * 8, 0, xmax, ymin, ymax)
    yticks = [
        (ymin + i * ystep, f"{ymin + i * ystep:,.1f}") for i in range(int(round((ymax - ymin) / ystep)) + 1)
    ]
    xticks = [(i * xstep, f"{i * xstep:,.0f}") for i in range(int(round(xmax / xstep)) + 1)]
    return f, xticks, yticks


def _funnel_lines(d: Drawing, f: Frame, fn) -> list[tuple[list[float], list[float]]]:
    """The county rate and the 95% (dashed) and 99.8% (dotted) limits; each line as (xs, ys)."""
    d.add(Line(f.x0, f.y(fn.centre), f.x0 + f.width, f.y(fn.centre), strokeColor=NAVY, strokeWidth=1.2))
    lines = [([f.x0, f.x0 + f.width], [f.y(fn.centre)] * 2)]
    for level, dash in ((0.95, [5, 3]), (0.998, [1, 2])):
        for side in (0, 1):
            pts = [
                c for n, lim in fn.curve for c in (f.x(n), f.y(min(max(lim[level][side], f.ymin), f.ymax)))
            ]
            d.add(PolyLine(pts, strokeColor=GREY, strokeWidth=1, strokeDashArray=dash))
            lines.append((pts[::2], pts[1::2]))
    return lines


def _funnel_names(d: Drawing, f: Frame, chart, font: float, lines: list) -> None:
    """The areas' points, the highlighted district's square on top, and as many names as fit.

    Up to 12 districts every one is named; beyond, the own district, then those outside the 99.8%
    limits furthest from the county rate first, each only where its name fits clear of the rest.
    """
    fn = chart.funnel
    r = font * 0.7
    dots = [
        (f.x(p.population) - r, f.y(p.rate) - r, f.x(p.population) + r, f.y(p.rate) + r) for p in fn.points
    ]
    for p in sorted(fn.points, key=lambda p: p.area == chart.highlight):
        if p.area == chart.highlight:
            d.add(marker("square", f.x(p.population), f.y(p.rate), font * 1.1, PURPLE))
        else:
            d.add(marker("circle", f.x(p.population), f.y(p.rate), font * 0.7, NAVY))
    placed: list[tuple[float, float, float, float]] = []  # label boxes drawn so far
    crowded = len(fn.points) > 12
    for p in sorted(fn.points, key=lambda p: (p.area != chart.highlight, -abs(p.rate - fn.centre))):
        own = p.area == chart.highlight
        far = p.outside and p.outside.endswith("99.8%")
        if crowded and not own and (not far or len(placed) >= MAX_NAMES):
            continue
        face, size = ("Helvetica-Bold", font) if own else ("Helvetica", font * 0.9)
        text = chart.labels.get(p.area, p.area)  # one label per area (the deployment's)
        box = place_label(text, f.x(p.population), f.y(p.rate), face, size, placed, dots, lines, f,
                          clear_only=crowded and not own)  # fmt: skip
        if box:
            d.add(String(box[0], box[1], text, fontName=face, fontSize=size))


def _funnel_key(d: Drawing, f: Frame, chart, height: float, font: float) -> None:
    """The funnel plot's key in words and, when the limits were widened, by how much."""
    fn = chart.funnel
    widened = " (widened)" if getattr(fn, "adjusted", False) else ""  # over-dispersion (Spiegelhalter 2005)
    keys = [("circle", chart.point_label), ("line", f"{chart.centre_label} ({fn.centre:,.1f})"),
            ("dashed", f"95% limits{widened}"), ("dotted", f"99.8% limits{widened}")]  # fmt: skip
    if chart.highlight:
        keys.insert(1, ("square", chart.labels.get(chart.highlight, chart.highlight)))
    legend(d, f.x0 + f.width + 18, height - font * 4.5, keys, font)
    if widened:  # the adjustment in words under the key; the sentence under the plot says why
        below = height - font * 4.5 - len(keys) * font * 1.6 - font * 0.6
        for i, text in enumerate(("Limits widened for over-dispersion:",
                                  f"phi = {fn.dispersion.phi:,.2f}, tau² = {fn.dispersion.tau2:.3g}")):  # fmt: skip
            d.add(String(f.x0 + f.width + 18, below - i * font * 1.4, text, fontName="Helvetica",
                         fontSize=font * 0.9))  # fmt: skip


def draw_funnel(chart, width: float = 720, height: float = 260, font: float = 7.5) -> Drawing:
    """Each area's rate against its population, the county rate, and 95% / 99.8% limits."""
    d = Drawing(width, height)
    d.add(String(0, height - font * 1.9, chart.title, fontName="Helvetica-Bold", fontSize=font * 1.45))
    f, xticks, yticks = _funnel_frame(chart.funnel, width, height, font)
    axes(d, f, xticks, yticks, font, chart.x_label, chart.y_label)
    lines = _funnel_lines(d, f, chart.funnel)  # what a label must not cross
    _funnel_names(d, f, chart, font, lines)
    _funnel_key(d, f, chart, height, font)
    return d
