"""In a real browser, as a new user meets it: the namespace list leads with the lab's namespace and keeps
the cluster's own folded until opened with the mouse, and a long list loads as it scrolls, filters and
updates one row live; the namespace page shows pods right after the
Knative Services; a name opens its YAML (by keyboard), and Copy YAML puts that YAML on the clipboard."""

from __future__ import annotations

import pytest
import yaml
from kubernetes.client import ApiClient, CoreV1Api
from playwright.sync_api import Browser, Locator, Page, expect

from app.model.views.namespacelist import FIRST_ROWS, is_system_namespace
from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard
from tests.web.cluster import NS
from tests.web.test_namespace_list import TEAMS, create_namespaces, service, within

VIEWPORTS = [(1280, 800), (1366, 768), (1920, 1080)]


def click_with_mouse(page: Page, target: Locator) -> None:
    """A real pointer click in the middle of `target` (moved there first, as a hand would)."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None, "the target is on screen"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.down()
    page.mouse.up()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_namespace_list_leads_with_knative_and_folds_the_system(
    served_dashboard: Dashboard, browser: Browser, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(served_dashboard.url + "/")
        rows = page.locator("#namespaces tr[data-name]")
        expect(rows.first).to_have_attribute("data-name", NS)
        # A live update may swap the list between two reads: wait for the row to be laid out.
        expect(rows.first).to_be_visible()
        top = rows.first.evaluate("r => r.getBoundingClientRect().top")
        assert top < height, "above the fold"
        assert "kube-system" not in rows.evaluate_all("rows => rows.map(r => r.dataset.name)")
        folded = page.locator("details.system-namespaces")
        expect(folded.locator("tr[data-name=kube-system]")).to_be_hidden()
        if (width, height) == (1366, 768):
            screenshot(page, "namespaces-1366")
        click_with_mouse(page, folded.locator("summary"))
        expect(folded.locator("tr[data-name=kube-system]")).to_be_visible()

        click_with_mouse(page, rows.first.get_by_role("link", name=NS))
        page.wait_for_url(f"**/namespaces/{NS}")
        sections = page.locator("section.slot").evaluate_all("s => s.map(e => e.id)")
        assert sections.index("pods") == sections.index("services") + 1, sections
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_a_name_opens_its_yaml_and_copy_puts_it_on_the_clipboard(
    served_dashboard: Dashboard, browser: Browser, width: int, height: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": height}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    try:
        page.goto(f"{served_dashboard.url}/namespaces/{NS}")
        link = page.locator("#revisions a[data-yaml=revisions]").first
        name = link.text_content()
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/namespaces/{NS}/objects/revisions/{name}")
        expect(page.locator("h1")).to_contain_text(f"Revision {name}")
        button = page.get_by_role("button", name="Copy YAML")
        click_with_mouse(page, button)
        expect(page.locator(".copy-yaml .copied")).to_contain_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert yaml.safe_load(copied)["metadata"]["name"] == name
        assert copied.strip() == (page.locator("#object-yaml pre").text_content() or "").strip()

        page.goto(f"{served_dashboard.url}/namespaces/{NS}/services/customer")
        details = page.locator("details.yaml[data-kind=Route]").first
        click_with_mouse(page, details.locator("summary"))
        click_with_mouse(page, details.get_by_role("button", name="Copy YAML"))
        expect(details.locator(".copied")).to_contain_text("Copied")
        assert yaml.safe_load(page.evaluate("navigator.clipboard.readText()"))["kind"] == "Route"
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_a_long_list_loads_as_it_scrolls_filters_and_updates_a_row_live(
    served_dashboard: Dashboard, knative_api: ApiClient, browser: Browser, width: int, height: int
) -> None:
    create_namespaces(knative_api, TEAMS)
    served = served_dashboard.app.state.dashboard
    assert within(10, lambda: set(TEAMS) <= set(served.cache.namespaces()))
    everyone = served.cache.namespaces()
    system = [n for n in everyone if is_system_namespace(n)]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(served_dashboard.url + "/")
        expect(page.locator("#content")).to_have_attribute("data-live", "open")
        rows = page.locator("#namespaces tr[data-name]")
        expect(rows).to_have_count(FIRST_ROWS)
        expect(rows.first).to_have_attribute("data-name", NS)
        expect(page.locator("#namespace_counts .count")).to_have_text(str(len(everyone)))

        # Scrolled to its end, the list brings the rest: every namespace but the folded system ones.
        page.locator("#namespaces tr.more").scroll_into_view_if_needed()
        expect(rows).to_have_count(len(everyone) - len(system))
        last = page.locator(f"#namespaces tr[data-name={TEAMS[-1]}]")
        expect(last).to_be_visible()

        # A change in a namespace far down the list reaches its row alone, in place.
        before = last.locator("td").nth(6).inner_text()
        CoreV1Api(knative_api).create_namespaced_service(TEAMS[-1], service("by-hand"))
        expect(last.locator("td").nth(6)).not_to_have_text(before, timeout=10_000)
        assert last.locator("td").nth(6).inner_text().startswith("1 ")
        expect(rows).to_have_count(len(everyone) - len(system))  # the rest of the list stayed

        # The filter narrows the whole list on the server, the folded system namespaces included.
        page.locator("#filter").fill("team-1")
        expect(rows).to_have_count(sum(1 for t in TEAMS if "team-1" in t))
        page.wait_for_url("**/?q=team-1")
        page.locator("#filter").fill("kube-sys")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-name", "kube-system")
        page.evaluate("window.scrollTo(0, 0)")  # (the filter stays in sight: it sticks to the top)
        page.locator("#filter").fill("")
        expect(rows).to_have_count(FIRST_ROWS)
        expect(rows.first).to_have_attribute("data-name", NS)

        # Below the list, the system group; scrolling to it loads the rest of the list first.
        page.locator("#namespaces tr.more").scroll_into_view_if_needed()
        expect(rows).to_have_count(len(everyone) - len(system))
        folded = page.locator("details.system-namespaces")
        expect(folded.locator("tr[data-name]")).to_have_count(0)
        click_with_mouse(page, folded.locator("summary"))
        expect(folded.locator("tr[data-name]")).to_have_count(len(system))
        expect(folded.locator("tr[data-name=kube-system]")).to_be_visible()
        # A new system namespace reaches the opened group live (its rows are loaded again).
        create_namespaces(knative_api, ["kube-late"])
        expect(folded.locator("tr[data-name=kube-late]")).to_be_visible(timeout=10_000)
        expect(folded).to_have_attribute("open", "")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    finally:
        context.close()
