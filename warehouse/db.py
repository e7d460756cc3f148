"""Connecting to the warehouse and keeping its schema current (Alembic migrations)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# Alembic is imported only when the schema is checked or changed: it costs start-up time.


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as it is (unreachable, or an older schema)."""


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the warehouse URL (SQLite file or PostgreSQL).

    SQLite: the folder is created, foreign keys are enforced, and every transaction
    starts with ``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            # up to 128 MB of page cache (default 2 MB): a 250,000-row load's index pages stay in memory
            cursor.execute("PRAGMA cache_size=-131072")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            # a connection marked dasv_read_only (the portal's reads) does not take the write lock
            read_only = connection.get_execution_options().get("dasv_read_only")
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at our migrations, bound to an engine."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision the warehouse is at (None if it has none)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def open_warehouse(url: str) -> Engine:
    """An engine for a warehouse that is ready to use.

    An empty warehouse is migrated on first use; one at an older schema is not touched.

    Raises:
        WarehouseError: the database is unreachable, or its schema is older than the code.
    """
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
        if revision is None:
            tables = set(inspect(engine).get_table_names())
            if tables - {"alembic_version"}:
                raise WarehouseError(
                    f"{engine.url.render_as_string(hide_password=True)} holds tables but no "
                    "dasv schema version; expected an empty database or a dasv warehouse"
                )
            upgrade(engine)
        elif revision != head_revision():
            raise WarehouseError(
                f"the warehouse schema is at {revision}, this version needs {head_revision()}; "
                "run `dasv db upgrade`"
            )
    except WarehouseError:
        engine.dispose()
        raise
    except Exception as exc:  # driver errors: unreachable server, bad credentials, bad file
        engine.dispose()
        raise WarehouseError(
            f"cannot open the warehouse {engine.url.render_as_string(hide_password=True)}: "
            f"{str(exc).splitlines()[0]}"
        ) from exc
    return engine
