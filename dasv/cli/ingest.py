"""Commands that read exports into the warehouse: load, check, sample-data, purge, db upgrade."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dasv.cli.common import (
    Source,
    UsageError,
    app,
    ctx,
    db_app,
    parse_quarter,
    print_refusal,
    report_outcomes,
)
from dasv.privacy import pseudonymiser_from_settings
from dasv.warehouse.db import WarehouseError, make_engine, upgrade


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
        engine, files, c.deployment, pseudo, source=source.value if source else None, reload=reload,
        show_progress=True,
    )  # fmt: skip
    refused = report_outcomes(results)
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
            print_refusal(export)
            continue
        skipped = export.skipped_blank + export.skipped_total
        typer.echo(
            f"ok       {name}: {export.source}, sheet {export.sheet or '-'}, header row {export.header_row}, "
            f"{export.row_count} rows would load"
            + (f", {skipped} blank/total rows skipped" if skipped else "")
        )
        if export.ignored_columns:
            typer.echo(f"         ignored columns (never stored): {', '.join(export.ignored_columns)}")
        for note, count in export.repairs.items():
            typer.echo(f"         would repair {count} row(s): {note}")
    if refused:
        raise typer.Exit(1)


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
    ctx()  # the configuration is checked first, as by every command
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
def purge(
    before: Annotated[str, typer.Option(help="Delete facts of quarters before this one, e.g. '2019-20 Q1'.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Really delete (required unless --dry-run).")] = False,
) -> None:
    """Retention: delete facts and loads older than a quarter, in one transaction, logged as a batch."""
    from dasv.warehouse.purge import purge_before

    q = parse_quarter(before)
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


@db_app.command("check")
def db_check() -> None:
    """Check that every IDVA referral and specialism link refers to rows that exist (loads check their own)."""
    from dasv.warehouse.facts import check_references

    with ctx().engine().connect() as conn:
        check_references(conn)
    typer.echo("every IDVA referral and specialism link refers to rows that exist")
