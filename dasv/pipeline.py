"""The quarterly pipeline as plain functions: find inbox files, check them, load them.

The CLI and the Prefect tasks both call these; neither adds logic of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from dasv.config import Deployment
from dasv.privacy import Pseudonymiser
from dasv.progress import Progress, ProgressShow
from dasv.quarters import LONDON, Quarter
from loaders import SOURCES, Export, read_export
from warehouse.load import LoadOutcome, load_export

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
) -> dict[str, dict[str, Path]]:
    """Render the county report and district slices for a quarter from the warehouse.

    Outputs go to ``out_dir/<quarter>/`` (county) and ``out_dir/<quarter>/districts/<district>/``.

    Args:
        districts: slices to render (default: every configured district; ``[]`` for none).
        county: render the county report too.
        progress: told of each report rendered (a line of text), unless ``slices_done`` is
            given: then it is told of the county report only, and ``slices_done`` counts slices.

    Returns:
        ``{"county": {...}, "<district>": {...}}``: output name -> path for each report.

    Raises:
        NoDataError: nothing at all is loaded for the quarter; no folder is made.
    """
    from dasv.measures.coverage import require_facts
    from dasv.report.build import build_report, gather_quarter
    from dasv.report.slices import SliceBuilder
    from dasv.safe_text import slug
    from report_templates.render import render_outputs

    base = Path(out_dir) / quarter.slug
    outputs: dict[str, dict[str, Path]] = {}
    with engine.connect() as conn:
        require_facts(conn, quarter)
        names = [a.name for a in deployment.districts] if districts is None else districts
        # the slices' plan gathers every figure the county report needs too: gathered once
        builder = SliceBuilder(conn, deployment, quarter) if names else None
        if county:
            gathered = builder.gathered if builder else gather_quarter(conn, deployment, quarter)
            report = build_report(
                conn, deployment, quarter, commentary_dir=commentary_dir, refused=refused, gathered=gathered
            )
            outputs["county"] = render_outputs(report, base)
            if progress:
                progress(f"county report: {outputs['county']['pdf']}")
        if builder:
            for done, name in enumerate(names, start=1):
                report = builder.report(name)
                outputs[report.area] = render_outputs(report, base / "districts" / slug(report.area))
                if slices_done:
                    slices_done("slices", done, len(names))
                elif progress:
                    progress(f"{report.area} slice: {outputs[report.area]['pdf']}")
    return outputs
