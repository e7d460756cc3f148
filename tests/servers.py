"""Starting and stopping real servers in tests: free ports, a Prefect server, a worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prefect.client.base import PrefectHttpxSyncClient

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], env: dict, log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    """Start a background process in its own session, output to a log file."""
    handle = log.open("wb")
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM (workers ignore SIGINT when started from a script), then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def wait_healthy(api: str, timeout: float = 90) -> None:
    """Poll the server's health endpoint until it answers."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"Prefect server at {api} did not become healthy in {timeout}s")


def prefect(args: list[str], env: dict, check: bool = True) -> subprocess.CompletedProcess:
    """Run a prefect CLI command from the project folder."""
    result = subprocess.run([PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    if check and result.returncode != 0:
        raise AssertionError(f"prefect {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def api_client(api: str, auth: str | None = None) -> httpx.Client:
    """An HTTP client of the Prefect API as Prefect's own client makes it.

    ``PrefectHttpxSyncClient`` fetches and renews the CSRF token every POST needs under
    ``PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED``, retries what the server says is retryable
    (503 when its SQLite database is busy under a running flow; 429, 502, 408) with backoff,
    and raises on any other error with the server's answer in the message.
    """
    return PrefectHttpxSyncClient(
        base_url=api,
        timeout=10,
        auth=tuple(auth.split(":", 1)) if auth else None,
        enable_csrf_support=True,
    )


def wait_final(api: str | httpx.Client, run_id: str, timeout: float = 240) -> dict:
    """Poll a flow run until it reaches a final state; return the run."""
    client = api if isinstance(api, httpx.Client) else api_client(api)
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = client.get(f"/flow_runs/{run_id}").json()
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(1)
    raise TimeoutError(f"flow run {run_id} did not finish in {timeout}s")


class Mailbox:
    """An aiosmtpd handler that keeps what it receives (``Controller(Mailbox(), ...)``)."""

    def __init__(self):
        self.messages = []
        self.arrived: dict[int, float] = {}  # id(message) -> time.monotonic() when it arrived

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        message = message_from_bytes(envelope.content)
        self.arrived[id(message)] = time.monotonic()
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, subject_start: str, timeout: float = 90):
        """The first message whose subject starts so, waiting for it to arrive."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for message in list(self.messages):
                if str(message["Subject"]).startswith(subject_start):
                    return message
            time.sleep(0.5)
        raise AssertionError(
            f"no e-mail {subject_start!r} in {timeout}s: {[m['Subject'] for m in self.messages]}"
        )


def prefect_database_url() -> str | None:
    """A fresh PostgreSQL database for a Prefect server, on the suite's server (DASV_TEST_POSTGRES_URL); else None.

    The warehouse tests own the database that URL names: the Prefect server gets its own beside it,
    ``<name>_prefect``, dropped and created here.
    """
    url = os.environ.get("DASV_TEST_POSTGRES_URL")
    if not url:
        return None
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    name = f"{target.database}_prefect"
    admin = create_engine(target.set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return target.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
