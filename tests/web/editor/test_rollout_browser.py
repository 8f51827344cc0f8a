"""The gradual rollout in a real browser, at a laptop's and a desktop's size: the editor's field sets
the Service's `serving.knative.dev/rollout-duration` (Knative's message inline for a bad value, nothing
sent), and when a new revision comes the Service's row shows the rollout moving live (SSE) until it
ends. The simulator runs Knative 1.23's rollout maths (knative/serving
`pkg/reconciler/route/traffic/rollout.go`) here at the wall clock's pace."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import pytest
from kubernetes.client import ApiClient, CustomObjectsApi
from playwright.sync_api import Browser, Page, expect

from app.model.rollouts import KINGRESS_ROLLOUT_ANNOTATION, ROLLOUT_DURATION_ANNOTATION
from app.sim.building import KnativeCluster, build_cluster
from tests.plugins.browser import screenshot
from tests.plugins.knative import TEST_SETTINGS
from tests.support.forms import EDITOR
from tests.support.serving import Dashboard
from tests.web.cluster import knative_service, patch_service

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": (1366, 768), "desktop": (1920, 1080)}
SHOWN = """() => {
    const el = document.querySelector("#services tr[data-name='customer'] [data-rollout]");
    if (el === null) return null;
    const bar = el.querySelector("progress").getBoundingClientRect();
    return [Number(el.dataset.percent), bar.width > 0 ? bar.right : -1, el.innerText];
}"""
"""The candidate's share the Service's row shows now, the right edge of its progress bar and its text
(null: no rollout shown)."""


@pytest.fixture
def knative_cluster() -> Iterator[KnativeCluster]:
    """Knative 1.23 on the labs scenario with the rollout clock at the wall's pace: the page's "next
    step in" and "ends" are then true, and a step a second leaves the page time to show each one."""
    settings = replace(TEST_SETTINGS, time_scale=1.0)
    with build_cluster(scenario="labs", settings=settings, knative="current") as cluster:
        yield cluster


@pytest.fixture(params=list(VIEWPORTS))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    yield request.param, context.new_page()
    context.close()


def service_annotations(api: ApiClient) -> dict[str, str]:
    return dict(knative_service(api, "customer")["metadata"].get("annotations") or {})


def settled(api: ApiClient) -> None:
    """Wait until the Route reconciler has taken the applied split: its KIngress's rollout state has the
    Route's own split (a target name new to that state takes its latest revision at once, rollout.go's
    Step: a deploy before then would jump there)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kingress = cast(
            dict[str, Any],
            CustomObjectsApi(api).get_namespaced_custom_object(
                "networking.internal.knative.dev", "v1alpha1", "labs-1", "ingresses", "customer"
            ),
        )
        state = json.loads(kingress["metadata"]["annotations"].get(KINGRESS_ROLLOUT_ANNOTATION) or "{}")
        if any(not c.get("tag") for c in state.get("configurations") or []):
            return
        time.sleep(0.05)
    raise AssertionError(f"the Route never took the applied split: {state}")


def new_revision(api: ApiClient, name: str) -> None:
    """A deploy: the template changes, so Knative makes revision `name`."""
    template = knative_service(api, "customer")["spec"]["template"]
    container = dict(template["spec"]["containers"][0])
    container["env"] = [*container.get("env", []), {"name": "DEPLOY", "value": name}]
    patch_service(
        api,
        "customer",
        {"spec": {"template": {"metadata": {"name": name}, "spec": {"containers": [container]}}}},
    )


def test_the_field_sets_the_duration_and_the_service_row_shows_the_rollout_live(
    sized: tuple[str, Page], served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    size, page = sized
    page.goto(served_dashboard.url + EDITOR)
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    field = page.get_by_label("Gradual rollout")
    expect(field).to_have_value("")
    expect(page.locator("[data-rollout-now]").first).to_contain_text("Now: none")

    # Bad input: Knative's own words beside the field, Apply refused, nothing sent.
    version = knative_service(knative_api, "customer")["metadata"]["resourceVersion"]
    for bad, message in (("ten seconds", "invalid value: ten seconds"), ("-5s", "must be positive")):
        field.fill(bad)
        expect(page.locator("[data-rollout-error]")).to_contain_text(message)
        expect(page.locator("#ed-apply")).to_be_disabled()
    assert knative_service(knative_api, "customer")["metadata"]["resourceVersion"] == version

    # All traffic on the latest revision, over 12 s.
    for _ in range(2):  # the two revision rows go (a revision target would pin the new revision's share)
        page.get_by_role("button", name="Remove target 1").click()
        expect(page.locator("#ed-t0-target")).to_be_visible()
    expect(page.locator(".ed-row")).to_have_count(1)
    page.get_by_role("button", name="Send 100% to target 1").click()
    expect(page.locator("#ed-t0-percent")).to_have_value("100")
    field.fill("12s")
    expect(page.locator("[data-rollout-error]")).to_have_count(0)
    expect(page.locator("[data-kn-command]")).to_contain_text(
        f"--annotation {ROLLOUT_DURATION_ANNOTATION}=12s"
    )
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("rollout duration none -> 12s")
    assert service_annotations(knative_api)[ROLLOUT_DURATION_ANNOTATION] == "12s"
    expect(field).to_have_value("12s")

    # A deploy: the new revision's share grows step by step on the Service's row, then it has all.
    row = page.locator("#services tr[data-name='customer']")
    expect(row.locator("[data-rollout]")).to_have_count(0)
    settled(knative_api)
    new_revision(knative_api, "customer-v5")
    expect(row.locator("[data-rollout][data-candidate='customer-v5']")).to_be_visible(timeout=20_000)
    seen: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = page.evaluate(SHOWN)
        if shown is None:
            break
        percent, right, text = shown
        assert 0 < right <= VIEWPORTS[size][0], shown  # laid out, inside the window
        assert text.startswith("rolling out") and "customer-v5" in text, text
        if not seen or seen[-1] != percent:
            seen.append(percent)
            if len(seen) == 2:
                screenshot(page, f"rollout-{size}")
        page.wait_for_timeout(100)
    assert len(seen) >= 2 and seen == sorted(seen) and seen[-1] < 100, seen
    expect(row.locator("[data-rollout]")).to_have_count(0, timeout=15_000)
    expect(row.locator(".legend li[data-revision='customer-v5']")).to_contain_text("100%")
