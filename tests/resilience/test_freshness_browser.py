"""In a real browser: a page whose watches missed a traffic change shows the new split and says it was
read again, without a reload (the "stale" banner's own words are checked in tests/web/test_templates)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes.client import ApiClient
from playwright.sync_api import Page, expect

from app.sim.building import KnativeCluster
from tests.plugins.browser import screenshot
from tests.resilience.test_freshness import CHECKING, change_split_unseen
from tests.support.serving import FAST, Dashboard, serve
from tests.web.cluster import NS, knative_service

pytestmark = pytest.mark.browser


@pytest.fixture
def checked_dashboard(resilient_api: ApiClient) -> Iterator[Dashboard]:
    with serve(resilient_api, options=FAST, **CHECKING) as dashboard:
        yield dashboard


def test_a_missed_split_is_read_again_and_the_banner_says_so(
    page: Page, checked_dashboard: Dashboard, knative_cluster: KnativeCluster, resilient_api: ApiClient
) -> None:
    traffic = knative_service(resilient_api, "customer")["spec"]["traffic"]
    first, second = sorted({t["revisionName"] for t in traffic if t.get("revisionName")})[:2]
    page.goto(f"{checked_dashboard.url}/namespaces/{NS}")
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    page.evaluate("window.splitboardNoReload = true")
    faults = knative_cluster.faults
    faults.set_latency(1.0)  # the relist that heals takes a second: long enough to see the banner
    change_split_unseen(knative_cluster, resilient_api, first, second)
    faults.clear()
    faults.set_latency(1.0)
    banner = page.locator("#connection .banner")
    status = page.locator("#routes article[data-name='customer'] [data-side='status']")
    expect(status.locator(f"tr[data-revision='{first}'] td.num").first).to_have_text("80%", timeout=30_000)
    # only a watch found to have missed changes, and listed again, makes the cache say so
    expect(banner).to_have_attribute("data-connection", "resynced", timeout=30_000)
    expect(banner).to_contain_text("up to date")
    screenshot(page, "namespace-resynced-banner")
    faults.set_latency(0)
    assert page.evaluate("window.splitboardNoReload === true")
