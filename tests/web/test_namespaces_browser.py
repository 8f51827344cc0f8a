"""In a real browser, as a new user meets it: the namespace list leads with the lab's namespace and keeps
the cluster's own folded until opened with the mouse; the namespace page shows pods right after the
Knative Services; a name opens its YAML (by keyboard), and Copy YAML puts that YAML on the clipboard."""

from __future__ import annotations

import pytest
import yaml
from playwright.sync_api import Browser, Locator, Page, expect

from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard
from tests.web.cluster import NS

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
