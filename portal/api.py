"""The API a Power BI or Excel "From Web" query refreshes from: a district's published figures, long format.

``GET /api/v1/districts/{district}/metrics.csv`` (and ``.json``): one row per (quarter,
version, measure, area, value, suppressed) for every published version of every quarter,
and the year-ending figures each version published (``period_type`` ``year_ending``).
A bearer token or a session; no or a bad token is 401; a district the token may not see, 404.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from dasv import publications
from dasv.safe_text import safe_cell
from portal.context import note, portal, who

router = APIRouter(prefix="/api/v1", tags=["districts"])
bearer = HTTPBearer(auto_error=False, description="An API token from `dasv portal token create`.")
MARKERS = {"<5", "[c]"}
COLUMNS = ["quarter", "version", "period_type", "period", "measure", "area", "value", "suppressed"]


class MetricRow(BaseModel):
    """One published figure."""

    quarter: str
    version: int
    period_type: Literal["quarter", "year_ending"]
    period: str
    measure: str
    area: str
    value: int | float | None
    suppressed: bool


class Metrics(BaseModel):
    """Every published figure of a district."""

    district: str
    rows: list[MetricRow]


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


ERRORS = {400: {"model": Problem, "description": "A request that is not understood"},
          401: {"model": Problem, "description": "No token, or a bad one"},
          404: {"model": Problem, "description": "No such district, or not one this token may see"}}  # fmt: skip


def _allowed(request: Request, district: str) -> str:
    note(request, district=district[:120])
    account = who(request)
    if account is None:
        raise HTTPException(401, "a bearer token (or a signed-in session) is required")
    name = portal(request).district(district)
    if name is None or not account.may_see(name):
        raise HTTPException(404, "not found")
    note(request, district=name)
    return name


def rows_of(request: Request, district: str) -> list[MetricRow]:
    """Every figure of every published version of a district (suppressed ones flagged, no value).

    Published versions never change, so the rows are kept per (district, versions' checksums):
    a new version changes the key, and nothing stale can be served.
    """
    with portal(request).engine.connect() as conn:
        key = (district, publications.metrics_checksums(conn, district))
        if key not in _ROWS:
            _ROWS[key] = _rows(publications.metrics_documents(conn, district), district)
            if len(_ROWS) > 256:
                _ROWS.pop(next(iter(_ROWS)))
    return _ROWS[key]


_ROWS: dict[tuple, list[MetricRow]] = {}


def _rows(found: list, district: str) -> list[MetricRow]:
    rows: list[MetricRow] = []
    for quarter, version, _, doc in found:
        periods = [("quarter", quarter, doc)]
        if isinstance(doc.get("year_ending"), dict):
            periods.append(("year_ending", doc["year_ending"].get("year_ending", ""), doc["year_ending"]))
        for period_type, period, part in periods:
            for (measure, area), value in publications.figures(part, district).items():
                if isinstance(value, bool) or not (
                    value is None or isinstance(value, int | float) or value in MARKERS
                ):
                    continue
                suppressed = value in MARKERS
                rows.append(MetricRow(quarter=quarter, version=version, period_type=period_type, period=period,
                                      measure=measure, area=area,
                                      value=None if suppressed else value, suppressed=suppressed))  # fmt: skip
    return rows


@router.get("/districts/{district}/metrics.json", response_model=Metrics, responses=ERRORS)
def metrics_json(request: Request, district: str, _token=Depends(bearer)) -> Metrics:
    """A district's published figures as JSON."""
    name = _allowed(request, district)
    return Metrics(district=name, rows=rows_of(request, name))


@router.get(
    "/districts/{district}/metrics.csv",
    response_model=None,
    response_class=JSONResponse,  # errors are JSON; the 200 answer is text/csv, documented below
    responses={
        **ERRORS,
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
    },
)
def metrics_csv(request: Request, district: str, _token=Depends(bearer)) -> Response:
    """A district's published figures as CSV (columns: quarter, version, period_type, period, measure, area, value, suppressed)."""
    name = _allowed(request, district)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows_of(request, name):
        writer.writerow([row.quarter, row.version, row.period_type, row.period, safe_cell(row.measure),
                         safe_cell(row.area), "" if row.value is None else row.value,
                         "true" if row.suppressed else "false"])  # fmt: skip
    return PlainTextResponse(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'inline; filename="{name} metrics.csv"'})  # fmt: skip
