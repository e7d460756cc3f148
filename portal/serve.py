"""The portal as uvicorn starts it (``portal.serve:app``, a factory): settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from dasv.config import load_deployment
from dasv.settings import Settings
from portal.app import create_app
from warehouse.db import open_warehouse


def app() -> FastAPI:
    """The portal for ``DASV_DATABASE_URL``, ``DASV_CONFIG`` and ``DASV_PUBLISH_DIR``."""
    settings = Settings()
    return create_app(
        open_warehouse(settings.resolved_database_url()),
        load_deployment(settings.config),
        settings.publish_dir,
    )
