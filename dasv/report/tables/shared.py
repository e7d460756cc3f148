"""What the county report's tables share: the sources' words, quarter headings, and notes on what is absent."""

from __future__ import annotations

from dasv.measures.labels import LABELS, ROLLING_YEAR
from dasv.measures.status import OK
from dasv.quarters import Quarter
from dasv.report.data import QuarterData

IDVA_SOURCE = "Source: IDVA service referral export"
MARAC_SOURCE = "Source: MARAC case list"
POLICE_SOURCE = "Source: Police-recorded domestic abuse, monthly counts by {area}"  # Words.say


def short(q: Quarter) -> str:
    """``Q3`` within the financial year, ``2024-25 Q4`` across it."""
    return f"Q{q.number}"


def sub_heading(q: Quarter, current: Quarter) -> str:
    """A quarter's column heading under its group: :func:`short` within the current financial year, else its label."""
    return short(q) if q.fy_start == current.fy_start else q.label


def absence_notes(data: dict[Quarter, QuarterData], quarters: list[Quarter], source: str) -> list[str]:
    """``Not supplied: no IDVA referral export loaded covers 2025-26 Q1.`` for each quarter a source lacks."""
    from dasv.measures.coverage import SOURCE_EXPORTS

    lacking = [q.label for q in quarters if data[q].status_of(source) != OK]
    if not lacking:
        return []
    return [f"Not supplied: no {SOURCE_EXPORTS[source]} loaded covers {', '.join(lacking)}; its figures are "
            "shown as not supplied, never as zero."]  # fmt: skip


# the export column each demographic figure needs (loaders/columns.yaml names), by its document key
COLUMN_NEEDED = {"male_victims": "Gender", "male": "Gender", "disability": "Disability", "disabled": "Disability",
                 "lgbt_total": "Sexual Orientation", "lgbt": "Sexual Orientation", "not_asked": "Sexual Orientation",
                 "sexual_orientation": "Sexual Orientation", "minority_ethnic": "Ethnicity", "aged_13_17": "Age",
                 "aged_16_17": "Age"}  # fmt: skip


def _key(key: str) -> str:
    return key.removeprefix("demographics.").removesuffix("_pct")


def columns_named(keys: list[str]) -> str:
    """``Disability or Sexual Orientation column``: the export columns some unrecorded figures need."""
    names = list(dict.fromkeys(COLUMN_NEEDED.get(_key(k), _key(k).replace("_", " ")) for k in keys))
    return f"{', '.join(names[:-1])} or {names[-1]} column" if len(names) > 1 else f"{names[0]} column"


def rows_named(keys: list[str]) -> str:
    """The rows the report prints for those figures: ``Disability (IDVA), LGBT+ (IDVA)``."""
    names = [LABELS.get(k) or ROLLING_YEAR.get(_key(k)) for k in keys]
    names = list(dict.fromkeys(n for n in names if n))
    return ", ".join(names) if names else "those figures"
