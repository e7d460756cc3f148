"""Values read back from the served SVG charts, as an attacker with a ruler would.

A chart is a drawing: its axes carry numbered ticks, so every point's value is its position
mapped through the axis. This reads the y-axis (numeric labels beside horizontal grid or tick
lines), the x-axis (month labels such as ``Jan 24`` or quarter labels such as ``2025-26 Q3``
beside their ticks, every other month filled in from the spacing), the points (polylines,
circles, squares) grouped by colour, the legend (a colour beside its words) and the title
(``<measure> in <area> by month`` or ``<measure>, <area>[ and <area>]``).

Returns, per chart, its title and the points ``(series words, period, value)``; a chart whose axes
cannot be read is returned with no points and a reason, so the test can say what it did not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NUM = r"-?\d+(?:\.\d+)?"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
QUARTER = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")
MONTH = re.compile(r"^([A-Z][a-z]{2}) (\d{2})$")
COLOUR = re.compile(r"(?:fill|stroke): (rgb\([^)]*\))")


@dataclass
class Chart:
    title: str
    points: list[tuple[str, str, float]] = field(default_factory=list)  # (series words, period, value)
    problem: str = ""


def _texts(svg: str) -> list[tuple[float, float, str]]:
    """(x, y, text) of each text element, y in the drawing's coordinates (a matrix's translation if inside one)."""
    out = []
    pattern = re.compile(
        r"(?:<g transform=\" ?matrix\(([^)]*)\)\">\s*)?<text x=\"("
        + NUM
        + r")\" y=\"("
        + NUM
        + r")\"[^>]*>([^<]*)</text>"
    )
    for m in pattern.finditer(svg):
        matrix, x, y, words = m.groups()
        if matrix:
            parts = [float(p) for p in matrix.split(",")]
            out.append((parts[4], parts[5], words.strip(), True))
        else:
            out.append((float(x), float(y), words.strip(), False))
    return out


def _lines(svg: str) -> list[tuple[float, float, float, float, str]]:
    found = []
    for m in re.finditer(
        r"<path d=\"M (" + NUM + r"),(" + NUM + r") L (" + NUM + r"),(" + NUM + r") Z\"([^>]*)>", svg
    ):
        x1, y1, x2, y2 = map(float, m.groups()[:4])
        found.append((x1, y1, x2, y2, m.group(5)))
    return found


def _fit(pairs: list[tuple[float, float]]) -> tuple[float, float] | None:
    """value = a + b * position from (position, value) pairs; None unless they lie on one line."""
    if len(pairs) < 2:
        return None
    (p0, v0), (p1, v1) = pairs[0], pairs[-1]
    if p1 == p0:
        return None
    b = (v1 - v0) / (p1 - p0)
    a = v0 - b * p0
    if any(abs(a + b * p - v) > 1e-6 * max(1.0, abs(v)) for p, v in pairs):
        return None
    return a, b


def _period_index(words: str) -> tuple[str, int] | None:
    m = QUARTER.match(words)
    if m:
        return "quarter", int(m.group(1)) * 4 + int(m.group(3)) - 1
    m = MONTH.match(words)
    if m and m.group(1) in MONTHS:
        return "month", (2000 + int(m.group(2))) * 12 + MONTHS.index(m.group(1))
    return None


def _period_label(kind: str, index: int) -> str:
    if kind == "month":
        return f"{index // 12}-{index % 12 + 1:02d}"
    fy, n = divmod(index, 4)
    return f"{fy}-{(fy + 1) % 100:02d} Q{n + 1}"


def read_chart(svg: str) -> Chart:
    title = (re.search(r"<title>([^<]*)</title>", svg) or [None, ""])[1].strip()
    chart = Chart(title)
    if not re.search(r"<(polyline|circle|polygon)|<rect x", svg):
        return chart  # nothing drawn ("No figures for these quarters yet.")
    texts, lines = _texts(svg), _lines(svg)
    flat = [(x1, y1, x2) for x1, y1, x2, y2, _ in lines if y1 == y2 and x2 != x1]
    left = min((x1 for x1, _, _ in flat), default=0.0)
    horizontal = sorted({round(y1, 6) for x1, y1, _ in flat if x1 == left})  # grid lines and y ticks
    right = max((max(x1, x2) for x1, _, x2 in flat if x1 == left), default=0.0)
    vertical_ticks = sorted(
        {round(x1, 6) for x1, y1, x2, y2, _ in lines if x1 == x2 and 0 < abs(y2 - y1) <= 6}
    )
    # y axis: a numeric label beside (within 6 units of) a horizontal line
    ypairs = []
    for _x, y, words, _ in texts:
        if re.fullmatch(NUM, words.replace(",", "")):
            near = min(horizontal, key=lambda h: abs(h - y), default=None)
            if near is not None and abs(near - y) <= 6:
                ypairs.append((near, float(words.replace(",", ""))))
    yfit = _fit(sorted(set(ypairs)))
    # x axis: period labels at their tick (a rotated label's anchor is the category's centre)
    xpairs, kind = [], None
    for x, _, words, rotated in texts:
        found = _period_index(words)
        if not found:
            continue
        kind = found[0]
        if not rotated and vertical_ticks:
            x = min((t for t in vertical_ticks if t >= x - 1e-6), default=x)
        xpairs.append((found[1], x))
    xfit = _fit(sorted(set(xpairs)))
    if yfit is None or xfit is None:
        chart.problem = "axes not read"
        return chart
    legend = {}
    for m in re.finditer(
        r"<(circle|rect|path|polygon)([^>]*)/>\s*(?:</g>\s*)*<text x=\"(" + NUM + r")\"[^>]*>([^<]*)</text>",
        svg,
    ):
        colour = COLOUR.search(m.group(2))
        if colour:
            legend.setdefault(colour.group(1), m.group(4).strip())
    points: list[tuple[str, float, float]] = []  # (colour, x, y)
    for m in re.finditer(r"<polyline points=\"([^\"]*)\"([^>]*)>", svg):
        colour = COLOUR.search(m.group(2))
        for pair in m.group(1).split(","):
            px, py = map(float, pair.split())
            points.append((colour.group(1) if colour else "", px, py))
    for m in re.finditer(
        r"<circle cx=\"(" + NUM + r")\" cy=\"(" + NUM + r")\"[^>]*?(?:fill: (rgb\([^)]*\)))", svg
    ):
        points.append((m.group(3), float(m.group(1)), float(m.group(2))))
    for m in re.finditer(
        r"<rect x=\"("
        + NUM
        + r")\" y=\"("
        + NUM
        + r")\" width=\"("
        + NUM
        + r")\" height=\"("
        + NUM
        + r")\"[^>]*?fill: (rgb\([^)]*\))",
        svg,
    ):
        x, y, w, h = map(float, m.groups()[:4])
        if w < 10 and h < 10:
            points.append((m.group(5), x + w / 2, y + h / 2))
    a_x, b_x = xfit  # position = a_x + b_x * period index
    seen = set()
    for colour, px, py in points:
        if px > right:
            continue  # the legend
        index = (px - a_x) / b_x
        if abs(index - round(index)) > 0.02:
            continue
        value = yfit[0] + yfit[1] * py
        item = (legend.get(colour, ""), _period_label(kind, round(index)), round(value, 6))
        if item not in seen:
            seen.add(item)
            chart.points.append(item)
    return chart
