"""The quarterly report flow: load the inbox, render the report and every slice, deliver."""

from __future__ import annotations

from prefect import flow, get_run_logger, unmapped
from prefect.states import Failed, State

from dasv.flows.alerts import report_undelivered
from dasv.flows.locking import quarter_lock
from dasv.flows.params import DeliverParam, ParameterError, QuarterParam, ReloadParam, resolve_quarter
from dasv.flows.runners import configured_task_runner
from dasv.tasks.artifacts import publish_headline, publish_outputs, publish_validation
from dasv.tasks.common import current_deployment, settings
from dasv.tasks.deliver import deliver_reports, notify_operator
from dasv.tasks.load import FileRefusedError, find_inbox_files, load_file, read_file
from dasv.tasks.publish import publish_quarter
from dasv.tasks.render import check_quarter_has_data, plan_slices, render_county, render_slices, slice_batches


def refuse(message: str) -> State:
    """End the run as Failed with one line (a user's error: no traceback); the failure hook e-mails it."""
    get_run_logger().error(message)
    return Failed(message=message)


@flow(
    name="quarterly-report",
    on_failure=[notify_operator],
    log_prints=False,
    task_runner=configured_task_runner(),
    timeout_seconds=settings().run_timeout_seconds,
)
def quarterly_report(quarter: QuarterParam = "", reload: ReloadParam = False, deliver: DeliverParam = False):
    """Load what is new in the inbox, render the report and every district slice, publish them, deliver.

    Args:
        quarter: Quarter to report, written '2025-26 Q3', '2025-26-Q3' or '2025-26Q3'. Leave empty
            for the latest completed quarter (Europe/London).
        reload: Load every inbox file again even if already loaded (replaces their quarters' facts).
        deliver: E-mail the county PDF to the partnership list and each slice to its CSP.
    """
    try:
        q = resolve_quarter(quarter)
    except ParameterError as exc:
        return refuse(str(exc))
    logger = get_run_logger()
    report_undelivered(logger)
    logger.info(
        "Quarterly report for %s (%s)%s", q.label, q.months_label, ", reloading every file" if reload else ""
    )
    with quarter_lock(q):
        files, refused = load_inbox(reload)
        publish_validation(q.label, files)
        missing = check_quarter_has_data(q.label)
        if missing:
            return refuse(missing)
        # the plan is passed on as a future: on Dask it stays where it was made and each worker fetches
        # it once, where a value would be copied into every batch's task (and kept until the run ends)
        builder = plan_slices.submit(q.label)
        builder.wait()
        if builder.state.is_failed():  # the release cannot be made safe: the plan's own words, nothing drawn
            return refuse(builder.state.message or f"the {q.label} release could not be planned")
        # from the figures the plan gathered (nationally that halved the county report's own queries);
        # submitted before the slices so that a worker takes this longest task first
        county = render_county.submit(q.label, refused, builder)
        districts = [a.name for a in current_deployment().districts]
        batches = render_slices.map(slice_batches(districts), unmapped(builder))
        rendered = county.result()
        outputs = {"county": rendered.outputs} if rendered.outputs else {}
        if rendered.restricted:  # OFFICIAL-SENSITIVE: never published or e-mailed (delivery leaves it out)
            outputs["restricted"] = rendered.restricted
        for future in batches:
            outputs |= future.result()
        publish_headline(q.label, rendered.headline)
        published = None if refused else publish_quarter(q.label)
        publish_outputs(q.label, outputs, portal=published is not None)
    if refused:
        files_refused = sum(f["status"] == "refused" for f in files)
        return refuse(
            f"{files_refused} input file(s) refused for {q.label}; the report was rendered without them (see its "
            f"Data quality) and nothing was e-mailed. First problem: {refused[0]}"
        )
    if deliver:
        deliver_reports(q.label, outputs, version=published["version"])
    logger.info(
        "Done: %s and %d district slices",
        (outputs.get("county") or outputs.get("restricted", {})).get("pdf"),
        len(districts),
    )
    return {"quarter": q.label, "files": len(files), "outputs": outputs}


def load_inbox(reload: bool) -> tuple[list[dict], list[str]]:
    """Load each inbox file in order, reading the next while one is written; collect what was refused.

    Files already loaded are skipped unread (unless reload). Writes stay in inbox order (a later
    export of a quarter replaces an earlier one); reading, validating and hashing the next file
    overlaps the write (on another worker when the runner has processes). One file is read
    ahead, so at most two are held at once.
    """
    found = find_inbox_files(reload=reload)
    files: list[dict] = [summary for _, summary in found]  # None until the file is loaded or refused
    refused: list[str] = []
    todo = [(i, path) for i, (path, summary) in enumerate(found) if summary is None]
    ahead = read_file.submit(todo[0][1]) if todo else None
    for n, (i, _) in enumerate(todo):
        read, ahead = ahead, (read_file.submit(todo[n + 1][1]) if n + 1 < len(todo) else None)
        try:
            files[i] = load_file(read.result(), reload)
        except FileRefusedError as exc:
            refused += exc.lines
            files[i] = exc.summary
    return files, refused
