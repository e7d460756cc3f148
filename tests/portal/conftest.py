"""A published sample quarter, portal accounts and tokens, and a real uvicorn server to ask."""

from __future__ import annotations

import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from dasv import accounts
from dasv.config import load_deployment
from dasv.pipeline import publish, render_quarter
from dasv.quarters import Quarter
from dasv.warehouse.db import open_warehouse
from dasv.warehouse.models import PortalToken
from tests.conftest import copy_sample
from tests.servers import free_port, start, stop

Q3 = Quarter.parse("2025-26 Q3")
PASSWORD = "a long enough test password"
USERS = {
    "csp-fenland": ("fenland@csp.test", "csp", ["Fenland"]),
    "csp-two": ("two@csp.test", "csp", ["Fenland", "Huntingdonshire"]),
    "partnership": ("board@partnership.test", "partnership", []),
    "admin": ("admin@partnership.test", "admin", []),
    "disabled": ("gone@csp.test", "csp", ["Fenland"]),
}


@pytest.fixture(scope="session")
def published(tmp_path_factory, sample_template):
    """The sample inbox loaded, 2025-26 Q3 rendered and published, accounts and tokens made."""
    tmp = tmp_path_factory.mktemp("portal")
    deployment = load_deployment()
    url = copy_sample(sample_template, tmp).url
    engine = open_warehouse(url)
    render_quarter(engine, deployment, Q3, tmp / "out", commentary_dir=tmp / "inbox" / "commentary")
    publish(engine, deployment, Q3, tmp / "out", tmp / "store")
    for email, role, districts in USERS.values():
        accounts.add_user(engine, email, role, districts, PASSWORD)
    tokens = {
        key: accounts.create_token(engine, USERS[key][0])[1]
        for key in ("csp-fenland", "csp-two", "partnership")
    }
    revoked_id, tokens["revoked"] = accounts.create_token(engine, USERS["csp-fenland"][0])
    accounts.revoke_token(engine, revoked_id)
    expired_id, tokens["expired"] = accounts.create_token(engine, USERS["csp-fenland"][0])
    with engine.begin() as conn:
        conn.execute(update(PortalToken).where(PortalToken.id == expired_id)
                     .values(expires_at=accounts.now() - timedelta(days=1)))  # fmt: skip
    _, tokens["disabled"] = accounts.create_token(engine, USERS["disabled"][0])
    return {
        "tmp": tmp,
        "url": url,
        "engine": engine,
        "deployment": deployment,
        "tokens": tokens,
        "store": tmp / "store",
    }


@pytest.fixture(scope="session")
def server(published):
    """``dasv portal serve`` on a free loopback port, stopped at the end."""
    port = free_port()
    env = {**os.environ, "DASV_DATABASE_URL": published["url"], "DASV_PUBLISH_DIR": str(published["store"]),
           "DASV_PORTAL_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    process = start([sys.executable, "-m", "dasv", "portal", "serve", "--port", str(port), "--workers", "2"], env,
                    published["tmp"] / "portal.log")  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = 60
    import time

    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).text == "ok":
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        raise AssertionError(Path(published["tmp"] / "portal.log").read_text())
    yield base
    stop(process)


def sign_in(base: str, email: str, password: str = PASSWORD) -> httpx.Client:
    """A client signed in through the form (CSRF cookie and field, as a browser)."""
    client = httpx.Client(base_url=base, timeout=20)
    form = client.get("/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": csrf, "next": "/"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text[:500]
    return client
