"""What every command shares: the Typer app, settings and deployment, one-line errors."""

from __future__ import annotations

import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dasv.config import ConfigError, Deployment, load_deployment
from dasv.quarters import Quarter, QuarterError
from dasv.settings import Settings
from dasv.warehouse.db import open_warehouse

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Quarterly Domestic Abuse performance reporting: load exports, compute measures, render reports.",
)
db_app = typer.Typer(help="Warehouse maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


class Format(StrEnum):
    """Output formats of `dasv metrics`."""

    json = "json"
    csv = "csv"
    table = "table"


class Series(StrEnum):
    """Series forms of `dasv metrics`."""

    monthly = "monthly"


class Source(StrEnum):
    """The three export sources."""

    idva = "idva"
    marac = "marac"
    police = "police"


class UsageError(Exception):
    """Wrong usage: exit status 2."""


class Context:
    """What every command needs: settings, deployment and (lazily) the warehouse."""

    def __init__(self, db: str | None, config: Path | None):
        self.settings = Settings()
        if db:
            self.settings.database_url = db
        self.config_path = config or self.settings.config
        self._deployment: Deployment | None = None

    @property
    def deployment(self) -> Deployment:
        """The deployment configuration (areas, report rows, population...)."""
        if self._deployment is None:
            self._deployment = load_deployment(self.config_path)
        return self._deployment

    def engine(self):
        """The warehouse, migrated on first use if empty."""
        return open_warehouse(self.settings.resolved_database_url())

    def existing_engine(self):
        """The warehouse of a command that only reads or changes one: a missing SQLite file is never created.

        Raises:
            UserError: the SQLite warehouse named by --db / DASV_DATABASE_URL does not exist.
        """
        from sqlalchemy.engine import make_url

        from dasv.errors import UserError
        from dasv.warehouse.db import normalise_url

        url = make_url(normalise_url(self.settings.resolved_database_url()))
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            if not Path(url.database).is_file():
                raise UserError(
                    f"there is no warehouse at {url.database}; name it with --db or DASV_DATABASE_URL"
                )
        return self.engine()

    def warehouse_name(self) -> str:
        """The warehouse as an operator's message names it (no password)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.settings.resolved_database_url())
        return (
            url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)
        )


STATE: dict[str, Context] = {}


def ctx(check: bool = True) -> Context:
    """The current command's context, its configuration checked first (unless ``check`` is False)."""
    c = STATE["ctx"]
    if check:
        check_configuration(c)
    return c


@app.callback()
def _main(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Warehouse URL (default: DASV_DATABASE_URL or var/warehouse.db)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Deployment YAML (default: DASV_CONFIG or the shipped one)."),
    ] = None,
) -> None:
    STATE["ctx"] = Context(db, config)
    STATE["checked"] = False


def check_configuration(c: Context) -> None:
    """Every command checks the deployment YAML before it does anything (`config check` words it)."""
    if STATE.get("checked"):
        return
    try:
        _ = c.deployment  # loading it checks it
    except ConfigError as exc:
        raise ConfigError(f"{exc}\n(`dasv config check` lists every problem; docs/adopting.md)") from None
    STATE["checked"] = True


def parse_quarter(text: str) -> Quarter:
    """A quarter from the command line (wrong usage otherwise)."""
    try:
        return Quarter.parse(text)
    except QuarterError as exc:
        raise UsageError(str(exc)) from None


def err(line: str) -> None:
    """One line on standard error."""
    typer.echo(line, err=True)


MAX_PROBLEM_LINES = 50


def print_refusal(export, tail: str = "") -> None:
    """One line naming the file, then one line per problem (at most MAX_PROBLEM_LINES)."""
    err(f"REFUSED {export.path}: {export.problem_count} problem(s){tail}")
    for problem in export.problems[:MAX_PROBLEM_LINES]:
        err(str(problem))
    if export.problem_count > MAX_PROBLEM_LINES:
        err(f"... and {export.problem_count - MAX_PROBLEM_LINES} more problem(s) in {export.path}")


def report_outcomes(results) -> int:
    """One line per loaded or skipped file, the refusal lines of a refused one; the number refused."""
    refused = 0
    for export, outcome in results:
        if outcome.status == "refused":
            refused += 1
            print_refusal(export, "; nothing from this file was loaded")
        else:
            hint = "; use --reload to load it again" if outcome.status == "skipped" else ""
            typer.echo(f"{outcome.status:<8} {outcome.file}: {outcome.message}{hint}")
            for note, count in export.repairs.items():
                typer.echo(f"         repaired {count} row(s): {note}")
    return refused


def district_name(c: Context, name: str) -> str:
    """The canonical district for a name or alias (wrong usage otherwise)."""
    from dasv.report.slices import find_district

    try:
        return find_district(c.deployment, name).name
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def command_name() -> str:
    """How to type ``dasv`` again: its path when it is not on PATH (e.g. ``.venv/bin/dasv``)."""
    invoked = Path(sys.argv[0])
    if invoked.name != "dasv" or not invoked.parent.parts:
        return "dasv" if shutil.which("dasv") else f"{Path(sys.executable).parent / 'dasv'}"
    on_path = shutil.which("dasv")
    if on_path and Path(on_path).resolve() == invoked.resolve():
        return "dasv"
    return str(invoked)
