"""The portal in Debian's chromium: a Fenland CSP's visit, the partnership's, and axe on every page.

Screenshots of each page go under the test's temporary folder (``portal-screens/``).
"""

from __future__ import annotations

import re
import zipfile

import pytest

from tests.browser import axe_violations, browser  # noqa: F401 - the fixture
from tests.portal.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect  # waits and retries, unlike a bare assert


@pytest.fixture
def screens(published):
    folder = published["tmp"] / "portal-screens"
    folder.mkdir(exist_ok=True)
    return folder


def _check(page, screens, name: str, review_ok: tuple[str, ...] = ()) -> None:
    """No accessibility violation (nor anything left to review, but ``review_ok``), and a screenshot."""
    found = [v for v in axe_violations(page) if not (v["kind"] == "incomplete" and v["id"] in review_ok)]
    assert found == [], name
    page.screenshot(path=str(screens / f"{name}.png"), full_page=True)


def _sign_in(page, server: str, email: str) -> None:
    page.goto(f"{server}/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    # signed in: wait for the home page, so that the next step does not race the redirect
    expect(page.locator("h1")).to_have_text("Your reports")


def test_a_fenland_csp_signs_in_sees_only_fenland_downloads_and_signs_out(browser, server, screens, tmp_path):  # noqa: F811
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/")
    _check(page, screens, "01-sign-in")
    page.fill("#email", "fenland@csp.test")
    page.fill("#password", "not the password at all")
    page.click("button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    _check(page, screens, "02-sign-in-error")
    page.fill("#email", "fenland@csp.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your reports")
    districts = page.locator("tbody th a").all_inner_texts()
    assert districts == ["Fenland"]  # nothing of the other districts, no county report
    assert page.locator("text=County report").count() == 0
    _check(page, screens, "03-home")
    page.click("a[href='/districts/fenland/']")
    expect(page.locator("h1")).to_contain_text("Fenland: published slices")
    _check(page, screens, "04-district")
    page.click("a[href='/districts/fenland/2025-26-Q3/']")
    expect(page.locator("h1")).to_have_text("Fenland: 2025-26 Q3 slice")
    assert page.locator(".report table").count() >= 6
    _check(page, screens, "05-slice")
    with page.expect_download() as pdf:
        page.click("text=Slice (PDF)")
    pdf_path = tmp_path / "slice.pdf"
    pdf.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF") and pdf.value.suggested_filename.endswith(
        "-fenland-v1.pdf"
    )
    with page.expect_download() as archive:
        page.click("text=Tables (CSV, zipped)")
    zip_path = tmp_path / "tables.zip"
    archive.value.save_as(zip_path)
    assert all(n.endswith(".csv") for n in zipfile.ZipFile(zip_path).namelist())
    for url in ("/districts/peterborough/", "/districts/peterborough/2025-26-Q3/", "/county/2025-26-Q3/"):
        page.goto(f"{server}{url}")
        expect(page.locator("h1"), url).to_have_text("Page not found")
    _check(page, screens, "06-not-found")
    page.goto(f"{server}/")
    page.click("text=Sign out")
    expect(page.locator("body")).to_contain_text("You have signed out.")
    _check(page, screens, "07-signed-out")
    page.goto(f"{server}/districts/fenland/")
    expect(page).to_have_url(re.compile(re.escape(f"{server}/sign-in")))  # the session ended on the server
    context.close()


def test_the_partnership_sees_the_county_report(browser, server, screens):  # noqa: F811
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    _sign_in(page, server, "board@partnership.test")
    expect(page.locator("tbody th a")).to_have_count(6)
    page.click("a[href='/county/2025-26-Q3/']")
    expect(page.locator("h1")).to_have_text("County report, 2025-26 Q3")
    # the public edition: the SafeLives return quotes small counts, so it is in the restricted edition only
    assert page.locator("text=SafeLives MARAC return (spreadsheet)").count() == 0
    _check(page, screens, "08-county")
    context.close()


def test_pages_read_well_on_a_phone(browser, server, screens):  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    _sign_in(page, server, "fenland@csp.test")
    page.goto(f"{server}/districts/fenland/2025-26-Q3/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380  # wide tables scroll inside their own region; the page itself does not
    # axe cannot judge the contrast of cells scrolled out of a narrow table region: left to review there
    _check(page, screens, "09-phone-slice", review_ok=("color-contrast",))
    context.close()


def test_a_common_password_is_refused_then_a_strong_one_set(browser, server, screens, published):  # noqa: F811
    from dasv import accounts

    _, link = accounts.add_user(published["engine"], "browser.newcomer@csp.test", "csp", ["Fenland"])
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/set-password?token={link}")
    page.fill("#password", "password1234")
    page.click("button[type=submit]")
    expect(page.locator(".error-summary")).to_contain_text("too easy to guess")
    _check(page, screens, "10-set-password-common")
    page.fill("#password", "browser.newcomer2026")
    page.click("button[type=submit]")
    expect(page.locator(".error-summary")).to_contain_text("your own e-mail address")
    page.fill("#password", "otter lantern copper meadow")
    page.click("button[type=submit]")
    expect(page.locator("body")).to_contain_text("Your password is set")
    context.close()
