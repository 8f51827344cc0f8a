"""In a real browser with no way out but to the dashboard: the API docs page (Swagger UI) loads its
script and styles from the dashboard itself, runs under the page's CSP and lists the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.support.guarded import Served

VIEWPORTS = [(1366, 768), (1920, 1080)]


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_api_docs_work_with_only_the_dashboard_reachable(
    dashboard: Served, browser: Browser, width: int, height: int
) -> None:
    own = urlsplit(dashboard.url).netloc
    context = browser.new_context(viewport={"width": width, "height": height})
    elsewhere: list[str] = []

    def only_the_dashboard(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_dashboard)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(dashboard.url + "/docs")
        operations = page.locator(".opblock-summary-path")
        expect(operations.first).to_be_visible(timeout=10_000)
        paths = operations.all_text_contents()
        assert any("/api/namespaces/{namespace}/services/{name}" in p for p in paths), paths
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Splitboard")
        assert elsewhere == [], "the docs page asked another host"
        assert problems == [], problems
    finally:
        context.close()
