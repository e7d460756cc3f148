"""The ``dasv`` command line (CLI.md). Every command is a thin call into plain functions.

Exit status: 0 success, 1 an input was refused or a check failed, 2 wrong usage.
Errors are one line each on stderr; never a traceback (set ``DASV_DEBUG=1`` to see one).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dasv.config import ConfigError, Deployment, load_deployment
from dasv.delivery import DeliveryError
from dasv.errors import NoDataError, RenderError
from dasv.privacy import MissingKeyError, pseudonymiser_from_settings
from dasv.quarters import Quarter, QuarterError
from dasv.settings import Settings
from warehouse.db import WarehouseError, make_engine, open_warehouse, upgrade
from warehouse.load import KeyMismatchError

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


STATE: dict[str, Context] = {}


def ctx() -> Context:
    """The current command's context."""
    return STATE["ctx"]


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


def _parse_quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except QuarterError as exc:
        raise UsageError(str(exc)) from None


def _err(line: str) -> None:
    typer.echo(line, err=True)


MAX_PROBLEM_LINES = 50


def _print_refusal(export, tail: str = "") -> None:
    """One line naming the file, then one line per problem (at most MAX_PROBLEM_LINES)."""
    _err(f"REFUSED {export.path}: {export.problem_count} problem(s){tail}")
    for problem in export.problems[:MAX_PROBLEM_LINES]:
        _err(str(problem))
    if export.problem_count > MAX_PROBLEM_LINES:
        _err(f"... and {export.problem_count - MAX_PROBLEM_LINES} more problem(s) in {export.path}")


def _report_outcomes(results) -> int:
    refused = 0
    for export, outcome in results:
        if outcome.status == "refused":
            refused += 1
            _print_refusal(export, "; nothing from this file was loaded")
        else:
            hint = "; use --reload to load it again" if outcome.status == "skipped" else ""
            typer.echo(f"{outcome.status:<8} {outcome.file}: {outcome.message}{hint}")
            for note, count in export.repairs.items():
                typer.echo(f"         repaired {count} row(s): {note}")
    return refused


@app.command()
def load(
    paths: Annotated[
        list[Path], typer.Argument(help="Files, or inbox folders (idva/, marac/, police/ inside).")
    ],
    source: Annotated[
        Source | None, typer.Option(help="Source of the files (default: from the folder or header).")
    ] = None,
    reload: Annotated[
        bool, typer.Option("--reload", help="Load files again even if already loaded.")
    ] = False,
) -> None:
    """Validate and load files into the warehouse; all or nothing per file."""
    from dasv.pipeline import discover, load_files

    c = ctx()
    files = discover(paths)
    if not files:
        raise UsageError(f"no export files found in {', '.join(map(str, paths))}")
    pseudo = pseudonymiser_from_settings(c.settings)
    engine = c.engine()
    results = load_files(
        engine, files, c.deployment, pseudo, source=source.value if source else None, reload=reload
    )
    refused = _report_outcomes(results)
    if refused:
        raise typer.Exit(1)


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Files, or inbox folders.")],
    source: Annotated[
        Source | None, typer.Option(help="Source of the files (default: from the folder or header).")
    ] = None,
) -> None:
    """Validate only: what would load, what would be repaired, what is refused. Loads nothing."""
    from dasv.pipeline import check_files, discover

    files = discover(paths)
    if not files:
        raise UsageError(f"no export files found in {', '.join(map(str, paths))}")
    exports = check_files(files, ctx().deployment, source=source.value if source else None)
    refused = 0
    for export in exports:
        name = str(export.path)
        if export.refused:
            refused += 1
            _print_refusal(export)
            continue
        skipped = export.skipped_blank + export.skipped_total
        typer.echo(
            f"ok       {name}: {export.source}, sheet {export.sheet or '-'}, header row {export.header_row}, "
            f"{len(export.rows)} rows would load"
            + (f", {skipped} blank/total rows skipped" if skipped else "")
        )
        if export.ignored_columns:
            typer.echo(f"         ignored columns (never stored): {', '.join(export.ignored_columns)}")
        for note, count in export.repairs.items():
            typer.echo(f"         would repair {count} row(s): {note}")
    if refused:
        raise typer.Exit(1)


@app.command()
def metrics(
    quarter: Annotated[str | None, typer.Option(help="Quarter, e.g. '2025-26 Q3'.")] = None,
    year_ending: Annotated[
        str | None, typer.Option("--year-ending", help="The twelve months to a month, e.g. 2025-09.")
    ] = None,
    district: Annotated[str | None, typer.Option(help="One district, with small numbers suppressed.")] = None,
    format: Annotated[Format, typer.Option("--format", help="json, csv or table.")] = Format.json,
    series: Annotated[
        Series | None, typer.Option("--series", help="monthly: the 24 monthly values behind the SPC charts.")
    ] = None,
) -> None:
    """Print one quarter's measures (METRICS_JSON.md), its monthly series, or the year-ending figures."""
    from dasv.measures.document import metrics_document
    from dasv.measures.present import as_csv, as_table

    if (quarter is None) == (year_ending is None):
        raise UsageError("give exactly one of --quarter (e.g. '2025-26 Q3') or --year-ending (e.g. 2025-09)")
    c = ctx()
    area = _district(c, district) if district else None
    if series is not None:
        if quarter is None or area is not None:
            raise UsageError("--series monthly goes with --quarter, for the county and every district")
        _print_series(c, _parse_quarter(quarter), format)
        return
    if year_ending is not None:
        doc = _year_ending_document(c, year_ending, area)
    else:
        q = _parse_quarter(quarter)
        with c.engine().connect() as conn:
            if area:
                from dasv.report.slices import SliceBuilder

                doc = SliceBuilder(conn, c.deployment, q).metrics(area)
            else:
                doc = metrics_document(conn, c.deployment, q)
    if format is Format.json:
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    elif format is Format.csv:
        typer.echo(as_csv(doc), nl=False)
    else:
        typer.echo(as_table(doc), nl=False)


def _print_series(c: Context, q: Quarter, format: Format) -> None:
    from dasv.measures.series import monthly_series
    from dasv.safe_text import safe_cell

    with c.engine().connect() as conn:
        found = monthly_series(conn, c.deployment, q)
    rows = found.rows()
    if format is Format.json:
        doc = {"quarter": q.label, "months": found.months, "covered": found.covered, "series": rows}
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    if format is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["month", "measure", "area", "value"])
        writer.writerows([r["month"], r["measure"], safe_cell(r["area"]), r["value"]] for r in rows)
        typer.echo(buffer.getvalue(), nl=False)
        return
    for row in rows:
        typer.echo(f"{row['month']}  {row['measure']:<22} {row['area']:<30} {row['value']:>8,}")


def _year_ending_document(c: Context, text: str, area: str | None) -> dict:
    from dasv.measures.year_ending import YearEnding, YearEndingError, year_ending_document

    try:
        year = YearEnding.parse(text)
    except YearEndingError as exc:
        raise UsageError(str(exc)) from None
    with c.engine().connect() as conn:
        if area is None:
            return year_ending_document(conn, c.deployment, year)
        from dasv.report.year_ending import YearEndingFigures

        return YearEndingFigures(conn, c.deployment, year, years=1).district_document(area, year)


def _district(c: Context, name: str) -> str:
    from dasv.report.slices import find_district

    try:
        return find_district(c.deployment, name).name
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@app.command()
def report(
    quarter: Annotated[str, typer.Option(help="Quarter, e.g. '2025-26 Q3'.")],
    district: Annotated[
        str | None, typer.Option(help="Only this district's slice (default: county report and every slice).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: DASV_OUT or out/).")] = None,
    inbox: Annotated[
        Path | None, typer.Option(help="Inbox holding commentary/<quarter>.md (default: DASV_INBOX).")
    ] = None,
) -> None:
    """Render the report, its companions and the district slices from the warehouse, without loading."""
    from dasv.pipeline import render_quarter

    q = _parse_quarter(quarter)
    c = ctx()
    area = _district(c, district) if district else None
    outputs = render_quarter(
        c.engine(),
        c.deployment,
        q,
        out or c.settings.out,
        commentary_dir=(inbox or c.settings.inbox) / "commentary",
        districts=[area] if area else None,
        county=area is None,
        progress=typer.echo,
    )
    _print_outputs(outputs)


@app.command()
def run(
    quarter: Annotated[str, typer.Option(help="Quarter, e.g. '2025-26 Q3'.")],
    inbox: Annotated[Path | None, typer.Option(help="Inbox folder (default: DASV_INBOX or inbox/).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: DASV_OUT or out/).")] = None,
    reload: Annotated[
        bool, typer.Option("--reload", help="Load files again even if already loaded.")
    ] = False,
    deliver: Annotated[
        bool, typer.Option("--deliver", help="E-mail the outputs (SMTP from configuration).")
    ] = False,
) -> None:
    """The quarterly run: load what is new in the inbox, then render the report and every slice."""
    from dasv.pipeline import discover, load_files, render_quarter

    q = _parse_quarter(quarter)
    c = ctx()
    inbox = inbox or c.settings.inbox
    files = discover([inbox])
    pseudo = pseudonymiser_from_settings(c.settings)
    engine = c.engine()
    typer.echo(f"Loading {len(files)} file(s) from {inbox} ...")
    results = load_files(
        engine, files, c.deployment, pseudo, reload=reload, progress=lambda e, o: _report_outcomes([(e, o)])
    )
    refused = [str(p) for e, o in results if o.status == "refused" for p in e.problems[:5]]
    typer.echo(f"Rendering {q.label} ...")
    outputs = render_quarter(
        engine,
        c.deployment,
        q,
        out or c.settings.out,
        commentary_dir=inbox / "commentary",
        refused=refused,
        progress=typer.echo,
    )
    _print_outputs(outputs)
    if refused:
        _err(
            f"dasv: {sum(o.status == 'refused' for _, o in results)} file(s) refused; the report says so in Data quality"
        )
        raise typer.Exit(1)


def _print_outputs(outputs: dict) -> None:
    for name, paths in outputs.items():
        if name != "county":
            typer.echo(f"{name} slice: {paths['pdf'].parent}/ (PDF, HTML, xlsx, metrics.json, csv/)")
            continue
        typer.echo("County report:")
        for kind, path in paths.items():
            if not kind.startswith("csv:"):
                typer.echo(f"  {kind:<13} {path}")
        csvs = [p for k, p in paths.items() if k.startswith("csv:")]
        if csvs:
            typer.echo(f"  {'csv':<13} {len(csvs)} files in {csvs[0].parent}")


@app.command("sample-data")
def sample_data(
    out: Annotated[Path, typer.Option(help="Folder to write the sample inbox into.")],
    scale: Annotated[
        int,
        typer.Option(help="Multiply volumes for benchmarks: N x 6 districts, N x 500 referrals a quarter."),
    ] = 1,
    districts: Annotated[int | None, typer.Option(help="National scale: number of districts.")] = None,
    referrals_per_quarter: Annotated[
        int | None, typer.Option(help="National scale: IDVA referrals a quarter.")
    ] = None,
    quarters: Annotated[int, typer.Option(help="National scale: quarters, ending 2025-26 Q3.")] = 4,
) -> None:
    """Write a sample inbox of made-up people: the county sample (2025-26 Q1-Q3), or a national-scale one."""
    if scale == 1 and districts is None and referrals_per_quarter is None:
        from dasv.sample.write import write_sample_inbox

        for path in write_sample_inbox(out):
            typer.echo(str(path))
        return
    from dasv.sample.national import write_national_inbox

    if (
        scale < 1
        or (districts is not None and districts < 1)
        or (referrals_per_quarter is not None and referrals_per_quarter < 1)
    ):
        raise UsageError("--scale, --districts and --referrals-per-quarter must be 1 or more")
    written = write_national_inbox(
        out, districts=districts or min(6 * scale, 9999), referrals_per_quarter=referrals_per_quarter or 500 * scale,
        quarters=quarters, progress=typer.echo,
    )  # fmt: skip
    typer.echo(f"Wrote {len(written) - 1} files under {out}; configuration: {written[0]}")
    typer.echo(f"Use it with: export DASV_CONFIG={written[0]}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's inbox, warehouse and outputs.")] = Path(
        "var/demo"
    ),
) -> None:
    """Make a sample inbox, load it into a fresh embedded warehouse, render 2025-26 Q3 and every slice."""
    from dasv.pipeline import load_files, render_quarter
    from dasv.report.build import build_headline
    from dasv.sample.write import write_sample_inbox
    from report_templates.text import render_text

    c = ctx()
    inbox = out / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    database = out / "warehouse.db"
    database.unlink(missing_ok=True)
    typer.echo(f"Writing the sample inbox to {inbox} ...")
    write_sample_inbox(inbox)
    engine = open_warehouse(f"sqlite:///{database}")
    pseudo = pseudonymiser_from_settings(c.settings, demo=True)
    typer.echo(f"Loading it into {database} ...")
    results = load_files(engine, [inbox], c.deployment, pseudo)
    if _report_outcomes(results):
        raise typer.Exit(1)
    q3 = Quarter.parse("2025-26 Q3")
    with engine.connect() as conn:
        headline = build_headline(conn, c.deployment, q3)
    typer.echo("")
    typer.echo(f"{q3.label} ({q3.months_label})")
    typer.echo(render_text(headline))
    typer.echo("")
    typer.echo("Rendering the report, its companions and every district slice ...")
    outputs = render_quarter(engine, c.deployment, q3, out / "out", commentary_dir=inbox / "commentary")
    _print_outputs(outputs)
    typer.echo("")
    typer.echo(f"The {q3.label} report: {outputs['county']['pdf']}")
    typer.echo(f"Warehouse: {database}")
    typer.echo(
        f"All measures: {command_name()} --db sqlite:///{database} metrics --quarter '{q3.label}' --format table"
    )


@app.command()
def purge(
    before: Annotated[str, typer.Option(help="Delete facts of quarters before this one, e.g. '2019-20 Q1'.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Really delete (required unless --dry-run).")] = False,
) -> None:
    """Retention: delete facts and loads older than a quarter, in one transaction, logged as a batch."""
    from warehouse.purge import purge_before

    q = _parse_quarter(before)
    if not dry_run and not yes:
        raise UsageError(
            f"purge deletes every fact before {q.label} for good: run with --dry-run first, then --yes"
        )
    counts = purge_before(ctx().engine(), q, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    typer.echo(
        f"{verb} (facts before {q.label}): " + ", ".join(f"{n:,} {table}" for table, n in counts.items())
    )
    if not dry_run:
        typer.echo("recorded as a purge batch in load_batch")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply warehouse migrations (also done automatically on first use of an empty warehouse)."""
    c = ctx()
    engine = make_engine(c.settings.resolved_database_url())
    try:
        upgrade(engine)
    except Exception as exc:
        raise WarehouseError(
            f"cannot upgrade {engine.url.render_as_string(hide_password=True)}: {str(exc).splitlines()[0]}"
        ) from exc
    typer.echo(f"warehouse {engine.url.render_as_string(hide_password=True)} is at the latest schema")


def command_name() -> str:
    """How to type ``dasv`` again: its path when it is not on PATH (e.g. ``.venv/bin/dasv``)."""
    invoked = Path(sys.argv[0])
    if invoked.name != "dasv" or not invoked.parent.parts:
        return "dasv" if shutil.which("dasv") else f"{Path(sys.executable).parent / 'dasv'}"
    on_path = shutil.which("dasv")
    if on_path and Path(on_path).resolve() == invoked.resolve():
        return "dasv"
    return str(invoked)


def main() -> None:
    """Console entry point: run the app, turning known errors into one line and an exit status."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except UsageError as exc:
        _err(f"dasv: {exc}")
        sys.exit(2)
    except (
        ConfigError,
        WarehouseError,
        MissingKeyError,
        KeyMismatchError,
        RenderError,
        DeliveryError,
        NoDataError,
    ) as exc:
        for line in str(exc).splitlines():
            _err(f"dasv: {line}")
        sys.exit(1)
    except Exception as exc:  # click usage errors and anything unforeseen
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error from the command-line parser
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            _err("dasv: aborted")
            sys.exit(1)
        if os.environ.get("DASV_DEBUG"):
            traceback.print_exc()
        _err(f"dasv: unexpected error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        _err("dasv: set DASV_DEBUG=1 to see where it happened")
        sys.exit(1)
