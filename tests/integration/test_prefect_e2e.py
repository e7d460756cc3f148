"""End to end on a real Prefect server and process worker, as an operator would use them.

Starts `prefect server start` on a free loopback port with its own PREFECT_HOME, with basic
authentication and CSRF protection on (as docs/operations.md asks for any bind beyond loopback),
creates the work pool, runs `prefect deploy --all` from the project, starts a worker,
triggers the rerun deployment exactly as the UI's Run button does (`prefect deployment run
--param`), and checks outputs, artifacts, reruns, bad parameters and two runs of one
quarter at once. Everything it started is stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from dasv.flows.locking import LEASE_SECONDS
from dasv.provenance import package_version
from dasv.published import provenance_of
from dasv.quarters import Quarter
from dasv.warehouse.db import open_warehouse
from dasv.warehouse.models import IdvaReferral, MaracCase, PoliceMonth
from tests.files import sample_fact_counts
from tests.servers import (
    PREFECT,
    ROOT,
    Mailbox,
    api_client,
    free_port,
    prefect,
    prefect_database_url,
    start,
    stop,
    wait_final,
    wait_healthy,
)

pytestmark = pytest.mark.slow
AUTH = "operator:not-a-real-password-e2e"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, sample_template):
    tmp = tmp_path_factory.mktemp("prefect-e2e")
    shutil.copytree(sample_template.inbox, tmp / "inbox")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
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
        "DASV_SMTP_HOST": "127.0.0.1", "DASV_SMTP_PORT": str(smtp.port),  # the operators' notices
        # the server's own database: PostgreSQL when the suite has one (CI), else SQLite under PREFECT_HOME
        **({"PREFECT_SERVER_DATABASE_CONNECTION_URL": url} if (url := prefect_database_url()) else {}),
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
        assert deployed.stdout.count("successfully created") == 4, deployed.stdout
        alerts = python_module("dasv.flows.alerts", env)  # as `make prefect-deploy` does next
        assert f"e-mailed to dasv-operators@cambridgeshire.example through 127.0.0.1:{smtp.port}" in alerts, (
            alerts
        )
        worker = start(  # as `make prefect-worker` starts it
            [sys.executable, "-m", "dasv.flows.worker", "--pool", "dasv-process"],
            env,
            tmp / "worker.log",
            cwd=tmp,
        )
        yield {
            "api": api,
            "env": env,
            "tmp": tmp,
            "client": client,
            "mailbox": mailbox,
            "worker_log": tmp / "worker.log",
            "server_log": tmp / "server.log",
            "smtp_port": smtp.port,
        }
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
        smtp.stop()


# The worker settings docs/operations.md documents (and `make prefect-worker` uses).
WORKER_SETTINGS = {"PREFECT_WORKER_QUERY_SECONDS": "0.5", "PREFECT_WORKER_PREFETCH_SECONDS": "10",
                   "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}  # fmt: skip


def python_module(module: str, env: dict) -> str:
    """``python -m module`` from the project folder; its output (failing the test if it fails)."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", module], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


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
    assert set(by_name) == {"scheduled-quarterly", "rerun-quarter", "district-slice", "exports-due"}
    schedule = by_name["scheduled-quarterly"]["schedules"][0]["schedule"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 7 15 1,4,7,10 *", "Europe/London")
    props = by_name["rerun-quarter"]["parameter_openapi_schema"]["properties"]
    assert set(props) == {"quarter", "reload", "deliver"}
    assert props["reload"]["type"] == "boolean" and "description" in props["quarter"]
    assert (
        props["quarter"]["type"] == "string"
        and props["quarter"]["default"] == ""
        and props["quarter"]["format"] == "dasv-quarter"
    )
    assert by_name["rerun-quarter"]["enforce_parameter_schema"] is True
    district = by_name["district-slice"]["parameter_openapi_schema"]
    choices = district["definitions"]["District"]["enum"]
    assert choices[:3] == ["Cambridge City", "East Cambridgeshire", "Fenland"] and len(choices) == 6
    pull = by_name["rerun-quarter"]["pull_steps"][0]
    assert pull == {
        "dasv.flows.steps.set_working_directory_from_env": {"variable": "DASV_PROJECT_DIR"}
    }  # nothing pinned


def test_a_worker_killed_outright_with_its_run(stack):
    """The worker and its run killed outright (the machine gone): nothing gets to say anything. The run is
    still Running; the server notices the missing heartbeats later (checked near the end of this module,
    ``test_the_dead_worker_s_run_is_crashed_and_emailed_within_a_minute``, so other tests run meanwhile)."""
    from dasv.flows.worker import descendants

    client = stack["client"]
    deployment = own_pool_deployment(stack, "dead")
    worker = start([sys.executable, "-m", "dasv.flows.worker", "--pool", "dasv-dead"], stack["env"],
                   stack["tmp"] / "worker-dead.log", cwd=stack["tmp"])  # fmt: skip
    try:
        run = client.post(f"/deployments/{deployment['id']}/create_flow_run",
                          json={"parameters": {"quarter": DEAD_QUARTER, "reload": True}}).json()  # fmt: skip
        first_log(stack, run["id"], "Holding the dasv-quarter-2024-25-q3 slot", timeout=90)
        for pid in [worker.pid, *descendants(worker.pid)]:  # SIGKILL: nothing gets to say anything
            os.kill(pid, signal.SIGKILL)
        stack["dead"] = {"run": run, "killed": time.monotonic()}
    finally:
        stop(worker)
    assert client.get(f"/flow_runs/{run['id']}").json()["state"]["type"] == "RUNNING"


DEAD_QUARTER = "2024-25 Q3"


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
    html = (stack["tmp"] / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.html").read_text()
    assert "Produced by" in html and f"Prefect flow run {run['id']}" in html  # provenance, in Data quality
    engine = open_warehouse(stack["env"]["DASV_DATABASE_URL"])
    with engine.connect() as conn:
        recorded = provenance_of(conn, stack["tmp"] / "publish", Quarter(2025, 3), 1)
    engine.dispose()
    assert recorded["run_id"] == run["id"] and recorded["version"] == package_version() and recorded["commit"]
    before = facts(stack)
    assert before[0] == sample_fact_counts()
    again = run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-26 Q3"')
    assert again["state"]["type"] == "COMPLETED"
    assert facts(stack) == before  # same rows, same ids: nothing was rewritten


def test_a_bad_quarter_is_refused_in_words_by_the_form_and_by_the_run(stack):
    deployment = stack["client"].get("/deployments/name/quarterly-report/rerun-quarter").json()
    schema = deployment["parameter_openapi_schema"]
    # what the Run form asks the server before it creates a run (the server learnt the format from our collection)
    checked = stack["client"].post(
        "/ui/schemas/validate", json={"schema": schema, "values": {"quarter": "2025-26 Q7"}}
    )
    assert "'2025-26 Q7': a quarter is Q1–Q4, written '2025-26 Q3'" in json.dumps(
        checked.json(), ensure_ascii=False
    )
    assert "does not match" not in checked.text
    ok = stack["client"].post(
        "/ui/schemas/validate", json={"schema": schema, "values": {"quarter": "2025-26 Q3"}}
    )
    assert ok.json()["valid"] is True, ok.json()
    # `prefect deployment run` is not checked for formats by the server: the run refuses it, in the same words
    run = run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-26 Q7"')
    assert (run["state"]["type"], run["state"]["message"]) == (
        "FAILED",
        "'2025-26 Q7': a quarter is Q1–Q4, written '2025-26 Q3'",
    )
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
    assert run["state"]["type"] == "COMPLETED", run["state"].get("message")
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

    The figures go to the test log and ``ui-run-latency.json`` (docs/performance.md), then the run's
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


def test_an_empty_quarter_fails_in_one_line_everywhere_and_the_operators_are_emailed(stack):
    run = run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2026-27 Q2"')
    assert run["state"]["type"] == "FAILED"
    message = run["state"]["message"]
    assert message.startswith("2026-27 Q2 (July – September 2026) has nothing loaded") and "\n" not in message
    first_log(stack, run["id"], "has nothing loaded")
    entries = [e["message"] for e in logs(stack, run["id"])]
    assert not [e for e in entries if "Traceback" in e or "Engine execution" in e or "FailedRun" in e], (
        entries
    )
    mail = stack["mailbox"].wait_for(
        f"dasv run failed: quarterly-report ({run['name']})"
    )  # by the automation
    body = mail.get_payload(decode=True).decode()
    assert message in body and f"/runs/flow-run/{run['id']}" in body
    worker = stack["worker_log"].read_text()
    for noise in ("Traceback", "Engine execution exited", "RuntimeWarning", "FailedRun"):
        assert noise not in worker, worker[-3000:]


def test_a_run_that_crashes_before_its_code_loads_is_told_in_one_line_and_emailed(stack):
    out = prefect(["deployment", "run", "quarterly-report/rerun-quarter", "--param", 'quarter="2025-26 Q3"',
                   "--job-variable", 'env={"DASV_PROJECT_DIR": "/nonexistent-dasv"}'], stack["env"]).stdout  # fmt: skip
    run = wait_final(stack["client"], re.search(r"UUID: ([0-9a-f-]{36})", out).group(1))
    assert run["state"]["type"] == "CRASHED", run["state"]
    message = run["state"]["message"]
    assert (
        "DASV_PROJECT_DIR=/nonexistent-dasv is not a folder on the worker" in message and "\n" not in message
    )
    mail = stack["mailbox"].wait_for(f"dasv run ended Crashed: quarterly-report ({run['name']})")
    assert "is not a folder on the worker" in mail.get_payload(decode=True).decode()


@pytest.mark.parametrize(
    ("signum", "quarter"),
    [(signal.SIGINT, "2025-26 Q1"), (signal.SIGTERM, "2024-25 Q4")],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_worker_stops_within_ten_seconds_on_sigint_or_sigterm_and_leaves_no_run_running(
    stack, signum, quarter
):
    """A worker of its own pool (so that it, not the module's worker, takes the run) is signalled mid-run."""
    client, env, tag = stack["client"], stack["env"], signum.name.lower()
    prefect(["work-pool", "create", f"dasv-stop-{tag}", "--type", "process"], env)
    base = client.get("/deployments/name/quarterly-report/rerun-quarter").json()
    fields = ("flow_id", "entrypoint", "pull_steps", "job_variables", "parameter_openapi_schema")
    deployment = client.post("/deployments/", json={**{k: base[k] for k in fields}, "name": f"stop-{tag}",
                             "work_pool_name": f"dasv-stop-{tag}", "tags": ["dasv-stop-test"]}).json()  # fmt: skip
    log = stack["tmp"] / f"worker-{tag}.log"
    worker = start(
        [sys.executable, "-m", "dasv.flows.worker", "--pool", f"dasv-stop-{tag}"], env, log, cwd=stack["tmp"]
    )
    try:
        run = client.post(f"/deployments/{deployment['id']}/create_flow_run",
                          json={"parameters": {"quarter": quarter, "reload": True}}).json()  # fmt: skip
        first_log(stack, run["id"], "Found ", timeout=90)  # the run is loading: mid-work
        sent = time.monotonic()
        os.kill(worker.pid, signum)  # to its pid, as an operator would
        code = worker.wait(timeout=15)
        took = time.monotonic() - sent
        text = log.read_text()
        assert took <= 10 and code == 0, (took, code, text[-3000:])
        final = wait_final(client, run["id"], timeout=20)  # finished, or released: never left Running
        assert final["state"]["type"] in ("COMPLETED", "CRASHED"), final["state"]
        if final["state"]["type"] == "CRASHED":
            assert "\n" not in final["state"]["message"], final["state"]
        assert "Traceback" not in text, text[-3000:]
        slot = f"dasv-quarter-{quarter.replace(' ', '-').lower()}"
        assert wait_slot_free(client, slot, 3), slot  # at once, not when the run's one-minute lease runs out
    finally:
        stop(worker)
    # a rerun then takes the slot at once: test_the_dead_worker_s_run_is_crashed_and_emailed_… times one


def wait_slot_free(client, slot: str, seconds: float) -> bool:
    deadline = time.time() + seconds
    while client.get(f"/v2/concurrency_limits/{slot}").json()["active_slots"]:
        if time.time() > deadline:
            return False
        time.sleep(0.2)
    return True


def rerun_timed(stack, quarter: str) -> dict:
    """Rerun ``quarter`` as the UI's Run does; the run, after checking that it took its slot at once."""
    client = stack["client"]
    deployment = client.get("/deployments/name/quarterly-report/rerun-quarter").json()
    submitted = time.monotonic()
    run = client.post(f"/deployments/{deployment['id']}/create_flow_run",
                      json={"parameters": {"quarter": quarter}, "state": {"type": "SCHEDULED"}}).json()  # fmt: skip
    final = wait_final(client, run["id"], timeout=120)
    print(f"Rerun of {quarter}: submit to {final['state']['name']} in {time.monotonic() - submitted:.1f} s")
    waiting = first_log(stack, run["id"], "Waiting for the dasv-quarter-")
    holding = first_log(stack, run["id"], "Holding the dasv-quarter-")
    waited = (_when(holding) - _when(waiting)).total_seconds()
    # the ended holder's slot is released at once (a few requests: about 1 s, up to 6 s seen on a busy
    # machine), never left to its lease's expiry (LEASE_SECONDS, a minute)
    assert waited < LEASE_SECONDS / 4, f"the rerun waited {waited:.1f} s for its quarter's slot"
    return final


def _when(timestamp: str):
    from datetime import datetime

    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def test_exports_due_starts_the_quarterly_report_once_when_every_export_is_in(stack):
    """2025-26 Q2 is complete in the sample and never published here: the check starts its report, once."""
    client = stack["client"]
    check = run_deployment(stack, "exports-due/exports-due", 'quarter="2025-26 Q2"', "deliver=false")
    assert check["state"]["type"] == "COMPLETED" and "every export is in" in check["state"]["message"], check[
        "state"
    ]
    again = run_deployment(stack, "exports-due/exports-due", 'quarter="2025-26 Q2"', "deliver=false")
    assert again["state"]["type"] == "COMPLETED", again["state"]
    scheduled = client.get("/deployments/name/quarterly-report/scheduled-quarterly").json()
    body = {"deployments": {"id": {"any_": [scheduled["id"]]}}}
    runs = [
        r
        for r in client.post("/flow_runs/filter", json=body).json()
        if r["parameters"].get("quarter") == "2025-26 Q2"
    ]
    assert len(runs) == 1, runs  # once, however often the check runs
    report = wait_final(client, runs[0]["id"])
    assert report["state"]["type"] == "COMPLETED", report["state"]
    engine = open_warehouse(stack["env"]["DASV_DATABASE_URL"])
    with engine.connect() as conn:
        recorded = provenance_of(conn, stack["tmp"] / "publish", Quarter(2025, 2), 1)
    engine.dispose()
    assert recorded["version"] == package_version() and recorded["run_id"] == report["id"]


def own_pool_deployment(stack, tag: str) -> dict:
    """A copy of rerun-quarter on a pool of its own (tagged dasv, so the alerts cover it), for a worker of its own."""
    client = stack["client"]
    prefect(["work-pool", "create", f"dasv-{tag}", "--type", "process"], stack["env"])
    base = client.get("/deployments/name/quarterly-report/rerun-quarter").json()
    fields = ("flow_id", "entrypoint", "pull_steps", "job_variables", "parameter_openapi_schema")
    return client.post("/deployments/", json={**{k: base[k] for k in fields}, "name": tag,
                       "work_pool_name": f"dasv-{tag}", "tags": ["dasv"]}).json()  # fmt: skip


def test_a_hung_run_ends_timed_out_and_is_emailed(stack):
    """A run that waits for ever (here: its quarter's slot, held by someone else) ends TimedOut at its timeout."""
    client, quarter, slot = stack["client"], "2024-25 Q2", "dasv-quarter-2024-25-q2"
    client.post("/v2/concurrency_limits/", json={"name": slot, "limit": 1})
    lease = client.post("/v2/concurrency_limits/increment-with-lease",
                        json={"names": [slot], "slots": 1, "mode": "concurrency", "lease_duration": 60}).json()  # fmt: skip
    try:
        out = prefect(["deployment", "run", "quarterly-report/rerun-quarter", "--param", f'quarter="{quarter}"',
                       "--job-variable", 'env={"DASV_RUN_TIMEOUT_SECONDS": "4"}'], stack["env"]).stdout  # fmt: skip
        run = wait_final(client, re.search(r"UUID: ([0-9a-f-]{36})", out).group(1), timeout=60)
    finally:
        client.post("/v2/concurrency_limits/decrement-with-lease", json={"lease_id": lease["lease_id"]})
    assert (run["state"]["type"], run["state"]["name"]) == ("FAILED", "TimedOut"), run["state"]
    assert run["state"]["message"] == "Flow run exceeded timeout of 4.0 second(s)"
    mail = stack["mailbox"].wait_for(f"dasv run ended TimedOut: quarterly-report ({run['name']})", timeout=30)
    assert "exceeded timeout" in mail.get_payload(decode=True).decode()


def test_the_dead_worker_s_run_is_crashed_and_emailed_within_a_minute_and_its_quarter_freed(stack):
    """No heartbeat from the killed run: the server's dasv-run-lost automation marks it Crashed and
    dasv-run-failed e-mails it, with no worker; its quarter's rerun then takes the slot at once."""
    from dasv.flows.alerts import LOST_MESSAGE

    if "dead" not in stack:
        pytest.skip("needs test_a_worker_killed_outright_with_its_run first")
    run, killed = stack["dead"]["run"], stack["dead"]["killed"]
    mail = stack["mailbox"].wait_for(f"dasv run ended Crashed: quarterly-report ({run['name']})",
                                     timeout=max(1, 75 - (time.monotonic() - killed)))  # fmt: skip
    took = stack["mailbox"].arrived[id(mail)] - killed
    assert took < 60, f"e-mailed {took:.0f} s after the worker died"
    assert LOST_MESSAGE in mail.get_payload(decode=True).decode()
    print(f"Dead worker's run e-mailed {took:.1f} s after the kill")
    rerun = rerun_timed(stack, DEAD_QUARTER)  # its slot: released for the rerun once the dead run is Crashed
    # the rerun took its slot at once (rerun_timed); it then completes, or (an older quarter after later
    # ones were published) is refused in the plan's own words, a known limit (docs/disclosure.md, "Limits")
    state = rerun["state"]
    refused = state["type"] == "FAILED" and "is not safe to publish, so nothing was drawn" in (
        state["message"] or ""
    )
    assert state["type"] == "COMPLETED" or refused, state.get("message")


def test_a_notice_that_cannot_be_sent_is_an_error_on_the_server_and_on_the_next_run(stack):
    """SMTP down: the server logs the notice's failure as an error and records it (Events in the UI); the
    next run lists it in its log and its dasv-undelivered-notices artifact."""
    from dasv.flows.alerts import UNDELIVERED_KEY

    client, env = stack["client"], stack["env"]
    python_module("dasv.flows.alerts", {**env, "DASV_SMTP_PORT": str(free_port())})  # nothing listens there
    try:
        failed = run_deployment(stack, "quarterly-report/rerun-quarter", 'quarter="2025-26 Q9"')
        assert failed["state"]["type"] == "FAILED"
        body = {"filter": {"event": {"name": ["prefect.automation.action.failed"]}}, "limit": 5}
        deadline, events = time.time() + 30, []
        while not events and time.time() < deadline:
            events = client.post("/events/filter", json=body).json()["events"]
            time.sleep(0.5)
        assert events and "Could not e-mail the operators" in events[0]["payload"]["notification_log"], events
        assert failed["name"] in events[0]["payload"]["notification_log"]
        server = stack["server_log"].read_text()
        assert re.search(rf"ERROR .*Could not e-mail the operators .*{failed['name']}", server), server[
            -2000:
        ]
        nxt = run_deployment(
            stack, "district-slice/district-slice", 'district="Fenland"', 'quarter="2025-26 Q3"'
        )
        assert nxt["state"]["type"] == "COMPLETED", nxt["state"]
        note = artifact(stack, UNDELIVERED_KEY)
        assert note["flow_run_id"] == nxt["id"] and failed["name"] in note["data"], note
        first_log(stack, nxt["id"], "A failure notice was not e-mailed")
    finally:
        python_module("dasv.flows.alerts", env)  # the mailbox again
