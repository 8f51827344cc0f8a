"""In a real browser: a huge value is cut in the revisions table with a visible mark, and opening the
object in the YAML view loads it with the full value."""

from __future__ import annotations

import pytest
from kubernetes.client import ApiClient
from playwright.sync_api import Page, expect

from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard
from tests.web.cluster import NS
from tests.web.heavy import VERSION, VERSION_MARK, make_heavy

pytestmark = pytest.mark.browser


def test_a_cut_value_is_marked_and_its_yaml_holds_it_whole(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    make_heavy(knative_api, served_dashboard)
    page.goto(f"{served_dashboard.url}/namespaces/{NS}/services/customer")
    mark = page.locator("#revisions .clipped").first
    expect(mark).to_be_visible()
    expect(mark).to_have_text(VERSION_MARK)
    service = page.locator("#yaml details[data-kind='Service'][data-name='customer']")
    expect(service.locator("summary")).to_contain_text("loaded when opened")
    service.locator("summary").click()
    expect(service.locator(".highlight")).to_contain_text("APP_VERSION")
    assert VERSION in service.locator(".highlight").inner_text()
    screenshot(page, "service-with-huge-values")
