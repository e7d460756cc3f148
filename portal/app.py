"""The portal application: security headers, the access log, error pages, and its routes.

Every response carries the headers docs/portal.md fixes. Every request to a district, county or
API route is logged in the warehouse after it is answered, refused ones too, with what the
handler recorded of it (district, quarter, file) or, for a request no route matched, what
its path says.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dasv import accounts
from dasv.config import Deployment
from dasv.portal.context import Portal, portal, who
from dasv.portal.edge import SECURITY_HEADERS, BodyLimit
from dasv.portal.views import render

LOGGED = ("/districts/", "/county/", "/api/", "/account/")
REFUSED = (413, 429)  # a body too large, too many sign-ins: logged on any route


def create_app(
    engine,
    deployment: Deployment,
    store: Path,
    public_url: str | None = None,
    trusted_hosts: list[str] | None = None,
) -> FastAPI:
    """The portal for a warehouse, a deployment and a publication store.

    ``public_url`` (``DASV_PORTAL_URL``) is the only address a redirect may name; ``trusted_hosts``, the
    ``Host`` headers answered at all (others get 400). ``dasv.portal.serve`` passes both from the settings.
    """
    from dasv.portal import api, pages, signin, tokens

    app = FastAPI(
        title="DASV slice portal API",
        version="1",
        description="Published district slices for Community Safety Partnerships (docs/portal.md): the analyst's "
        'feed a Power BI or Excel "From Web" query refreshes from. Pages use the signed-in session; the API accepts '
        "`Authorization: Bearer <token>` (from the portal's API tokens page or `dasv portal token create`) or a session.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.portal = Portal(engine, deployment, Path(store), public_url)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.include_router(pages.router)
    app.include_router(signin.router)
    app.include_router(tokens.router)
    app.include_router(api.router)
    public = urlsplit(public_url) if public_url else None
    if trusted_hosts:  # inside the headers middleware: its 400 carries the headers too
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=trusted_hosts)
    app.add_middleware(BodyLimit)  # inside too: its 413 has the headers and is logged

    app.add_middleware(HeadersAndLog, public=public)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:  # one body for what does not exist and what may not be seen
            return _not_found(request)
        if request.url.path.startswith("/api/"):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
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


def _not_found(request: Request) -> Response:
    """The one not-found answer: unknown routes and things an account may not see look the same."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "not found"}, status_code=404)
    return render(request, "not_found.html.j2", status=404, title="Page not found")


def _server_error(request: Request) -> Response:
    """A 500 that says nothing of the failure (the server log has it)."""
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"detail": "the portal could not answer; the problem has been logged"}, status_code=500
        )
    try:
        return render(request, "problem.html.j2", status=500, title="Sorry, there is a problem with the service",
                      heading="Sorry, there is a problem with the service",
                      text="The problem has been logged. Try again later.")  # fmt: skip
    except Exception:  # noqa: BLE001 - even the page could not be made: a plain answer
        return Response(
            "Sorry, there is a problem with the service.", status_code=500, media_type="text/plain"
        )


class HeadersAndLog:
    """Every answer's security headers and redirect target; the access-log row; a 500 for any failure.

    ``HEAD`` is answered wherever ``GET`` is: the route answers a GET and the server sends only its
    headers. A refusal (413, 429) says ``Connection: close``, so the rest of its request is never read.

    Plain ASGI (not ``BaseHTTPMiddleware``, which copies every body through a stream), and the
    warehouse work (the access log, a page for a refusal) runs in the thread pool, never on the
    event loop that every other request of the process waits on. The access-log row is written
    before the answer starts, so a client that has its answer finds it logged.
    """

    def __init__(self, app: ASGIApp, public: SplitResult | None = None) -> None:
        self.app, self.public = app, public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer through the app, decorating the answer's start and logging it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        started = False

        async def answer(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                _headers(request, headers)
                if self.public is not None and "location" in headers:
                    headers["location"] = _on_public(headers["location"], self.public)
                if message["status"] == 413:
                    headers["connection"] = "close"
                if _logged(request, message["status"]):
                    await run_in_threadpool(_log, request, message["status"])
            await send(message)

        if _traversal(request):  # answered like anything else that does not exist
            request.state.log = {"district": None}
            response = await run_in_threadpool(_not_found, request)
            await response(scope, receive, answer)
            return
        inner = (
            {**scope, "method": "GET"} if scope["method"] == "HEAD" else scope
        )  # the server drops the body
        try:
            await self.app(inner, receive, answer)
        except Exception:  # answered as a 500 with the same headers, and logged
            logging.getLogger("dasv.portal").exception("%s %s failed", request.method, request.url.path[:200])
            if started:  # the answer had begun: nothing more can be said to the client
                raise
            response = await run_in_threadpool(_server_error, request)
            await response(scope, receive, answer)


def _headers(request: Request, headers: MutableHeaders) -> None:
    """The security headers every answer carries (docs/portal.md), HSTS when served over HTTPS."""
    for name, value in SECURITY_HEADERS:
        headers[name] = value
    if not request.url.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if request.url.scheme == "https":  # behind the TLS proxy (--proxy-headers)
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


def _on_public(location: str, public: SplitResult) -> str:
    """A redirect names only the configured public address or a path on it, whatever the Host header said."""
    target = urlsplit(location)
    if not target.scheme and not target.netloc:
        return location
    path = target.path if target.path.startswith("/") else "/"
    return urlunsplit((public.scheme, public.netloc, path, target.query, ""))


TRAVERSAL = re.compile(r"%2f|%5c|%2e%2e|%2e\.|\.%2e|(^|/)\.\.(/|$)", re.IGNORECASE)


def _traversal(request: Request) -> bool:
    """A path with an encoded slash or backslash, or a dot-dot segment: not found, before any route."""
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    return bool(TRAVERSAL.search(raw))


def _logged(request: Request, status: int) -> bool:
    """Logged: a district, county, API or account route; anything refused or failed; a sign-in event."""
    return (request.url.path.startswith(LOGGED) or status >= 500 or status in REFUSED
            or "event" in getattr(request.state, "log", {}))  # fmt: skip


def _log(request: Request, status: int) -> None:
    """One access-log row: a request to a district, county or API route, or an account event (``note(event=)``).

    The account is the one the handler names (a sign-in's, whatever the outcome), else who is signed in.
    """
    found = getattr(request.state, "log", None)
    if found is None:  # no handler ran (no route matched): record what the path says
        parts = request.url.path.split("/")
        found = {"district": parts[2][:120] if len(parts) > 2 and parts[1] == "districts" else None}
    try:
        account = who(request)
        portal(request).access_log.write(
            dict(
                at=accounts.now(),
                user_id=found["user_id"] if "user_id" in found else account.id if account else None,
                token_id=account.token_id if account else None,
                method=request.method,
                route=(request.url.path + (f"?{request.url.query}" if request.url.query else ""))[:400],
                district=found.get("district"),
                quarter=found.get("quarter"),
                file=found.get("event") or found.get("file"),
                status=status,
                client=(request.client.host if request.client else None),
            )
        )
    except Exception:  # noqa: BLE001 - a full log must not turn an answer into an error; the server logs it
        logging.getLogger("dasv.portal").exception("could not write the access log")
