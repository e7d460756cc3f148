"""Shared fixtures: a test pseudonym key, the shipped deployment, warehouses on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

os.environ.setdefault("DASV_PSEUDONYM_KEY", "test-key-only-for-the-test-suite")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry writes racing the harness
# never publish into the project's var/ (tests that publish set their own store)
os.environ.setdefault("DASV_PUBLISH_DIR", tempfile.mkdtemp(prefix="dasv-test-publish-"))

from dasv.config import load_deployment  # noqa: E402
from dasv.privacy import Pseudonymiser  # noqa: E402
from warehouse.db import make_engine, open_warehouse  # noqa: E402

POSTGRES_URL = os.environ.get("DASV_TEST_POSTGRES_URL")
FIXTURES = Path(__file__).parent / "fixtures"


def pytest_sessionstart(session):
    if os.environ.get("DASV_TEST_REQUIRE_POSTGRES") and not POSTGRES_URL:
        raise pytest.UsageError("DASV_TEST_REQUIRE_POSTGRES is set but DASV_TEST_POSTGRES_URL is not")


@pytest.fixture(scope="session")
def deployment():
    return load_deployment()


@pytest.fixture
def pseudonymiser():
    return Pseudonymiser(os.environ["DASV_PSEUDONYM_KEY"])


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def backends():
    backends = [pytest.param("sqlite", id="sqlite")]
    if POSTGRES_URL:
        backends.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return backends


@pytest.fixture(params=backends())
def warehouse_url(request, tmp_path):
    """A fresh, empty warehouse URL on each backend available (PostgreSQL when DASV_TEST_POSTGRES_URL is set)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def engine(warehouse_url):
    engine = open_warehouse(warehouse_url)
    yield engine
    engine.dispose()
