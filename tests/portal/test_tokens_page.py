"""The API tokens page in Debian's chromium, with axe-core: create (shown once), use, list, revoke, audited."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from dasv import accounts
from dasv.warehouse.models import PortalToken
from tests.browser import axe_violations, browser  # noqa: F401 - the fixture
from tests.portal.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect
EMAIL = "analyst@tokens.test"


def _no_violations(page, screens, name: str) -> None:
    assert axe_violations(page) == [], name
    page.screenshot(path=str(screens / f"{name}.png"), full_page=True)


def test_a_user_creates_uses_lists_and_revokes_their_own_token(browser, published, server):  # noqa: F811
    engine = published["engine"]
    accounts.add_user(engine, EMAIL, "csp", ["Fenland"], PASSWORD)
    screens = published["tmp"] / "token-screens"
    screens.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(f"{server}/account/tokens")  # signed out: to sign-in, and back here after
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("API tokens")
    assert page.locator("text=You have no tokens.").count() == 1
    assert page.locator(f"code:has-text('{server}/api/v1/districts/fenland/metrics.csv')").count() == 1
    assert page.locator("text=HTTP request header parameters").count() == 2  # Power BI and Excel steps
    _no_violations(page, screens, "01-no-tokens")

    page.check("#days-90")
    page.click("button:has-text('Create a token')")
    expect(page.locator("#new-token")).to_be_visible()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("dasv_")
    _no_violations(page, screens, "02-shown-once")
    feed = f"{server}/api/v1/districts/fenland/metrics.csv"
    assert httpx.get(feed, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with engine.connect() as conn:  # only its hash is kept
        hashes = list(conn.scalars(select(PortalToken.token_hash)))
    assert accounts.digest(token) in hashes and token not in hashes

    page.goto(f"{server}/account/tokens")
    assert token not in page.content()  # shown once only
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Works until")
    token_id = int(row.locator("th").inner_text().split()[-1])
    page.click(f"button[aria-label='Revoke token {token_id}']")
    expect(page.locator("tbody tr").first).to_contain_text("Revoked")
    _no_violations(page, screens, "03-revoked")
    assert httpx.get(feed, headers={"Authorization": f"Bearer {token}"}).status_code == 401

    done = [r["file"] for r in accounts.access_log(engine, email=EMAIL) if r["file"]]
    assert f"token {token_id} created" in done and f"token {token_id} revoked" in done


def test_nobody_revokes_a_token_that_is_not_theirs(published, server):
    from tests.portal.conftest import USERS, sign_in

    other_id, other = accounts.create_token(published["engine"], USERS["csp-two"][0])
    client = sign_in(server, USERS["csp-fenland"][0])
    csrf = client.get("/account/tokens").text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(f"/account/tokens/{other_id}/revoke", data={"csrf_token": csrf})
    assert answer.status_code == 404 and "Page not found" in answer.text
    feed = f"{server}/api/v1/districts/fenland/metrics.csv"
    assert httpx.get(feed, headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert client.post(f"/account/tokens/{other_id}/revoke", data={"csrf_token": "x"}).status_code == 403


def test_a_slice_page_shows_each_chart_title_once_and_keeps_periods_together(browser, server):  # noqa: F811
    from tests.portal.conftest import USERS

    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()  # a phone
    page.goto(f"{server}/sign-in")
    page.fill("#email", USERS["csp-fenland"][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your reports")
    page.goto(f"{server}/districts/fenland/2025-26-Q3/")
    headings = page.locator(".report figure figcaption h3")
    assert headings.count() >= 2
    for i in range(headings.count()):  # the image prints its title; the heading stays for navigation only
        box = headings.nth(i).bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1)
    lines = page.evaluate("""() => {
        const table = [...document.querySelectorAll('.report table')]
            .find(t => (t.caption || {}).textContent === 'Files the figures come from');
        return [...table.querySelectorAll('tbody tr')].map(tr => {
            const cell = tr.children[2], range = document.createRange();
            range.selectNodeContents(cell);  // the lines the text itself takes, not the row's height
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return [cell.textContent.split(', ').length, tops.size];
        });
    }""")
    assert lines and all(height <= items + 1 for items, height in lines), lines  # a period per line at most
