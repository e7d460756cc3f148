"""One run per quarter at a time: a Prefect global concurrency limit named for the quarter.

This holds across workers and machines (the limit lives on the Prefect server); the
warehouse's own load lock (``warehouse.load.lock_warehouse``) holds even without Prefect.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency

from dasv.quarters import Quarter


def lock_name(q: Quarter) -> str:
    """``dasv-quarter-2025-26-q3``."""
    return f"dasv-quarter-{q.slug.lower()}"


@contextmanager
def quarter_lock(q: Quarter) -> Iterator[None]:
    """Hold the quarter's slot (created with limit 1 on first use); other runs of it wait."""
    name = lock_name(q)
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except Exception:  # not there yet
            client.upsert_global_concurrency_limit_by_name(name, limit=1)
    get_run_logger().info("Waiting for the %s slot (one run per quarter at a time)", name)
    # the lease is renewed while the run holds the slot; a run killed outright (no chance to release it)
    # frees it when the lease runs out: a minute, the shortest the server allows
    with concurrency(name, occupy=1, strict=True, lease_duration=60):
        get_run_logger().info("Holding the %s slot", name)
        yield
