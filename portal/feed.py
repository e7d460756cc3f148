"""The analyst's feed: every published figure of a district, one row each, safe to load as it comes.

docs/portal.md, "the feed's columns". Built only from the metrics documents the publications
recorded for the district's slice (as rendered, so suppressed): the district's figures, the
county beside it as the slice shows it (``county`` in the slice's document), and the four
years ending the slice shows (``year_ending_years``). Every published quarter and version is
served; ``latest`` marks the rows of each period's newest publication, so filtering on it
never counts a revised figure twice, and ``revised`` the values that differ from the first
publication of that period.

``status`` and ``suppression`` are each derived by one small function below
(:func:`status_of`, :func:`suppression_of`): ``status`` is what the document says of the
figure (its source, column or period lacking: ``dasv.measures.status``), or ``withheld``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

from dasv.document_figures import figures
from dasv.measures.labels import LABELS, figure_label
from dasv.measures.labels import RATES as PER_1000
from dasv.measures.present import statuses
from dasv.rule import SECONDARY

# "no denominator": a percentage or rate of 0 cases; "not applicable": a figure the period has no value of
# (a median of no hearings, an SPC summary of too few months). Never "ok" beside an empty value.
STATUSES = (
    "ok",
    "withheld",
    "not supplied",
    "not recorded",
    "incomplete",
    "no denominator",
    "not applicable",
)
RATES = ("_pct", "_per_1000", "per_10000_women", "median_days_to_hearing")


@dataclass
class Row:
    """One figure of the feed (the columns, in order)."""

    period_type: str
    period: str
    version: int
    latest: bool
    revised: bool
    measure: str
    label: str
    area: str
    value: int | float | None
    status: str
    suppression: str | None
    complete: bool
    published: datetime


COLUMNS = [f.name for f in fields(Row)]  # the feed's columns, in order (docs/portal.md)


def suppression_of(value: object, measure: str, siblings: dict[str, object], markers: set[str]) -> str | None:
    """The disclosure marker of a figure: the document's marker (the small-count marker, ``[c]``), else None.

    A rate or median the document leaves empty because a count it is made from was withheld is
    withheld too (``[c]``), as the slice prints it. (The disclosure-control work rewires this.)
    """
    if isinstance(value, str) and value in markers:
        return value
    if value is None and measure.endswith(RATES):
        stem = measure.rsplit(".", 1)[0]
        if any(
            isinstance(v, str) and v in markers for m, v in siblings.items() if m.rsplit(".", 1)[0] == stem
        ):
            return SECONDARY
    return None


def status_of(value: object, suppression: str | None, measure: str, siblings: dict[str, object],
              complete: bool, said: str = "ok") -> str:  # fmt: skip
    """``ok``, ``withheld``, ``not supplied``, ``not recorded`` or ``incomplete``, from what the document carries.

    ``said`` is the figure's status in its document (``dasv.measures.status``: every metrics
    document says which sources, columns and periods it lacks). Documents published before
    they said so are read as before: a status word the document carries is kept; an empty
    count is ``not supplied`` (or ``incomplete`` when part of the period is missing); an empty
    rate beside present counts is a rate on a zero base: ``no denominator``.
    """
    if suppression is not None:
        return "withheld"
    if (
        said != "ok"
    ):  # the document's status, or its reason for a null figure (dasv.measures.present.explain_nulls)
        return said if said in STATUSES else "no denominator" if said.startswith("no denominator") else (
            "withheld" if said == "withheld" else "not applicable")  # fmt: skip
    if isinstance(value, str):
        return value if value in STATUSES else "not recorded"
    if value is None:
        if measure.endswith(RATES):
            stem = measure.rsplit(".", 1)[0]
            if any(isinstance(v, int | float) for m, v in siblings.items() if m.rsplit(".", 1)[0] == stem):
                return "no denominator"
        return "not supplied" if complete else "incomplete"
    return "ok"


def label_of(measure: str) -> str:
    """The name the report prints: ``idva.engaged`` -> ``Engaged``; a report row's measure names its row."""
    if measure in LABELS or measure in PER_1000:
        return figure_label(measure)
    parts = measure.split(".")
    if len(parts) >= 4 and parts[1] == "by_report_row":
        base = f"{parts[0]}.{parts[-1]}"
        return f"{LABELS.get(base, parts[-1])}: {'.'.join(parts[2:-1])}"
    if (
        len(parts) >= 4 and parts[1] == "by_offence_group"
    ):  # each group named, as the metrics' revisions name it
        return figure_label(measure)
    if len(parts) >= 3 and parts[1] == "rolling_12_months":
        return f"{LABELS.get(parts[0] + '.' + parts[-1], parts[-1])} (rolling 12 months)"
    return LABELS.get(
        f"{parts[0]}.{parts[-1]}", LABELS.get(f"{parts[0]}.{parts[-1].lower().replace(' ', '_')}", measure)
    )


def _complete(part: dict) -> bool:
    """False when the document says part of the period is missing for the area."""
    stack = [part]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("complete") is False or node.get("missing_months"):
                return False
            stack.extend(node.values())
    return True


def _figures_of(
    doc: dict, area: str, as_area: str | None = None
) -> dict[tuple[str, str], tuple[object, bool]]:
    """(measure, area) -> (value, complete) of one document, every area renamed ``as_area`` when given."""
    paths: dict = {}
    found = {key: value for key, value in figures(doc, area, paths).items()
             if not isinstance(value, bool) and (value is None or isinstance(value, int | float | str))}  # fmt: skip
    said = statuses(doc)
    gaps = {(m.split(".", 1)[0], a) for (m, a), v in found.items() if v is None and not m.endswith(RATES)}
    out = {}
    for (measure, found_area), value in found.items():
        part = measure.split(".", 1)[
            0
        ]  # a part of the period missing: said by the document, or an empty count
        status = said.get(paths.get((measure, found_area), ""), "ok")
        complete = _complete(doc.get(part, {})) and (part, found_area) not in gaps and status == "ok"
        out[(measure, as_area or found_area)] = (value, complete, status)
    return out


def _periods(doc: dict, district: str) -> list[tuple[str, str, dict]]:
    """(period type, period, figures) of one published slice document: its quarter and its years ending."""
    county = doc.get("county") or {}
    county_area = county.get("area", "county")
    quarter = _figures_of(doc, district)
    quarter |= _figures_of(county, "county", county_area) if county else {}
    out = [("quarter", doc.get("quarter", ""), quarter)]
    years = doc.get("year_ending_years")
    if not years and isinstance(doc.get("year_ending"), dict):
        years = [{"district": doc["year_ending"]}]
    for year in years or []:
        found = _figures_of(year["district"], district)
        if year.get("county"):
            found |= _figures_of(year["county"], "county", county_area)
        out.append(("year_ending", year["district"].get("year_ending", ""), found))
    return out


def feed_rows(found: list[tuple[str, int, datetime, dict]], district: str) -> list[Row]:
    """The feed of a district from its published documents: (quarter, version, published, document), oldest first."""
    carrying: dict[tuple[str, str], list[tuple[datetime, int, dict]]] = {}
    for _, version, published, doc in found:
        published = published if published.tzinfo else published.replace(tzinfo=UTC)
        for period_type, period, values in _periods(doc, district):
            carrying.setdefault((period_type, period), []).append((published, version, values))
    rows: list[Row] = []
    for (period_type, period), publications in carrying.items():
        publications.sort(key=lambda p: (p[0], p[1]))
        first = publications[0][2]
        for index, (published, version, values) in enumerate(publications):
            latest = index == len(publications) - 1
            markers = {SECONDARY} | {
                v for v, *_ in values.values() if isinstance(v, str) and v.startswith("<")
            }
            by_area: dict[str, dict[str, object]] = {}
            for (measure, area), (value, *_) in values.items():
                by_area.setdefault(area, {})[measure] = value
            for (measure, area), (value, complete, said) in sorted(values.items()):
                siblings = by_area[area]
                suppression = suppression_of(value, measure, siblings, markers)
                number = value if isinstance(value, int | float) and suppression is None else None
                was = first.get((measure, area), (None,))[0]
                rows.append(Row(period_type, period, version, latest, was != value, measure, label_of(measure), area,
                                number, status_of(value, suppression, measure, siblings, complete, said), suppression,
                                complete, published))  # fmt: skip
    rows.sort(
        key=lambda r: (r.period_type != "quarter", r.period, r.published, r.area != district, r.measure)
    )
    return rows
