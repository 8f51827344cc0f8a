"""The "inject faults" control in a real browser: on the demo page and folded in presenter mode, it makes
the candidate fail, the probe's ticker shows the candidate's 503s, and Clear heals it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes.client import ApiClient
from playwright.sync_api import Browser, Page, expect

from app.settings import Settings
from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard, serve
from tests.web.demo.conftest import NAMESPACE, DemoCluster

pytestmark = pytest.mark.browser


@pytest.fixture
def faults_dashboard(demo_cluster: DemoCluster, demo_api: ApiClient) -> Iterator[Dashboard]:
    settings = Settings(ingress_url=demo_cluster.ingress_url, fault_injection=True)
    with serve(demo_api, settings, lifespan=True) as dashboard:
        yield dashboard


@pytest.mark.parametrize(
    ("width", "height", "present"),
    [(1366, 768, True), (1920, 1080, False)],
    ids=["presenter-1366", "demo-1920"],
)
def test_injected_faults_show_in_the_probe_and_clear(
    browser: Browser, faults_dashboard: Dashboard, width: int, height: int, present: bool
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page: Page = context.new_page()
        query = "?present=1" if present else ""
        page.goto(f"{faults_dashboard.url}/namespaces/{NAMESPACE}/services/customer/demo{query}")
        expect(page.locator("main[data-live='open']")).to_have_count(1)
        control = page.locator("#faults details.faults")
        if present:
            expect(control).not_to_have_attribute("open", "")  # folded: the one-screen layout stays
            control.locator("summary").click()
        expect(page.locator("#faults .faults-form")).to_be_visible()
        page.select_option("#faults select[name='revision']", "customer-v4")
        page.fill("#faults input[name='errorPercent']", "100")
        page.click("#faults button:not([name])")
        state = page.locator("#faults-state")
        expect(state.locator("li[data-revision='customer-v4']")).to_contain_text(
            "100% of answers fail with 503"
        )
        box = page.locator("#faults").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        if present:
            assert box["y"] + box["height"] <= height
            scroll = page.evaluate(
                "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
            )
            assert scroll[0] <= height and scroll[1] <= width
        screenshot(page, f"faults-{'presenter' if present else 'demo'}-{width}")

        # the probe's ticker shows the candidate's own 503s, named by its revision header
        page.fill(".probe-form input[name='count']", "40")
        page.fill(".probe-form input[name='rate']", "40")
        page.click(".probe-form button[type='submit']")
        failing = page.locator("#probe-live .ticker li.bad[data-revision='customer-v4']")
        expect(failing.first).to_have_attribute("data-status", "HTTP 503", timeout=15_000)
        expect(page.locator("#probe-live .ticker li.bad[data-revision='customer-v3']")).to_have_count(0)

        page.click("#faults button[name='clear']")
        expect(state.locator("li.muted")).to_contain_text("No revision has faults")
    finally:
        context.close()
