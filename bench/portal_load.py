"""The portal step: 50 concurrent clients for 30 s against the portal on the demo quarter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from bench.shared import (
    DATA,
    RESULTS,
    log,
    timed,
)


def bench_portal() -> None:
    """50 concurrent clients for 30 s against the portal on the demo quarter (two workers, loopback)."""
    import httpx

    from dasv.demo import DEMO_ACCOUNTS
    from tests.loadgen import load
    from tests.servers import free_port, start, stop

    log("portal: the demo quarter published, 50 clients for 30 s")
    work = DATA / "portal"
    shutil.rmtree(work, ignore_errors=True)
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{work / 'warehouse.db'}",
           "DASV_PUBLISH_DIR": str(work / "publish")}  # fmt: skip
    dasv = [sys.executable, "-m", "dasv"]
    subprocess.run([*dasv, "demo", "--out", str(work)], env=env, check=True, capture_output=True)
    csp_email, csp_password, _ = next(a for a in DEMO_ACCOUNTS if "fenland" in a[0])
    token = subprocess.run([*dasv, "portal", "token", "create", csp_email], env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    server = start(
        [*dasv, "portal", "serve", "--port", str(port), "--workers", "2"], env, work / "server.log"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        single = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            for _ in range(50):
                seconds, _ = timed(client.get, "/api/v1/districts/fenland/metrics.csv")
                single.append(seconds)
        figures = load(base, csp_email, csp_password, token, clients=50, seconds=30)
    finally:
        stop(server)
    single.sort()
    RESULTS["portal"] = {**figures, "single_client_api_p50_ms": round(single[len(single) // 2] * 1000, 1),
                         "goal_p95_ms": 250, "workers": 2,
                         "note": "50 clients (half signed in: pages and downloads; half with a token: the API) "
                                 "and the server share the machine's cores"}  # fmt: skip
