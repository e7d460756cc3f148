"""The portal's edge: what a request may cost before any route looks at it.

* **Headers** (request line and header fields together) are limited to ``MAX_HEADER_BYTES``:
  more is answered ``431`` as soon as it is seen, never read into memory.
* **Slow requests**: a request must arrive whole (headers and body) within
  ``REQUEST_SECONDS`` of its first byte, or of the connection's opening: a connection that
  sends nothing, or a header a byte at a time, is answered ``408`` and closed.
* **Bodies** are limited per route (``BODY_LIMITS``): a ``Content-Length`` over the limit is
  ``413`` before the body is read; a chunked body is counted as it streams and refused once
  it passes the limit.
* A refused request's connection is closed *lingering*: the answer is sent, the sending side
  shut, and what the client still sends is read and dropped (up to ``LINGER_BYTES``, for up
  to ``LINGER_SECONDS``), so the client reads the 4xx rather than a reset.

uvicorn's parser (httptools) has no header limit and no header timeout of its own: the
protocol below (``http="dasv.portal.edge:GuardedHttpTools"``) adds them. The reverse proxy's
matching settings are in docs/portal.md.
"""

from __future__ import annotations

import asyncio
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADER_BYTES = 16 * 1024
REQUEST_SECONDS = 5.0
LINGER_SECONDS, LINGER_BYTES = 5.0, 1024 * 1024 * 1024  # draining costs a little CPU, never memory
FORM_BYTES = 4 * 1024  # a sign-in or set-password form: e-mail, password, CSRF token, link
SMALL_FORM_BYTES = 1024  # a form of a CSRF token and a choice
BODY_LIMITS = [  # (method, path, the most bytes of body it takes); first match wins
    ("POST", re.compile(r"/sign-in$|/set-password$"), FORM_BYTES),
    ("POST", re.compile(r"/sign-out$|/account/tokens(/[^/]+/revoke)?$"), SMALL_FORM_BYTES),
    (None, re.compile(r""), SMALL_FORM_BYTES),  # anything else takes no body worth the name
]
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; " \
      "form-action 'self'; base-uri 'none'; object-src 'none'"  # fmt: skip
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"))  # fmt: skip


def body_limit(method: str, path: str) -> int:
    """The most bytes of body a request to this route may carry."""
    return next(n for m, pattern, n in BODY_LIMITS if m in (None, method) and pattern.match(path))


def refusal(status: int, reason: str, text: str) -> bytes:
    """A whole HTTP answer, written straight to a connection: the security headers, and it closes."""
    body = text.encode("ascii")
    head = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in SECURITY_HEADERS),
            "Cache-Control: no-store", "Content-Type: text/plain; charset=utf-8", f"Content-Length: {len(body)}",
            "Connection: close"]  # fmt: skip
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class BodyTooLarge(HTTPException):
    """A streamed (chunked) body passed its route's limit."""

    def __init__(self) -> None:
        super().__init__(413, "The request is too large.")


class BodyLimit:
    """413 for a body over its route's limit: before reading when ``Content-Length`` says so, else as it streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, or pass the request on with a receive that counts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if length.isdigit() and int(length) > limit:  # (the parser refuses a length that is not a number)
            await send({"type": "http.response.start", "status": 413, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b"The request is too large."})
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)


class _Lingering:
    """The connection's transport, whose ``close`` sends what is written, shuts the sending side and drains."""

    def __init__(self, transport: asyncio.Transport, protocol: GuardedHttpTools) -> None:
        self._transport, self._protocol = transport, protocol

    def __getattr__(self, name: str):
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        """Closed as far as the answer is concerned once the lingering close began."""
        return self._protocol.lingering or self._transport.is_closing()

    def close(self) -> None:
        """Begin the lingering close."""
        self._protocol.linger()


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header-size limit, a whole-request deadline and a lingering close."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deadline: asyncio.TimerHandle | None = None
        self.in_headers, self.header_bytes = True, 0
        self.lingering, self.drained = False, 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request."""
        super().connection_made(_Lingering(transport, self))  # type: ignore[arg-type]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Parse (or, closing, drop) what arrived; a header section past the limit is refused."""
        if self.lingering:
            self.drained += len(data)
            if self.drained > LINGER_BYTES:
                self.transport._transport.close()  # type: ignore[attr-defined]
            return
        if self.in_headers:
            self.header_bytes += len(data)
        super().data_received(data)
        if self.in_headers and self.header_bytes > MAX_HEADER_BYTES and not self.transport.is_closing():
            self.refuse(431, "Request Header Fields Too Large", "The request's headers are too large.")

    def eof_received(self) -> bool | None:
        """The client has sent all it will: a lingering close ends here."""
        if self.lingering:
            self.transport._transport.close()  # type: ignore[attr-defined]
        return None

    def on_message_begin(self) -> None:
        """A new request: the clock starts at its first byte (or was running since the connection opened)."""
        super().on_message_begin()
        self.in_headers = True
        self._arm()

    def on_headers_complete(self) -> None:
        """Headers whole: within the limit, answered as usual."""
        self.in_headers = False
        size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
        if size > MAX_HEADER_BYTES:
            self.refuse(431, "Request Header Fields Too Large", "The request's headers are too large.")
            return
        self.header_bytes = 0
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        """Body bytes, unless the request was refused."""
        if not self.lingering:
            super().on_body(body)

    def on_message_complete(self) -> None:
        """The request arrived whole in time: stop its clock."""
        self._disarm()
        if not self.lingering:
            super().on_message_complete()
        self.in_headers, self.header_bytes = True, 0

    def refuse(self, status: int, reason: str, text: str) -> None:
        """Answer straight from the connection (no request is made of it) and close it lingering."""
        self.transport.write(refusal(status, reason, text))
        self.linger()

    def linger(self) -> None:
        """Send what is written, shut the sending side, drop what still comes, and close after a while."""
        if self.lingering:
            return
        self.lingering = True
        self._disarm()
        raw = self.transport._transport  # type: ignore[attr-defined]
        if raw.is_closing():
            return
        self.flow.resume_reading()
        if not raw.is_reading():
            raw.resume_reading()
        if raw.can_write_eof():
            raw.write_eof()
        self.loop.call_later(LINGER_SECONDS, raw.close)

    def _arm(self) -> None:
        if self.deadline is None:
            self.deadline = self.loop.call_later(REQUEST_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _too_slow(self) -> None:
        """The request did not arrive whole in time: 408 if no answer has begun, and close."""
        self.deadline = None
        if self.transport.is_closing():
            return
        if self.in_headers:  # no request has been made of it yet: say why
            self.refuse(408, "Request Timeout", "The request took too long to arrive.")
        else:  # a body too slow for the route that waits for it: that route sees the client gone
            self.transport._transport.close()  # type: ignore[attr-defined]
