"""Which periods each source's loads cover, and so each figure's status (:mod:`dasv.measures.status`).

A quarter with nothing from any source is not a report (docs/statuses.md). A quarter with some
sources shows the others as *not supplied*: the live (not superseded) loads of a source
cover whole quarters (IDVA, MARAC: by referral date) or months (police), and a figure
exists only where its source's loads cover its period. An optional column a source's
rows never fill in a period (a MARAC list without a disability column) is *not recorded*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, or_, select

from dasv.errors import NoDataError
from dasv.loaders.spec import MONTHLY_SOURCES
from dasv.measures.status import INCOMPLETE, NOT_RECORDED, NOT_SUPPLIED, OK, combine
from dasv.quarters import Quarter, month_label
from dasv.warehouse.models import IdvaReferral, LoadBatch, LoadCoverage, MaracCase, PoliceMonth

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


def require_facts(
    conn: Connection, quarter: Quarter, outcome: str = "nothing was rendered"
) -> dict[str, int]:
    """The quarter's facts per source.

    Raises:
        NoDataError: no source has anything for the quarter (one line naming it and what is missing).
    """
    counts = facts_in_quarter(conn, quarter)
    if not any(counts.values()):
        raise NoDataError(
            f"{quarter.label} ({quarter.months_label}) has nothing loaded: no IDVA referrals, no MARAC cases "
            f"and no police months; load its exports first ({outcome})"
        )
    return counts


def missing_sources_notes(counts: dict[str, int], quarter: Quarter) -> list[str]:
    """Data-quality lines for the sources a rendered quarter has nothing from."""
    return [
        f"No {SOURCE_NAMES[source]} are loaded for {quarter.label}: its {SOURCE_TITLES[source]} figures "
        "read not supplied until the export is loaded."
        for source, n in counts.items()
        if not n
    ]


SOURCE_TITLES = {"idva": "IDVA", "marac": "MARAC", "police": "police"}
SOURCE_EXPORTS = {
    "idva": "IDVA referral export",
    "marac": "MARAC case list",
    "police": "police monthly counts",
    "offences": "police DA crimes by offence group",
}


def export_title(source: str) -> str:
    """A kind of export as a table's row names it: ``IDVA referral export``, ``Police monthly counts``."""
    name = SOURCE_EXPORTS[source]
    return name[0].upper() + name[1:]


@dataclass
class Coverage:
    """The periods each source's live loads cover: quarter labels (IDVA, MARAC) or months (police).

    Attributes:
        periods: source -> covered period labels (``2025-26 Q3``; police ``2025-10``).
    """

    periods: dict[str, set[str]] = field(
        default_factory=lambda: {"idva": set(), "marac": set(), "police": set()}
    )

    def status(self, source: str, quarter: Quarter) -> str:
        """``ok`` when the source covers the whole quarter, ``incomplete`` for part, else ``not supplied``."""
        if source == "police":
            have = [month_label(m) in self.periods["police"] for m in quarter.months]
            return OK if all(have) else (INCOMPLETE if any(have) else NOT_SUPPLIED)
        return OK if quarter.label in self.periods[source] else NOT_SUPPLIED

    def window(self, source: str, quarters: list[Quarter]) -> str:
        """The status of a figure over several quarters (a rolling year): every part must be covered."""
        return combine([self.status(source, q) for q in quarters])

    def covers(self, source: str, quarter: Quarter) -> bool:
        """True when the source covers the quarter entirely."""
        return self.status(source, quarter) == OK


def coverage(conn: Connection) -> Coverage:
    """Every period each source's live loads cover (the ``load_coverage`` rows not superseded).

    An IDVA export or MARAC list covers every quarter from its first to its last: an export is
    of a date range, and a quarter inside it with no referral had none (a police export's
    months are each district's own rows, so a month inside its range with no row is missing).
    """
    out = Coverage()
    spans: dict[tuple[str, int], list[Quarter]] = {}
    for source, batch, period in conn.execute(
        select(LoadBatch.source, LoadBatch.id, LoadCoverage.period)
        .join(LoadBatch, LoadBatch.id == LoadCoverage.batch_id)
        .where(LoadCoverage.superseded_by.is_(None), LoadBatch.kind == "load")
    ):
        out.periods.setdefault(source, set()).add(period)
        if source not in MONTHLY_SOURCES:
            spans.setdefault((source, batch), []).append(Quarter.parse(period))
    for (source, _), quarters in spans.items():
        q, last = min(quarters), max(quarters)
        while q < last:
            q = q.next()
            out.periods[source].add(q.label)
    return out


# optional columns behind a figure: field -> the measures that read it
IDVA_FIELDS = {
    "gender": ("male_victims",),
    "disability": ("disability",),
    "age": ("aged_13_17",),
    "sexual_orientation": ("lgbt_total", "not_asked", "sexual_orientation"),
}
MARAC_FIELDS = {
    "referring_agency": ("partner_agency_referrals",),
    "gender": ("male_victims",),
    "disability": ("disabled",),
    "sexual_orientation": ("lgbt",),
    "ethnic_group": ("minority_ethnic",),
    "age": ("aged_16_17",),
}


def idva_fields_recorded(conn: Connection, quarter_ids: list[int]) -> dict[int, dict[str, str]]:
    """Quarter id -> measure -> ``not recorded`` for the demographic measures no referral's row fills.

    Quarters without referrals are left out (their status is the source's).
    """
    r = IdvaReferral
    out: dict[int, dict[str, str]] = {}
    rows = conn.execute(
        select(r.quarter_id, func.count(), *(func.count(getattr(r, f)) for f in IDVA_FIELDS))
        .where(r.quarter_id.in_(quarter_ids))
        .group_by(r.quarter_id)
    ).all()
    for qid, n, *filled in rows:
        out[qid] = {
            measure: NOT_RECORDED
            for f, count in zip(IDVA_FIELDS, filled, strict=True)
            if n and not count
            for measure in IDVA_FIELDS[f]
        }
    return out


def marac_fields_recorded(conn: Connection, quarters: list[Quarter]) -> dict[str, str]:
    """Rolling-year measure -> status, from each quarter's cases heard (``not recorded`` where none fills it).

    A field filled in some quarters of the window and in none of the rows of another is
    ``incomplete``: the year's share would count only part of it.
    """
    m = MaracCase
    per_field: dict[str, list[str]] = {f: [] for f in MARAC_FIELDS}
    for q in quarters:
        n, *filled = conn.execute(
            select(func.count(), *(func.count(getattr(m, f)) for f in MARAC_FIELDS)).where(
                m.hearing_day >= q.start.toordinal(), m.hearing_day <= q.end.toordinal()
            )
        ).one()
        if not n:
            continue
        for f, count in zip(MARAC_FIELDS, filled, strict=True):
            per_field[f].append(OK if count else NOT_RECORDED)
    return {
        measure: combine(statuses)
        for f, statuses in per_field.items()
        if statuses and combine(statuses) != OK
        for measure in MARAC_FIELDS[f]
    }


def months_text(months: list[str]) -> str:
    """``2025-04 to 2025-06`` for consecutive months, else a list (``2025-04, 2025-06``)."""
    if not months:
        return "none"
    ordered = sorted(months)
    runs: list[list[str]] = [[ordered[0]]]
    for m in ordered[1:]:
        y, mo = map(int, runs[-1][-1].split("-"))
        nxt = f"{y + (mo == 12)}-{mo % 12 + 1:02d}"
        if m == nxt:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


def quarter_months(quarters: list[Quarter]) -> list[str]:
    """The month labels of some quarters, in order."""
    return [month_label(m) for q in sorted(set(quarters)) for m in q.months]


def covered_months(cov: Coverage, source: str) -> list[str]:
    """The months a source's live loads cover (IDVA and MARAC quarters as their three months)."""
    if source in MONTHLY_SOURCES:
        return sorted(cov.periods.get(source, ()))
    months: list[str] = []
    for label in cov.periods[source]:
        months += quarter_months([Quarter.parse(label)])
    return sorted(months)


def first_of(month: str) -> date:
    """The first day of a ``YYYY-MM`` month."""
    y, m = map(int, month.split("-"))
    return date(y, m, 1)
