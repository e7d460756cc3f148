"""Plain-text forms of the metrics document: flat CSV, an indented table, headline lines.

Every figure is printed with its status (:mod:`dasv.measures.status`): the document says it
either beside a part (``"status": "incomplete"``) or in a map of paths at any level
(``"status": {"idva": "not supplied", "demographics.disability": "not recorded"}``). A
figure without a value is never printed as 0: the CSV's value is empty and its ``status``
column says why; the table prints the status in its place.
"""

from __future__ import annotations

import csv
import io

from dasv.measures.status import OK
from dasv.safe_text import safe_cell


def flatten(doc: dict, prefix: str = "") -> list[tuple[str, object]]:
    """``[("idva.total.total_referrals", 476), ...]`` in document order."""
    out: list[tuple[str, object]] = []
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out += flatten(value, path)
        elif isinstance(value, list):  # an empty list is a value (no flags), never an empty cell
            out.append((path, "; ".join(map(str, value)) or "none"))
        else:
            out.append((path, value))
    return out


# what describes a figure rather than being one: printed as it is, whatever the figure's status
META_KEYS = frozenset({"population", "population_year", "population_16_plus", "women_16_plus", "complete",
                       "missing_months", "not_supplied", "months", "name", "districts", "start", "end"})  # fmt: skip


STATUS_SUFFIX = "_status"  # ``by_offence_group_status``: the status of ``by_offence_group`` beside it


def statuses(doc: dict, prefix: str = "", inherited: tuple = ()) -> dict[str, str]:
    """Each leaf's status by its flattened path (``ok`` where the document says nothing)."""
    out: dict[str, str] = {}
    here = doc.get("status")
    maps = [*inherited]
    if isinstance(here, dict):
        maps.append((prefix, here))
    own = here if isinstance(here, str) else None
    for key, value in doc.items():
        if key == "status":
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            child = statuses(value, path, tuple(maps))
            out.update({p: (s if s != OK or own is None else own) for p, s in child.items()})
        elif key in META_KEYS or key.endswith(STATUS_SUFFIX):
            out[path] = OK
        elif value is None and isinstance(doc.get(key + STATUS_SUFFIX), str):
            out[path] = doc[
                key + STATUS_SUFFIX
            ]  # a null figure with its own status beside it (by_offence_group)
        else:
            out[path] = own or _from_maps(path, maps)
    return out


def _from_maps(path: str, maps: list[tuple[str, dict]]) -> str:
    """The most specific entry of the nearest status map naming a prefix of the path."""
    for prefix, found in reversed(maps):
        rest = path[len(prefix) + 1 :] if prefix else path
        parts = rest.split(".")
        for n in range(len(parts), 0, -1):
            hit = found.get(".".join(parts[:n]))
            if isinstance(hit, str):
                return hit
    return OK


def as_csv(doc: dict) -> str:
    """The document as ``measure,value,status`` rows (status maps and notes are in the status column)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["measure", "value", "status"])
    status = statuses(doc)
    for path, value in flatten(doc):
        if path.split(".")[-1] == "status" or path.startswith("status."):
            continue
        shown = "" if value is None or status.get(path, OK) != OK else str(value)
        writer.writerow([safe_cell(path), safe_cell(shown), status.get(path, OK)])
    return buffer.getvalue()


def as_table(doc: dict) -> str:
    """The document as an indented, human-readable listing (a figure without a value shows its status)."""
    lines: list[str] = []
    status = statuses(doc)

    def walk(node: dict, depth: int, prefix: str) -> None:
        for key, value in node.items():
            pad = "  " * depth
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "status" and not isinstance(value, str):
                continue
            if isinstance(value, dict):
                lines.append(f"{pad}{key}")
                walk(value, depth + 1, path)
            else:
                state = status.get(path, OK)
                shown = state if value is None and state != OK else "–" if value is None else value
                lines.append(f"{pad}{key:<{max(1, 40 - len(pad))}} {shown}")

    walk(doc, 0, "")
    return "\n".join(lines) + "\n"


def explain_nulls(doc: dict) -> dict:
    """Give every ``null`` figure whose status would read ``ok`` its reason, in the status map of the dict holding it.

    Never ``null`` beside ``ok``: a percentage of 0 cases is ``no denominator (0)``, a rate on a
    withheld count ``withheld``, an SPC summary of too few months ``too few months for an SPC
    signal``. A string ``"status": "ok"`` becomes a map naming the null figures. Returns ``doc``.
    """
    found = statuses(doc)

    def walk(node: dict, prefix: str) -> None:
        for key, value in list(node.items()):
            if key == "status":
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                walk(value, path)
            elif isinstance(value, list):  # a list of documents (a slice's years ending): each says its own
                for item in value:
                    if isinstance(item, dict):
                        explain_nulls(item)
            elif (
                value is None
                and key not in META_KEYS
                and found.get(path, OK) == OK
                and not key.endswith(STATUS_SUFFIX)
            ):
                here = node.get("status")
                if here is None or here == OK:
                    node["status"] = here = {}
                if isinstance(here, dict):
                    here.setdefault(str(key), _null_reason(node, key))

    walk(doc, "")
    return doc


def _null_reason(holder: dict, key: str) -> str:
    """Why one figure of ``holder`` is ``null`` though its source covered the period."""
    if key == "signal":
        return "too few months for an SPC signal"
    others = [v for k, v in holder.items() if k not in (key, "status")]
    if any(isinstance(v, str) and (v.startswith("<") or v == "[c]") for v in others):
        return "withheld"
    if any(type(v) is int and v == 0 for v in others):
        return "no denominator (0)"
    return "not applicable"
