"""A namespace of 50 Knative Services with 4 revisions each (200 revisions, 550 Kubernetes Services):
its page is small at first load, and everything is still a scroll or a click away, filtered by name on
the server, and live, in a real browser at laptop and desktop sizes."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kubernetes.client import ApiClient
from playwright.sync_api import Page, expect

from app.kube.config import load_api_client
from app.sim.building import KnativeCluster, build_cluster
from app.sim.scenarios.reading import apply_scenario, load_scenario
from tests.plugins.browser import ARTIFACTS, screenshot
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import official_client
from tests.support.serving import Dashboard, serve
from tests.web.cluster import (
    core_service_names,
    kingress_names,
    knative,
    knative_service,
    patch_service,
    virtualservice_names,
)
from tests.web.markup import row_names, section

NS = "scale-0"
SERVICES, REVISIONS = 50, 4
FIRST_LOAD_LIMIT = 200_000
"""Bytes of the page's first load (it was 1.8 MB when every row was sent)."""
SECTION_ITEMS = {
    "services": ("tr", "services"),
    "revisions": ("tr", "revisions"),
    "routes": ("article", "routes"),
    "ingresses": ("article", "ingresses"),
    "virtualservices": ("article", "virtualservices"),
}
"""Section -> (the element of each item, what the truth lists)."""


@pytest.fixture(scope="module")
def scale_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnativeCluster]:
    with build_cluster(scenario=None, settings=TEST_SETTINGS) as cluster:
        apply_scenario(
            cluster.store, load_scenario(f"scale:1x{SERVICES}x{REVISIONS}"), lambda: cluster.settle(300)
        )
        yield cluster


@pytest.fixture(scope="module")
def scale_api(scale_cluster: KnativeCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    with official_client(scale_cluster.write_kubeconfig(tmp_path_factory.mktemp("truth") / "kc")) as api:
        yield api


@pytest.fixture(scope="module")
def scale_dashboard(
    scale_cluster: KnativeCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dashboard]:
    kubeconfig = scale_cluster.write_kubeconfig(tmp_path_factory.mktemp("dashboard") / "kc")
    with load_api_client(kubeconfig) as api, serve(api) as dashboard:
        yield dashboard


def truth(api: ApiClient, what: str) -> list[str]:
    if what == "ingresses":
        return kingress_names(api, NS)
    if what == "virtualservices":
        return virtualservice_names(api, NS)
    return sorted(str(o["metadata"]["name"]) for o in knative(api, what, NS))


def loaders(markup: str) -> list[str]:
    """The URLs the markup loads more from when scrolled to."""
    return [
        html.unescape(url)
        for url in re.findall(r'class="more" hx-get="([^"]*)" hx-trigger="intersect once"', markup)
    ]


def scrolled_through(http: httpx.Client, markup: str, element: str) -> list[str]:
    """The names of every item of a section, following its scroll-loaded fragments to the end."""
    names = row_names(markup, element)
    pending = loaders(markup)
    while pending:
        more = http.get(pending.pop()).text
        names += row_names(more, element)
        pending += loaders(more)
    return names


def test_the_first_load_is_small_and_everything_is_a_scroll_or_a_click_away(
    scale_dashboard: Dashboard, scale_api: ApiClient
) -> None:
    with httpx.Client(base_url=scale_dashboard.url, timeout=60) as http:
        page = http.get(f"/namespaces/{NS}")
        assert page.status_code == 200
        assert len(page.content) <= FIRST_LOAD_LIMIT, len(page.content)
        assert f'<dd data-count="revisions">{SERVICES * REVISIONS}</dd>' in section(page.text, "summary")
        for name, (element, what) in SECTION_ITEMS.items():
            markup = section(page.text, name)
            shown = row_names(markup, element)
            assert 0 < len(shown) < len(truth(scale_api, what)), name
            assert sorted(scrolled_through(http, markup, element)) == truth(scale_api, what), name
        # The Kubernetes Services: folded under their Knative Service, each group opened by a click.
        core = section(page.text, "core_services")
        assert row_names(core) == []
        groups = re.findall(r'<tbody class="group" data-group="([^"]*)"', core)
        assert groups
        rows = []
        pending = loaders(core)
        while pending:
            more = http.get(pending.pop()).text
            assert row_names(more) == []
            groups += re.findall(r'<tbody class="group" data-group="([^"]*)"', more)
            pending += loaders(more)
        assert sorted(groups) == sorted(f"Service/svc-{j}" for j in range(SERVICES))
        for group in groups:
            opened = http.get(
                f"/namespaces/{NS}/sections/core_services", params={"group": group, "open": "true"}
            ).text
            count = re.search(r'data-group-count="(\d+)"', opened)
            assert count is not None and len(row_names(opened)) == int(count.group(1))
            rows += row_names(opened)
        assert sorted(rows) == core_service_names(scale_api, NS)


def test_the_filter_narrows_every_section_on_the_server(
    scale_dashboard: Dashboard, scale_api: ApiClient
) -> None:
    with httpx.Client(base_url=scale_dashboard.url, timeout=60) as http:
        page = http.get(f"/namespaces/{NS}", params={"q": "svc-42"}).text
        revisions = [r for r in truth(scale_api, "revisions") if r.startswith("svc-42-")]
        assert len(revisions) >= REVISIONS
        assert row_names(section(page, "services")) == ["svc-42"]
        assert sorted(row_names(section(page, "revisions"))) == revisions
        assert row_names(section(page, "routes"), "article") == ["svc-42"]
        core = section(page, "core_services")
        assert re.findall(r'<tbody class="group" data-group="([^"]*)"', core) == ["Service/svc-42"]
        assert sorted(row_names(core)) == [n for n in core_service_names(scale_api, NS) if "svc-42" in n]
        # The fragment the filter box asks for is the same section.
        fragment = http.get(f"/namespaces/{NS}/sections/services", params={"q": "svc-42"}).text
        assert row_names(fragment) == ["svc-42"]


def new_revision(api: ApiClient, name: str) -> None:
    """A new template (env VERSION changed): a new revision with its two Kubernetes Services."""
    service: dict[str, Any] = knative_service(api, name, NS)
    containers = service["spec"]["template"]["spec"]["containers"]
    containers[0]["env"] = [{"name": "VERSION", "value": "v-next"}]
    patch_service(api, name, {"spec": {"template": {"spec": {"containers": containers}}}}, NS)


def group(page: Page, key: str) -> Any:
    return page.locator(f"#core_services tbody.group[data-group='{key}']")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("width", "height", "opened", "folded"),
    [(1366, 768, "svc-1", "svc-2"), (1920, 1080, "svc-3", "svc-4")],
    ids=["laptop", "desktop"],
)
def test_in_a_browser_grouped_filtered_opened_scrolled_and_live(
    page: Page,
    scale_dashboard: Dashboard,
    scale_api: ApiClient,
    width: int,
    height: int,
    opened: str,
    folded: str,
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{scale_dashboard.url}/namespaces/{NS}")
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    index = page.locator("nav.section-index")
    expect(index).to_be_visible()
    # Grouped and folded: a row per Knative Service with its count; none of the 550 rows yet.
    expect(page.locator("#core_services tr[data-name]")).to_have_count(0)
    expect(group(page, f"Service/{opened}").locator("[data-group-count]")).to_contain_text(
        "Kubernetes Services"
    )
    # Opened by a click.
    group(page, f"Service/{opened}").locator("button.toggle").click()
    rows = group(page, f"Service/{opened}").locator("tr[data-name]")
    count = int(
        group(page, f"Service/{opened}").locator("[data-group-count]").get_attribute("data-group-count") or 0
    )
    expect(rows).to_have_count(count)
    assert count > 2
    # Scrolled to: the revisions past the first page load, and the sticky index stays in view.
    first = page.locator("#revisions tbody tr[data-name]").count()
    page.locator("#revisions tr.more").scroll_into_view_if_needed()
    expect(page.locator("#revisions tbody tr[data-name]")).not_to_have_count(first)
    assert page.locator("#revisions tbody tr[data-name]").count() > first
    expect(index).to_be_in_viewport()
    # Filtered on the server: rows not loaded yet are found.
    page.locator("#filter").fill("svc-42")
    expect(page.locator("#services tbody tr[data-name]")).to_have_count(1)
    expect(page.locator("#revisions tbody tr[data-name='svc-42-00004']")).to_have_count(1)
    expect(page.locator("#core_services tbody.group")).to_have_count(1)
    expect(page.locator("#core_services tr[data-name='svc-42-00004-private']")).to_have_count(1)
    page.locator("#filter").fill("")
    expect(page.locator("#services tbody tr[data-name]")).to_have_count(10)
    # The group opened before the filter is opened again.
    expect(rows).to_have_count(count)
    # Live: a new revision of each adds two Kubernetes Services to its group, opened or folded.
    before = int(
        group(page, f"Service/{folded}").locator("[data-group-count]").get_attribute("data-group-count") or 0
    )
    page.evaluate("window.splitboardNoReload = true")
    new_revision(scale_api, opened)
    new_revision(scale_api, folded)
    expect(rows).to_have_count(count + 2, timeout=15_000)
    expect(group(page, f"Service/{folded}").locator("[data-group-count]")).to_have_attribute(
        "data-group-count", str(before + 2), timeout=15_000
    )
    expect(group(page, f"Service/{folded}").locator("tr[data-name]")).to_have_count(0)
    assert page.evaluate("window.splitboardNoReload === true")
    screenshot(page, f"namespace-200-{width}x{height}")
    # What a reader sees there (docs/screenshots/namespace-200.png is the desktop one).
    group(page, f"Service/{opened}").evaluate("group => group.scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / f"namespace-200-{width}x{height}-view.png"))
