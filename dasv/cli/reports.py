"""Commands that render: report, run and the demo."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from dasv.cli.common import (
    app,
    command_name,
    ctx,
    district_name,
    err,
    parse_quarter,
    report_outcomes,
)
from dasv.privacy import pseudonymiser_from_settings
from dasv.progress import ProgressShow
from dasv.quarters import Quarter
from dasv.warehouse.db import open_warehouse


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

    q = parse_quarter(quarter)
    c = ctx()
    area = district_name(c, district) if district else None
    with ProgressShow(q.label, unit="slices") as shown:
        outputs = render_quarter(
            c.existing_engine(),  # rendering reads the warehouse: a missing one is named, never created
            c.deployment,
            q,
            out or c.settings.out,
            commentary_dir=(inbox or c.settings.inbox) / "commentary",
            districts=[area] if area else None,
            county=area is None,
            progress=typer.echo,
            slices_done=shown,
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
        bool,
        typer.Option(
            "--deliver",
            help="E-mail the county report and each slice (or their portal links) "
            "as the quarterly-report flow does, once published (SMTP from configuration).",
        ),
    ] = False,
) -> None:
    """The quarterly run: load what is new in the inbox, then render the report and every slice."""
    from dasv.pipeline import discover, load_files, render_quarter

    q = parse_quarter(quarter)
    c = ctx()
    inbox = inbox or c.settings.inbox
    files = discover([inbox])
    pseudo = pseudonymiser_from_settings(c.settings)
    engine = c.engine()
    typer.echo(f"Loading {len(files)} file(s) from {inbox} ...")
    results = load_files(
        engine, files, c.deployment, pseudo, reload=reload, progress=lambda e, o: report_outcomes([(e, o)]),
        show_progress=True,
    )  # fmt: skip
    refused = [str(p) for e, o in results if o.status == "refused" for p in e.problems[:5]]
    typer.echo(f"Rendering {q.label} ...")
    with ProgressShow(q.label, unit="slices") as shown:
        outputs = render_quarter(
            engine,
            c.deployment,
            q,
            out or c.settings.out,
            commentary_dir=inbox / "commentary",
            refused=refused,
            progress=typer.echo,
            slices_done=shown,
        )
    _print_outputs(outputs)
    if refused:
        err(
            f"dasv: {sum(o.status == 'refused' for _, o in results)} file(s) refused; the report says so in Data "
            "quality, and nothing was published" + (" or e-mailed" if deliver else "")
        )
        raise typer.Exit(1)
    from dasv.pipeline import publish

    published = publish(engine, c.deployment, q, out or c.settings.out, c.settings.publish_dir)
    typer.echo(published.message)
    if deliver:
        from dasv.delivery import deliver as send_reports  # the flow's delivery, the same function

        sent = send_reports(q.label, outputs, c.deployment.delivery, c.settings, published.version)
        typer.echo(f"E-mailed {sent} message(s) for {q.label}")


def _print_outputs(outputs: dict) -> None:
    editions = {
        "county": "County report (public edition, published with the slices):",
        "restricted": "County report, restricted edition (OFFICIAL-SENSITIVE: never published or e-mailed):",
    }
    slices = [paths["pdf"].parent for name, paths in outputs.items() if name not in editions]
    many = len(slices) > 12  # national scale: one line, not hundreds
    if many:
        typer.echo(
            f"{len(slices)} district slices: {slices[0].parent}/<district>/ (PDF, HTML, xlsx, metrics.json, csv/)"
        )
    for name, paths in outputs.items():
        if name not in editions:
            if not many:
                typer.echo(f"{name} slice: {paths['pdf'].parent}/ (PDF, HTML, xlsx, metrics.json, csv/)")
            continue
        typer.echo(editions[name])
        for kind, path in paths.items():
            if not kind.startswith("csv:"):
                typer.echo(f"  {kind:<13} {path}")
        csvs = [p for k, p in paths.items() if k.startswith("csv:")]
        if csvs:
            typer.echo(f"  {'csv':<13} {len(csvs)} files in {csvs[0].parent}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's inbox, warehouse and outputs.")] = Path(
        "var/demo"
    ),
) -> None:
    """Make a sample inbox, load it into a fresh embedded warehouse, render 2025-26 Q3 and every slice, publish its quarters."""
    from dasv.demo import add_demo_accounts
    from dasv.pipeline import publish, render_quarter
    from dasv.report_templates.text import render_text

    c = ctx()
    engine, database = _demo_warehouse(out, c)
    inbox = out / "inbox"
    q3 = Quarter.parse("2025-26 Q3")
    # every quarter the sample covers is rendered and published, oldest first, each planned against what the
    # store has served before it (one plan over the public set), so a CSP has them all to pull
    earlier = [q for q in (q3.previous().previous(), q3.previous()) if q.fy_start == q3.fy_start]
    for q in earlier:
        typer.echo(f"Rendering {q.label} for the portal ...")
        render_quarter(engine, c.deployment, q, out / "out", commentary_dir=inbox / "commentary")
        typer.echo(publish(engine, c.deployment, q, out / "out", out / "publish").message)
    typer.echo("Rendering the report, its companions and every district slice ...")
    headline: list = []  # the county report's headline table, as its PDF prints it
    outputs = render_quarter(engine, c.deployment, q3, out / "out", commentary_dir=inbox / "commentary",
                             headline=headline.append)  # fmt: skip
    _print_outputs(outputs)
    typer.echo(publish(engine, c.deployment, q3, out / "out", out / "publish").message)
    typer.echo("")
    typer.echo(f"{q3.label} ({q3.months_label})")
    typer.echo(render_text(headline[0]))
    add_demo_accounts(engine)
    typer.echo("")
    typer.echo(f"The {q3.label} report: {outputs['county']['pdf']}")
    _demo_next_steps(out, database, [*earlier, q3])


def _demo_warehouse(out: Path, c):
    """A fresh sample inbox loaded into a fresh embedded warehouse (the demo's store emptied): (engine, its file)."""
    from dasv.demo import clear_store
    from dasv.pipeline import load_files
    from dasv.sample.write import write_sample_inbox

    inbox = out / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    database = out / "warehouse.db"
    database.unlink(missing_ok=True)
    clear_store(out / "publish")
    typer.echo(f"Writing the sample inbox to {inbox} ...")
    write_sample_inbox(inbox)
    engine = open_warehouse(f"sqlite:///{database}")
    pseudo = pseudonymiser_from_settings(c.settings, demo=True)
    typer.echo(f"Loading it into {database} ...")
    results = load_files(engine, [inbox], c.deployment, pseudo)
    if report_outcomes(results):
        raise typer.Exit(1)
    return engine, database


def _demo_next_steps(out: Path, database: Path, published: list[Quarter]) -> None:
    """Where the warehouse is, how to see every measure, and how to open the portal with a demo account."""
    from dasv.demo import DEMO_ACCOUNTS

    typer.echo(f"Warehouse: {database}")
    typer.echo(
        f"All measures: {command_name()} --db sqlite:///{database} metrics --quarter '{published[-1].label}' --format table"
    )
    typer.echo("")
    typer.echo(
        f"The CSP portal, with {', '.join(q.label for q in published)} published: start it with `make portal`, or"
    )
    typer.echo(
        f"  DASV_DATABASE_URL=sqlite:///{database} DASV_PUBLISH_DIR={out / 'publish'} {command_name()} portal serve"
    )
    typer.echo("then open http://127.0.0.1:8400/ and sign in with a demo account (made up; demo only):")
    for email, password, what in DEMO_ACCOUNTS:
        typer.echo(f"  {email:<32} password {password:<26} {what}")
