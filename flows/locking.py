"""One run per quarter at a time: a Prefect global concurrency limit named for the quarter.

This holds across workers and machines (the limit lives on the Prefect server); the
warehouse's own load lock (``dasv.warehouse.load.lock_warehouse``) holds even without Prefect.

The slot is taken with a lease (renewed every ``RENEW_SECONDS`` while the run holds it) and the
holder is written down in a Prefect Variable named like the limit (``dasv-quarter-2025-26-q3``:
the lease and the flow run). A run that ends normally releases the slot. A run that could not
(its worker stopped, or died with it) would keep it until the lease ran out; instead, a run
waiting for the slot looks at the holder written down, and when that run has ended (Crashed,
Cancelled, or anything final) it releases the holder's lease at once and goes on. The worker's
stop (``dasv.flows.worker``) releases the slots of the runs it marks Crashed the same way
(``release_slots_of``), and a run whose worker died is marked Crashed by the ``dasv-run-lost``
automation (``dasv.flows.alerts``) within a minute, which frees its slot for the next run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from prefect import get_run_logger
from prefect.client.orchestration import get_client

from dasv.quarters import Quarter

LEASE_SECONDS = 60  # the shortest lease the server allows: a lost holder's slot frees itself within a minute
RENEW_SECONDS = 15
POLL_SECONDS = 1.0  # how often a waiting run asks again (one light request)
PREFIX = "dasv-quarter-"


def lock_name(q: Quarter) -> str:
    """``dasv-quarter-2025-26-q3``: the concurrency limit, and the Variable naming its holder."""
    return f"{PREFIX}{q.slug.lower()}"


def _holder(client, name: str) -> dict | None:
    variable = client.read_variable_by_name(name)
    return variable.value if variable is not None and isinstance(variable.value, dict) else None


def _record(client, name: str, lease_id: UUID, run_id: str | None) -> None:
    from prefect.client.schemas.actions import VariableCreate, VariableUpdate

    value = {"lease_id": str(lease_id), "flow_run_id": run_id}
    if client.read_variable_by_name(name) is None:
        client.create_variable(VariableCreate(name=name, value=value, tags=["dasv"]))
    else:
        client.update_variable(VariableUpdate(name=name, value=value))


def _run_has_ended(client, run_id: str | None) -> tuple[bool, str]:
    """Whether the run has ended (so cannot be holding anything), and its state's name."""
    if not run_id:
        return False, "unknown"
    try:
        state = client.read_flow_run(UUID(run_id)).state
    except Exception:  # deleted: nothing holds the slot for it any more
        return True, "deleted"
    return (state is not None and state.is_final()), (state.name if state else "unknown")


def release_stale(client, name: str, logger=None, done: set[str] | None = None) -> bool:
    """Release the slot of ``name`` when the run written down as holding it has ended; True if released.

    ``done``: leases already released by this caller (each is released once, then ignored).
    """
    holder = _holder(client, name)
    if not holder or (done is not None and holder.get("lease_id") in done):
        return False
    ended, state = _run_has_ended(client, holder.get("flow_run_id"))
    if not ended:
        return False
    client.release_concurrency_slots_with_lease(UUID(holder["lease_id"]))  # an ended lease: nothing happens
    if done is not None:
        done.add(holder["lease_id"])
    if logger is not None:
        logger.info("The %s slot was still held for run %s, which has ended (%s): released it", name,
                    holder.get("flow_run_id"), state)  # fmt: skip
    return True


def release_slots_of(client, run_ids: list[str]) -> list[str]:
    """Release every quarter slot the given runs hold (they have ended); the slots' names."""
    released = []
    for variable in client.read_variables():
        value = variable.value
        if (
            variable.name.startswith(PREFIX)
            and isinstance(value, dict)
            and value.get("flow_run_id") in run_ids
        ):
            client.release_concurrency_slots_with_lease(UUID(value["lease_id"]))
            released.append(variable.name)
    return released


def _acquire(client, name: str, holder) -> UUID | None:
    """The lease on the slot, or None when another run holds it."""
    import httpx

    try:
        response = client.increment_concurrency_slots_with_lease(
            names=[name], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS, holder=holder
        )
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code == 423:  # locked: held by another run
            return None
        raise
    return UUID(response.json()["lease_id"])


@contextmanager
def _renewing(lease_id: UUID) -> Iterator[None]:
    """Renew the lease in the background while the block runs."""
    stop = threading.Event()

    def renew() -> None:
        with get_client(sync_client=True) as client:
            while not stop.wait(RENEW_SECONDS):
                try:
                    client.renew_concurrency_lease(lease_id, lease_duration=LEASE_SECONDS)
                except Exception:  # the server away for a moment: the next renewal tries again
                    pass

    thread = threading.Thread(target=renew, name="dasv-quarter-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


@contextmanager
def quarter_lock(q: Quarter) -> Iterator[None]:
    """Hold the quarter's slot (created with limit 1 on first use); other runs of it wait."""
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.runtime import flow_run

    name = lock_name(q)
    logger = get_run_logger()
    run_id = str(flow_run.id) if flow_run.id else None
    holder = ConcurrencyLeaseHolder(type="flow_run", id=UUID(run_id)) if run_id else None
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except Exception:  # not there yet
            client.upsert_global_concurrency_limit_by_name(name, limit=1)
        logger.info("Waiting for the %s slot (one run per quarter at a time)", name)
        released: set[str] = set()
        while (lease_id := _acquire(client, name, holder)) is None:
            if not release_stale(client, name, logger, released):
                time.sleep(POLL_SECONDS)
        _record(client, name, lease_id, run_id)
        logger.info("Holding the %s slot", name)
        try:
            with _renewing(lease_id):
                yield
        finally:
            client.release_concurrency_slots_with_lease(lease_id)
