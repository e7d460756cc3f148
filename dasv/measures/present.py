"""Plain-text forms of the metrics document: flat CSV, an indented table, headline lines."""

from __future__ import annotations

import csv
import io

from dasv.safe_text import safe_cell


def flatten(doc: dict, prefix: str = "") -> list[tuple[str, object]]:
    """``[("idva.total.total_referrals", 476), ...]`` in document order."""
    out: list[tuple[str, object]] = []
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out += flatten(value, path)
        elif isinstance(value, list):
            out.append((path, "; ".join(map(str, value))))
        else:
            out.append((path, value))
    return out


def as_csv(doc: dict) -> str:
    """The document as ``measure,value`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["measure", "value"])
    for path, value in flatten(doc):
        writer.writerow([safe_cell(path), safe_cell("" if value is None else str(value))])
    return buffer.getvalue()


def as_table(doc: dict) -> str:
    """The document as an indented, human-readable listing."""
    lines: list[str] = []

    def walk(node: dict, depth: int) -> None:
        for key, value in node.items():
            pad = "  " * depth
            if isinstance(value, dict):
                lines.append(f"{pad}{key}")
                walk(value, depth + 1)
            else:
                shown = "–" if value is None else value
                lines.append(f"{pad}{key:<{max(1, 40 - len(pad))}} {shown}")

    walk(doc, 0)
    return "\n".join(lines) + "\n"
