"""``dasv config check [FILE]``: what a deployment configuration will do, or every problem in it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dasv.cli.common import app, ctx, err
from dasv.config import ConfigError, load_deployment

config_app = typer.Typer(help="The deployment configuration (docs/adopting.md).", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def check(
    file: Annotated[
        Path | None,
        typer.Argument(help="Deployment YAML (default: --config, DASV_CONFIG or the shipped one)."),
    ] = None,
) -> None:
    """Print what the deployment will do (districts, rows, value maps, schedule, delivery), or every problem (exit 1)."""
    from dasv.config.describe import describe

    path = file or ctx(check=False).config_path
    try:
        deployment = load_deployment(path)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            err(line)
        err(f"dasv: {len(str(exc).splitlines())} problem(s) in the configuration; nothing was run")
        raise typer.Exit(1) from None
    from dasv.provenance import config_checksum, config_line

    typer.echo(f"Configuration {path or 'shipped with the project'}: OK")
    # the line each report prints under "Produced by" and each publication records (provenance.json)
    typer.echo(f"{config_line(config_checksum(deployment))} (as each report and publication records it)")
    for line in describe(deployment):
        typer.echo(line)
