"""In a real browser: a page whose watches missed a traffic change comes to show the new split, without
a reload, and ends with no "stale" banner. That the miss is found and the kind read again is proven
on the event stream in test_freshness (a browser sees only the banner of the moment, which another
round of checks may already have replaced); the banners' words are checked in tests/web/test_templates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes.client import ApiClient
from playwright.sync_api import Page, expect

from app.sim.building import KnativeCluster
from tests.plugins.browser import screenshot
from tests.resilience.test_freshness import CHECKING, change_split_unseen
from tests.support.serving import FAST, Dashboard, serve
from tests.support.waiting import wait_until
from tests.web.cluster import NS, knative_service

pytestmark = pytest.mark.browser


@pytest.fixture
def checked_dashboard(resilient_api: ApiClient) -> Iterator[Dashboard]:
    with serve(resilient_api, options=FAST, **CHECKING) as dashboard:
        yield dashboard


def test_a_missed_split_reaches_the_open_page(
    page: Page, checked_dashboard: Dashboard, knative_cluster: KnativeCluster, resilient_api: ApiClient
) -> None:
    traffic = knative_service(resilient_api, "customer")["spec"]["traffic"]
    first, second = sorted({t["revisionName"] for t in traffic if t.get("revisionName")})[:2]
    page.goto(f"{checked_dashboard.url}/namespaces/{NS}")
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    page.evaluate("window.splitboardNoReload = true")
    change_split_unseen(knative_cluster, resilient_api, first, second)
    status = page.locator("#routes article[data-name='customer'] [data-side='status']")
    # Watch events stay lost until the page shows the split: only the check can have brought it.
    expect(status.locator(f"tr[data-revision='{first}'] td.num").first).to_have_text("80%", timeout=30_000)
    knative_cluster.faults.clear()
    assert wait_until(lambda: not checked_dashboard.cache.connection().stale, timeout=30)
    expect(page.locator("#connection .banner[data-connection='stale']")).to_have_count(0, timeout=30_000)
    screenshot(page, "namespace-missed-split-read-again")
    assert page.evaluate("window.splitboardNoReload === true")
