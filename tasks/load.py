"""Load tasks: find the inbox files; read, validate and pseudonymise each; write each (retried only for I/O faults)."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError

from dasv.errors import RenderError
from dasv.pipeline import discover, lineage_name, today_in_london
from dasv.progress import ProgressShow
from loaders import read_export
from loaders.export import Export
from tasks.common import current_deployment, engine, pseudonymiser, settings
from warehouse.db import WarehouseError
from warehouse.load import load_export, pseudonymise

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
def find_inbox_files(inbox: str | None = None) -> list[str]:
    """The export files in the inbox, in load order."""
    folder = Path(inbox) if inbox else settings().inbox
    files = [str(p) for p in discover([folder])]
    get_run_logger().info("Found %d export file(s) in %s", len(files), folder)
    return files


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
    reason = outcome.message + (f"; {RELOAD_HINT}" if outcome.status == "skipped" else "")
    logger.info("%s: %s", summary["file"], reason)
    return {**summary, "status": outcome.status, "rows_loaded": outcome.rows_loaded, "batch_id": outcome.batch_id,
            "periods": outcome.periods, "reason": reason}  # fmt: skip
