"""The portal application: security headers, the access log, error pages, and its routes.

Every response carries the headers PORTAL.md fixes. Every request to a district, county or
API route is logged in the warehouse after it is answered, refused ones too, with what the
handler recorded of it (district, quarter, file) or, for a request no route matched, what
its path says.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from dasv import accounts
from dasv.config import Deployment
from portal.context import Portal, portal, who
from portal.views import render

LOGGED = ("/districts/", "/county/", "/api/")
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; " \
      "form-action 'self'; base-uri 'none'; object-src 'none'"  # fmt: skip


def create_app(engine, deployment: Deployment, store: Path) -> FastAPI:
    """The portal for a warehouse, a deployment and a publication store."""
    from portal import api, pages

    app = FastAPI(
        title="DASV slice portal API",
        version="1",
        description="Published district slices for Community Safety Partnerships (docs/portal.md). Pages use the "
        "signed-in session; the API accepts `Authorization: Bearer <token>` or a session.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.portal = Portal(engine, deployment, Path(store))
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.middleware("http")
    async def headers_and_log(request: Request, call_next) -> Response:
        if _traversal(request):  # answered like anything else that does not exist
            request.state.log = {"district": None}
            response: Response = (JSONResponse({"detail": "not found"}, status_code=404)
                                  if request.url.path.startswith("/api/")
                                  else render(request, "not_found.html.j2", status=404, title="Page not found"))  # fmt: skip
        else:
            response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        if request.url.path.startswith(LOGGED):
            _log(request, response.status_code)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        if exc.status_code == 404:
            return render(request, "not_found.html.j2", status=404, title="Page not found")
        return render(request, "problem.html.j2", status=exc.status_code, title="There is a problem",
                      heading="There is a problem", text=str(exc.detail))  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "bad request"}, status_code=400)
        return render(request, "problem.html.j2", status=400, title="There is a problem", heading="There is a problem",
                      text="The request was not understood.")  # fmt: skip

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        return Response("ok", media_type="text/plain")

    return app


TRAVERSAL = re.compile(r"%2f|%5c|%2e%2e|%2e\.|\.%2e|(^|/)\.\.(/|$)", re.IGNORECASE)


def _traversal(request: Request) -> bool:
    """A path with an encoded slash or backslash, or a dot-dot segment: not found, before any route."""
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    return bool(TRAVERSAL.search(raw))


def _log(request: Request, status: int) -> None:
    """One access-log row for a request to a district, county or API route."""
    found = getattr(request.state, "log", None)
    if found is None:  # no handler ran (no route matched): record what the path says
        parts = request.url.path.split("/")
        found = {"district": parts[2][:120] if len(parts) > 2 and parts[1] == "districts" else None}
    try:
        account = who(request)
        accounts.log_access(
            portal(request).engine,
            user_id=account.id if account else None,
            token_id=account.token_id if account else None,
            method=request.method,
            route=(request.url.path + (f"?{request.url.query}" if request.url.query else ""))[:400],
            district=found.get("district"),
            quarter=found.get("quarter"),
            file=found.get("file"),
            status=status,
            client=(request.client.host if request.client else None),
        )
    except Exception:  # noqa: BLE001 - a full log must not turn an answer into an error; the server logs it
        import logging

        logging.getLogger("dasv.portal").exception("could not write the access log")
