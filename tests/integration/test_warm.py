"""Warm starts (dasv/warm.py) with real processes: the client, the warm process, forked runs.

A stand-in engine module (written to the test's folder, named by DASV_WARM_ENGINE) reports
where and how it ran, so each test can tell a cold run (the client's own process, exec'd) from
a warm one (a child of the warm process) and check what the run received.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from dasv import warm

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="warm starts are for Linux workers")

ENGINE = """
import json, os, sys, time
if __name__ == "__main__":
    print(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "args": sys.argv[1:],
                      "run": os.environ.get("PREFECT__FLOW_RUN_ID"), "stdin": sys.stdin.readline().strip()}),
          flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    if os.environ.get("PREFECT__SLEEP"):
        time.sleep(60)
    sys.exit(int(os.environ.get("PREFECT__EXIT", "0")))
"""


@pytest.fixture
def env(tmp_path):
    (tmp_path / "stub_engine.py").write_text(ENGINE)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    sockets = Path(tempfile.mkdtemp(prefix="w", dir="/tmp"))  # short: a socket's path has at most 107 bytes
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT__", "DASV_"))}
    env = {**base, "TMPDIR": str(sockets), "PYTHONPATH": str(tmp_path), "DASV_WARM_ENGINE": "stub_engine",
           "DASV_WARM_IDLE_SECONDS": "60"}  # fmt: skip
    yield env, run_dir
    path = socket_path(env)
    if path.exists():  # the warm process ends when its "worker" (this test process) does; end it now
        for line in path.with_suffix(".log").read_text().splitlines():
            if line.startswith("warm process "):
                pid = int(line.split()[2].rstrip(":"))
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
    shutil.rmtree(sockets, ignore_errors=True)


def socket_path(env: dict) -> Path:
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        tempfile.tempdir = None  # gettempdir() caches TMPDIR
        return warm.socket_path(env)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        tempfile.tempdir = None


def client(env, run_dir, run_id="r1", stdin="hello", **per_run) -> subprocess.Popen:
    run_env = {
        **env,
        "PREFECT__FLOW_RUN_ID": run_id,
        **{f"PREFECT__{k.upper()}": v for k, v in per_run.items()},
    }
    proc = subprocess.Popen([sys.executable, "-m", "dasv.warm", "an-arg"], env=run_env, cwd=run_dir,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    proc.stdin.write(stdin + "\n")
    proc.stdin.flush()
    return proc


def finish(proc: subprocess.Popen) -> tuple[dict, str, int]:
    out, err = proc.communicate(timeout=60)
    return json.loads(out.splitlines()[0]), err, proc.returncode


def wait_warm(env, timeout=60.0) -> None:
    path = socket_path(env)
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, "no warm process started"
        time.sleep(0.1)


def test_first_run_is_cold_then_runs_are_forked_from_the_warm_process(env):
    env, run_dir = env
    proc = client(env, run_dir)
    first, err, code = finish(proc)
    assert first["pid"] == proc.pid and code == 0  # cold: the client became the engine
    wait_warm(env)
    runs = [client(env, run_dir, run_id=f"r{i}", stdin=f"line {i}") for i in (2, 3)]  # two at once
    for i, proc in zip((2, 3), runs, strict=True):
        report, err, code = finish(proc)
        assert report["pid"] != proc.pid and report["ppid"] != proc.pid  # a child of the warm process
        assert report["run"] == f"r{i}" and report["stdin"] == f"line {i}" and report["args"] == ["an-arg"]
        assert report["cwd"] == str(run_dir) and err.strip() == "to stderr" and code == 0
    report, _, code = finish(client(env, run_dir, run_id="r4", exit="3"))
    assert code == 3  # the run's exit code is the client's


def test_a_signal_to_the_client_reaches_the_run_and_a_killed_client_takes_its_run_with_it(env):
    env, run_dir = env
    finish(client(env, run_dir))
    wait_warm(env)
    proc = client(env, run_dir, sleep="1")
    report = json.loads(proc.stdout.readline())
    proc.send_signal(signal.SIGTERM)  # how a worker cancels a run
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGTERM
    assert not _alive_soon(report["pid"])
    proc = client(env, run_dir, sleep="1")
    report = json.loads(proc.stdout.readline())
    proc.kill()
    proc.wait(timeout=30)
    assert not _alive_soon(report["pid"])


def test_changed_code_means_a_cold_run_and_a_fresh_warm_process(env, tmp_path):
    env, run_dir = env
    finish(client(env, run_dir))
    wait_warm(env)
    engine = tmp_path / "stub_engine.py"
    os.utime(engine, ns=(time.time_ns(), time.time_ns() + 10**9))
    proc = client(env, run_dir)
    report, _, code = finish(proc)
    assert report["pid"] == proc.pid and code == 0  # cold
    deadline = time.monotonic() + 60
    log = socket_path(env).with_suffix(".log")
    while not (socket_path(env).exists() and log.read_text().count("warm process ") == 2):
        assert time.monotonic() < deadline, "no fresh warm process"
        time.sleep(0.1)
    proc = client(env, run_dir)
    report, _, _ = finish(proc)
    assert report["ppid"] != proc.pid and report["pid"] != proc.pid  # warm again


def test_the_warm_process_ends_with_the_worker_that_started_it(env):
    env, run_dir = env
    worker = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; subprocess.call(sys.argv[1:]); "
                               "time.sleep(120)", sys.executable, "-m", "dasv.warm"],
                              env={**env, "PREFECT__FLOW_RUN_ID": "r1"}, cwd=run_dir, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL)  # fmt: skip
    wait_warm(env)
    path = socket_path(env)
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 30
    while path.exists():
        assert time.monotonic() < deadline, "the warm process outlived its worker"
        time.sleep(0.2)


def test_warm_starts_off_runs_cold_and_starts_nothing(env):
    env, run_dir = env
    env = {**env, "DASV_WARM_IDLE_SECONDS": "0"}
    proc = client(env, run_dir)
    report, _, code = finish(proc)
    assert report["pid"] == proc.pid and code == 0
    time.sleep(1)
    assert not socket_path(env).exists()


def _alive_soon(pid: int, timeout: float = 10.0) -> bool:
    """Whether ``pid`` is still alive after waiting up to ``timeout`` for it to go."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    return True
