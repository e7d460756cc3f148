"""The portal as uvicorn starts it (``dasv.portal.serve:app``, a factory): settings from the environment."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import FastAPI
from sqlalchemy import Engine, event

from dasv.config import load_deployment
from dasv.portal.app import create_app
from dasv.settings import Settings
from dasv.warehouse.db import open_warehouse

LOOPBACK = ["127.0.0.1", "localhost", "::1", "[::1]"]
QUIET_QUERIES = ("/set-password",)  # routes whose query carries a secret: logged without it


class DropSecretQueries(logging.Filter):
    """uvicorn's access log line without the query string of a route whose query is a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every line; drop the query of a quiet route."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith(QUIET_QUERIES) and "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?[removed]", *args[3:])
        return True


def trusted_hosts(settings: Settings) -> list[str]:
    """The Host headers answered: DASV_PORTAL_URL's host, loopback, and DASV_PORTAL_HOSTS."""
    hosts = [urlsplit(settings.portal_url).hostname or "127.0.0.1", *LOOPBACK]
    hosts += [h.strip() for h in settings.portal_hosts.split(",") if h.strip()]
    return list(dict.fromkeys(hosts))


def for_many_readers(engine: Engine) -> Engine:
    """A SQLite warehouse in write-ahead-log mode, its commits not waiting for the disk, for the portal.

    The portal writes an access-log row on most requests. In SQLite's default rollback journal
    each of those commits waits for two flushes to disk while every other request of every worker
    waits for the lock; in WAL mode a commit appends to the log and readers are not held up.
    ``synchronous=NORMAL`` in WAL mode keeps the database consistent through a crash (a power cut
    can lose the last commits, never corrupt). PostgreSQL is left as it is.
    """
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()
    return engine


def app() -> FastAPI:
    """The portal for ``DASV_DATABASE_URL``, ``DASV_CONFIG`` and ``DASV_PUBLISH_DIR``."""
    settings = Settings()
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropSecretQueries) for f in access.filters):
        access.addFilter(DropSecretQueries())
    return create_app(
        for_many_readers(open_warehouse(settings.resolved_database_url())),
        load_deployment(settings.config),
        settings.publish_dir,
        public_url=settings.portal_url,
        trusted_hosts=trusted_hosts(settings),
    )
