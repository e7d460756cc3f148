"""The portal under hostile requests: each answer docs/portal.md's "Rules every response keeps" fixes.

Every request here was seen to misbehave on a fresh demo (a 100 MB redirect, a Python object's
address in a header, 500s without headers or a log row, a formula in the audit CSV, a Host
header choosing a redirect target, a secret in the server log, a session surviving sign-in).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dasv import accounts
from tests.portal.conftest import USERS, sign_in
from tests.servers import free_port, start, stop

SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy")


def _env(published, **extra) -> dict:
    return {**os.environ, "DASV_DATABASE_URL": published["url"], "DASV_PUBLISH_DIR": str(published["store"]),
            **extra}  # fmt: skip


def _serve(published, log: Path, *args: str, store: Path | None = None):
    port = free_port()
    env = _env(published, DASV_PORTAL_URL=f"http://127.0.0.1:{port}")
    if store is not None:
        env["DASV_PUBLISH_DIR"] = str(store)
    process = start([sys.executable, "-m", "dasv", "portal", "serve", "--port", str(port), *args], env, log)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while time.monotonic() - started < 60 and process.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).text == "ok":
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(process)
    raise AssertionError(log.read_text())


@pytest.fixture(scope="module")
def proxied(published):
    """The portal behind a TLS proxy (``--proxy-headers``), its server log kept to read."""
    log = published["tmp"] / "proxied.log"
    process, base = _serve(published, log, "--proxy-headers")
    yield base, log
    stop(process)


@pytest.fixture(scope="module")
def fenland(server):
    client = sign_in(server, USERS["csp-fenland"][0])
    yield client
    client.close()


def _last_rows(published, n: int) -> list[dict]:
    return accounts.access_log(published["engine"])[-n:]


@pytest.mark.parametrize(
    "path",
    [
        "/districts/fenland/2025-26Q3/%7Bq:a%3E100000000%7D",
        "/districts/fenland/2025-26Q3/%7Bq.__class__.__base__.__subclasses__%7D",
        "/districts/fenland/2025-26Q3/%7B",
        "/districts/fenland/2025-26%20Q3/%7Bq%7D",
    ],
)
def test_a_brace_in_the_file_segment_is_never_a_format_string(fenland, path):
    answer = fenland.get(path, follow_redirects=False)
    assert answer.status_code == 404, (answer.status_code, answer.headers.get("location", "")[:200])
    assert len(answer.headers.get("location", "")) < 200 and "built-in" not in answer.text


def test_a_canonical_redirect_keeps_only_the_version(fenland):
    answer = fenland.get(
        "/districts/fenland/2025-26Q3/slice.pdf?version=1&x=" + "A" * 4000, follow_redirects=False
    )
    assert answer.status_code == 308
    assert answer.headers["location"].endswith("/districts/fenland/2025-26-Q3/slice.pdf?version=1")


@pytest.mark.parametrize("route", ["/sign-in", "/set-password", "/sign-out"])
def test_a_non_ascii_csrf_field_is_refused_not_a_500(published, server, route):
    client = (
        sign_in(server, USERS["csp-fenland"][0]) if route == "/sign-out" else httpx.Client(base_url=server)
    )
    client.get("/sign-in")
    answer = client.post(route, data={"csrf_token": "é" * 43, "email": "x@y.test", "password": "p" * 12,
                                      "token": "t"}, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 403 and all(h in answer.headers for h in SECURITY)


@pytest.mark.parametrize(
    "path",
    [
        "/districts/fenland/2025-26-Q3/?version=99999999999999999999",
        "/districts/fenland/2025-26-Q3/slice.pdf?version=99999999999999999999",
        "/county/2025-26-Q3/?version=99999999999999999999",
        "/county/2025-26-Q3/report.pdf?version=9223372036854775808",
    ],
)
def test_a_version_too_large_for_the_database_is_a_400_or_404(published, server, path):
    client = sign_in(server, USERS["partnership"][0])
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in (400, 404), answer.status_code
    assert _last_rows(published, 1)[0]["status"] == answer.status_code


def _broken_store(published, tmp: Path) -> Path:
    """A copy of the store that lost the Fenland slice's PDF."""
    store = tmp / "store"
    shutil.copytree(published["store"], store)
    for path in [store, *store.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (store / "2025-26-Q3/v1/districts/fenland/slice.pdf").unlink()
    return store


def test_a_missing_store_file_is_a_logged_500_with_headers_not_a_404(published, tmp_path):
    from starlette.testclient import TestClient

    from dasv.portal.app import create_app

    app = create_app(published["engine"], published["deployment"], _broken_store(published, tmp_path))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        form = client.get("/sign-in").text
        csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/sign-in", data={"email": USERS["csp-fenland"][0], "password": "a long enough test password",
                                      "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
        answer = client.get("/districts/fenland/2025-26-Q3/slice.pdf")
    assert answer.status_code == 500 and "problem with the service" in answer.text
    assert all(h in answer.headers for h in SECURITY) and answer.headers["cache-control"] == "no-store"
    row = _last_rows(published, 1)[0]
    assert row["status"] == 500 and row["route"] == "/districts/fenland/2025-26-Q3/slice.pdf"


def test_serve_refuses_a_store_that_lacks_a_published_file_and_verify_names_it(published, tmp_path):
    store = _broken_store(published, tmp_path)
    env = _env(published, DASV_PUBLISH_DIR=str(store))
    served = subprocess.run([sys.executable, "-m", "dasv", "portal", "serve", "--port", str(free_port())], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert (
        served.returncode == 1
        and "slice.pdf is missing" in served.stderr
        and "Traceback" not in served.stderr
    )
    verified = subprocess.run([sys.executable, "-m", "dasv", "publications", "--verify"], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert verified.returncode == 1 and "fenland/slice.pdf is missing" in verified.stderr
    (store / "2025-26-Q3/v1/county/report.pdf").write_bytes(b"%PDF-tampered")
    verified = subprocess.run([sys.executable, "-m", "dasv", "publications", "--verify"], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "county/report.pdf is 13 bytes" in verified.stderr
    whole = subprocess.run([sys.executable, "-m", "dasv", "publications", "--verify"], env=_env(published),
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert whole.returncode == 0 and "has its recorded SHA-256" in whole.stdout


def test_the_audit_log_is_safe_to_open_in_a_spreadsheet_and_on_a_terminal(published, server):
    httpx.get(f"{server}/districts/%3DHYPERLINK(%22http://evil.example%22)/")
    httpx.get(f"{server}/districts/%1B[2J%1B[3J/")
    env = _env(published)
    csv_out = subprocess.run([sys.executable, "-m", "dasv", "portal", "audit", "--format", "csv"], env=env,
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    table = subprocess.run([sys.executable, "-m", "dasv", "portal", "audit"], env=env, capture_output=True,
                           text=True, check=True).stdout  # fmt: skip
    assert "HYPERLINK" in csv_out and "\x1b" not in csv_out and "\x1b" not in table and "\\x1b[2J" in table
    import csv
    import io

    for row in csv.reader(io.StringIO(csv_out)):  # (other tests' requests are in the log too: read it as CSV)
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), row


def test_the_host_header_never_chooses_a_redirect_target(server):
    port = server.rsplit(":", 1)[1]
    evil = httpx.get(f"{server}/healthz/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert evil.status_code == 400 and "evil.example" not in evil.headers.get("location", "")
    ours = httpx.get(f"{server}/healthz/", headers={"Host": f"localhost:{port}"}, follow_redirects=False)
    assert ours.status_code in (307, 308) and ours.headers["location"] == f"{server}/healthz"


def test_the_set_password_token_is_not_in_the_server_log(published, proxied):
    base, log = proxied
    _, link = accounts.add_user(published["engine"], "newlink@csp.test", "csp", ["Fenland"])
    assert httpx.get(f"{base}/set-password?token={link}").status_code == 200
    marker = "after-the-link"
    httpx.get(f"{base}/healthz?{marker}")
    started = time.monotonic()
    while marker not in log.read_text() and time.monotonic() - started < 20:
        time.sleep(0.1)
    text = log.read_text()
    assert marker in text and "/set-password" in text and link not in text


def test_hsts_behind_the_tls_proxy_only(proxied, server):
    base, _ = proxied
    over_tls = httpx.get(f"{base}/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert over_tls.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in over_tls.headers["set-cookie"].lower()
    assert "strict-transport-security" not in httpx.get(f"{server}/sign-in").headers


def test_signing_in_again_ends_the_previous_session(published, server):
    client = sign_in(server, USERS["csp-fenland"][0])
    first = client.cookies["dasv_session"]
    form = client.get("/sign-in").text.split('action="/sign-in"')[
        1
    ]  # (the header's sign-out form has its own)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    again = client.post("/sign-in", data={"email": USERS["csp-fenland"][0], "password": "a long enough test password",
                                          "csrf_token": csrf, "next": "/"})  # fmt: skip
    assert again.status_code == 303
    second = client.cookies["dasv_session"]
    assert second != first
    old = httpx.get(f"{server}/districts/fenland/", cookies={"dasv_session": first}, follow_redirects=False)
    assert old.status_code == 303 and old.headers["location"].startswith("/sign-in")
    assert client.get("/districts/fenland/").status_code == 200


def test_the_api_says_when_a_token_is_mistyped_and_not_found_is_one_body(server, published):
    mistyped = httpx.get(
        f"{server}/api/v1/districts/fenland/metrics.csv", headers={"Authorization": "Bearer dasv_x"}
    )
    assert mistyped.status_code == 401 and "not valid" in mistyped.json()["detail"]
    token = {"Authorization": f"Bearer {published['tokens']['csp-fenland']}"}
    unknown = httpx.get(f"{server}/api/v1/no-such-route", headers=token)
    forbidden = httpx.get(f"{server}/api/v1/districts/peterborough/metrics.csv", headers=token)
    assert unknown.status_code == forbidden.status_code == 404 and unknown.content == forbidden.content


@pytest.mark.parametrize("command", [["portal", "token", "create", "a@b.test"], ["portal", "user", "list"],
                                     ["portal", "audit"], ["publications"], ["portal", "serve"]])  # fmt: skip
def test_a_command_that_reads_a_warehouse_never_creates_one(tmp_path, command):
    missing = tmp_path / "var" / "warehouse.db"
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{missing}"}
    result = subprocess.run([sys.executable, "-m", "dasv", *command], env=env, capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)  # fmt: skip
    assert result.returncode == 1 and f"there is no warehouse at {missing}" in result.stderr
    assert not missing.exists() and "Traceback" not in result.stderr


def test_no_account_names_the_warehouse_it_looked_in(published):
    result = subprocess.run([sys.executable, "-m", "dasv", "portal", "token", "create", "nobody@x.test"],
                            env=_env(published), capture_output=True, text=True, timeout=120)  # fmt: skip
    path = published["url"].removeprefix("sqlite:///")
    assert (
        result.returncode == 1
        and result.stderr.strip() == f"dasv: there is no account for nobody@x.test in the warehouse {path}"
    )


def test_every_download_of_a_version_has_its_own_file_name(server):
    from dasv.portal.pages import COUNTY_FILES, SLICE_FILES

    client = sign_in(server, USERS["partnership"][0])
    names = []
    for base, files in (
        ("/county/2025-26-Q3/", COUNTY_FILES),
        ("/districts/fenland/2025-26-Q3/", SLICE_FILES),
    ):
        for name in files:
            answer = client.get(base + name)
            assert answer.status_code == 200, base + name
            names.append(answer.headers["content-disposition"].split("filename=")[1])
    assert len(set(names)) == len(names), names
