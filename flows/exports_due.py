"""The exports-due check (a daily deployment): which exports the latest completed quarter still waits for.

Each day from the quarter's end until its report is published: load what is new in the inbox
(files already loaded are skipped by checksum, so a day with nothing new reads nothing), then
list by source and month what is still missing, with the file that brought each source's latest months
(``dasv.exports_due``). Past the due date (``due_days`` after the quarter's end) with something
missing, the operators get an e-mail ("police: October–December 2025 missing (…)"). Once
everything is in, the quarterly report run is started, once: the run is created with an
idempotency key for the quarter, so the server never creates a second one for it.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, Failed

from dasv.delivery import DeliveryError, Message
from dasv.exports_due import OPTIONAL, SOURCES, ExportsDue, exports_due
from dasv.flows.alerts import report_undelivered
from dasv.flows.locking import quarter_lock
from dasv.flows.params import ParameterError, QuarterParam, resolve_quarter
from dasv.flows.quarterly_report import load_inbox, refuse
from dasv.pipeline import today_in_london
from dasv.published import latest_version
from dasv.quarters import Quarter
from dasv.tasks.artifacts import artifact_key
from dasv.tasks.common import current_deployment, engine, settings
from dasv.tasks.deliver import notify_operator, send_notice

REPORT_DEPLOYMENT = "quarterly-report/scheduled-quarterly"


def start_key(q: Quarter) -> str:
    """The idempotency key of the run started when a quarter's exports are complete: one per quarter."""
    return f"dasv-exports-complete-{q.slug.lower()}"


def overdue_message(due: ExportsDue) -> Message | None:
    """The operators' e-mail about late exports (None: no operator address configured)."""
    operators = current_deployment().delivery.operator
    if not operators:
        return None
    q = due.quarter
    waiting, optional = due.lines(SOURCES), due.lines(OPTIONAL)
    body = (f"Exports for {q.label} ({q.months_label}) were due by {due.due:%d %B %Y} and are still missing:\n\n"
            + "\n".join(f"- {line}" for line in waiting)
            + ("\n\nAlso missing, optional (the report does not wait for it):\n" + "\n".join(f"- {line}" for line in optional)
               if optional else "")
            + "\n\nPut them in the inbox: the daily check loads them, and starts the quarterly report by itself "
            "once every export it waits for is in.\n")  # fmt: skip
    sources = ", ".join(line.split(":", 1)[0] for line in waiting)
    return Message(operators, f"dasv exports overdue for {q.label}: {sources}", body)


def _artifact(due: ExportsDue) -> None:
    rows = "\n".join(f"| {line.split(':', 1)[0]} | {line.split(':', 1)[1].strip()} |" for line in due.lines())
    text = (f"# Exports for {due.quarter.label}\n\n{due.summary()}\n\n"
            + (f"| source | missing |\n|---|---|\n{rows}\n" if rows else ""))  # fmt: skip
    create_markdown_artifact(text, key=artifact_key("exports-due", due.quarter),
                             description=f"Exports still due for {due.quarter.label}")  # fmt: skip


@flow(
    name="exports-due",
    on_failure=[notify_operator],
    log_prints=False,
    timeout_seconds=settings().run_timeout_seconds,
)
def exports_due_check(due_days: int = 10, start_report: bool = True, deliver: bool = True,
                      report_deployment: str = REPORT_DEPLOYMENT, quarter: QuarterParam = ""):  # fmt: skip
    """Load what is new in the inbox; say which exports the latest completed quarter still waits for.

    Args:
        due_days: Exports are due this many days after the quarter's last day; after that, what is
            missing is e-mailed to the operator address, once a run.
        start_report: Start the quarterly report run (once per quarter) when every export is in.
        deliver: Whether that run e-mails the reports.
        report_deployment: The deployment that run is made from.
        quarter: Another quarter to check, written '2025-26 Q3'; empty for the latest completed one.
    """
    logger = get_run_logger()
    try:
        q = resolve_quarter(quarter)
    except ParameterError as exc:
        return refuse(str(exc))
    report_undelivered(logger)
    with engine().connect() as conn:
        published = latest_version(conn, q)
    if published:
        logger.info("%s is published (version %d): no exports are due for it", q.label, published)
        return Completed(message=f"{q.label} is published (version {published}): nothing due")
    with quarter_lock(q):
        _files, refused = load_inbox(reload=False)
    for line in refused:
        logger.warning("Refused: %s", line)
    with engine().connect() as conn:
        due = exports_due(conn, q, today_in_london(), due_days)
    _artifact(due)
    if due.complete:
        logger.info("%s", due.summary())
        if not start_report:
            return Completed(message=due.summary())
        return _start_report(q, deliver, report_deployment)
    for line in due.lines():
        (logger.warning if due.overdue else logger.info)("%s", line)
    if not due.overdue:
        return Completed(message=f"{due.summary()}; not due until {due.due:%d %B %Y}")
    message = overdue_message(due)
    if message is not None:
        try:
            send_notice(message, logger)
        except DeliveryError as exc:
            return Failed(message=f"{due.summary()}; and the operators could not be told: {exc}")
    return Completed(message=due.summary())


def _start_report(q: Quarter, deliver: bool, name: str):
    """Create the quarterly report run for ``q`` (once: the server keeps one run per idempotency key)."""
    from prefect.deployments import run_deployment

    logger = get_run_logger()
    try:
        run = run_deployment(name, parameters={"quarter": q.label, "deliver": deliver}, timeout=0,
                             idempotency_key=start_key(q), as_subflow=False)  # fmt: skip
    except Exception as exc:  # no such deployment, server unreachable: one line
        return Failed(
            message=f"Every export for {q.label} is in, but the report run could not be started: {exc}"
        )
    logger.info("Every export for %s is in: the report run %s (%s) is started (once per quarter)", q.label,
                run.name, run.id)  # fmt: skip
    return Completed(message=f"{q.label}: every export is in; report run {run.name} started")
