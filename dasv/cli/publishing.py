"""`dasv publish` and `dasv publications`: immutable versions of a quarter's outputs (docs/portal.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dasv.cli.common import app, ctx, parse_quarter
from dasv.quarters import london_time


@app.command()
def publish(
    quarter: Annotated[str, typer.Option(help="Quarter, e.g. '2025-26 Q3'.")],
    out: Annotated[
        Path | None, typer.Option(help="Where `dasv report` rendered it (default: DASV_OUT or out/).")
    ] = None,
) -> None:
    """Record the rendered outputs of a quarter (county and every slice) as its next immutable version."""
    from dasv.pipeline import publish as publish_quarter

    c = ctx()
    q = parse_quarter(quarter)
    result = publish_quarter(c.engine(), c.deployment, q, out or c.settings.out, c.settings.publish_dir)
    typer.echo(result.message)
    for district, measure, old, new in result.revisions[:20]:
        typer.echo(f"  revised {'county' if district is None else district}: {measure}: {old} -> {new}")
    if len(result.revisions) > 20:
        typer.echo(f"  ... and {len(result.revisions) - 20} more (dasv publications --quarter '{q.label}')")


@app.command()
def publications(
    quarter: Annotated[str | None, typer.Option(help="Only this quarter, e.g. '2025-26 Q3'.")] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check every published file in the store against its SHA-256.")
    ] = False,
) -> None:
    """Published versions with their dates and revision notes."""
    from dasv.published import verify_store, versions

    c = ctx()
    with c.existing_engine().connect() as conn:
        found = versions(conn, parse_quarter(quarter) if quarter else None)
        problems = verify_store(conn, c.settings.publish_dir, checksums=True) if verify else []
    if verify:
        for line in problems:
            typer.echo(f"dasv: {line}", err=True)
        if problems:
            typer.echo(f"dasv: the publication store {c.settings.publish_dir} fails its check: {len(problems)} "
                       "problem(s); restore those files from a backup of the store", err=True)  # fmt: skip
            raise typer.Exit(1)
        typer.echo(f"every published file in {c.settings.publish_dir} has its recorded SHA-256")
    if not found:
        typer.echo("nothing published yet" + (f" for {quarter}" if quarter else ""))
        return
    for v in found:
        typer.echo(f"{v.quarter}  version {v.version}  published {london_time(v.published_at)}")
        county = [r for r in v.revisions if r[0] is None]
        if v.version > 1:
            typer.echo(
                f"    {len(county)} county figure(s) revised since version {v.version - 1}"
                + (":" if county else "")
            )
        for _, measure, old, new in county[:30]:
            typer.echo(f"    {measure}: {old} -> {new}")
