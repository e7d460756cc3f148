"""The quarterly pipeline as plain functions: find inbox files, check them, load them.

The CLI and the Prefect tasks both call these; neither adds logic of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from dasv.config import Deployment
from dasv.forked import CORES, call_in_child
from dasv.loaders.export import Export, read_export
from dasv.loaders.spec import SOURCES
from dasv.privacy import Pseudonymiser
from dasv.progress import Progress, ProgressShow
from dasv.quarters import LONDON, Quarter
from dasv.warehouse.load import LoadOutcome, load_export

if TYPE_CHECKING:
    from dasv.report.model import ReportTable

INPUT_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".xls"}


def today_in_london() -> date:
    """The run date, in the partnership's time zone."""
    return datetime.now(LONDON).date()


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the export files they hold.

    An inbox folder contributes the files in its ``idva/``, ``marac/`` and ``police/``
    sub-folders (in that order); any other folder its own files. Hidden files and Excel
    lock files (``~$...``) are left out. Files given by name are kept as they are.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(path)
            continue
        subfolders = [path / s for s in SOURCES if (path / s).is_dir()]
        for folder in subfolders or [path]:
            found += sorted(
                (p for p in folder.iterdir()
                 if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                 and not p.name.startswith((".", "~$"))),
                key=lambda p: p.name.lower(),
            )  # fmt: skip
    return found


def lineage_name(path: Path) -> str:
    """How the warehouse records a file: its inbox sub-folder and name, never a machine path."""
    return f"{path.parent.name}/{path.name}" if path.parent.name.lower() in SOURCES else path.name


def check_files(
    paths: Iterable[Path], deployment: Deployment, source: str | None = None, today: date | None = None
) -> list[Export]:
    """Validate files without loading anything."""
    today = today or today_in_london()
    return [
        read_export(p, deployment, source=source, today=today, display_name=str(p)) for p in discover(paths)
    ]


def load_files(
    engine: Engine,
    paths: Iterable[Path],
    deployment: Deployment,
    pseudonymiser: Pseudonymiser,
    source: str | None = None,
    reload: bool = False,
    today: date | None = None,
    progress: Callable[[Export, LoadOutcome], None] | None = None,
    show_progress: bool = False,
) -> list[tuple[Export, LoadOutcome]]:
    """Validate and load each file, all or nothing per file; a refused file loads nothing.

    Args:
        progress: called after each file.
        show_progress: show rows read, validated and written of big files on standard error
            (a bar on a terminal, else a line every few seconds).

    Returns:
        ``(export, outcome)`` per file, in the order loaded.
    """
    today = today or today_in_london()
    results = []
    for path in discover(paths):
        with ProgressShow(path.name) if show_progress else nullcontext() as shown:
            export = read_export(
                path, deployment, source=source, today=today, display_name=str(path), progress=shown
            )
            outcome = load_export(
                engine,
                export,
                pseudonymiser,
                deployment,
                reload=reload,
                file_name=lineage_name(path),
                progress=shown,
            )
        results.append((export, outcome))
        if progress:
            progress(export, outcome)
    return results


def render_quarter(
    engine: Engine,
    deployment: Deployment,
    quarter: Quarter,
    out_dir: Path,
    commentary_dir: Path | None = None,
    districts: list[str] | None = None,
    county: bool = True,
    refused: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    slices_done: Progress | None = None,
    headline: Callable[[ReportTable], None] | None = None,
) -> dict[str, dict[str, Path]]:
    """Render the county report and district slices for a quarter from the warehouse.

    Outputs go to ``out_dir/<quarter>/`` (county) and ``out_dir/<quarter>/districts/<district>/``.
    Each report is drawn in a forked child, one at a time per core (``dasv.forked``).

    Args:
        districts: slices to render (default: every configured district; ``[]`` for none).
        county: render the county report too.
        progress: told of each report rendered (a line of text), unless ``slices_done`` is
            given: then it is told of the county report only, and ``slices_done`` counts slices.
        headline: told the county report's headline table as it prints it (the public edition's,
            else the restricted one's), as soon as that report is built.

    Returns:
        ``{"county": {...}, "<district>": {...}}``: output name -> path for each report.

    Raises:
        NoDataError: nothing at all is loaded for the quarter; no folder is made.
    """
    from dasv.measures.coverage import require_facts
    from dasv.report_templates.render import prepare

    prepare()  # what every first report in a process does, done once here for every child
    # one thread per core, each drawing its report in a forked child (dasv.forked: threads alone take
    # turns on one core); the reports are built here, where the connection is
    with engine.connect() as conn, ThreadPoolExecutor(max_workers=CORES) as pool:
        require_facts(conn, quarter)
        names = [a.name for a in deployment.districts] if districts is None else districts
        drawn = _submit(
            pool, conn, deployment, quarter, Path(out_dir), names, county, commentary_dir, refused, headline
        )
        try:
            outputs = _collect(drawn, len(names), progress, slices_done)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the first failure stops the reports not yet begun
            raise
    return {who: outputs[who] for who in drawn.values()}  # county first, then the slices in order


def _submit(
    pool,
    conn,
    deployment: Deployment,
    quarter: Quarter,
    out_dir: Path,
    names: list[str],
    county: bool,
    commentary_dir: Path | None,
    refused: list[str] | None,
    headline: Callable[[ReportTable], None] | None,
) -> dict:
    """Each report built here and handed to ``pool`` to draw in a child: {future: "county", "restricted" or area}.

    Nothing is handed over before the plan for the public set is checked: a refused release leaves no output.
    """
    from dasv.report import commentary
    from dasv.report.public import PublicEdition, restricted_report
    from dasv.report.slices import SliceBuilder, find_district
    from dasv.report_templates.render import render_outputs

    base = out_dir / quarter.slug
    editions = deployment.publication
    public_county = county and editions.county_report == "public"
    # one plan for the public set: the slices and the county report's public edition share it
    builder = SliceBuilder(conn, deployment, quarter) if names or public_county else None
    if builder is not None:
        builder.refuse_if_unsafe()
        # each slice prints the partnership's commentary and its district's own section
        builder.commentary = commentary.read(commentary_dir, quarter, deployment)
    drawn = {}
    if public_county:
        report = PublicEdition(conn, builder, commentary_dir).report()
        drawn[pool.submit(call_in_child, render_outputs, report, base)] = "county"
        if headline:
            headline(report.headline)
    if county and editions.restricted:
        restricted = restricted_report(conn, deployment, quarter, commentary_dir=commentary_dir,
                                       refused=refused, gathered=builder.gathered if builder else None)  # fmt: skip
        drawn[pool.submit(call_in_child, render_outputs, restricted, base / "restricted")] = "restricted"
        if headline and not public_county:
            headline(restricted.headline)
    for name in names:
        folder = slice_folder(out_dir, deployment, quarter, name)
        area = find_district(deployment, name).name
        drawn[pool.submit(call_in_child, draw_slice, builder, name, folder)] = area
    return drawn


def _collect(drawn: dict, slices: int, progress, slices_done) -> dict[str, dict[str, Path]]:
    """Each report's outputs as its child finishes, told to ``progress`` (or counted by ``slices_done``)."""
    outputs: dict[str, dict[str, Path]] = {}
    done = 0
    for future in as_completed(drawn):
        who, made = drawn[future], future.result()
        outputs[who] = made
        if who in ("county", "restricted"):
            if progress:
                edition = "public edition" if who == "county" else "restricted edition (OFFICIAL-SENSITIVE)"
                progress(f"county report, {edition}: {made['pdf']}")
            continue
        done += 1
        if slices_done:
            slices_done("slices", done, slices)
        elif progress:
            progress(f"{who} slice: {made['pdf']}")
    return outputs


def slice_folder(out_dir: Path, deployment: Deployment, quarter: Quarter, district: str) -> Path:
    """Where a district's slice goes: ``out_dir/<quarter>/districts/<district>/`` (its canonical name)."""
    from dasv.report.slices import find_district
    from dasv.safe_text import slug

    return Path(out_dir) / quarter.slug / "districts" / slug(find_district(deployment, district).name)


def draw_slice(builder, district: str, folder: Path) -> dict[str, Path]:
    """Build a district's slice from the plan and write every output of it into ``folder``."""
    from dasv.report_templates.render import render_outputs

    return render_outputs(builder.report(district), folder)


def publish(engine: Engine, deployment: Deployment, quarter: Quarter, out_dir: Path, store: Path):
    """Record a rendered quarter as its next version, checked against the store with the slices' planner.

    :func:`dasv.publications.publish`, with the disclosure planner passed in from here (publications
    sit below the report in the layers, and never import it).

    Raises:
        PublishError: nothing complete to publish, the store cannot be written, or the release was
            planned against an older store and the store now calls for other markers.
    """
    from dasv.publications import publish as record
    from dasv.report.slices import planned_cells

    return record(engine, deployment, quarter, out_dir, store, replan=planned_cells)
