"""The quarterly report as a PDF (reportlab platypus, A4 landscape).

Where a table is drawn: :func:`table_flowable`. Sections follow PRODUCT.md, "The
quarterly report": title, headline figures, referral tables, other relevant data,
trend charts, other relevant information, data quality, definitions.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dasv.quarters import london_time
from dasv.report.model import Report, ReportTable, Variation, format_cell
from report_templates.charts import draw_any
from report_templates.plots import ORANGE, TEAL, marker

PAGE = landscape(A4)
MARGIN = 1.4 * cm
NAVY = colors.HexColor("#12436D")
ZEBRA = colors.HexColor("#F2F4F7")
CURRENT = colors.HexColor("#E3ECF6")

_base = getSampleStyleSheet()
# header cells: white bold on navy; the right-aligned and centred forms differ only in alignment
HEAD = ParagraphStyle(
    "head_left",
    parent=_base["BodyText"],
    fontSize=7.5,
    leading=9,
    fontName="Helvetica-Bold",
    textColor=colors.white,
)
STYLES = {
    "title": ParagraphStyle(
        "title", parent=_base["Title"], fontSize=20, leading=24, alignment=0, textColor=NAVY
    ),
    "subtitle": ParagraphStyle("subtitle", parent=_base["Heading2"], fontSize=14, textColor=NAVY),
    "h1": ParagraphStyle(
        "h1",
        parent=_base["Heading1"],
        fontSize=14,
        leading=17,
        textColor=NAVY,
        spaceBefore=10,
        keepWithNext=1,
    ),
    "h2": ParagraphStyle(
        "h2", parent=_base["Heading2"], fontSize=11, leading=14, spaceBefore=8, spaceAfter=4, keepWithNext=1
    ),
    "body": ParagraphStyle("body", parent=_base["BodyText"], fontSize=9.5, leading=12.5),
    "small": ParagraphStyle(
        "small", parent=_base["BodyText"], fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444444")
    ),
    "cell": ParagraphStyle("cell", parent=_base["BodyText"], fontSize=7.5, leading=9),
    "cell_bold": ParagraphStyle(
        "cell_bold", parent=_base["BodyText"], fontSize=7.5, leading=9, fontName="Helvetica-Bold"
    ),
    "head_left": HEAD,
    "head": ParagraphStyle("head", parent=HEAD, alignment=TA_RIGHT),
    "head_group": ParagraphStyle("head_group", parent=HEAD, alignment=TA_CENTER),
}


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def table_flowable(table: ReportTable, width: float) -> list:
    """A report table: header rows repeated on every page, current quarter bold, total row bold.

    Rows are never split across pages (platypus moves a whole row to the next page), so a
    long list of areas flows onto further pages under the same headers.
    """
    grouped = any(c.group for c in table.columns)
    label_width = 5.2 * cm if len(table.columns) > 6 else 8.5 * cm
    data_width = (width - label_width) / max(1, len(table.columns) - 1)
    widths = [label_width] + [data_width] * (len(table.columns) - 1)

    head_rows: list[list] = []
    spans: list[tuple] = []
    if grouped:
        top, sub = [_cell_head(table.columns[0].header, left=True)], [""]
        i = 1
        while i < len(table.columns):
            group = table.columns[i].group
            j = i
            while j + 1 < len(table.columns) and table.columns[j + 1].group == group and group:
                j += 1
            top += [Paragraph(escape(group or table.columns[i].header), STYLES["head_group"])] + [""] * (
                j - i
            )
            if j > i:
                spans.append(("SPAN", (i, 0), (j, 0)))
            sub += [_cell_head(c.sub or "") for c in table.columns[i : j + 1]]
            i = j + 1
        head_rows = [top, sub]
    else:
        head_rows = [[_cell_head(c.header, left=k == 0) for k, c in enumerate(table.columns)]]

    body = []
    for r, row in enumerate(table.rows):
        is_total = table.total_row and r == len(table.rows) - 1
        cells = [_label(str(row[0]), label_width, bold=is_total)]
        cells += [
            variation_flowable(row[c]) if table.columns[c].kind == "variation" else table.text(r, c)
            for c in range(1, len(row))
        ]
        body.append(cells)

    n_head = len(head_rows)
    style = [
        ("BACKGROUND", (0, 0), (-1, n_head - 1), NAVY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONT", (0, n_head), (-1, -1), "Helvetica", 7.5, 9),  # the cell style's font, size and leading
        ("ALIGN", (1, n_head), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, n_head - 1), (-1, n_head - 1), 0.8, NAVY),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.grey),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *spans,
    ]
    for r in range(len(body)):
        if r % 2:
            style.append(("BACKGROUND", (0, n_head + r), (-1, n_head + r), ZEBRA))
    for c, column in enumerate(table.columns):
        if column.current and c > 0:
            style.append(("FONT", (c, n_head), (c, -1), "Helvetica-Bold", 7.5, 9))
    if table.total_row:
        style += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 7.5, 9),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, NAVY),
        ]
    flow = Table(
        head_rows + body, colWidths=widths, repeatRows=n_head, style=TableStyle(style), hAlign="LEFT"
    )
    caption = [_p(table.title, "h2")]
    after = [
        _p(table.footnote(), "small"),
        Spacer(1, 6),
    ]
    # the caption keeps with the table; long tables then flow with repeated headers
    return [CondPageBreak(3 * cm), *caption, flow, *after]


def _label(text: str, width: float, bold: bool = False) -> str | Paragraph:
    """A row label: the plain string when it fits on one line, else a Paragraph that wraps it.

    A string is drawn in the table's font as fast as a number; a slice's tables have hundreds of
    labels, and each Paragraph is parsed and wrapped again on every page split.
    """
    style = STYLES["cell_bold" if bold else "cell"]
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width - 2 * CELL_PADDING:
        return text
    return Paragraph(escape(text), style)


CELL_PADDING = 6  # platypus Table's default left and right padding


def variation_flowable(cell) -> object:
    """The variation of a headline row: the chart's marker shape as an icon, then the words."""
    if not isinstance(cell, Variation):
        return format_cell(cell)
    icon = Drawing(9, 9)
    kind = {"special_cause_higher": "triangle", "special_cause_lower": "diamond"}.get(cell.signal, "circle")
    color = {"triangle": ORANGE, "diamond": TEAL}.get(kind, colors.HexColor("#8A9197"))
    icon.add(marker(kind, 4.5, 4, 7, color))
    return Table([[icon, Paragraph(escape(cell.text()), STYLES["cell"])]], colWidths=[11, None],
                 style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                   ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))  # fmt: skip


def _cell_head(text: str, left: bool = False) -> Paragraph:
    return Paragraph(escape(text), STYLES["head_left" if left else "head"])


def _bullets(lines: list[str]) -> ListFlowable:
    return ListFlowable(
        [ListItem(_p(line), leftIndent=12) for line in lines], bulletType="bullet", start="•", leftIndent=12
    )


def render_pdf(report: Report, path: Path) -> Path:
    """Write the report PDF with title, author and subject metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width = PAGE[0] - 2 * MARGIN
    doc = SimpleDocTemplate(
        str(path), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=f"{report.title}: {report.subtitle}" + (f" – {report.area}" if report.area else ""),
        author=report.author or report.partnership, subject=f"Domestic abuse performance, {report.quarter}",
        creator="dasv-reporting", lang="en-GB",
    )  # fmt: skip
    story: list = []
    story += [
        _p(report.title, "title"),
        _p(report.subtitle + (f" – {report.area}" if report.area else ""), "subtitle"),
    ]
    files = ", ".join(sorted({s.file_name for s in report.sources})) or "no files"
    story.append(
        _p(f"{report.partnership}. Produced {london_time(report.produced_at)} from {files}.", "small")
    )
    if report.suppressed:
        story.append(_p("Small numbers are suppressed for circulation: counts from 1 to 4 are shown as <5, and "
                        "[c] marks a value withheld so that a suppressed count cannot be worked out from totals. "
                        "Rates on suppressed counts are not shown.", "small"))  # fmt: skip
    number = iter(range(1, 100))

    def heading(title: str) -> Paragraph:
        return _p(f"{next(number)}. {title}", "h1")

    story.append(heading("Headline figures"))
    story += table_flowable(report.headline, width)
    story.append(CondPageBreak(4 * cm))
    story.append(heading("Referral data"))
    for t in report.tables:
        if t.section == "referrals":
            story += table_flowable(t, width)
    story.append(CondPageBreak(4 * cm))
    story.append(heading("Other relevant data"))
    for t in report.tables:
        if t.section != "referrals":
            story += table_flowable(t, width if len(t.columns) > 4 else width * 0.75)
    story.append(CondPageBreak(PAGE[1] - 2 * MARGIN - 1 * cm))  # the charts start a page of their own
    story.append(heading("Variation: monthly SPC charts"))
    story += _charts(report.charts, width)
    for section in report.sections:
        story.append(CondPageBreak(PAGE[1] - 2 * MARGIN - 1 * cm))
        story.append(heading(section.title))
        story += [_p(p) for p in section.intro]
        for t in section.tables:
            story += table_flowable(t, width if len(t.columns) > 4 else width * 0.75)
        story += _charts(section.charts, width)
        if section.statements:
            story.append(_p("Drafted from the figures", "h2"))
            story.append(_bullets(section.statements))
    story.append(CondPageBreak(4 * cm))
    story.append(heading("Other relevant information"))
    if report.commentary:
        story.append(_p("Commentary", "h2"))
        story += [_p(p) for p in report.commentary]
    story.append(_p("Drafted from the figures", "h2"))
    story.append(_bullets(report.statements))
    story.append(CondPageBreak(4 * cm))
    story.append(heading("Data quality"))
    story.append(_bullets(report.quality or ["No anomalies found."]))
    for table in report.quality_tables:
        story += table_flowable(table, width)
    story.append(_p("Source files", "h2"))
    story += [_sources_table(report, width)]
    if report.provenance:
        story.append(_p("Produced by", "h2"))
        story.append(_bullets(report.provenance))
    story.append(CondPageBreak(4 * cm))
    story.append(heading("Definitions"))
    for term, text in report.definitions:
        story.append(Paragraph(f"<b>{escape(term)}</b>: {escape(text)}", STYLES["body"]))
    doc.build(story, onFirstPage=_footer(report), onLaterPages=_footer(report))
    return path


def _charts(charts: list, width: float) -> list:
    """Each chart kept together with its description."""
    return [
        KeepTogether([draw_any(chart, width=width, height=200), _p(chart.description, "small"), Spacer(1, 6)])
        for chart in charts
    ]


def _sources_table(report: Report, width: float) -> Table:
    rows = [
        [
            _cell_head(h, left=True)
            for h in ("Source", "File", "Quarters / months", "Rows", "Skipped", "SHA-256", "Loaded (UK time)")
        ]
    ]
    for s in report.sources:
        rows.append([
            s.source, Paragraph(escape(s.file_name), STYLES["cell"]), Paragraph(escape(", ".join(s.periods)), STYLES["cell"]),
            f"{s.rows_loaded:,}", f"{s.rows_skipped:,}", Paragraph(s.sha256, STYLES["cell"]), Paragraph(london_time(s.loaded_at), STYLES["cell"]),
        ])  # fmt: skip
    widths = [1.6 * cm, 6.5 * cm, 4.5 * cm, 1.4 * cm, 1.6 * cm, width - 18.9 * cm, 3.3 * cm]
    return Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", style=TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), NAVY), ("FONT", (0, 1), (-1, -1), "Helvetica", 7.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
    ]))  # fmt: skip


def _footer(report: Report):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        left = f"{report.title} – {report.subtitle}" + (f" – {report.area}" if report.area else "")
        canvas.drawString(MARGIN, 0.8 * cm, left)
        canvas.drawRightString(PAGE[0] - MARGIN, 0.8 * cm, f"Page {doc.page}")
        canvas.restoreState()

    return draw
