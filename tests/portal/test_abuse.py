"""The portal under abuse by a stranger without an account, on a real ``dasv portal serve``.

Each test is what a tester did to a demo portal (issue 33) with the answer docs/portal.md fixes:
oversized bodies and headers refused before they cost memory, slow requests cut off, a flood
of sign-ins bounded in memory while a signed-in reader's pages stay fast, planted CSRF values
refused, common passwords refused, sign-ins audited. Every loop is bounded in count and time;
the server's memory is read from /proc (VmRSS of the one serving process).
"""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from dasv import accounts
from tests.portal.conftest import PASSWORD, USERS, sign_in
from tests.portal.test_hostile import _env, _serve
from tests.servers import stop

MB = 1024 * 1024
SLOW_SECONDS = 15  # a connection that sends no whole request is closed within this (the portal: 5 s)


def _rss(pid: int) -> int:
    """The process's resident memory in bytes."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) * 1024


class Peak:
    """The highest RSS of a process while the block runs (read every 20 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while self.running:
            self.peak = max(self.peak, _rss(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> Peak:
        self.start = _rss(self.pid)
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, _rss(self.pid))

    @property
    def growth(self) -> int:
        """Bytes above the start."""
        return self.peak - self.start


@pytest.fixture(scope="module")
def alone(published, tmp_path_factory):
    """One serving process (``--workers 1``: its memory is the process's) on a copy of the warehouse.

    A copy, so the failed sign-ins of the flood count against this server's client address only.
    """
    tmp = tmp_path_factory.mktemp("abuse")
    copy = tmp / "w.db"
    with (
        sqlite3.connect(published["url"].removeprefix("sqlite:///")) as source,
        sqlite3.connect(copy) as target,
    ):
        source.backup(target)
    process, base = _serve({**published, "url": f"sqlite:///{copy}"}, tmp / "portal.log", "--workers", "1")
    _csrf_pair(base)  # warm: templates, the form key
    yield process, base, f"sqlite:///{copy}"
    stop(process)


def _csrf_pair(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
    return client


def test_oversized_bodies_are_refused_with_413_before_they_are_read(alone):
    process, base, _ = alone
    reader = sign_in(base, USERS["csp-fenland"][0])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', reader.get("/account/tokens").text).group(1)
    body = b"a=" + b"x" * (20 * MB)
    with Peak(process.pid) as peak:
        for route in ("/sign-in", "/set-password", "/account/tokens", "/sign-out"):
            client = reader if route.startswith(("/account", "/sign-out")) else _csrf_pair(base)
            answer = client.post(
                route, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
            assert answer.status_code == 413, (route, answer.status_code)
            assert answer.headers["content-security-policy"] and answer.headers["connection"] == "close"

        def chunks():  # no Content-Length: counted as it streams
            yield f"csrf_token={csrf}&days=30&x=".encode()
            for _ in range(20):
                yield b"x" * MB

        streamed = reader.post("/account/tokens", content=chunks(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert streamed.status_code == 413
    print(f"oversized bodies: the server grew by {peak.growth / MB:.1f} MB")
    assert peak.growth < 60 * MB, f"the server grew by {peak.growth / MB:.0f} MB"
    assert reader.get("/districts/fenland/").status_code == 200  # still signed in, still serving


def test_a_one_megabyte_header_is_431_and_costs_no_memory(alone):
    process, base, _ = alone
    with Peak(process.pid) as peak:
        for _ in range(3):
            answer = httpx.get(f"{base}/healthz", headers={"X-Padding": "a" * MB}, timeout=30)
            assert answer.status_code == 431 and answer.headers["content-security-policy"]
    print(f"1 MB headers: the server grew by {peak.growth / MB:.1f} MB")
    assert peak.growth < 20 * MB, f"the server grew by {peak.growth / MB:.0f} MB"
    assert httpx.get(f"{base}/healthz", headers={"X-Fine": "a" * 4000}).text == "ok"


def _closed(sock: socket.socket) -> bool:
    """The server has answered (a 408) or closed the connection."""
    try:
        sock.recv(65536, socket.MSG_DONTWAIT)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_slow_and_silent_connections_are_closed_within_seconds(alone):
    _, base, _ = alone
    host, port = base.removeprefix("http://").split(":")
    sockets = []
    for n in range(60):  # half send half a header and stop; half send nothing at all
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.setblocking(True)  # (a recv with MSG_DONTWAIT then says at once whether anything came)
        if n % 2:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sockets.append(sock)
    started = time.monotonic()
    while time.monotonic() - started < SLOW_SECONDS and not all(_closed(s) for s in sockets):
        time.sleep(0.25)
    open_ones = sum(not _closed(s) for s in sockets)
    for sock in sockets:
        sock.close()
    assert open_ones == 0, (
        f"{open_ones} of 60 slow connections still open after {time.monotonic() - started:.0f} s"
    )
    assert httpx.get(f"{base}/healthz").text == "ok"


async def _sign_in_as_stranger(base: str, n: int) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        form = await client.get("/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        return await client.post("/sign-in", data={"email": f"nobody-{n}@example.test", "password": f"guess {n} " * 3,
                                                   "csrf_token": csrf})  # fmt: skip


async def _flood(base: str, total: int, at_once: int) -> list[httpx.Response]:
    gate = asyncio.Semaphore(at_once)

    async def one(n: int) -> httpx.Response:
        async with gate:
            return await _sign_in_as_stranger(base, n)

    return await asyncio.gather(*[one(n) for n in range(total)])


def test_a_flood_of_sign_ins_neither_exhausts_memory_nor_slows_a_readers_pages(alone):
    process, base, _ = alone
    reader = sign_in(base, USERS["csp-two"][0])
    assert reader.get("/districts/fenland/").status_code == 200
    slowest, answers = [0.0], []

    def read() -> None:
        while not answers:
            started = time.perf_counter()
            assert reader.get("/districts/fenland/").status_code == 200
            slowest[0] = max(slowest[0], time.perf_counter() - started)
            time.sleep(0.05)

    watcher = threading.Thread(target=read, daemon=True)
    with Peak(process.pid) as peak:
        watcher.start()
        answers.extend(asyncio.run(_flood(base, 48, 24)))
        watcher.join(30)
    print(
        f"sign-in flood: the server grew by {peak.growth / MB:.0f} MB, the reader's slowest page {slowest[0]:.3f} s, "
        f"answers {sorted(a.status_code for a in answers)}"
    )
    assert peak.growth < 400 * MB, f"the server grew by {peak.growth / MB:.0f} MB"
    assert slowest[0] < 1.0, f"a signed-in reader's page took {slowest[0]:.2f} s during the flood"
    statuses = sorted({a.status_code for a in answers})
    assert set(statuses) <= {200, 429}, statuses
    assert 429 in statuses, "no sign-in was refused for coming too often from one client"
    refused = next(a for a in answers if a.status_code == 429)
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert httpx.get(f"{base}/healthz").text == "ok" and reader.get("/").status_code == 200


def test_a_csrf_value_the_attacker_chose_is_refused_on_the_sign_in_form(published, server):
    email = USERS["csp-fenland"][0]
    planted = httpx.Client(base_url=server, cookies={"dasv_csrf": "attacker-chosen"})
    answer = planted.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": "attacker-chosen"}
    )
    assert answer.status_code == 403 and "dasv_session" not in answer.cookies
    theirs = _csrf_pair(server)  # a real token, but for the attacker's own pre-session cookie
    victim = _csrf_pair(server)
    crossed = victim.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": theirs.csrf})
    assert crossed.status_code == 403
    ok = victim.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": victim.csrf})
    assert ok.status_code == 303


@pytest.mark.parametrize("password", ["password1234", "123456789012", "qwertyuiop12", "newbie.analyst",
                                      "newbie.analyst2026"])  # fmt: skip
def test_common_passwords_and_the_accounts_own_name_are_refused(published, server, password):
    email = f"newbie.analyst+{abs(hash(password)) % 10**6}@csp.test"
    _, link = accounts.add_user(published["engine"], email, "csp", ["Fenland"])
    client = httpx.Client(base_url=server, timeout=30)
    csrf = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(f"/set-password?token={link}").text
    ).group(1)
    answer = client.post("/set-password", data={"token": link, "password": password, "csrf_token": csrf})
    assert answer.status_code == 200 and "choose another" in answer.text, answer.text[:300]
    typed = subprocess.run([sys.executable, "-m", "dasv", "portal", "user", "add", f"cli-{email}", "--role", "csp",
                            "--district", "Fenland", "--password-stdin"], input=password + "\n", env=_env(published),
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert typed.returncode == 1 and "choose another" in typed.stderr and "Traceback" not in typed.stderr
    assert len(typed.stderr.strip().splitlines()) == 1


def test_sign_ins_sign_outs_and_lockouts_are_audited_with_the_account_and_client(published, server):
    email = "audited@csp.test"
    accounts.add_user(published["engine"], email, "csp", ["Fenland"], PASSWORD)
    for _ in range(5):
        client = _csrf_pair(server)
        client.post(
            "/sign-in",
            data={"email": email, "password": "not the password at all", "csrf_token": client.csrf},
        )
    from sqlalchemy import update

    from dasv.warehouse.models import PortalUser

    with published["engine"].begin() as conn:  # 15 minutes later
        conn.execute(
            update(PortalUser).where(PortalUser.email == email).values(locked_until=None, failures=0)
        )
    client = sign_in(server, email)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    assert client.post("/sign-out", data={"csrf_token": csrf}).status_code == 303
    table = subprocess.run([sys.executable, "-m", "dasv", "portal", "audit", "--user", email], env=_env(published),
                           capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    events = re.findall(r"127\.0\.0\.1\s+\[([^\]]+)\]", table)
    assert events == ["sign-in failed"] * 4 + [
        "sign-in failed; account now locked",
        "signed in",
        "signed out",
    ], table
    assert all(email in line for line in table.splitlines())


def test_head_is_answered_wherever_get_is(server):
    reader = sign_in(server, USERS["csp-fenland"][0])
    for path in (
        "/healthz",
        "/sign-in",
        "/",
        "/districts/fenland/",
        "/districts/fenland/2025-26-Q3/slice.pdf",
    ):
        got, head = reader.get(path), reader.head(path)
        assert head.status_code == got.status_code == 200 and head.content == b"", (path, head.status_code)
        assert head.headers["content-type"] == got.headers["content-type"]
    assert httpx.head(f"{server}/districts/fenland/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("args", "said"), [
    (["token", "create", USERS["csp-fenland"][0], "--days", "99999999"], "--days 99999999 is out of range"),
    (["token", "revoke", "99999999999999999999"], "there is no token 99999999999999999999"),
    (["serve", "--port", "99999"], "--port 99999 is out of range")])  # fmt: skip
def test_impossible_command_line_values_get_one_line(published, args, said):
    result = subprocess.run([sys.executable, "-m", "dasv", "portal", *args], env=_env(published), capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.stderr.startswith(f"dasv: {said}") and len(result.stderr.strip().splitlines()) == 1, (
        result.stderr
    )
