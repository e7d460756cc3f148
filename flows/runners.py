"""Which task runner the flows use: threads by default, Dask when configured.

- ``DASV_DASK_ADDRESS=tcp://scheduler:8786``: an existing Dask cluster (its workers need this
  project installed and the ``DASV_*`` settings in their environment);
- ``DASV_DASK_WORKERS=N``: a local cluster of N worker processes on this machine.

Slices are rendered as mapped tasks, so they spread over whatever the runner offers. On the
thread pool each report is drawn in a forked child (``dasv.forked``): threads alone take turns on
one core.
"""

from __future__ import annotations

import os

from prefect.task_runners import ThreadPoolTaskRunner


def _dask() -> tuple[str | None, str | None]:
    return os.environ.get("DASV_DASK_ADDRESS"), os.environ.get("DASV_DASK_WORKERS")


def draws_in_children() -> bool:
    """True when tasks draw reports in forked children: on the thread pool, where fork exists.

    Dask's workers are processes already, one task at a time each.
    """
    from dasv.forked import can_fork

    return can_fork() and not any(_dask())


def configured_task_runner():
    """The task runner the environment asks for."""
    address, workers = _dask()
    if address or workers:
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": int(workers),
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }  # fmt: skip
        )
    return ThreadPoolTaskRunner(max_workers=4)
