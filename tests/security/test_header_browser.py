"""In a real browser: the header says who is signed in and signs them out; in the demo's mode (loopback,
no token) it says that nobody needs to sign in instead; with a token and nobody signed in it offers the
sign-in page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, FloatRect, expect

from tests.security.test_reading import TOKEN
from tests.support.guarded import MakeDashboard, Served

VIEWPORTS = [(1366, 768), (1920, 1080)]


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_header_shows_the_signed_in_user_and_signs_out(
    make_dashboard: MakeDashboard, browser: Browser, width: int, height: int
) -> None:
    served = make_dashboard(auth_token=TOKEN)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(served.url + "/namespaces/labs-1")
        who = page.locator("header.top .who")
        expect(who).to_have_attribute("data-via", "none")
        page.locator("header.top").get_by_role("link", name="Sign in").click()
        page.wait_for_url("**/login**")
        page.keyboard.press("Tab")  # from the page's start, as a keyboard user reaches the form
        page.locator("input[name=token]").fill(TOKEN)
        page.locator("input[name=name]").fill("alice")
        page.keyboard.press("Enter")
        page.wait_for_url(served.url + "/namespaces/labs-1")
        expect(who).to_have_attribute("data-via", "session")
        expect(who).to_contain_text("alice")
        assert who.is_visible() and _inside_viewport(who.bounding_box(), width)
        page.locator("header.top").get_by_role("button", name="Sign out").click()
        page.wait_for_url(served.url + "/")
        expect(page.locator("header.top .who")).to_have_attribute("data-via", "none")
        expect(page.locator("header.top").get_by_role("button", name="Sign out")).to_have_count(0)
        page.goto(served.url + "/namespaces/labs-1")
        expect(page.locator("header.top .who")).to_have_attribute("data-via", "none")
    finally:
        context.close()


@pytest.mark.browser
def test_the_header_says_the_demo_needs_no_sign_in(dashboard: Served, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(dashboard.url + "/")
        who = page.locator("header.top .who")
        expect(who).to_have_attribute("data-via", "loopback")
        expect(who).to_contain_text("no sign-in")
        expect(page.locator("header.top").get_by_role("button", name="Sign out")).to_have_count(0)
        expect(page.locator("header.top").get_by_role("link", name="Sign in")).to_have_count(0)
    finally:
        context.close()


def _inside_viewport(box: FloatRect | None, width: int) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
