"""End to end on a real Prefect server and process worker, as an operator would use them.

Starts `prefect server start` on a free loopback port with its own PREFECT_HOME, with basic
authentication and CSRF protection on (as the README asks for any bind beyond loopback),
creates the work pool, runs `prefect deploy --all` from the project, starts a worker,
triggers the rerun deployment exactly as the UI's Run button does (`prefect deployment run
--param`), and checks outputs, artifacts, reruns, bad parameters and two runs of one
quarter at once. Everything it started is stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from dasv.sample.write import write_sample_inbox
from tests.files import sample_fact_counts
from tests.servers import PREFECT, ROOT, api_client, free_port, prefect, start, stop, wait_final, wait_healthy
from warehouse.db import open_warehouse
from warehouse.models import IdvaReferral, MaracCase, PoliceMonth

pytestmark = pytest.mark.slow
AUTH = "operator:not-a-real-password-e2e"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prefect-e2e")
    write_sample_inbox(tmp / "inbox")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(tmp / "prefect-home"), "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **WORKER_SETTINGS,
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
        "PREFECT_SERVER_API_AUTH_STRING": AUTH, "PREFECT_API_AUTH_STRING": AUTH,
        "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # dasv-flow-run
        "DASV_PROJECT_DIR": str(ROOT), "DASV_DATABASE_URL": f"sqlite:///{tmp / 'warehouse.db'}",
        "DASV_INBOX": str(tmp / "inbox"), "DASV_OUT": str(tmp / "out"), "DASV_PUBLISH_DIR": str(tmp / "publish"),
    }  # fmt: skip
    server = start(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, tmp / "server.log"
    )
    worker = None
    try:
        wait_healthy(api)
        assert httpx.get(f"{api}/admin/version", timeout=10).status_code == 401  # basic auth is on
        assert (
            httpx.post(
                f"{api}/deployments/filter", json={}, timeout=10, auth=tuple(AUTH.split(":"))
            ).status_code
            == 403
        )  # and CSRF
        client = api_client(api, AUTH)
        prefect(["work-pool", "create", "dasv-process", "--type", "process"], env)
        deployed = prefect(["--no-prompt", "deploy", "--all"], env)
        assert deployed.stdout.count("successfully created") == 3, deployed.stdout
        worker = start(
            [PREFECT, "worker", "start", "--pool", "dasv-process"], env, tmp / "worker.log", cwd=tmp
        )
        yield {"api": api, "env": env, "tmp": tmp, "client": client}
    finally:
        if worker is not None:
            stop(worker)
        stop(server)


# The worker settings README "Operating it with Prefect" documents (and `make prefect-worker` uses).
WORKER_SETTINGS = {"PREFECT_WORKER_QUERY_SECONDS": "0.5", "PREFECT_WORKER_PREFETCH_SECONDS": "10"}


def run_deployment(stack, name: str, *params: str) -> dict:
    args = ["deployment", "run", name]
    for p in params:
        args += ["--param", p]
    out = prefect(args, stack["env"]).stdout
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", out).group(1)
    return wait_final(stack["client"], run_id)


def facts(stack) -> tuple:
    engine = open_warehouse(stack["env"]["DASV_DATABASE_URL"])
    with engine.connect() as conn:
        counts = tuple(
            conn.scalar(select(func.count()).select_from(m)) for m in (IdvaReferral, MaracCase, PoliceMonth)
        )
        ids = tuple(conn.scalars(select(IdvaReferral.id).order_by(IdvaReferral.id)))
    engine.dispose()
    return counts, ids


def artifact(stack, key: str) -> dict:
    found = stack["client"].post("/artifacts/filter", json={"artifacts": {"key": {"any_": [key]}}})
    return found.json()[0]


def logs(stack, run_id: str) -> list[dict]:
    body = {"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC", "limit": 200}
    return stack["client"].post("/logs/filter", json=body).json()


def first_log(stack, run_id: str, text: str, timeout: float = 20) -> str:
    """The timestamp of the run's first log line containing ``text`` (logs arrive in batches)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for entry in logs(stack, run_id):
            if text in entry["message"]:
                return entry["timestamp"]
        time.sleep(1)
    raise AssertionError(
        f"no log line with {text!r} in run {run_id}: {[e['message'] for e in logs(stack, run_id)]}"
    )


def test_deployments_are_there_with_schedule_and_typed_parameters(stack):
    deployments = stack["client"].post("/deployments/filter", json={}).json()
    by_name = {d["name"]: d for d in deployments}
    assert set(by_name) == {"scheduled-quarterly", "rerun-quarter", "district-slice"}
    schedule = by_name["scheduled-quarterly"]["schedules"][0]["schedule"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 7 15 1,4,7,10 *", "Europe/London")
    props = by_name["rerun-quarter"]["parameter_openapi_schema"]["properties"]
    assert set(props) == {"quarter", "reload", "deliver"}
    assert props["reload"]["type"] == "boolean" and "description" in props["quarter"]
    assert (
        props["quarter"]["type"] == "string"
        and props["quarter"]["default"] == ""
        and "pattern" in props["quarter"]
    )
    assert by_name["rerun-quarter"]["enforce_parameter_schema"] is True
    district = by_name["district-slice"]["parameter_openapi_schema"]
    choices = district["definitions"]["District"]["enum"]
    assert choices[:3] == ["Cambridge City", "East Cambridgeshire", "Fenland"] and len(choices) == 6
    pull = by_name["rerun-quarter"]["pull_steps"][0]
    assert pull == {
        "flows.steps.set_working_directory_from_env": {"variable": "DASV_PROJECT_DIR"}
    }  # nothing pinned


def test_rerun_deployment_completes_and_a_second_rerun_changes_no_fact(stack):
    run = run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-26 Q3"')
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert (stack["tmp"] / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.pdf").is_file()
    assert (
        stack["tmp"]
        / "out"
        / "2025-26-Q3"
        / "districts"
        / "peterborough"
        / "dasv-2025-26-Q3-peterborough.pdf"
    ).is_file()
    assert artifact(stack, "dasv-validation-2025-26-q3")["type"] == "table"
    assert "IDVA referrals" in artifact(stack, "dasv-headline-2025-26-q3")["data"]
    assert "dasv-2025-26-Q3.pdf" in artifact(stack, "dasv-outputs-2025-26-q3")["data"]
    before = facts(stack)
    assert before[0] == sample_fact_counts()
    again = run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-26 Q3"')
    assert again["state"]["type"] == "COMPLETED"
    assert facts(stack) == before  # same rows, same ids: nothing was rewritten


def test_a_bad_quarter_is_refused_by_the_form_and_a_wrong_year_fails_in_one_line(stack):
    refused = prefect(["deployment", "run", "quarterly-report/rerun-quarter", "--param", 'quarter="2025-26 Q7"'],
                      stack["env"], check=False)  # fmt: skip
    assert refused.returncode != 0 and "quarter" in (refused.stdout + refused.stderr)  # no run was created
    run = run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-27 Q3"')
    assert run["state"]["type"] == "FAILED"
    message = run["state"]["message"]
    assert (
        message.startswith("quarter '2025-27 Q3'")
        and "expected e.g. '2025-26 Q3'" in message
        and "\n" not in message
    )
    assert not any("Traceback" in entry["message"] for entry in logs(stack, run["id"]))


def test_district_slice_deployment(stack):
    run = run_deployment(
        stack, "district-slice/district-slice", 'district="Huntingdonshire"', 'quarter="2025-26Q3"'
    )
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert "huntingdonshire" in artifact(stack, "dasv-outputs-2025-26-q3-huntingdonshire")["data"]


def test_two_reruns_of_one_quarter_at_once_do_not_overlap(stack):
    results = []

    def go():
        results.append(
            run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-26 Q3"', "reload=true")
        )

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r["state"]["type"] for r in results] == ["COMPLETED", "COMPLETED"]
    spans = [(first_log(stack, run["id"], "Holding the dasv-quarter-2025-26-q3 slot"), first_log(stack, run["id"], "Done:"))
             for run in results]  # fmt: skip
    spans.sort()
    assert spans[0][1] <= spans[1][0], spans  # the second held the quarter only after the first finished
    assert facts(stack)[0] == sample_fact_counts()  # reloaded twice, loaded once


def test_run_pressed_in_the_ui_is_timed_from_submit_to_completed(stack):
    """What the UI's Run button does (create a flow run of the deployment, scheduled now), timed per state.

    The figures go to the test log and ``ui-run-latency.json`` (README "Performance"), then the run's
    own log with its timestamps, where the time went; the assertion is only that the run completes:
    timing targets live in benchmarks, not in tests.
    """
    client = stack["client"]
    deployment = client.get("/deployments/name/quarterly-report/rerun-quarter").json()
    run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-26 Q3"')  # warm: facts loaded
    submitted, submitted_at = time.monotonic(), time.time()
    run = client.post(f"/deployments/{deployment['id']}/create_flow_run",
                      json={"parameters": {"quarter": "2025-26 Q3"}, "state": {"type": "SCHEDULED"}}).json()  # fmt: skip
    seen: dict[str, float] = {}
    while "COMPLETED" not in seen and time.monotonic() - submitted < 120:
        state = client.get(f"/flow_runs/{run['id']}").json()["state"]["type"]
        seen.setdefault(state, round(time.monotonic() - submitted, 2))
        if state in ("FAILED", "CRASHED", "CANCELLED"):
            break
        time.sleep(0.1)
    final = client.get(f"/flow_runs/{run['id']}").json()
    figures = {
        "seconds_to_state": seen,
        "flow_run_seconds": final["total_run_time"],
        "worker": WORKER_SETTINGS,
    }
    (stack["tmp"] / "ui-run-latency.json").write_text(json.dumps(figures, indent=2))
    print(
        f"UI run latency: {figures}; submitted at {time.strftime('%H:%M:%S', time.gmtime(submitted_at))} UTC"
    )
    time.sleep(2)  # the run's last log lines arrive in a batch
    for entry in logs(stack, run["id"]):
        print(entry["timestamp"][11:23], entry["message"][:110])
    tasks = client.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run["id"]]}}}).json()
    for t in sorted(tasks, key=lambda t: t["start_time"] or ""):
        print((t["start_time"] or "")[11:23], (t["end_time"] or "")[11:23], t["name"])
    assert final["state"]["type"] == "COMPLETED", final["state"]
