"""Load tasks: find the inbox files; read, validate and pseudonymise each; write each (retried only for I/O faults)."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError

from dasv.errors import RenderError
from dasv.loaders.export import Export, read_export
from dasv.loaders.read import sha256_of
from dasv.loaders.spec import SOURCES
from dasv.pipeline import discover, lineage_name, today_in_london
from dasv.progress import ProgressShow
from dasv.tasks.common import current_deployment, engine, pseudonymiser, settings
from dasv.warehouse.db import WarehouseError
from dasv.warehouse.load import load_export, loaded_batch, skipped_message
from dasv.warehouse.pseudonyms import key_matches, pseudonymise

IO_FAULTS = (OSError, OperationalError, WarehouseError, RenderError)


RELOAD_HINT = "tick reload in the Run form to load it again"


class FileRefusedError(Exception):
    """An input file was refused; its validation lines are the message, its summary the artifact row."""

    def __init__(self, summary: dict, total: int):
        self.summary = summary
        self.file, self.lines, self.total = summary["file"], summary["problems"], total
        more = f"; and {total - len(self.lines)} more" if total > len(self.lines) else ""
        super().__init__(f"{self.file} refused ({total} problem(s)), nothing from it was loaded: "
                         + "; ".join(self.lines[:1]) + more)  # fmt: skip

    def __reduce__(self):  # raised in a Dask worker, re-raised in the flow: rebuilt from what made it
        return (FileRefusedError, (self.summary, self.total))


def retry_on_io_fault(task, task_run, state) -> bool:
    """Retry when the failure was I/O (file system, database connection), never for refused input."""
    try:
        state.result()
    except IO_FAULTS:
        return True
    except Exception:
        return False
    return False


@task(name="find-inbox-files", cache_policy=NO_CACHE)
def find_inbox_files(inbox: str | None = None, reload: bool = False) -> list[tuple[str, dict | None]]:
    """The export files in the inbox, in load order, each with its summary if it is already loaded.

    A file whose bytes are already loaded (same SHA-256, of the source its inbox folder names) is
    skipped without being read, unless ``reload``; its summary is then the artifact row.
    """
    folder = Path(inbox) if inbox else settings().inbox
    files = discover([folder])
    found: list[tuple[str, dict | None]] = [(str(p), None) for p in files]
    if files and not reload:
        try:
            with engine().connect() as conn:
                if key_matches(conn, pseudonymiser()):  # else each file is read, and its load refused
                    found = _skip_loaded(conn, files)
        except IO_FAULTS as exc:  # only a saving: each file is read, and its load retried and reported
            get_run_logger().warning(
                "Could not check which files are already loaded (%s); reading them all", exc
            )
    skipped = sum(summary is not None for _, summary in found)
    get_run_logger().info("Found %d export file(s) in %s%s", len(files), folder,
                          f"; {skipped} already loaded (same SHA-256), not read again" if skipped else "")  # fmt: skip
    return found


def _skip_loaded(conn, files: list[Path]) -> list[tuple[str, dict | None]]:
    """Each file with its summary if it is skipped, deciding as a load in inbox order would.

    Once an earlier file of a source is to be loaded, later files of that source are read: that
    load may replace the periods their batches are in use for, and then they load again.
    """
    found: list[tuple[str, dict | None]] = []
    to_load: set[str | None] = set()  # sources of earlier files to be loaded (None: not known before reading)
    for path in files:
        folder = path.parent.name.lower()
        source = folder if folder in SOURCES else None
        batch = None
        if not (None in to_load or source in to_load or (source is None and to_load)):
            batch = loaded_batch(conn, sha256_of(path), source)
        if batch is None:
            to_load.add(source)
            found.append((str(path), None))
            continue
        found.append((str(path), {
            "file": lineage_name(path), "source": batch.source, "rows_read": batch.rows_read, "read": False,
            "rows_refused": batch.rows_refused, "problems": [], "status": "skipped", "rows_loaded": 0,
            "batch_id": batch.id, "periods": [], "reason": f"{skipped_message(batch.id)}; {RELOAD_HINT}",
        }))  # fmt: skip
    return found


class ReadFile:
    """A file read, validated and pseudonymised (no raw identifier left), ready to be written.

    A plain holder, so Prefect does not walk the export's columns (250,000 rows each) as it walks
    a task's parameters.
    """

    __slots__ = ("export", "summary")

    def __init__(self, export: Export, summary: dict):
        self.export, self.summary = export, summary


@task(name="read-file", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=retry_on_io_fault,
      cache_policy=NO_CACHE)  # fmt: skip
def read_file(path: str) -> ReadFile:
    """Read, validate and pseudonymise one file, without the warehouse; a refused file fails this task."""
    logger = get_run_logger()
    file = Path(path)
    # big files log rows read and validated every 10 seconds
    shown = ProgressShow(file.name, bar=False, every=10, line=logger.info)
    export = read_export(
        file, current_deployment(), today=today_in_london(), display_name=lineage_name(file), progress=shown
    )
    summary = {"file": lineage_name(file), "source": export.source or "not recognised",
               "rows_read": export.rows_read, "rows_refused": export.rows_refused,
               "problems": [str(p) for p in export.problems[:5]]}  # fmt: skip
    if export.refused:
        summary |= {"status": "refused", "rows_loaded": 0,
                    "reason": f"refused: {export.problem_count} problem(s); nothing from this file was loaded"}  # fmt: skip
        logger.error("Refused %s: %d problem(s); nothing from this file was loaded", summary["file"],
                     export.problem_count)  # fmt: skip
        for line in summary["problems"]:
            logger.error("%s", line)
        raise FileRefusedError(summary, export.problem_count)
    pseudonymise(export, pseudonymiser())
    return ReadFile(export, summary)


@task(name="load-file", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=retry_on_io_fault,
      cache_policy=NO_CACHE)  # fmt: skip
def load_file(read: ReadFile, reload: bool = False) -> dict:
    """Write one read file to the warehouse in one transaction (skipped if already loaded, unless reload)."""
    logger = get_run_logger()
    summary = read.summary
    shown = ProgressShow(read.export.path.name, bar=False, every=10, line=logger.info)  # rows written
    outcome = load_export(
        engine(), read.export, pseudonymiser(), current_deployment(), reload=reload, file_name=summary["file"],
        progress=shown,
    )  # fmt: skip
    reason = outcome.message + (f"; {RELOAD_HINT}" if outcome.status == "skipped" else "")  # a copy met twice
    logger.info("%s: %s", summary["file"], reason)
    return {**summary, "status": outcome.status, "rows_loaded": outcome.rows_loaded, "batch_id": outcome.batch_id,
            "periods": outcome.periods, "reason": reason}  # fmt: skip
