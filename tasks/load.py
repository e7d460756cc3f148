"""Load tasks: find the inbox files, validate and load each (retried only for I/O faults)."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError

from dasv.errors import RenderError
from dasv.pipeline import discover, lineage_name, today_in_london
from dasv.progress import ProgressShow
from loaders import read_export
from tasks.common import current_deployment, engine, pseudonymiser, settings
from warehouse.db import WarehouseError
from warehouse.load import load_export

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


@task(name="load-file", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=retry_on_io_fault,
      cache_policy=NO_CACHE)  # fmt: skip
def load_file(path: str, reload: bool = False) -> dict:
    """Validate and load one file in one transaction; a refused file fails this task and loads nothing."""
    logger = get_run_logger()
    file = Path(path)
    # big files log rows read, validated and written every 10 seconds
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
    outcome = load_export(
        engine(), export, pseudonymiser(), current_deployment(), reload=reload, file_name=summary["file"],
        progress=shown,
    )  # fmt: skip
    reason = outcome.message + (f"; {RELOAD_HINT}" if outcome.status == "skipped" else "")
    logger.info("%s: %s", summary["file"], reason)
    return {**summary, "status": outcome.status, "rows_loaded": outcome.rows_loaded, "batch_id": outcome.batch_id,
            "periods": outcome.periods, "reason": reason}  # fmt: skip
