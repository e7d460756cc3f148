"""The quarterly pipeline as plain functions: find inbox files, check them, load them.

The CLI and the Prefect tasks both call these; neither adds logic of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from dasv.config import Deployment
from dasv.privacy import Pseudonymiser
from dasv.quarters import LONDON
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
) -> list[tuple[Export, LoadOutcome]]:
    """Validate and load each file, all or nothing per file; a refused file loads nothing.

    Returns:
        ``(export, outcome)`` per file, in the order loaded.
    """
    today = today or today_in_london()
    results = []
    for path in discover(paths):
        export = read_export(path, deployment, source=source, today=today, display_name=str(path))
        outcome = load_export(
            engine, export, pseudonymiser, deployment, reload=reload, file_name=lineage_name(path)
        )
        results.append((export, outcome))
        if progress:
            progress(export, outcome)
    return results
