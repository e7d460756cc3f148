"""The API a Power BI or Excel "From Web" query refreshes from: a district's published figures, long format.

``GET /api/v1/districts/{district}/metrics.csv`` (and ``.json``): the analyst's feed
(:mod:`dasv.portal.feed`, docs/portal.md's columns), every published quarter and version, the county
beside the district, the four years ending the slice shows. ``GET /api/v1/districts`` lists the
districts the caller may see, with links to their feeds (OpenAPI links). A bearer token or a
session; no or a bad token is 401; a district the token may not see, 404.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from dasv import published
from dasv.portal.context import note, portal, who
from dasv.portal.feed import COLUMNS, STATUSES, Row, feed_rows
from dasv.safe_text import safe_cell, slug

router = APIRouter(prefix="/api/v1", tags=["districts"])
bearer = HTTPBearer(
    auto_error=False,
    description="An API token from the portal's API tokens page (or `dasv portal token create`).",
)


class MetricRow(BaseModel):
    """One published figure (docs/portal.md, the feed's columns)."""

    period_type: Literal["quarter", "year_ending"]
    period: str
    version: int
    latest: bool
    revised: bool
    measure: str
    label: str
    area: str
    value: int | float | None
    status: Literal[STATUSES]  # type: ignore[valid-type] - the feed's statuses, defined once (dasv.portal.feed)
    suppression: str | None
    complete: bool
    published: datetime


class Metrics(BaseModel):
    """Every published figure of a district."""

    district: str
    rows: list[MetricRow]


class District(BaseModel):
    """A district the caller may see, and where its feed is."""

    slug: str
    name: str
    csv_url: str
    json_url: str


class Districts(BaseModel):
    """The districts the caller may see."""

    districts: list[District]


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


ERRORS = {400: {"model": Problem, "description": "A request that is not understood"},
          401: {"model": Problem, "description": "No token, or a bad one"},
          404: {"model": Problem, "description": "No such district, or not one this token may see"}}  # fmt: skip
LINKS = {
    "metricsJson": {"operationId": "metrics_json", "parameters": {"district": "$response.body#/districts/0/slug"},
                    "description": "The first district's feed as JSON"},
    "metricsCsv": {"operationId": "metrics_csv", "parameters": {"district": "$response.body#/districts/0/slug"},
                   "description": "The first district's feed as CSV"},
}  # fmt: skip


def _account(request: Request):
    account = who(request)
    if account is None:
        if request.headers.get("authorization"):
            raise HTTPException(401, "the bearer token is not valid: it is mistyped, revoked or expired (an API "
                                     "token starts with dasv_; make a new one on the portal's API tokens page)")  # fmt: skip
        raise HTTPException(401, "a bearer token (or a signed-in session) is required")
    return account


def _allowed(request: Request, district: str) -> str:
    note(request, district=district[:120])
    account = _account(request)
    name = portal(request).district(district)
    if name is None or not account.may_see(name):
        raise HTTPException(404, "not found")
    note(request, district=name)
    return name


def _serialised(request: Request, district: str, form: str) -> bytes:
    """The feed of a district as CSV or JSON bytes (:func:`dasv.portal.feed.feed_rows`).

    Published versions never change, so the answer is kept per (district, versions' checksums):
    a new version changes the key, and nothing stale can be served.
    """
    with portal(request).reader.connect() as conn:
        key = (district, form, published.metrics_checksums(conn, district))
        if key not in _ANSWERS:
            rows = feed_rows(published.metrics_documents(conn, district), district)
            _ANSWERS[key] = _csv(rows) if form == "csv" else Metrics(
                district=district, rows=[MetricRow(**vars(r)) for r in rows]).model_dump_json().encode()  # fmt: skip
            if len(_ANSWERS) > 256:
                _ANSWERS.pop(next(iter(_ANSWERS)))
    return _ANSWERS[key]


_ANSWERS: dict[tuple, bytes] = {}


def _csv(rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.period_type, r.period, r.version, _bool(r.latest), _bool(r.revised), safe_cell(r.measure),
                         safe_cell(r.label), safe_cell(r.area), "" if r.value is None else r.value, r.status,
                         safe_cell(r.suppression or ""), _bool(r.complete), r.published.isoformat()])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


@router.get("/districts", response_model=Districts, responses={**ERRORS, 200: {"links": LINKS}},
            operation_id="districts")  # fmt: skip
def districts(request: Request, _token=Depends(bearer)) -> Districts:
    """The districts this token (or session) may see, each with its feed's addresses."""
    note(request, district=None)
    account = _account(request)
    base = "/api/v1/districts/"
    return Districts(districts=[
        District(slug=slug(a.name), name=a.name, csv_url=f"{base}{slug(a.name)}/metrics.csv",
                 json_url=f"{base}{slug(a.name)}/metrics.json")
        for a in portal(request).deployment.districts if account.may_see(a.name)
    ])  # fmt: skip


@router.get("/districts/{district}/metrics.json", response_model=Metrics, responses=ERRORS,
            operation_id="metrics_json")  # fmt: skip
def metrics_json(request: Request, district: str, _token=Depends(bearer)) -> Response:
    """A district's published figures as JSON (the same rows as the CSV)."""
    name = _allowed(request, district)
    return Response(_serialised(request, name, "json"), media_type="application/json")


@router.get(
    "/districts/{district}/metrics.csv",
    response_model=None,
    response_class=JSONResponse,  # errors are JSON; the 200 answer is text/csv, documented below
    operation_id="metrics_csv",
    responses={
        **ERRORS,
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "CSV, UTF-8, columns: " + ", ".join(COLUMNS),
        },
    },
)
def metrics_csv(request: Request, district: str, _token=Depends(bearer)) -> Response:
    """A district's published figures as CSV: one row per figure, in docs/portal.md's columns and order.

    Filter `latest = true` to count each figure once; `value` is empty when `status` is not `ok`.
    """
    name = _allowed(request, district)
    return Response(_serialised(request, name, "csv"), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'inline; filename="{slug(name)}-metrics.csv"'})  # fmt: skip


def _bool(value: bool) -> str:
    return "true" if value else "false"
