"""Render tasks: the county report, the suppression plan, one district slice."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State

from dasv.errors import NoDataError
from dasv.forked import call_in_child
from dasv.measures.coverage import require_facts
from dasv.pipeline import draw_slice, slice_folder
from dasv.quarters import Quarter
from dasv.report.refusals import DisclosureError
from dasv.report.slices import SliceBuilder
from dasv.report_templates.render import prepare, render_outputs
from dasv.report_templates.text import table_records
from dasv.tasks.common import current_deployment, draws_in_children, engine, settings
from dasv.tasks.load import retry_on_io_fault


def _base(quarter: Quarter, out: str | None) -> Path:
    return Path(out or settings().out) / quarter.slug


def _drawn(fn, *args):
    """``fn(*args)``: in a forked child on the thread pool (its threads take turns on one core), else here."""
    if not draws_in_children():
        return fn(*args)
    prepare()  # once a process: each child inherits it done
    return call_in_child(fn, *args)


class CountyRendered(NamedTuple):
    """What ``render_county`` returns: the files it wrote and the headline table as printed."""

    outputs: dict[str, str]  # output kind -> file written (the public edition; empty when it is not made)
    headline: list[dict[str, str]]  # one dict per row: header -> printed cell
    restricted: dict[str, str] = {}  # the OFFICIAL-SENSITIVE edition's files, when the deployment makes it


@task(name="render-county-report", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_on_io_fault,
      cache_policy=NO_CACHE)  # fmt: skip
def render_county(
    quarter: str,
    refused: list[str],
    builder: SliceBuilder | None = None,
    out: str | None = None,
    inbox: str | None = None,
) -> CountyRendered:
    """The county report's editions (PDF, HTML, xlsx, CSV, JSON): public, and restricted where configured.

    The public edition is drawn from the slices' plan (``builder``; planned here when not given).
    Returns the files written and the headline table as printed (the public edition's, else the
    restricted one's), for the headline artifact (the same table the PDF draws).
    """
    from dasv.report.public import PublicEdition, restricted_report

    q = Quarter.parse(quarter)
    commentary = Path(inbox or settings().inbox) / "commentary"
    deployment = current_deployment()
    editions = deployment.publication
    made, restricted, headline = {}, {}, []
    with engine().connect() as conn:
        if builder is None:
            builder = SliceBuilder(conn, deployment, q)
        builder.refuse_if_unsafe()  # nothing drawn from a plan that is not safe
        public = (
            PublicEdition(conn, builder, commentary).report() if editions.county_report == "public" else None
        )
        unsuppressed = (restricted_report(conn, deployment, q, commentary_dir=commentary, refused=refused,
                                          gathered=builder.gathered) if editions.restricted else None)  # fmt: skip
    if public is not None:
        made = _drawn(render_outputs, public, _base(q, out))
        headline = table_records(public.headline)
        get_run_logger().info("Rendered the %s county report's public edition: %s", q.label, made["pdf"])
    if unsuppressed is not None:
        restricted = _drawn(render_outputs, unsuppressed, _base(q, out) / "restricted")
        headline = headline or table_records(unsuppressed.headline)
        get_run_logger().info("Rendered the %s restricted edition (OFFICIAL-SENSITIVE, not published): %s",
                              q.label, restricted["pdf"])  # fmt: skip
    return CountyRendered(
        {k: str(v) for k, v in made.items()}, headline, {k: str(v) for k, v in restricted.items()}
    )


@task(name="check-quarter-has-data", cache_policy=NO_CACHE)
def check_quarter_has_data(quarter: str) -> str | None:
    """None when the quarter has facts from some source; else the one-line reason it cannot be reported."""
    q = Quarter.parse(quarter)
    with engine().connect() as conn:
        try:
            counts = require_facts(conn, q)
        except NoDataError as exc:
            return str(exc)
    absent = [source for source, n in counts.items() if not n]
    if absent:
        get_run_logger().warning("%s has nothing yet from %s: the report says so in Data quality", q.label,
                                 ", ".join(absent))  # fmt: skip
    return None


@task(name="plan-district-slices", cache_policy=NO_CACHE)
def plan_slices(quarter: str) -> SliceBuilder | State:
    """Gather every district's measures and plan suppression across all of them, once."""
    with engine().connect() as conn:
        builder = SliceBuilder(conn, current_deployment(), Quarter.parse(quarter))
    try:
        builder.refuse_if_unsafe()  # a release that cannot be made safe: refused before anything is drawn
    except DisclosureError as exc:  # the plan's one line, as the task's state (no traceback in the run's log)
        get_run_logger().error(str(exc))
        return Failed(message=str(exc))
    get_run_logger().info("Planned suppression for %d district slices", len(builder.districts))
    return builder


def _render_one(district: str, builder: SliceBuilder, out: str | None) -> dict[str, str]:
    """A slice built and drawn, in a forked child on the thread pool (it has the plan already)."""
    folder = slice_folder(Path(out or settings().out), builder.deployment, builder.quarter, district)
    outputs = _drawn(draw_slice, builder, district, folder)
    return {k: str(v) for k, v in outputs.items()}


@task(name="render-district-slice", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_on_io_fault,
      cache_policy=NO_CACHE)  # fmt: skip
def render_slice(district: str, builder: SliceBuilder, out: str | None = None) -> dict[str, str]:
    """One district's slice (PDF, HTML, xlsx, CSV, JSON), suppressed."""
    outputs = _render_one(district, builder, out)
    get_run_logger().info("Rendered the %s slice: %s", district, outputs["pdf"])
    return outputs


# A task run costs about half a second of orchestration (docs/performance.md): hundreds of districts are
# rendered in batches, one task run each, rather than a task run per district. The last batch to finish
# ends the run, so batches are small enough to even out the workers: with 8 batches of 38 national
# districts one of two Dask workers sat idle for 18 s at the end; 16 batches of 19 halve that.
SLICE_BATCHES = 16


def slice_batches(districts: list[str], batches: int = SLICE_BATCHES) -> list[list[str]]:
    """The districts in at most ``batches`` runs of consecutive districts, as even as they divide."""
    size = -(-len(districts) // batches) if districts else 1
    return [districts[i : i + size] for i in range(0, len(districts), size)]


def _batch_name() -> str:
    from prefect.runtime import task_run

    names = task_run.parameters.get("districts", [])
    return (
        f"render-slices {names[0]} to {names[-1]} ({len(names)})"
        if len(names) > 1
        else f"render-slice {names[0]}"
    )


@task(name="render-district-slices", task_run_name=_batch_name, retries=2, retry_delay_seconds=5,
      retry_condition_fn=retry_on_io_fault, cache_policy=NO_CACHE)  # fmt: skip
def render_slices(
    districts: list[str], builder: SliceBuilder, out: str | None = None
) -> dict[str, dict[str, str]]:
    """Several districts' slices in one task run (a retry renders the batch again: outputs are overwritten)."""
    logger = get_run_logger()
    outputs = {}
    for done, district in enumerate(districts, start=1):
        outputs[district] = _render_one(district, builder, out)
        logger.info("Rendered the %s slice (%d of %d in this batch): %s", district, done, len(districts),
                    outputs[district]["pdf"])  # fmt: skip
    return outputs
