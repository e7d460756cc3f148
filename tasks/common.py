"""What every task needs, built once per worker process: settings, deployment, warehouse, keys."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from dasv.config import Deployment, load_deployment
from dasv.forked import can_fork
from dasv.privacy import MissingKeyError, Pseudonymiser, pseudonymiser_from_settings
from dasv.settings import Settings
from dasv.warehouse.db import open_warehouse


def settings() -> Settings:
    """Settings from the worker's environment (read each time: cheap, and never stale)."""
    return Settings()


def dask_cluster() -> tuple[str | None, str | None]:
    """The Dask cluster the flows run their tasks on: ``DASV_DASK_ADDRESS`` and ``DASV_DASK_WORKERS`` (``flows/runners.py``)."""
    return os.environ.get("DASV_DASK_ADDRESS"), os.environ.get("DASV_DASK_WORKERS")


def draws_in_children() -> bool:
    """True when tasks draw reports in forked children: on the thread pool, where fork exists.

    Dask's workers are processes already, one task at a time each.
    """
    return can_fork() and not any(dask_cluster())


@lru_cache(maxsize=4)
def deployment(path: str | None = None) -> Deployment:
    """The deployment configuration (``DASV_CONFIG``)."""
    return load_deployment(Path(path) if path else None)


def current_deployment() -> Deployment:
    """The deployment configuration named by this process's settings."""
    config = settings().config
    return deployment(str(config) if config else None)


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return open_warehouse(url)


def engine() -> Engine:
    """The warehouse engine (one pool per process and URL)."""
    return _engine(settings().resolved_database_url())


def pseudonymiser() -> Pseudonymiser:
    """The pseudonym key: ``DASV_PSEUDONYM_KEY``, else the Prefect Secret block ``dasv-pseudonym-key``.

    Raises:
        MissingKeyError: neither is set.
    """
    try:
        return pseudonymiser_from_settings(settings())
    except MissingKeyError:
        try:
            from prefect.blocks.system import Secret

            return Pseudonymiser(Secret.load("dasv-pseudonym-key").get())
        except ValueError:
            raise MissingKeyError(
                "DASV_PSEUDONYM_KEY is not set on the worker and there is no Prefect Secret block "
                "'dasv-pseudonym-key'; set one of them"
            ) from None
