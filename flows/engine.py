"""What runs each flow run on the worker: Prefect's engine, with failures told in one line.

``python -m prefect.engine`` (what a process worker runs by default) ends a run whose flow returned
a Failed state, or whose code could not be loaded, by logging "Engine execution exited with
unexpected exception" and a 40-line ``FailedRun`` traceback to the run's log and the worker's
terminal, although the run's state already says why in one line. This module does what
``prefect.engine``'s ``__main__`` does (prefect 3.9: ``prefect/engine.py``), with two differences:

- the flow is run for its final state (``return_type="state"``): a Failed state is the run's
  answer, not an exception, so the process ends with status 0 and nothing more is logged; when
  the failure came from an exception in our code (a bug, not a refusal), one line asks for it
  to be reported, after Prefect's own traceback of it;
- an operator's error raised in a task or the flow (an SMTP server refusing, a missing key: the
  errors the command line reports in one line) is logged without its traceback (``OneLineErrors``);
- when the flow cannot be loaded (the project folder missing on the worker, say), the run is
  marked Crashed with that one line as its message, and the traceback is logged at debug level.

``dasv-flow-run`` (``dasv/warm.py``) runs this module, warm or cold.
"""

from __future__ import annotations

import logging
import os
import sys
from uuid import UUID

BUG_HINT = (
    "This is a fault in dasv-reporting, not in the data or the settings: please report it to the "
    "project's maintainers (issue tracker) with this run's log"
)


def one_line(exc: BaseException) -> str:
    """An exception as one line: the innermost cause's first line (a pull step's own words), or its type."""
    inner = exc
    while inner.__cause__ is not None:
        inner = inner.__cause__
    text = str(inner).strip()
    line = text.splitlines()[0] if text else type(inner).__name__
    if (
        inner is not exc
    ):  # e.g. "Encountered error while running dasv.flows.steps.set_working_directory_from_env"
        outer = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        line = f"{line} ({outer[0].lower()}{outer[1:]})"
    return line


def operator_errors() -> tuple[type[BaseException], ...]:
    """What an operator or their data caused (the command line's one-line errors): never a traceback."""
    from dasv.config import ConfigError
    from dasv.delivery import DeliveryError
    from dasv.errors import NoDataError, RenderError, UserError
    from dasv.privacy import MissingKeyError
    from dasv.tasks.load import FileRefusedError
    from dasv.warehouse.db import WarehouseError
    from dasv.warehouse.pseudonyms import KeyMismatchError

    return (ConfigError, DeliveryError, NoDataError, RenderError, UserError, MissingKeyError, FileRefusedError,
            WarehouseError, KeyMismatchError)  # fmt: skip


class OneLineErrors(logging.Filter):
    """Drops the traceback from a log record about an operator's error (Prefect logs every task failure with one).

    The record's own line stays ("Task run failed with exception: DeliveryError('cannot send through
    …') - Retries are exhausted"); ``DASV_DEBUG=1`` keeps tracebacks, as on the command line.
    """

    def __init__(self, errors: tuple[type[BaseException], ...]):
        super().__init__()
        self.errors = errors

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; strip the traceback of an operator's error."""
        if (
            record.exc_info
            and isinstance(record.exc_info[1], self.errors)
            and not os.environ.get("DASV_DEBUG")
        ):
            record.exc_info, record.exc_text = None, None
        return True


def install_one_line_errors() -> None:
    """Put ``OneLineErrors`` on every log handler there is (Prefect's console and API handlers)."""
    errors = operator_errors()
    loggers = [
        logging.getLogger(),
        *(v for v in logging.root.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, OneLineErrors) for f in handler.filters):
                handler.addFilter(OneLineErrors(errors))


def _crash(flow_run, message: str) -> bool:
    """Mark the run Crashed with ``message``; True when the server took it."""
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    try:
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run.id, Crashed(message=message), force=True)
        return True
    except Exception:
        return False


def run(flow_run_id: UUID) -> int:
    """Run one flow run; the process's exit status."""
    from prefect._internal.control_listener import configure_from_env
    from prefect.engine import handle_engine_signals

    configure_from_env()  # before any flow code loads, as prefect.engine does
    with handle_engine_signals(flow_run_id):
        from prefect._internal.metrics import RunMetrics
        from prefect.flow_engine import (
            _drive_run_flow_result,
            flow_run_logger,
            load_flow,
            load_flow_run,
            run_flow,
        )

        flow_run = load_flow_run(flow_run_id=flow_run_id)
        run_logger = flow_run_logger(flow_run=flow_run)
        try:
            flow = load_flow(flow_run)
        except Exception as exc:
            message = f"The flow could not be loaded on the worker: {one_line(exc)}"
            run_logger.error(message)
            run_logger.debug("Where loading failed", exc_info=True)
            return 0 if _crash(flow_run, message) else 1
        install_one_line_errors()
        with RunMetrics(flow_run, flow):
            state = run_flow(flow, flow_run=flow_run, error_logger=run_logger, return_type="state")
            if getattr(flow, "isasync", False) or getattr(flow, "isgenerator", False):
                _drive_run_flow_result(flow, state)  # our flows are plain functions; kept for others
                return 0
        if state is not None and state.is_failed() and _raised(state, operator_errors()):
            run_logger.error(BUG_HINT)
    return 0


def _raised(state, expected: tuple[type[BaseException], ...] = ()) -> bool:
    """True when a Failed state came from an exception raised in the flow: not a refusal it returned, nor ``expected``."""
    from prefect.exceptions import PrefectException

    try:
        result = state.result(raise_on_failure=False)
    except Exception:
        return False
    # a returned Failed state reads back as prefect's own FailedRun; an exception raised in our code as itself
    return isinstance(result, Exception) and not isinstance(result, (PrefectException, *expected))


def main() -> None:
    """``python -m dasv.flows.engine [flow-run-id]`` (the id defaults to ``PREFECT__FLOW_RUN_ID``)."""
    try:
        flow_run_id = UUID(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PREFECT__FLOW_RUN_ID", ""))
    except ValueError:
        print(
            f"dasv.flows.engine: not a flow run id: {sys.argv[1:] or 'PREFECT__FLOW_RUN_ID unset'}",
            file=sys.stderr,
        )
        sys.exit(1)
    sys.exit(run(flow_run_id))


if __name__ == "__main__":
    main()
