"""Which task runner the flows use: threads by default, Dask when configured.

- ``DASV_DASK_ADDRESS=tcp://scheduler:8786``: an existing Dask cluster (its workers need this
  project installed and the ``DASV_*`` settings in their environment);
- ``DASV_DASK_WORKERS=N``: a local cluster of N worker processes on this machine.

Slices are rendered as mapped tasks, so they spread over whatever the runner offers. On the
thread pool each report is drawn in a forked child (``dasv.forked``): threads alone take turns on
one core.
"""

from __future__ import annotations

from prefect.task_runners import ThreadPoolTaskRunner

from dasv.tasks.common import dask_cluster, draws_in_children  # noqa: F401 (the tasks ask it too)


def configured_task_runner():
    """The task runner the environment asks for."""
    address, workers = dask_cluster()
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
