"""Never ``ok`` beside an empty value: scans of every CSV row, JSON figure and feed row of rendered outputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from dasv.measures.present import META_KEYS, statuses


def csv_rows_ok_beside_empty(text: str, name: str = "") -> list[str]:
    """Rows of a CSV with a last ``status`` column that say ``ok`` beside an empty cell."""
    rows = list(csv.reader(text.splitlines()))
    if not rows or rows[0][-1] != "status":
        return []
    header = rows[0]
    return [f"{name}: {row[0]}: {[header[i] for i, v in enumerate(row[:-1]) if v == '']}"
            for row in rows[1:] if row and row[-1] == "ok" and "" in row[:-1]]  # fmt: skip


def json_nulls_beside_ok(doc: dict, name: str = "") -> list[str]:
    """Paths of a document's ``null`` figures whose status reads ``ok``."""
    found = statuses(doc)
    out: list[str] = []

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            if key == "status":
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                walk(value, path)
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for i, item in enumerate(value):  # each item is a document of its own (a year ending)
                    out.extend(json_nulls_beside_ok(item, f"{name}: {path}[{i}]"))
            elif value is None and key not in META_KEYS and found.get(path, "ok") == "ok":
                out.append(f"{name}: {path}")

    walk(doc, "")
    return out


def outputs_ok_beside_empty(root: Path) -> tuple[list[str], int]:
    """Every offence under ``root`` (CSV rows, JSON figures) and how many files were read."""
    bad: list[str] = []
    read = 0
    for path in sorted(root.rglob("*")):
        if path.suffix == ".csv":
            bad += csv_rows_ok_beside_empty(path.read_text(encoding="utf-8"), path.name)
            read += 1
        elif path.suffix == ".json":
            doc = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(doc, dict):
                bad += json_nulls_beside_ok(doc, path.name)
                read += 1
    return bad, read
