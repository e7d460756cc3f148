"""Which sources have facts for a quarter: a quarter with none is not a report (PRODUCT.md)."""

from __future__ import annotations

from sqlalchemy import Connection, func, or_, select

from dasv.errors import NoDataError
from dasv.quarters import Quarter
from warehouse.models import IdvaReferral, MaracCase, PoliceMonth

SOURCE_NAMES = {
    "idva": "IDVA referrals",
    "marac": "MARAC cases",
    "police": "police months",
}


def facts_in_quarter(conn: Connection, quarter: Quarter) -> dict[str, int]:
    """Rows each source holds for the quarter (MARAC: cases referred or heard in it)."""
    qid = quarter.fy_start * 10 + quarter.number
    return {
        "idva": conn.scalar(
            select(func.count()).select_from(IdvaReferral).where(IdvaReferral.quarter_id == qid)
        ),
        "marac": conn.scalar(
            select(func.count())
            .select_from(MaracCase)
            .where(
                or_(
                    MaracCase.quarter_id == qid,
                    MaracCase.hearing_date.between(quarter.start, quarter.end),
                )
            )
        ),
        "police": conn.scalar(
            select(func.count()).select_from(PoliceMonth).where(PoliceMonth.quarter_id == qid)
        ),
    }


def require_facts(conn: Connection, quarter: Quarter) -> dict[str, int]:
    """The quarter's facts per source.

    Raises:
        NoDataError: no source has anything for the quarter (one line naming it and what is missing).
    """
    counts = facts_in_quarter(conn, quarter)
    if not any(counts.values()):
        raise NoDataError(
            f"{quarter.label} ({quarter.months_label}) has nothing loaded: no IDVA referrals, no MARAC cases "
            "and no police months; load its exports first (nothing was rendered)"
        )
    return counts


def missing_sources_notes(counts: dict[str, int], quarter: Quarter) -> list[str]:
    """Data-quality lines for the sources a rendered quarter has nothing from."""
    return [
        f"No {SOURCE_NAMES[source]} are loaded for {quarter.label}: "
        + (
            "its police rows read not supplied."
            if source == "police"
            else "their figures read 0 until the export is loaded."
        )
        for source, n in counts.items()
        if not n
    ]
