"""Real-browser tests (Chromium via Playwright): the pages render, and cluster changes show up live,
without a reload, well within a few seconds.

The tests of what a page shows take `lab_dashboard` and run on the simulator and on the real API server;
those watching a change follow (Routes, new revisions, pods) need the simulator's controllers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from kubernetes.client import ApiClient, CoreV1Api, V1Container, V1ObjectMeta, V1Pod, V1PodSpec
from playwright.sync_api import Page, expect

from app.model.labels import REVISION_LABEL, SERVICE_LABEL
from tests.backends import Backend
from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard
from tests.web.cluster import NS, knative, knative_service, names, patch_service, pod_names

pytestmark = pytest.mark.browser

SECTIONS = ("summary", "services", "revisions", "routes", "virtualservices", "core_services", "pods")


def open_live(page: Page, url: str) -> None:
    """Open a page, wait for its SSE stream, and mark the window so a reload would show."""
    page.goto(url)
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    page.evaluate("window.splitboardNoReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.splitboardNoReload === true")


def test_namespace_page_shows_every_section(page: Page, lab: Backend, lab_dashboard: Dashboard) -> None:
    knative_api = lab.client()
    open_live(page, f"{lab_dashboard.url}/namespaces/{NS}")
    for name in SECTIONS:
        expect(page.locator(f"section#{name}")).to_be_visible()
    expect(page.locator("#services tbody tr")).to_have_count(len(knative(knative_api, "services")))
    expect(page.locator("#revisions tbody tr")).to_have_count(len(knative(knative_api, "revisions")))
    expect(page.locator("#pods tr[data-name]")).to_have_count(len(pod_names(knative_api)))
    expect(page.locator("#summary [data-count='revisions']")).to_have_text(
        str(len(knative(knative_api, "revisions")))
    )
    screenshot(page, f"namespace-labs-1-{lab.name}")


def test_a_traffic_patch_shows_without_reload(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    open_live(page, f"{served_dashboard.url}/namespaces/{NS}")
    traffic: list[dict[str, Any]] = knative_service(knative_api, "customer")["spec"]["traffic"]
    first, second = [t for t in traffic if t.get("percent")][:2]
    first["percent"], second["percent"] = 80, 20
    patch_service(knative_api, "customer", {"spec": {"traffic": traffic}})
    route = page.locator("#routes article[data-name='customer'] [data-side='status']")
    expect(route.locator(f"tr[data-revision='{first['revisionName']}'] td.num").first).to_have_text("80%")
    expect(
        page.locator(f"#revisions tr[data-name='{second['revisionName']}'] [data-col='traffic']")
    ).to_have_text("20%")
    bar = page.locator(f"#services tr[data-name='customer'] rect[data-revision='{first['revisionName']}']")
    expect(bar).to_have_attribute("data-percent", "80")
    assert_not_reloaded(page)
    screenshot(page, "namespace-after-80-20")


def test_a_new_revision_appears_and_turns_ready(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    open_live(page, f"{served_dashboard.url}/namespaces/{NS}")
    service = knative_service(knative_api, "customer")
    template = copy.deepcopy(service["spec"]["template"])
    template["metadata"]["name"] = "customer-v5"
    for container in template["spec"]["containers"]:
        container["env"] = [{"name": "VERSION", "value": "v5"}]
    patch_service(knative_api, "customer", {"spec": {"template": template}})
    row = page.locator("#revisions tr[data-name='customer-v5']")
    expect(row).to_contain_text("VERSION=v5")
    expect(row.locator("[data-col='ready']")).to_have_text("True")
    expect(page.locator("#pods .pod-group[data-revision='customer-v5']")).to_have_count(1)
    assert "customer-v5" in names(knative(knative_api, "revisions"))
    assert_not_reloaded(page)


def test_pods_appear_and_vanish_in_their_revision_group(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    open_live(page, f"{served_dashboard.url}/namespaces/{NS}")
    revision = knative(knative_api, "revisions")[0]
    labels = {
        REVISION_LABEL: revision["metadata"]["name"],
        SERVICE_LABEL: revision["metadata"]["labels"][SERVICE_LABEL],
    }
    name = f"{labels[REVISION_LABEL]}-deployment-7d9f-x2x4q"
    core = CoreV1Api(knative_api)
    container = V1Container(name="user-container", image=revision["spec"]["containers"][0]["image"])
    core.create_namespaced_pod(
        NS, V1Pod(metadata=V1ObjectMeta(name=name, labels=labels), spec=V1PodSpec(containers=[container]))
    )
    group = page.locator(f"#pods .pod-group[data-revision='{labels[REVISION_LABEL]}']")
    expect(group.locator(f"tr[data-name='{name}']")).to_have_count(1)
    core.delete_namespaced_pod(name, NS, grace_period_seconds=0)
    expect(group.locator(f"tr[data-name='{name}']")).to_have_count(0)
    assert_not_reloaded(page)


def test_the_banner_shows_a_lost_connection_and_its_return(
    page: Page, served_dashboard: Dashboard, knative_cluster: Any
) -> None:
    open_live(page, f"{served_dashboard.url}/namespaces/{NS}")
    knative_cluster.stop()
    expect(page.locator("#connection [data-connection='lost']")).to_be_visible(timeout=10_000)
    screenshot(page, "connection-lost")
    knative_cluster.start()
    expect(page.locator("#connection [data-connection='back']")).to_be_visible(timeout=10_000)
    assert_not_reloaded(page)


def test_service_page_sections_and_yaml(page: Page, lab: Backend, lab_dashboard: Dashboard) -> None:
    knative_api = lab.client()
    open_live(page, f"{lab_dashboard.url}/namespaces/{NS}/services/customer")
    customer = knative_service(knative_api, "customer")
    expect(page.locator("#services tbody tr")).to_have_count(1)
    expect(page.locator("#conditions tbody[data-kind='Service'] tr")).to_have_count(
        len(customer["status"]["conditions"])
    )
    expect(page.locator("section#editor")).to_have_count(1)
    details = page.locator("#yaml details[data-kind='Route'][data-name='customer']")
    details.locator("summary").click()
    expect(details.locator(".highlight")).to_contain_text("spec:")
    page.locator("#yaml").get_by_role("button", name="Reload").click()
    expect(page.locator("#yaml details[data-kind='Service'][data-name='customer']")).to_have_count(1)
    screenshot(page, f"service-customer-{lab.name}")


def test_theme_toggle_is_remembered(page: Page, served_dashboard: Dashboard) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(f"{served_dashboard.url}/namespaces/{NS}")
    page.locator("#theme-toggle").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 28)"
    screenshot(page, "namespace-dark")


def test_tables_fit_a_laptop_screen_and_keep_their_columns_in_line(
    page: Page, served_dashboard: Dashboard
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{served_dashboard.url}/namespaces/{NS}")
    for name in ("services", "revisions", "routes"):
        card = page.locator(f"section#{name}")
        assert card.evaluate("c => c.scrollWidth <= c.clientWidth"), f"{name} scrolls sideways at 1280 px"
    page.goto(f"{served_dashboard.url}/namespaces/{NS}/services/customer")
    text_left = (
        "c => Math.round(c.getBoundingClientRect().left + parseFloat(getComputedStyle(c).paddingLeft))"
    )
    types = page.locator("#conditions tr[data-type] > td:nth-last-child(5)")  # Type, Status, ..., Age
    lefts = types.evaluate_all(f"cells => cells.map({text_left})")
    assert len(lefts) > 4 and len(set(lefts)) == 1, f"condition types start at {sorted(set(lefts))}"
    screenshot(page, "service-customer-1280")
