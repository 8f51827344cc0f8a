"""The editor in a real browser (Chromium via Playwright): dragging with the mouse, the keyboard, applying
and watching Route and VirtualServices follow live, the demo's walk, and two browsers on one Service where
no update is lost.

Tests taking `lab_dashboard` run on the simulator and on the real API server, where nothing reconciles
Knative: they judge the Service's spec and the history Events. Those watching Routes and VirtualServices
follow a change need the simulator's reconciler and run there alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes.client import ApiClient, CoreV1Api
from playwright.sync_api import Browser, Page, expect

from tests.backends import Backend
from tests.plugins.browser import screenshot
from tests.support.forms import EDITOR, NS, traffic_events
from tests.support.serving import Dashboard
from tests.web.cluster import knative_service

pytestmark = pytest.mark.browser


def open_editor(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + EDITOR)
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    expect(page.locator("#ed-t0-slider")).to_have_value("50")


def split(api: ApiClient) -> list[int]:
    return [int(t.get("percent") or 0) for t in knative_service(api, "customer")["spec"]["traffic"]]


def expect_served(page: Page, v3: int, v4: int) -> None:
    """The Route's status.traffic and the ingress VirtualService's default route, as the page shows them
    live (SSE sections): customer-v3 at `v3`%, customer-v4 at `v4`%."""
    status = page.locator("#routes article[data-name='customer'] [data-side='status']")
    expect(status.locator("tr[data-revision='customer-v3'] td.num").first).to_have_text(f"{v3}%")
    expect(status.locator("tr[data-revision='customer-v4'] td.num").first).to_have_text(f"{v4}%")
    ingress = page.locator("#virtualservices article[data-name='customer'] table.http tbody tr").first
    expect(ingress.locator(f"li[data-revision='customer-v3'][data-weight='{v3}']")).to_have_count(
        1 if v3 else 0
    )
    expect(ingress.locator(f"li[data-revision='customer-v4'][data-weight='{v4}']")).to_have_count(
        1 if v4 else 0
    )


def settle(page: Page) -> None:
    """Wait until htmx has no request in flight (a person's next action comes after the last answer)."""
    expect(page.locator("#traffic-editor .htmx-request")).to_have_count(0)
    page.wait_for_timeout(100)
    expect(page.locator("#traffic-editor .htmx-request")).to_have_count(0)


def drag(page: Page, selector: str, fraction: float) -> None:
    """Press the mouse on a range input's thumb and move it to `fraction` of the track."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    value = int(page.locator(selector).input_value())
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * value / 100, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * fraction, y, steps=12)
    page.mouse.up()


def test_drag_type_apply_and_watch_route_and_virtualservices_follow(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    open_editor(page, served_dashboard)
    drag(page, "#ed-t0-slider", 0.9)
    dropped = int(page.locator("#ed-t0-slider").input_value())
    assert 80 <= dropped <= 97, dropped  # a mouse lands near, not exactly on, 90
    expect(page.locator("#ed-t0-percent")).to_have_value(str(dropped))
    expect(page.locator("#ed-t1-percent")).to_have_value(str(100 - dropped))
    expect(page.locator("#ed-t1-slider")).to_have_value(str(100 - dropped))
    page.locator("#ed-t0-percent").fill("90")  # exact, by typing
    expect(page.locator("#ed-t1-percent")).to_have_value("10")
    expect(page.locator("#ed-summary [data-total]")).to_have_attribute("data-total", "100")
    expect(
        page.locator("#ed-preview tr[data-host='customer.labs-1'][data-change='changed']").first
    ).to_be_visible()
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    assert split(knative_api) == [90, 10, 0]
    expect_served(page, 90, 10)
    screenshot(page, "editor-applied-90-10")


def test_the_keyboard_moves_sliders_and_locks_hold(page: Page, served_dashboard: Dashboard) -> None:
    open_editor(page, served_dashboard)
    slider = page.locator("#ed-t1-slider")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#ed-t1-percent")).to_have_value("55")
    expect(page.locator("#ed-t0-percent")).to_have_value("45")
    page.keyboard.press("End")
    expect(page.locator("#ed-t0-percent")).to_have_value("0")
    page.keyboard.press("Home")
    expect(page.locator("#ed-t0-percent")).to_have_value("100")
    expect(page.locator("#ed-t2-percent")).to_have_value("0")  # the tag-only row is never poured into
    settle(page)
    # three rows with traffic; lock the first: moving the second now takes from the third only
    page.locator("#ed-t1-percent").fill("20")
    expect(page.locator("#ed-t0-percent")).to_have_value("80")
    page.locator("#ed-t2-percent").fill("20")  # taken from the others in proportion, 80:20
    expect(page.locator("#ed-t0-percent")).to_have_value("64")
    expect(page.locator("#ed-t1-percent")).to_have_value("16")
    settle(page)
    page.locator("#ed-row-0 .ed-lock input").check()
    settle(page)
    page.locator("#ed-t1-slider").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#ed-t2-percent")).to_have_value("21")
    expect(page.locator("#ed-t1-percent")).to_have_value("15")
    expect(page.locator("#ed-t0-percent")).to_have_value("64")


def test_a_bad_tag_is_flagged_while_typing_and_cannot_be_applied(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    open_editor(page, served_dashboard)
    page.locator("#ed-t1-tag").fill("Candidate!")
    expect(page.locator("#ed-t1-msgs .error")).to_contain_text("not a DNS 1035 label")
    expect(page.locator("#ed-apply")).to_be_disabled()
    page.locator("#ed-t1-tag").fill("current")
    expect(page.locator("#ed-t1-msgs .error")).to_have_text('Multiple definitions for "current"')
    expect(page.locator("#ed-t0-msgs .error")).to_have_text('Multiple definitions for "current"')
    page.locator("#ed-t1-tag").fill("candidate")
    expect(page.locator("#ed-t1-msgs .error")).to_have_count(0)
    expect(page.locator("#ed-apply")).to_be_enabled()
    assert split(knative_api) == [50, 50, 0]


def test_apply_clicked_the_moment_a_preset_lands_is_sent_by_htmx_not_the_browser(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    """A presenter's quick "3 then a": the Apply of the form just swapped in must not fall back to a native
    submit, which would leave the page for the bare form answer."""
    open_editor(page, served_dashboard)
    page.evaluate(
        """() => {
          window.stayed = true;
          document.body.addEventListener("htmx:afterSwap", function click(e) {
            if (e.detail.target.id !== "traffic-editor") { return; }
            document.body.removeEventListener("htmx:afterSwap", click);
            setTimeout(() => document.querySelector("#ed-apply").click(), 0);
          });
        }"""
    )
    page.get_by_role("button", name="Canary 90/10").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    assert page.evaluate("window.stayed === true"), "the click submitted the form natively"
    assert split(knative_api) == [90, 10, 0]


def traffic_messages(api: ApiClient) -> list[str]:
    events = CoreV1Api(api).list_namespaced_event(NS).to_dict()["items"]
    found = [e for e in events if e["reason"] == "TrafficChanged"]
    return [str(e["message"]) for e in sorted(found, key=lambda e: int(e["metadata"]["resource_version"]))]


def test_the_demo_walk_canary_tag_promote_undo(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    open_editor(page, served_dashboard)
    page.get_by_role("button", name="Canary 90/10").click()
    expect(page.locator("#ed-t0-percent")).to_have_value("90")
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    expect_served(page, 90, 10)

    page.locator("#ed-new-target").select_option("customer-v3")
    page.locator("#ed-new-tag").fill("stable")
    page.get_by_role("button", name="Add target").click()
    expect(page.locator("#ed-t3-tag")).to_have_value("stable")
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    expect(page.locator("#ed-t3-info a[data-tag-url]")).to_contain_text("stable-customer.labs-1.")
    expect(page.locator("#virtualservices article[data-name='customer']")).to_contain_text(
        "stable-customer.labs-1"
    )

    page.get_by_role("button", name="Promote candidate").click()
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    expect_served(page, 0, 100)
    assert [t.get("tag") for t in knative_service(knative_api, "customer")["spec"]["traffic"]] == [
        "current",
        "candidate",
        "latest",
        "stable",
    ]

    # The promote's history entry reaches the page after its Apply (its Event is watched): undo it once
    # it is there, not the entry before it, nor a list the live update is about to replace.
    expect(page.locator(".ed-entries li[data-event]:not([data-outside-entry])")).to_have_count(3)
    page.locator(".ed-entries li").first.get_by_role("button", name="Undo this").click()
    expect(page.locator("[data-notice='info']")).to_contain_text("Review the preview")  # nothing sent yet
    assert split(knative_api) == [0, 100, 0, 0]
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    expect_served(page, 90, 10)
    assert split(knative_api) == [90, 10, 0, 0]
    assert len(traffic_messages(knative_api)) == 4
    screenshot(page, "editor-demo-walk")


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_two_browsers_on_one_service_lose_no_update(
    page: Page, second_page: Page, lab: Backend, lab_dashboard: Dashboard
) -> None:
    knative_api = lab.client()
    alice, bob = page, second_page
    open_editor(alice, lab_dashboard)
    open_editor(bob, lab_dashboard)
    bob.locator("#ed-t0-percent").fill("30")
    expect(bob.locator("#ed-t1-percent")).to_have_value("70")

    alice.locator("#ed-t0-percent").fill("90")
    expect(alice.locator("#ed-t1-percent")).to_have_value("10")
    alice.locator("#ed-apply").click()
    expect(alice.locator("[data-notice='ok']")).to_contain_text("Applied")

    # Bob sees the change arrive beside his own edits, which are kept
    expect(bob.locator("[data-stale]")).to_be_visible(timeout=15_000)
    expect(bob.locator("[data-stale] [data-side='theirs']")).to_contain_text("customer-v3 90%")
    expect(bob.locator("#ed-t0-percent")).to_have_value("30")
    bob.locator("#ed-apply").click()  # refused: nothing of Alice's is overwritten
    expect(bob.locator("[data-conflict]")).to_be_visible()
    expect(bob.locator("[data-conflict] [data-side='theirs']")).to_contain_text("customer-v3 90%")
    assert split(knative_api) == [90, 10, 0]

    bob.get_by_role("button", name="Keep mine on top of theirs (then apply again)").click()
    expect(bob.locator("#ed-t0-percent")).to_have_value("30")
    bob.locator("#ed-apply").click()
    expect(bob.locator("[data-notice='ok']")).to_contain_text("Applied")
    assert split(knative_api) == [30, 70, 0]
    messages = traffic_messages(knative_api)
    assert [m.split(" -> ")[1].split(",")[0] for m in messages] == [
        "current customer-v3 90%",
        "current customer-v3 30%",
    ]
    screenshot(bob, f"editor-two-browsers-{lab.name}")


def test_live_mode_applies_on_release(
    page: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    open_editor(page, served_dashboard)
    page.get_by_label("Live: apply on slider release").check()
    page.locator("#ed-t1-slider").focus()
    page.keyboard.press("End")  # a keyboard move is a release too
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    assert split(knative_api) == [0, 100, 0]
    expect_served(page, 0, 100)


def test_on_a_laptop_screen_a_dragged_split_is_applied_to_the_clusters_service(
    browser: Browser, lab: Backend, lab_dashboard: Dashboard
) -> None:
    """The Service page at 1366x768: drag a slider, type the exact value, apply; the cluster's Service
    spec has the new split and the history its Event. The page first names the writer of the lab's split
    (managedFields, kept by the simulator as by a real server) and no longer does once Splitboard's
    apply took it over."""
    api = lab.client()
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{lab_dashboard.url}/namespaces/{NS}/services/customer")
        expect(page.locator("main[data-live='open']")).to_have_count(1)
        expect(page.locator("[data-outside]")).to_have_count(1)
        slider = page.locator("#ed-t0-slider")
        expect(slider).to_have_value("50")
        slider.scroll_into_view_if_needed()
        drag(page, "#ed-t0-slider", 0.25)
        dropped = int(slider.input_value())
        assert 15 <= dropped <= 35, dropped  # a mouse lands near, not exactly on, 25
        expect(page.locator("#ed-t1-percent")).to_have_value(str(100 - dropped))
        page.locator("#ed-t0-percent").fill("30")
        # A drag queues one live post per step, answered in order before the typed value's: on a
        # loaded two-core machine they take seconds to drain, so this waits longer than expect's 5 s.
        expect(page.locator("#ed-t1-percent")).to_have_value("70", timeout=20_000)
        expect(page.locator("#ed-summary [data-total]")).to_have_attribute("data-total", "100")
        assert split(api) == [50, 50, 0]  # nothing is sent before Apply
        page.locator("#ed-apply").click()
        expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
        assert split(api) == [30, 70, 0]
        (event,) = traffic_events(api)
        assert event["message"].endswith(
            "-> current customer-v3 30%, candidate customer-v4 70%, latest @latest 0%"
        )
        expect(page.locator("[data-outside]")).to_have_count(0)
        screenshot(page, f"service-page-applied-1366-{lab.name}")
    finally:
        context.close()
