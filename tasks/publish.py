"""The publish task: the rendered quarter becomes its next immutable version (docs/portal.md)."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dasv.pipeline import publish
from dasv.quarters import Quarter
from dasv.tasks.common import current_deployment, engine, settings
from dasv.tasks.load import retry_on_io_fault


@task(name="publish-quarter", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_on_io_fault,
      cache_policy=NO_CACHE)  # fmt: skip
def publish_quarter(quarter: str, out: str | None = None) -> dict:
    """Record the rendered outputs as the quarter's next version (nothing new if they are unchanged)."""
    config = settings()
    result = publish(
        engine(), current_deployment(), Quarter.parse(quarter), out or config.out, config.publish_dir
    )
    get_run_logger().info("%s", result.message)
    return {
        "version": result.version,
        "new": result.new,
        "revisions": len(result.revisions),
        "message": result.message,
    }
