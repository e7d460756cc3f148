"""Plain-text forms of the metrics document: flat CSV, an indented table, headline lines."""

from __future__ import annotations

import csv
import io

from dasv.measures.rates import ratio
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


HEADLINES = [
    ("IDVA referrals", ("idva", "total", "total_referrals")),
    ("Referral criteria met", ("idva", "total", "criteria_met")),
    ("Engagement % of criteria met", ("idva", "total", "engagement_pct")),
    ("Repeats", ("idva", "total", "repeats")),
    ("MARAC referrals", ("marac", "referrals")),
    ("Cases heard at MARAC", ("marac", "cases_heard")),
    ("Awaiting MARAC hearing", ("marac", "awaiting_hearing")),
    ("Police DA incidents", ("police", "total", "da_incidents")),
    ("Police DA crimes", ("police", "total", "da_crimes")),
    ("Male victims", ("demographics", "male_victims")),
    ("Disability", ("demographics", "disability")),
]


def pick(doc: dict, path: tuple[str, ...]) -> object:
    """A value at a path of keys (None if absent)."""
    node: object = doc
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def headline_rows(current: dict, previous: dict | None) -> list[tuple[str, object, object, str]]:
    """(measure, this quarter, last quarter, change) for the headline figures."""
    rows = []
    for label, path in HEADLINES:
        now, before = pick(current, path), pick(previous, path) if previous else None
        change = ""
        if isinstance(now, int | float) and isinstance(before, int | float):
            if path[-1].endswith("_pct"):
                change = f"{now - before:+.1f} points"
            else:
                rel = ratio(now - before, before)
                change = f"{now - before:+d}" + (f" ({rel:+.1f}%)" if rel is not None else "")
        rows.append((label, now, before, change))
    return rows


def headline_text(current: dict, previous: dict | None) -> str:
    """The headline figures as a small text table."""
    prev_label = previous["quarter"] if previous else "previous"
    lines = [f"{'Headline measures':<32}{current['quarter']:>12}{prev_label:>12}   change"]
    for label, now, before, change in headline_rows(current, previous):
        fmt = lambda v: "–" if v is None else (f"{v:.1f}%" if isinstance(v, float) else str(v))  # noqa: E731
        lines.append(f"{label:<32}{fmt(now):>12}{fmt(before):>12}   {change}")
    return "\n".join(lines)
