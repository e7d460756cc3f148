"""A bounded load generator for the portal: N concurrent clients for S seconds, loopback only.

Each client signs in (or uses a token) and loops over a mix of page views and downloads.
Returns latency percentiles, requests per second and every error seen.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time

import httpx

PAGES = ["/", "/districts/fenland/", "/districts/fenland/2025-26-Q3/"]
DOWNLOADS = ["/districts/fenland/2025-26-Q3/slice.pdf", "/districts/fenland/2025-26-Q3/csv.zip",
             "/districts/fenland/2025-26-Q3/slice.json"]  # fmt: skip
API = ["/api/v1/districts/fenland/metrics.csv", "/api/v1/districts/fenland/metrics.json"]


async def _signed_in(base: str, email: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    form = await client.get("/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = await client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in failed: {answer.status_code}")
    return client


async def _run(base: str, email: str, password: str, token: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    sessions = list(await asyncio.gather(*[_signed_in(base, email, password) for _ in range(clients // 2)]))
    tokened = [httpx.AsyncClient(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"})
               for _ in range(clients - len(sessions))]  # fmt: skip
    stop = time.monotonic() + seconds

    async def loop(client: httpx.AsyncClient, paths: list[str]) -> None:
        i = 0
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                answer = await client.get(path)
                if answer.status_code != 200:
                    errors.append(f"{path}: {answer.status_code}")
                await answer.aread()
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {type(exc).__name__}")
            latencies.append(time.perf_counter() - started)

    began = time.monotonic()
    await asyncio.gather(*[loop(c, PAGES + DOWNLOADS) for c in sessions], *[loop(c, API) for c in tokened])
    elapsed = time.monotonic() - began
    for c in sessions + tokened:
        await c.aclose()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies),
            "requests_per_s": round(len(latencies) / elapsed, 1), "p50_ms": round(q[49] * 1000, 1),
            "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1), "errors": errors[:20],
            "error_count": len(errors)}  # fmt: skip


def load(base: str, email: str, password: str, token: str, clients: int = 50, seconds: float = 30) -> dict:
    """Run the load and return its figures."""
    return asyncio.run(_run(base, email, password, token, clients, seconds))
