"""Shared fixtures: a test pseudonym key, the shipped deployment, warehouses on SQLite and PostgreSQL, the sample."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

os.environ.setdefault("DASV_PSEUDONYM_KEY", "test-key-only-for-the-test-suite")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry writes racing the harness
# never publish into the project's var/ (tests that publish set their own store)
os.environ.setdefault("DASV_PUBLISH_DIR", tempfile.mkdtemp(prefix="dasv-test-publish-"))

from dasv.config import load_deployment  # noqa: E402
from dasv.privacy import Pseudonymiser  # noqa: E402
from dasv.warehouse.db import make_engine, open_warehouse  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under `pytest -n N` (make test); None alone
_CREATED: list[str] = []  # databases this process made beside the suite's, dropped when it ends


def _database(url: str, name: str, create: bool) -> None:
    """Drop the database ``name`` on ``url``'s server, and create it afresh when ``create``."""
    from sqlalchemy import create_engine, make_url

    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _worker_url(url: str, worker: str) -> str:
    """A database of the worker's own beside the suite's (``<name>_gw0``): the PostgreSQL tests reset theirs."""
    from sqlalchemy import make_url

    target = make_url(url)
    name = f"{target.database}_{worker}"
    _database(url, name, create=True)
    _CREATED.extend([name, f"{name}_prefect"])  # the second made by tests.servers.prefect_database_url
    return target.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = os.environ.get("DASV_TEST_POSTGRES_URL")
if POSTGRES_URL and WORKER:
    POSTGRES_URL = os.environ["DASV_TEST_POSTGRES_URL"] = _worker_url(POSTGRES_URL, WORKER)


def pytest_sessionstart(session):
    if os.environ.get("DASV_TEST_REQUIRE_POSTGRES") and not POSTGRES_URL:
        raise pytest.UsageError("DASV_TEST_REQUIRE_POSTGRES is set but DASV_TEST_POSTGRES_URL is not")


# Modules whose tests take more than a few seconds each (whole quarters rendered and published, servers,
# browsers, a wheel installed, fault and fuzz trials): marked `slow`, left out of `make test-fast`.
SLOW_MODULES = {
    "integration/test_prefect_e2e.py", "integration/test_flows.py", "integration/test_differencing.py",
    "integration/test_absence.py", "hostile/test_faults.py", "integration/test_install.py",
    "integration/test_cli.py", "integration/test_options.py", "portal/test_feed.py", "integration/test_adopt.py",
    "integration/test_report.py", "hostile/test_fuzz.py", "integration/test_pdf_accessibility.py",
    "integration/test_columnar_sample.py", "integration/test_reproduction.py", "integration/test_warm.py",
    "integration/test_report_browser.py", "portal/test_api_fuzz.py", "portal/test_browser.py",
    "portal/test_disclosure.py", "portal/test_hostile.py", "portal/test_load.py", "portal/test_matrix.py",
    "portal/test_sign_in.py", "portal/test_tokens_page.py", "integration/test_attack_public.py",
}  # fmt: skip
# The longest modules first, as measured under `make test` (its --junitxml times, summed by module): they
# start first, so that no process is left alone with a long one at the end. The rest follow in file order.
LONGEST_FIRST = [
    "integration/test_prefect_e2e.py", "integration/test_flows.py", "integration/test_cli.py",
    "integration/test_attack_public.py", "integration/test_reproduction.py", "portal/test_abuse.py",
    "integration/test_adopt.py", "hostile/test_faults.py", "portal/test_publications.py",
    "integration/test_report.py", "integration/test_publication_set.py", "hostile/test_fuzz.py",
    "portal/test_matrix.py", "portal/test_feed.py", "portal/test_browser.py", "portal/test_load.py",
    "integration/test_differencing.py", "portal/test_hostile.py", "integration/test_series.py",
    "integration/test_install.py", "integration/test_options.py", "integration/test_measures.py",
]  # fmt: skip
TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    for item in items:
        if item.path.relative_to(TESTS).as_posix() in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: rank.get(item.path.relative_to(TESTS).as_posix(), len(rank)))  # stable


def pytest_sessionfinish(session):
    for name in _CREATED:
        _database(POSTGRES_URL, name, create=False)


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


SAMPLE_KEY = "k"  # the pseudonym key the session's sample warehouse is loaded with


@dataclass(frozen=True)
class Sample:
    """The sample inbox (``dasv sample-data``) and a SQLite warehouse with all of it loaded."""

    root: Path
    inbox: Path
    db: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"


def copy_sample(template: Sample, root: Path, warehouse: bool = True) -> Sample:
    """The template's inbox (and, with ``warehouse``, its loaded warehouse) copied under ``root``, to change freely."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template.inbox, root / "inbox")
    if warehouse:
        shutil.copyfile(template.db, root / "w.db")
    return Sample(root, root / "inbox", root / "w.db")


def make_sample(root: Path) -> Sample:
    """The sample inbox written under ``root`` and loaded (key ``SAMPLE_KEY``) into a SQLite warehouse beside it."""
    from dasv.pipeline import load_files
    from dasv.sample.write import write_sample_inbox

    write_sample_inbox(root / "inbox")
    engine = open_warehouse(f"sqlite:///{root / 'w.db'}")
    load_files(engine, [root / "inbox"], load_deployment(), Pseudonymiser(SAMPLE_KEY))
    engine.dispose()
    return Sample(root, root / "inbox", root / "w.db")


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> Sample:
    """The sample written and loaded once per session (per xdist worker); never changed, only copied.

    Writing the sample's workbooks and loading them took seconds in each of a dozen modules.
    """
    return make_sample(tmp_path_factory.mktemp("sample-template"))


@pytest.fixture(scope="module")
def sample_warehouse(sample_template, tmp_path_factory) -> Sample:
    """The module's own copy of the sample inbox and its loaded warehouse."""
    return copy_sample(sample_template, tmp_path_factory.mktemp("sample"))
