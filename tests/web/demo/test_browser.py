"""Real-browser tests of the demo tools: presenter mode, a probe's live tally, pods under load, the
explain view's highlighting. Screenshots land in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes.client import ApiClient
from playwright.sync_api import ConsoleMessage, Page, expect

from app.settings import Settings
from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard, serve
from tests.web.demo.conftest import NAMESPACE, DemoCluster

pytestmark = pytest.mark.browser


def _page_url(dashboard: Dashboard, tail: str) -> str:
    return f"{dashboard.url}/namespaces/{NAMESPACE}/services/customer/{tail}"


@pytest.fixture
def errors(page: Page) -> Iterator[list[str]]:
    """Console errors (a CSP violation, a failed script) collected while the test runs."""
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.append(message.text)

    page.on("console", on_console)
    yield seen


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("main[data-live='open']")).to_have_count(1)


def test_presenter_mode_shows_the_split_tag_urls_with_qr_codes_in_large_type(
    page: Page, demo_dashboard: Dashboard, errors: list[str]
) -> None:
    _open(page, _page_url(demo_dashboard, "demo?present=1"))
    expect(page.locator(".demo.presenter")).to_have_count(1)
    bar = page.locator("#split [data-split='served'] rect")
    expect(bar).to_have_count(2)
    assert sorted(bar.evaluate_all("rs => rs.map(r => r.dataset.revision + ' ' + r.dataset.percent)")) == [
        "customer-v3 50",
        "customer-v4 50",
    ]
    links = page.locator("#urls li[data-tag]")
    expect(links).to_have_count(4)  # the route URL and the tags current, candidate, latest
    expect(page.locator("#urls li[data-tag] svg")).to_have_count(4)
    hrefs = links.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs[0].startswith("http://customer.labs-1.") and hrefs[1].startswith("http://current-customer.")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 17
    screenshot(page, "demo-presenter")
    expect(page.locator("#explain")).to_have_count(0)  # one screen: the diagram has its own page


def test_the_highlight_key_walks_the_explain_diagrams_paths(
    page: Page, demo_dashboard: Dashboard, errors: list[str]
) -> None:
    _open(page, _page_url(demo_dashboard, "demo"))
    page.keyboard.press("t")  # highlight the route URL's path, then the first tag's
    expect(page.locator("svg.explain-svg")).to_have_attribute("data-selected", "@default")
    page.keyboard.press("t")
    expect(page.locator("svg.explain-svg")).to_have_attribute("data-selected", "current")


def test_a_running_probe_updates_its_tally_live(
    page: Page, demo_dashboard: Dashboard, errors: list[str]
) -> None:
    _open(page, _page_url(demo_dashboard, "demo?present=1"))
    page.fill(".probe-form input[name='count']", "60")
    page.fill(".probe-form input[name='rate']", "30")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("p")
    tally = page.locator("#probe-live .tally")
    expect(tally).to_have_attribute("data-state", "running")
    seen: set[int] = set()
    while tally.get_attribute("data-state") == "running":
        seen.add(int(tally.get_attribute("data-sent") or 0))
        page.wait_for_timeout(100)
    assert len({n for n in seen if 0 < n < 60}) >= 3, f"the tally did not move live: {sorted(seen)}"
    expect(tally).to_have_attribute("data-state", "done", timeout=15_000)
    expect(tally).to_have_attribute("data-sent", "60")
    counts = tally.locator("tr[data-revision]").evaluate_all("rs => rs.map(r => Number(r.dataset.count))")
    assert len(counts) == 2 and sum(counts) == 60
    expect(tally.locator(".summary-line")).to_contain_text("Every share is within what chance gives")
    screenshot(page, "demo-probe-done")


def test_pods_appear_under_probe_load_and_scale_to_zero_after(page: Page, demo_dashboard: Dashboard) -> None:
    _open(page, _page_url(demo_dashboard, "demo"))
    v4_pods = page.locator("#pods .pod-group[data-revision='customer-v4'] tr[data-name]")
    expect(v4_pods).to_have_count(0, timeout=10_000)  # idle since start: scaled to zero
    no_pods = "#explain .explain-svg .node.kind-empty[data-id='nopods-customer-v4']"
    expect(page.locator(no_pods)).to_have_count(1)
    page.fill(".probe-form input[name='count']", "100")
    page.fill(".probe-form input[name='rate']", "50")
    page.click(".probe-form button[type='submit']")
    expect(v4_pods.first).to_be_visible(timeout=5_000)
    expect(page.locator("#explain .node.kind-pod").first).to_be_visible()
    screenshot(page, "demo-pods-under-load")
    expect(page.locator("#probe-live .tally")).to_have_attribute("data-state", "done", timeout=15_000)
    expect(v4_pods).to_have_count(0, timeout=10_000)


def test_explain_highlights_a_tags_whole_path_and_links_to_yaml(
    page: Page, demo_dashboard: Dashboard, errors: list[str]
) -> None:
    _open(page, _page_url(demo_dashboard, "explain"))
    page.click(".paths a[data-path='current']")
    svg = page.locator("svg.explain-svg.selecting")
    expect(svg).to_have_attribute("data-selected", "current")
    on = svg.locator(".node.on").evaluate_all("ns => ns.map(n => n.dataset.id)")
    assert "rev-customer-v3" in on and "core-svc-current-customer" in on and "rev-customer-v4" not in on
    route = svg.locator("a.node[data-id='route']")
    assert route.get_attribute("href") == f"/namespaces/{NAMESPACE}/services/customer#yaml-route-customer"
    page.set_viewport_size({"width": int(svg.evaluate("s => s.width.baseVal.value")) + 80, "height": 900})
    screenshot(page, "demo-explain-current")


def test_the_labs_story_from_presenter_mode_alone(
    page: Page, demo_dashboard: Dashboard, errors: list[str]
) -> None:
    """v4 is deployed and split 50/50; probe; shift with a preset key and apply; probe again."""
    _open(page, _page_url(demo_dashboard, "demo?present=1"))
    bar = page.locator("#split [data-split='served'] rect")
    split = "rs => rs.map(r => r.dataset.revision + ' ' + r.dataset.percent).sort()"
    assert bar.evaluate_all(split) == ["customer-v3 50", "customer-v4 50"]
    page.fill(".probe-form input[name='count']", "40")
    page.fill(".probe-form input[name='rate']", "100")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("p")
    tally = page.locator("#probe-live .tally")
    expect(tally).to_have_attribute("data-state", "done", timeout=15_000)
    first = tally.get_attribute("data-probe")

    page.keyboard.press("3")  # the editor's third preset: canary 90/10
    expect(page.locator("#ed-t0-percent")).to_have_value("90")
    expect(page.locator("#ed-t1-percent")).to_have_value("10")
    page.keyboard.press("a")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#split [data-split=served] rect')].map(r => r.dataset.percent)"
        ".sort().join() === '10,90'"
    )
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("p")
    tally = page.locator(f"#probe-live .tally:not([data-probe='{first}'])")
    expect(tally).to_have_attribute("data-state", "done", timeout=15_000)
    configured = tally.locator("tr[data-revision] td.num:nth-of-type(1)").all_inner_texts()
    assert sorted(configured) == ["10%", "90%"]
    screenshot(page, "demo-story-after-shift")


def test_an_explain_box_opens_its_objects_yaml_on_the_service_page(
    page: Page, demo_dashboard: Dashboard, errors: list[str]
) -> None:
    _open(page, _page_url(demo_dashboard, "explain"))
    page.click("svg.explain-svg a.node[data-id='route']")
    page.wait_for_url("**/services/customer#yaml-route-customer")
    target = page.locator("details.yaml#yaml-route-customer")
    expect(target).to_have_attribute("open", "")
    expect(target.locator(".highlight")).to_be_visible()
    expect(target.locator(".highlight")).to_be_in_viewport()
    assert page.locator("details.yaml[open]").count() == 1  # only the target opens
    page.evaluate("window.location.hash = '#yaml-revision-customer-v4'")  # in-page links too
    expect(page.locator("details.yaml#yaml-revision-customer-v4")).to_have_attribute("open", "")


def test_presenter_mode_fits_its_cards_and_probe_form_on_a_laptop_screen(
    page: Page, demo_dashboard: Dashboard
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    _open(page, _page_url(demo_dashboard, "demo?present=1"))
    for card in ("split", "editor", "probe", "urls", "pods"):
        fits = page.locator(f"section#{card}").evaluate("c => c.scrollWidth <= c.clientWidth")
        assert fits, f"{card} scrolls sideways"
    tops = page.locator(".probe-form > label:visible, .probe-form > button").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().bottom))"
    )
    assert max(tops) - min(tops) < 20, f"the probe form wraps: {tops}"
    _open(page, _page_url(demo_dashboard, "demo"))
    captions = page.locator("#urls figcaption a").evaluate_all("as => as.map(a => a.innerHTML)")
    assert captions and all("<wbr>" in c for c in captions)  # URLs break after dots, not mid-word


def test_presenter_mode_follows_the_theme_in_high_contrast(page: Page, demo_dashboard: Dashboard) -> None:
    _open(page, _page_url(demo_dashboard, "demo?present=1"))
    background = "getComputedStyle(document.body).backgroundColor"
    toggle = page.locator("#theme-toggle")
    expect(toggle).to_be_visible()
    before = page.evaluate(background)
    toggle.click()
    after = page.evaluate(background)
    assert {before, after} == {"rgb(255, 255, 255)", "rgb(0, 0, 0)"}


def test_a_pattern_that_needs_backtracking_is_refused_under_the_probe_form(
    page: Page, demo_dashboard: Dashboard, errors: list[str]
) -> None:
    _open(page, _page_url(demo_dashboard, "demo"))
    page.fill(".probe-form input[name='pattern']", r"(v\d+)\1")
    page.click(".probe-form button[type='submit']")
    refusal = page.locator("#probe-live .probe-error[data-status='422']")
    expect(refusal).to_contain_text("Cannot start the probe: the body pattern needs backtracking")
    expect(page.locator(".probe-form")).to_be_visible()  # the form stays, with the pattern as typed
    expect(page.locator(".probe-form input[name='pattern']")).to_have_value(r"(v\d+)\1")
    expect(page.locator("#probe-live .tally")).to_have_count(0)


@pytest.fixture
def read_only_dashboard(demo_cluster: DemoCluster, demo_api: ApiClient) -> Iterator[Dashboard]:
    settings = Settings(ingress_url=demo_cluster.ingress_url, read_only=True)
    with serve(demo_api, settings, lifespan=True) as dashboard:
        yield dashboard


def test_probes_are_off_when_the_dashboard_is_read_only_or_the_visitor_not_signed_in(
    page: Page, read_only_dashboard: Dashboard, token_dashboard: Dashboard, errors: list[str]
) -> None:
    read_only = "Splitboard runs read-only: probes, which send traffic to the Service, are off."
    for dashboard, reason in [
        (read_only_dashboard, read_only),
        (token_dashboard, "Sign in first: /login, or send Authorization: Bearer <token>"),
    ]:
        _open(page, _page_url(dashboard, "demo?present=1"))
        expect(page.locator("#probe [data-probe-refusal]")).to_have_text(reason)
        expect(page.locator(".probe-form")).to_have_count(0)
        page.keyboard.press("p")  # the probe key finds no form to send
        expect(page.locator("#probe-live")).to_be_empty()
        if dashboard is read_only_dashboard:
            # (a visitor who is not signed in sees the editor's own sync posts refused: not a probe's)
            assert errors == []
