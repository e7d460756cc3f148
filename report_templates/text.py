"""A report table as plain text for a terminal: the same cell texts as the PDF and HTML."""

from __future__ import annotations

from dasv.report.model import ReportTable


def render_text(table: ReportTable) -> str:
    """The table's title, an aligned grid of :meth:`ReportTable.text` cells, and its footnote."""
    headers = [c.sub or c.header if c.group else c.header for c in table.columns]
    rows = [
        [str(row[0])] + [table.text(r, c) for c in range(1, len(row))] for r, row in enumerate(table.rows)
    ]
    widths = [max(len(line[i]) for line in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(widths[i + 1]) for i, cell in enumerate(cells[1:])]
        return "  ".join([first, *rest]).rstrip()

    out = [table.title, line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    if table.footnote():
        out.append(table.footnote())
    return "\n".join(out)


def table_records(table: ReportTable) -> list[dict[str, str]]:
    """One dict per row, header -> printed cell (a Prefect table artifact's rows)."""
    headers = [c.header for c in table.columns]
    return [
        {headers[0]: str(row[0]), **{headers[c]: table.text(r, c) for c in range(1, len(row))}}
        for r, row in enumerate(table.rows)
    ]
