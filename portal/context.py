"""What every portal request needs: the warehouse, the store, the deployment, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote

from fastapi import Request
from sqlalchemy import Engine

from dasv import accounts
from dasv.config import Deployment
from dasv.portal import sessions
from dasv.quarters import Quarter, QuarterError
from dasv.safe_text import slug

SESSION_COOKIE = "dasv_session"
CSRF_COOKIE = (
    "dasv_csrf"  # the pre-session a sign-in or set-password form is bound to; ``__Host-`` over HTTPS
)
FORM_KEY = "portal_form_key"  # warehouse_meta: the key that signs those forms' CSRF tokens


@dataclass
class Portal:
    """The portal's configuration, built once per process."""

    engine: Engine
    deployment: Deployment
    store: Path
    public_url: str | None = None
    waiting: int = (
        0  # password checks waiting for the hashing pool in this process (the event loop counts them)
    )
    signing_in: dict = field(
        default_factory=dict
    )  # client address -> its sign-ins for no account under way here

    @cached_property
    def hashing(self):
        """The bounded pool password hashing runs in, apart from the page handlers' threads.

        One Argon2 check (64 MiB) per core but one, at least one, at most 8: a core is left for the
        pages (on 2 cores, a reader's slowest page during a flood of sign-ins went from 0.68 s to 0.26 s).
        """
        import os

        from anyio import CapacityLimiter

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return CapacityLimiter(max(1, min(cores - 1, 8)))

    @cached_property
    def form_key(self) -> bytes:
        """The key that signs the sign-in forms' CSRF tokens: made once, kept in the warehouse for every process."""
        import secrets

        from sqlalchemy import insert, select
        from sqlalchemy.exc import IntegrityError

        from dasv.warehouse.models import WarehouseMeta

        with self.engine.connect() as conn:
            key = conn.scalar(select(WarehouseMeta.value).where(WarehouseMeta.key == FORM_KEY))
        if key is None:
            try:
                with self.engine.begin() as conn:
                    key = secrets.token_hex(32)
                    conn.execute(insert(WarehouseMeta).values(key=FORM_KEY, value=key))
            except IntegrityError:  # another process made it first: use theirs
                with self.engine.connect() as conn:
                    key = conn.scalar(select(WarehouseMeta.value).where(WarehouseMeta.key == FORM_KEY))
        return bytes.fromhex(key)

    @cached_property
    def access_log(self):
        """The access-log writer of this process (group commit: :mod:`dasv.portal.access_log`)."""
        from dasv.portal.access_log import AccessLogWriter

        return AccessLogWriter(self.engine)

    @cached_property
    def reader(self) -> Engine:
        """The warehouse for reading only: on SQLite its transactions do not take the write lock."""
        return self.engine.execution_options(dasv_read_only=True)

    @cached_property
    def districts_by_slug(self) -> dict[str, str]:
        """Slug -> canonical district name."""
        return {slug(a.name): a.name for a in self.deployment.districts}

    def district(self, text: str) -> str | None:
        """The canonical district a URL segment names (slug, name or alias, any case), else None.

        Anything with a slash, a dot-dot or a percent sign left after decoding is no district.
        """
        if not text or any(ch in text for ch in "/\\%") or ".." in text or len(text) > 120:
            return None
        if text.lower() in self.districts_by_slug:
            return self.districts_by_slug[text.lower()]
        area = self.deployment.area(unquote(text))
        return area.name if area is not None and area.kind == "district" else None


def parse_quarter(text: str) -> Quarter | None:
    """A quarter from a URL segment in any accepted form, else None."""
    try:
        return Quarter.parse(text)
    except QuarterError:
        return None


def portal(request: Request) -> Portal:
    """The portal of this app."""
    return request.app.state.portal


def who(request: Request) -> accounts.Account | None:
    """The signed-in account (session cookie) or the API token's, cached on the request."""
    if not hasattr(request.state, "account"):
        p = portal(request)
        account = None
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            account = sessions.token_account(p.reader, header[7:].strip())
        else:
            account = sessions.session_account(p.reader, request.cookies.get(SESSION_COOKIE))
        request.state.account = account
    return request.state.account


def page_account(request: Request) -> accounts.Account | None:
    """The signed-in account of a page request (pages use the session, not API tokens)."""
    account = who(request)
    return account if account is not None and account.token_id is None else None


def note(request: Request, **fields) -> None:
    """Record what the access log should say about this request (district, quarter, file)."""
    request.state.log = {**getattr(request.state, "log", {}), **fields}
