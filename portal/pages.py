"""The portal's pages: the reader's reports, a district's versions, a slice, the county report.

Pages use the signed-in session (signed out: a redirect to sign-in). Anything an account may
not see answers exactly like something that does not exist (docs/portal.md, "Who sees what").
Signing in and out is :mod:`dasv.portal.signin`.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from markupsafe import Markup

from dasv import publications
from dasv.portal.context import note, page_account, parse_quarter, portal
from dasv.portal.signin import sign_in_page
from dasv.portal.views import render
from dasv.published import latest_version, published_file, published_quarters, versions
from dasv.quarters import Quarter, london_time
from dasv.safe_text import slug

router = APIRouter(include_in_schema=False)
SLICE_FILES = {"slice.pdf": "Slice (PDF)", "slice.xlsx": "Slice (spreadsheet)", "csv.zip": "Tables (CSV, zipped)",
               "slice.json": "Figures (JSON)"}  # fmt: skip
COUNTY_FILES = {"report.pdf": "Report (PDF)", "report.xlsx": "Report (spreadsheet)", "csv.zip": "Tables (CSV, zipped)",
                "metrics.json": "Figures (JSON)"}  # fmt: skip
# the SafeLives MARAC return quotes small counts: it is in the restricted edition only, never served (a
# version published before the editions may hold one; it is not listed or served either)
DOWNLOAD_TAGS = {"csv.zip": "-tables", "marac-return.xlsx": "-marac-return", "metrics.json": "-figures",
                 "slice.json": "-figures"}  # fmt: skip
MAX_VERSION = 2**31 - 1  # a larger ?version= is a bad request, never an integer the database cannot hold
MAIN = re.compile(r"<main>(.*)</main>", re.S)


def to_sign_in(request: Request) -> Response:
    """Signed out: to the sign-in page, coming back here after."""
    return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)


# --- what a reader sees --------------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    """Signed in: the districts and quarters the account may see; signed out: the sign-in page."""
    account = page_account(request)
    if account is None:
        return sign_in_page(request)
    p = portal(request)
    with p.reader.connect() as conn:
        quarters = [Quarter.parse(label) for label in published_quarters(conn)]
    districts = [
        {"name": a.name, "slug": slug(a.name)} for a in p.deployment.districts if account.may_see(a.name)
    ]
    return render(request, "home.html.j2", title="Your reports", districts=districts, quarters=quarters,
                  county=account.may_see(None))  # fmt: skip


def _district(request: Request, text: str) -> str:
    """The canonical district an account may see, or the not-found page."""
    note(request, district=text[:120])
    account = page_account(request)
    name = portal(request).district(text)
    if name is None or account is None or not account.may_see(name):
        raise HTTPException(404)
    note(request, district=name)
    return name


@router.get("/districts/{district}/")
def district_page(request: Request, district: str) -> Response:
    """Every published quarter and version of the district, with its revision notes."""
    if page_account(request) is None:
        return to_sign_in(request)
    name = _district(request, district)
    with portal(request).reader.connect() as conn:
        found = versions(conn, district=name)
    latest = {}
    for v in found:
        latest[v.quarter] = max(latest.get(v.quarter, 0), v.version)
    rows = [{"quarter": v.quarter, "slug": Quarter.parse(v.quarter).slug, "version": v.version,
             "published": london_time(v.published_at), "revisions": v.revisions, "latest": v.version == latest[v.quarter]}
            for v in found]  # fmt: skip
    return render(request, "district.html.j2", title=f"{name}: published slices", district=name, slug=slug(name),
                  versions=rows)  # fmt: skip


def _quarter(request: Request, text: str, before: str, after: str = "/") -> Quarter | Response:
    """The quarter of a URL; another accepted form redirects to the canonical one, ``before + quarter + after``.

    The redirect is plain concatenation of the canonical quarter between fixed parts (the file part is
    only ever a known file name): nothing from the URL is a format string or chooses the answer's size.
    """
    q = parse_quarter(text)
    if q is None:
        raise HTTPException(404)
    note(request, quarter=q.label)
    if text != q.slug:
        version = request.query_params.get("version")
        query = f"?version={int(version)}" if version and version.isdigit() else ""
        return RedirectResponse(before + q.slug + after + query, status_code=308)
    return q


@router.get("/districts/{district}/{quarter}/")
def slice_page(
    request: Request, district: str, quarter: str, version: int | None = Query(None, ge=1, le=MAX_VERSION)
) -> Response:
    """The latest (or an earlier) version of a slice as a page, with its downloads."""
    if page_account(request) is None:
        return to_sign_in(request)
    name = _district(request, district)
    q = _quarter(request, quarter, f"/districts/{slug(name)}/")
    if isinstance(q, Response):
        return q
    return _report_page(
        request, q, name, version, SLICE_FILES, "slice.html", f"/districts/{slug(name)}/{q.slug}/"
    )


@router.get("/districts/{district}/{quarter}/{file}")
def slice_file(
    request: Request,
    district: str,
    quarter: str,
    file: str,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
) -> Response:
    """A published file of a slice: slice.pdf, slice.xlsx, slice.json or csv.zip."""
    if page_account(request) is None:
        return to_sign_in(request)
    name = _district(request, district)
    note(request, file=file[:60])
    if file not in SLICE_FILES:
        raise HTTPException(404)
    q = _quarter(request, quarter, f"/districts/{slug(name)}/", f"/{file}")
    if isinstance(q, Response):
        return q
    return _send(request, q, name, file, version, f"dasv-{q.slug}-{slug(name)}")


def _county(request: Request) -> None:
    note(request, district=None)
    account = page_account(request)
    if account is None or not account.may_see(None):
        raise HTTPException(404)


@router.get("/county/{quarter}/")
def county_page(
    request: Request, quarter: str, version: int | None = Query(None, ge=1, le=MAX_VERSION)
) -> Response:
    """The county report (partnership and admin accounts only)."""
    if page_account(request) is None:
        return to_sign_in(request)
    _county(request)
    q = _quarter(request, quarter, "/county/")
    if isinstance(q, Response):
        return q
    return _report_page(request, q, None, version, COUNTY_FILES, "report.html", f"/county/{q.slug}/")


@router.get("/county/{quarter}/{file}")
def county_file(
    request: Request, quarter: str, file: str, version: int | None = Query(None, ge=1, le=MAX_VERSION)
) -> Response:
    """A published file of the county report."""
    if page_account(request) is None:
        return to_sign_in(request)
    _county(request)
    note(request, file=file[:60])
    if file not in COUNTY_FILES:
        raise HTTPException(404)
    q = _quarter(request, quarter, "/county/", f"/{file}")
    if isinstance(q, Response):
        return q
    return _send(request, q, None, file, version, f"dasv-{q.slug}")


class StoreError(RuntimeError):
    """The publication store lacks a file the warehouse records: the operator's problem, not a 404."""


def _stored(request: Request, relative: str) -> Path:
    """A file of the store, by the path the warehouse recorded (never one built from the URL).

    Raises:
        StoreError: the file is not there (logged as an error; the reader gets a 500, never a 404 that
            would say they have no right to it).
    """
    store = portal(request).store.resolve()
    path = (store / relative).resolve()
    if store not in path.parents:
        raise HTTPException(404)
    if not path.is_file():
        raise StoreError(f"the publication store {store} lacks {relative}, which the warehouse records; "
                         "run `dasv publications --verify`")  # fmt: skip
    return path


def _send(
    request: Request, q: Quarter, district: str | None, name: str, version: int | None, stem: str
) -> Response:
    with portal(request).reader.connect() as conn:
        found = published_file(conn, q, district, name, version)
    if found is None:
        raise HTTPException(404)
    path, _, number = found
    note(request, file=name)
    stored = _stored(request, path)
    suffix = Path(name).suffix
    filename = (
        f"{stem}-v{number}{DOWNLOAD_TAGS.get(name, '')}{suffix}"  # every download of a version its own name
    )
    return FileResponse(stored, media_type=publications.MEDIA_TYPES[suffix], filename=filename)


def _report_page(request: Request, q: Quarter, district: str | None, version: int | None, files: dict, html: str,
                 base: str) -> Response:  # fmt: skip
    with portal(request).reader.connect() as conn:
        found = published_file(conn, q, district, html, version)
        if found is None:
            raise HTTPException(404)
        latest = latest_version(conn, q)
        key = (str(portal(request).store), found[0], found[1])
        if key not in _PAGES:  # a published version never changes: its page's parts are read once
            info = next(v for v in versions(conn, q) if v.version == found[2])
            sizes = {name: published_file(conn, q, district, name, found[2]) for name in files}
            body = MAIN.search(_stored(request, found[0]).read_text(encoding="utf-8"))
            listed = [{"name": n, "label": label, "size": _size(_stored(request, sizes[n][0]).stat().st_size)}
                      for n, label in files.items() if sizes.get(n)]  # fmt: skip
            _PAGES[key] = (Markup(body.group(1) if body else ""), listed, london_time(info.published_at))
            if len(_PAGES) > 64:
                _PAGES.pop(next(iter(_PAGES)))
    body, listed, published = _PAGES[key]
    heading = f"{district}: {q.label} slice" if district else f"County report, {q.label}"
    return render(request, "slice.html.j2", title=heading, heading=heading, district=district,
                  slug=slug(district) if district else None, quarter=q.label, version=found[2],
                  latest=found[2] == latest, published=published, files=listed, base=base, body=body)  # fmt: skip


_PAGES: dict[tuple, tuple] = {}


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"
