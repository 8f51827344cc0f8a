"""The namespace page and the explain view in a real browser (Chromium via Playwright) on Knative 1.23
with net-istio (`current`) and with Kourier (`kourier`), at a laptop's and a desktop's size: every
section shows without errors or sideways scrolling, the probe routes open on demand, and the explain
diagram draws the VirtualServices' real routes or, without Istio, the KIngress rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard
from tests.web.cluster import NS

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": (1366, 768), "desktop": (1920, 1080)}
SHAPES = ["current", "kourier"]


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, list[str], str]]:
    """A page at one of VIEWPORTS, with the console errors and uncaught exceptions it collects."""
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, errors, request.param
    context.close()


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("main[data-live='open']")).to_have_count(1)


def assert_fits(page: Page, cards: list[str]) -> None:
    """Neither the page nor any of these cards scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )
    for name in cards:
        card = page.locator(f"section#{name}")
        assert card.evaluate("c => c.scrollWidth <= c.clientWidth"), f"{name} scrolls sideways"


@pytest.mark.parametrize("knative_shape", SHAPES)
def test_namespace_page_and_probe_routes(
    knative_shape: str, shaped_dashboard: Dashboard, sized_page: tuple[Page, list[str], str]
) -> None:
    page, errors, size = sized_page
    open_live(page, f"{shaped_dashboard.url}/namespaces/{NS}")
    expect(page.locator("#ingresses article.kingress")).to_have_count(3)
    customer = page.locator("#ingresses article[data-name='customer']")
    expect(customer.locator("tr[data-rule]")).to_have_count(8)
    expect(page.locator("#core_services tr[data-name='customer-v3-private'] .chain li").first).to_have_text(
        "ServerlessService customer-v3"
    )
    cards = ["summary", "services", "revisions", "routes", "ingresses", "core_services", "pods"]
    if knative_shape == "kourier":
        expect(page.locator("#virtualservices")).to_be_hidden()
        expect(page.locator("#ingresses [data-no-istio='true']")).to_be_visible()
        expect(customer.locator(".tag")).to_have_text("Kourier")
    else:
        cards.append("virtualservices")
        vs = page.locator("#virtualservices article[data-name='customer-ingress']")
        expect(vs.locator("table.http:not(.probe-routes) tr[data-index]")).to_have_count(8)
        probes = vs.locator("details.probes tr[data-probe='true']")
        expect(probes).to_have_count(8)
        expect(probes.first).to_be_hidden()  # kept aside until asked for
        vs.locator("details.probes > summary").click()
        expect(probes.first).to_be_visible()
        expect(probes.nth(7)).to_be_visible()
        vs.scroll_into_view_if_needed()
    assert_fits(page, cards)
    screenshot(page, f"namespace-{knative_shape}-{size}")
    assert errors == []


@pytest.mark.parametrize("knative_shape", SHAPES)
def test_explain_view(
    knative_shape: str, shaped_dashboard: Dashboard, sized_page: tuple[Page, list[str], str]
) -> None:
    page, errors, size = sized_page
    open_live(page, f"{shaped_dashboard.url}/namespaces/{NS}/services/customer/explain")
    svg = page.locator("svg.explain-svg")
    expect(svg).to_be_visible()
    titles = svg.locator("text.column-title").evaluate_all("ts => ts.map(t => t.textContent)")
    if knative_shape == "kourier":
        assert titles[3] == "KIngress rules"
        expect(svg.locator(".node.kind-kingress")).to_have_count(1)
        expect(svg.locator(".node.kind-rule")).to_have_count(8)
        expect(page.locator("[data-info='true']")).to_contain_text("Kourier")
    else:
        assert titles[3] == "VirtualService routes"
        expect(svg.locator(".node.kind-virtualservice")).to_have_count(2)
        expect(svg.locator(".node.kind-rule")).to_have_count(8 + 4)  # the probe routes are folded
    expect(page.locator("#explain p.note")).to_have_count(0)
    page.click(".paths a[data-path='current']")
    expect(page.locator("svg.explain-svg.selecting")).to_have_attribute("data-selected", "current")
    on = page.locator("svg.explain-svg .node.on").evaluate_all("ns => ns.map(n => n.dataset.id)")
    assert "rev-customer-v3" in on and "rev-customer-v4" not in on
    # The diagram is wider than a screen: its own box scrolls, the page does not.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"explain-{knative_shape}-{size}")
    assert errors == []
