"""The make targets an operator runs share their settings: one demo folder, project-local Prefect, ports as variables.

Read from ``make -n`` (what each target would run), so the test runs nothing and takes a second.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(target: str, *variables: str) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}  # no DASV_PSEUDONYM_KEY, PREFECT_HOME: a fresh shell
    done = subprocess.run(["make", "-n", "-W", ".venv/.installed", target, *variables], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def settings(command: str) -> dict[str, str]:
    return dict(re.findall(r"\b((?:DASV|PREFECT)_[A-Z_]+)=(\S+)", command))


@pytest.mark.parametrize("demo_dir", [None, "var/elsewhere"])
def test_demo_worker_and_portal_use_one_warehouse_and_one_publication_store(demo_dir):
    variables = [f"DEMO_DIR={demo_dir}"] if demo_dir else []
    folder = ROOT / (demo_dir or "var/demo")
    demo = dry_run("demo", *variables)
    assert f"dasv demo --out {demo_dir or 'var/demo'}" in demo
    worker = settings(dry_run("prefect-worker", *variables).split("then", 1)[1].split("\nelse", 1)[0])
    portal = settings(dry_run("portal", *variables))
    for name in ("DASV_DATABASE_URL", "DASV_PUBLISH_DIR"):
        assert worker[name] == portal[name], name
    assert worker["DASV_DATABASE_URL"] == f"sqlite:///{folder}/warehouse.db"
    assert worker["DASV_PUBLISH_DIR"] == f"{folder}/publish"  # where `dasv demo --out` publishes
    assert worker["DASV_INBOX"] == f"{folder}/inbox" and worker["DASV_OUT"] == f"{folder}/out"


def test_prefect_home_and_ports_are_variables_with_project_local_defaults():
    server = dry_run("prefect-server")
    assert f"PREFECT_HOME={ROOT}/var/prefect-home" in server and "--port 4200" in server
    moved = dry_run("prefect-worker", "PREFECT_PORT=4311", "PREFECT_HOME=/tmp/ph")
    assert "PREFECT_API_URL=http://127.0.0.1:4311/api" in moved and "PREFECT_HOME=/tmp/ph" in moved
    assert "--port 8411" in dry_run("portal", "PORTAL_PORT=8411")
    assert (
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY=${PREFECT_FLOWS_HEARTBEAT_FREQUENCY:-30}" in moved
    )  # the lost-run alert
