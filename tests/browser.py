"""Debian's chromium driven by Playwright, with axe-core injected: fixtures for the page tests.

Never downloads a browser. Without chromium or axe-core the tests are skipped, unless
``DASV_TEST_REQUIRE_BROWSER`` is set (CI sets it), when they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core is not installed at {AXE} (make browser)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Module scope: Playwright's sync API keeps an event loop running in
    the main thread while it is open, which would break later tests that run their own (asyncio.run)."""
    reason = _missing()
    if reason:
        if os.environ.get("DASV_TEST_REQUIRE_BROWSER"):
            pytest.fail(f"DASV_TEST_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page; the violations and the checks it could not decide ("incomplete")."""
    page.evaluate(
        AXE.read_text(encoding="utf-8")
    )  # through the debugger, so the page's CSP still applies to it
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS)
    return [
        {"id": v["id"], "kind": kind, "nodes": [n["target"] for n in v["nodes"]][:5], "help": v["help"]}
        for kind in ("violations", "incomplete")
        for v in result[kind]
    ]
