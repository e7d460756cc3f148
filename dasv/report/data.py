"""Gather the measures a report shows, for several quarters at once, from the warehouse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from dasv.config import Deployment
from dasv.measures.coverage import Coverage, coverage, idva_fields_recorded
from dasv.measures.demographics import EMPTY, LGBT_CATEGORIES, NOT_ASKED, demographics_by_area
from dasv.measures.document import quarter_id
from dasv.measures.idva import IdvaCounts, counts_by_quarter_area, counts_by_report_row
from dasv.measures.marac import MaracCounts, marac_counts_by_quarter_area
from dasv.measures.police import police_measures
from dasv.measures.status import OK
from dasv.quarters import Quarter
from dasv.report.model import SourceFile
from dasv.warehouse.models import IdvaReferral, LoadBatch, LoadCoverage


@dataclass
class QuarterData:
    """One quarter's measures (county-wide, or for one area)."""

    quarter: Quarter
    idva_by_area: dict[str, IdvaCounts]
    idva_rows: dict[str, IdvaCounts]
    marac: MaracCounts
    police: dict
    demographics: dict
    # each source's status for the quarter ("idva", "marac", "police"), and a demographic
    # measure's ("demographics.disability") where its column is not recorded; absent keys are ok
    status: dict[str, str] = field(default_factory=dict)

    @property
    def idva_total(self) -> IdvaCounts:
        """All areas together."""
        return sum(self.idva_by_area.values(), IdvaCounts())

    def status_of(self, key: str) -> str:
        """The status of a measure (``idva.total_referrals``, ``demographics.disability``) this quarter.

        A demographic measure takes the IDVA export's status first, then its own column's.
        """
        source = key.split(".", 1)[0]
        source = "idva" if source == "demographics" else source
        own = self.status.get(source, OK)
        return own if own != OK else self.status.get(key, OK)


def gather(conn: Connection, deployment: Deployment, quarters: list[Quarter]) -> dict[Quarter, QuarterData]:
    """The county's measures for each quarter (added up from the grouped per-area queries)."""
    return gather_by_area(conn, deployment, quarters, with_county=True)["county"]


def gather_by_area(
    conn: Connection, deployment: Deployment, quarters: list[Quarter], with_county: bool = False
) -> dict[str, dict[Quarter, QuarterData]]:
    """Every district's measures for the quarters, with grouped queries (a few per quarter, not per district).

    With ``with_county``, the result also has ``"county"``: every area added up from the same
    grouped rows (so the county and the districts come from one set of queries).
    """
    ids = [quarter_id(q) for q in quarters]
    cov = coverage(conn)
    fields = idva_fields_recorded(conn, ids)
    by_area = counts_by_quarter_area(conn, ids)
    rows = counts_by_report_row(conn, deployment.report_rows, ids, by_area=True)
    names = [a.name for a in deployment.districts]
    out: dict[str, dict[Quarter, QuarterData]] = {name: {} for name in names}
    if with_county:
        out["county"] = {}
    marac_by_quarter = marac_counts_by_quarter_area(conn, quarters)
    for q in quarters:
        qid = quarter_id(q)
        marac, median = marac_by_quarter[q]
        police = police_measures(conn, deployment, q)
        demo = demographics_by_area(conn, qid)
        status = quarter_status(cov, q, fields.get(qid, {}))
        if with_county:
            out["county"][q] = _county(deployment, q, by_area, rows, marac, median, police, demo)
            out["county"][q].status = status
        missing = {
            name: [m for m in police["total"]["missing_months"] if m.startswith(name + " ")] for name in names
        }
        for name in names:
            district = police["by_area"].get(name)
            complete = district is not None and not missing[name]
            out[name][q] = QuarterData(
                quarter=q,
                idva_by_area={name: by_area[(qid, name)]} if (qid, name) in by_area else {},
                idva_rows={
                    row.label: rows.get((qid, row.label, name), IdvaCounts())
                    for row in deployment.report_rows
                },
                marac=marac.get(name, MaracCounts()),
                police={
                    "total": {
                        "da_incidents": 0,
                        "da_crimes": 0,
                        **(district or {}),
                        "complete": complete,
                        "missing_months": missing[name],
                    },
                    "by_area": {name: district} if district else {},
                },  # fmt: skip
                demographics=demo.get(name, EMPTY),
                status=status,
            )
    return out


def quarter_status(cov: Coverage, q: Quarter, fields: dict[str, str]) -> dict[str, str]:
    """Each source's status for the quarter, and the demographic columns not recorded."""
    status = {source: cov.status(source, q) for source in ("idva", "marac", "police")}
    status.update({f"demographics.{m}": s for m, s in fields.items()})
    return status


def _county(deployment, q, by_area, rows, marac, median, police, demo) -> QuarterData:
    """The county's measures as the sum of every area's grouped rows (the median is of all its cases)."""
    qid = quarter_id(q)
    marac_total = MaracCounts(
        *(
            sum(getattr(m, f) for m in marac.values())
            for f in ("referrals", "cases_heard", "awaiting_hearing", "repeat_cases")
        ),
        median,
    )
    orientation: dict[str, int] = {}
    for d in demo.values():
        for k, v in d["sexual_orientation"].items():
            orientation[k] = orientation.get(k, 0) + v
    order = [*LGBT_CATEGORIES, NOT_ASKED]
    demographics_total = {
        **{
            k: sum(d[k] for d in demo.values())
            for k in ("male_victims", "disability", "aged_13_17", "lgbt_total")
        },
        "sexual_orientation": {k: orientation[k] for k in order if orientation.get(k)},
    }
    return QuarterData(
        quarter=q,
        idva_by_area={a: c for (i, a), c in by_area.items() if i == qid},
        idva_rows={
            row.label: sum(
                (c for (i, label, _), c in rows.items() if i == qid and label == row.label), IdvaCounts()
            )
            for row in deployment.report_rows
        },
        marac=marac_total,
        police=police,
        demographics=demographics_total,
    )


def quarters_with_idva(conn: Connection, candidates: list[Quarter]) -> list[Quarter]:
    """Those of the candidate quarters that hold IDVA referrals (for trend charts)."""
    have = set(
        conn.scalars(
            select(IdvaReferral.quarter_id)
            .where(IdvaReferral.quarter_id.in_([quarter_id(q) for q in candidates]))
            .distinct()
        )
    )
    return [q for q in candidates if quarter_id(q) in have]


def source_files(conn: Connection, batch_ids: list[int]) -> list[SourceFile]:
    """The loads behind a report's figures (:mod:`dasv.report.lineage`): file, checksum, load time, rows, repairs."""
    batches = conn.execute(
        select(LoadBatch).where(LoadBatch.id.in_(batch_ids)).order_by(LoadBatch.source, LoadBatch.id)
    ).all()
    files = []
    for batch in batches:
        periods = list(
            conn.scalars(
                select(LoadCoverage.period)
                .where(LoadCoverage.batch_id == batch.id, LoadCoverage.superseded_by.is_(None))
                .order_by(LoadCoverage.period)
            )
        )
        files.append(
            SourceFile(
                source=batch.source,
                file_name=batch.file_name,
                sha256=batch.sha256,
                loaded_at=batch.loaded_at,
                rows_loaded=batch.rows_loaded,
                rows_skipped=batch.rows_skipped,
                repairs=json.loads(batch.repairs) if batch.repairs else {},
                periods=periods,
            )
        )
    return files
