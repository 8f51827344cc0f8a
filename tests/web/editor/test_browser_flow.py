"""The editor as a person meets it at a laptop's and a desktop's screen size: real mouse drags and keys
(page.mouse, page.keyboard), live mode through several applies, rows at 0% and locked rows, typed
numbers, the kn field, the action bar, and the history as a log.

All on the simulated cluster (its reconciler makes the Route and VirtualServices follow)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient, CustomObjectsApi
from playwright.sync_api import Browser, Page, expect

from tests.plugins.browser import ARTIFACTS
from tests.support.forms import EDITOR, NS
from tests.support.serving import Dashboard
from tests.web.editor.test_browser import drag, settle, split, traffic_messages

pytestmark = pytest.mark.browser

VIEWPORTS = {"1366": (1366, 768), "1920": (1920, 1080)}
"""A laptop's screen and a desktop's: where the editor must work without scrolling around."""

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
"""Where the README's screenshots live: refreshed from a run with SPLITBOARD_SCREENSHOTS=1 set, so an
ordinary run leaves the repository as it is."""


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A page at one of VIEWPORTS (the test runs once per size), allowed to use the clipboard."""
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context.new_page()
    context.close()


def open_editor(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + EDITOR)
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    expect(page.locator("#ed-t0-slider")).to_have_value("50")
    page.locator("#traffic-editor").scroll_into_view_if_needed()
    page.locator("#ed-row-0").scroll_into_view_if_needed()


def percents(page: Page) -> list[str]:
    return [page.locator(f"#ed-t{i}-percent").input_value() for i in range(page.locator(".ed-row").count())]


def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element is wholly inside the visible part of the page."""
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5


# --- Live mode ---------------------------------------------------------------------------------------


def test_live_mode_stays_on_and_a_key_burst_or_a_drag_applies_once(
    screen: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    page = screen
    open_editor(page, served_dashboard)
    live = page.get_by_label("Live: apply on slider release")
    live.check()
    page.locator("#ed-t0-slider").focus()
    top = page.evaluate("scrollY")
    for _ in range(5):  # five steps as fast as keys go: one release, one apply
        page.keyboard.press("ArrowLeft")
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    expect(live).to_be_checked()  # the apply kept live mode on
    assert split(knative_api) == [45, 55, 0]
    assert len(traffic_messages(knative_api)) == 1
    # The editor is replaced by the apply: the page stays where the user is, the slider keeps focus.
    assert abs(page.evaluate("scrollY") - top) < 5
    expect(page.locator("#ed-t0-slider")).to_be_focused()

    settle(page)
    first = page.locator("[data-notice='ok']").inner_text()
    drag(page, "#ed-t0-slider", 0.8)  # one drag: many steps, one release
    # The apply goes out once the drag has settled (no request is in flight meanwhile): wait for its
    # notice, not the first apply's, and its history entry before reading the cluster.
    expect(page.locator("[data-notice='ok']")).not_to_have_text(first)
    expect(page.locator("[data-notice='ok']")).to_contain_text("-> current customer-v3 ")
    expect(page.locator(".ed-entries li[data-event]")).to_have_count(2)
    expect(live).to_be_checked()
    settle(page)
    dropped = split(knative_api)
    assert 70 <= dropped[0] <= 90 and dropped[2] == 0, dropped
    assert len(traffic_messages(knative_api)) == 2


# --- Rebalancing --------------------------------------------------------------------------------------


def test_zero_rows_stay_at_zero_and_a_locked_slider_cannot_be_dragged(
    screen: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    """The lab's current/candidate/latest at 50/50/0: dragging takes from and gives to candidate alone,
    Evenly spreads over the two rows that carry traffic, and `latest` stays at 0% throughout."""
    page = screen
    open_editor(page, served_dashboard)
    drag(page, "#ed-t0-slider", 0.2)
    settle(page)
    low = int(page.locator("#ed-t0-percent").input_value())
    assert 10 <= low <= 30, low
    assert percents(page) == [str(low), str(100 - low), "0"]
    drag(page, "#ed-t1-slider", 0.1)
    settle(page)
    assert percents(page)[2] == "0"
    assert sum(int(p) for p in percents(page)) == 100

    page.get_by_role("button", name="Evenly").click()
    expect(page.locator("#ed-t0-percent")).to_have_value("50")
    assert percents(page) == ["50", "50", "0"]

    # Three rows carrying traffic, one locked: its slider is disabled and a drag on it moves nothing.
    page.locator("#ed-expression").fill("current=40,candidate=30,latest=30")
    page.locator("#ed-expression").press("Enter")
    expect(page.locator("#ed-t2-percent")).to_have_value("30")
    page.locator("#ed-t0-locked").check()
    expect(page.locator("#ed-t0-slider")).to_be_disabled()
    settle(page)
    expect(page.locator("#ed-t0-percent")).to_have_attribute("readonly", "")
    drag(page, "#ed-t0-slider", 0.9)
    settle(page)
    assert percents(page) == ["40", "30", "30"]
    drag(page, "#ed-t1-slider", 0.5)  # takes from the unlocked `latest` only
    settle(page)
    moved = int(page.locator("#ed-t1-percent").input_value())
    assert 40 <= moved <= 60, moved
    assert percents(page) == ["40", str(moved), str(60 - moved)]
    assert split(knative_api) == [50, 50, 0]  # nothing sent without Apply


# --- Typed numbers ------------------------------------------------------------------------------------


def test_a_typed_number_that_cannot_be_taken_is_an_error_beside_its_field(
    screen: Page, served_dashboard: Dashboard
) -> None:
    page = screen
    open_editor(page, served_dashboard)
    number, messages = page.locator("#ed-t0-percent"), page.locator("#ed-t0-msgs .error")
    number.fill("150")
    expect(messages).to_have_text("expected 0 <= 150 <= 100")
    expect(number).to_have_value("150")  # what was typed stays, with the reason beside it
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ed-t1-percent")).to_have_value("50")  # nothing clamped behind the user's back
    expect(page.locator("#ed-apply")).to_be_disabled()
    number.fill("7.5")
    expect(messages).to_have_text('"7.5" is not a whole number of percent')
    number.fill("70")
    expect(page.locator("#ed-t1-percent")).to_have_value("30")
    expect(messages).to_have_count(0)
    expect(page.locator("#ed-apply")).to_be_enabled()
    # candidate locked: current has only the tag-only `latest` beside it, which takes no traffic
    page.locator("#ed-t1-locked").check()
    settle(page)
    number.fill("80")
    expect(messages).to_contain_text("80% cannot be set here")
    expect(number).to_have_value("80")
    expect(page.locator("#ed-apply")).to_be_disabled()
    assert in_viewport(page, "#ed-summary")


# --- The kn field -------------------------------------------------------------------------------------


def test_the_kn_field_takes_kn_flags_and_shows_the_command_for_the_draft(
    screen: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    """kn service update's traffic flags (knative/client pkg/commands/flags/traffic.go: --traffic, --tag,
    --untag, repeatable, comma-separated; pkg/traffic/compute.go: untag, then tag, then traffic, and an
    existing tag is not moved without --untag). Enter sets; the command for the draft can be copied."""
    page = screen
    open_editor(page, served_dashboard)
    field = page.locator("#ed-expression")
    command = page.locator("#ed-kn-command")
    expect(command).to_have_text("kn service update customer -n labs-1 --traffic current=50,candidate=50")

    field.fill("--tag customer-v4=preview --untag candidate")
    field.press("Enter")
    expect(page.locator("#ed-t1-tag")).to_have_value("preview")
    field.fill("current=80,latest=0")  # kn's rule: the one target left out takes the rest
    field.press("Enter")
    expect(page.locator("#ed-t1-percent")).to_have_value("20")
    expect(command).to_have_text(
        "kn service update customer -n labs-1 --untag candidate --tag customer-v4=preview"
        " --traffic current=80,preview=20"
    )
    page.get_by_role("button", name="Copy the kn command").click()
    expect(page.get_by_role("button", name="Copy the kn command")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == command.inner_text()

    field.fill("--traffic customer-v9=100")
    field.press("Enter")
    expect(page.locator("[data-notice='error']")).to_contain_text(
        '"customer-v9" is neither a tag, a revision of this service, nor @latest'
    )
    field.fill("--tag customer-v9=x")
    field.press("Enter")
    expect(page.locator("[data-notice='error']")).to_contain_text(
        'cannot tag "customer-v9": it is neither a revision of this service nor @latest'
    )
    field.fill("--revision x")
    field.press("Enter")
    expect(page.locator("[data-notice='error']")).to_contain_text("unknown flag: --revision")
    assert split(knative_api) == [50, 50, 0]


# --- The action bar, the Applied notice and the preview after an apply --------------------------------


def test_the_action_bar_stays_in_sight_and_the_applied_notice_goes_with_the_next_edit(
    screen: Page, served_dashboard: Dashboard, request: pytest.FixtureRequest
) -> None:
    page = screen
    open_editor(page, served_dashboard)
    page.locator("#ed-t0-percent").fill("90")
    expect(page.locator("#ed-summary [data-dirty='true']")).to_be_visible()
    for selector in ("#ed-row-0", "#ed-preview", "#ed-history"):
        page.locator(selector).scroll_into_view_if_needed()
        assert in_viewport(page, "#ed-summary"), f"the action bar is out of sight beside {selector}"
        expect(page.locator("#ed-apply")).to_be_visible()
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    expect(page.locator("#ed-summary [data-dirty='false']")).to_be_visible()
    # Right after the apply the preview's "Now" is what the cluster serves: well before a 10 s poll.
    route_now = page.locator("[data-preview='route'] tbody tr").first.locator("td.num").first
    expect(route_now).to_have_text("90%", timeout=3_000)
    expect(page.locator("#ed-preview tr[data-change='changed']")).to_have_count(0, timeout=3_000)

    settle(page)
    page.locator("#ed-t1-slider").focus()
    page.keyboard.press("ArrowRight")  # the draft changes: the notice about the last apply goes
    expect(page.locator("[data-notice]")).to_have_count(0)
    expect(page.locator("#ed-summary [data-dirty='true']")).to_be_visible()

    # The page mid-edit, for the README: a drag in progress on the laptop and desktop screens.
    size = request.node.callspec.params["screen"]
    settle(page)
    drag(page, "#ed-t0-slider", 0.6)
    settle(page)
    page.locator("#ed-row-0").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -160)")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"editor-{size}.png"
    page.screenshot(path=str(shot))
    if os.environ.get("SPLITBOARD_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / shot.name)


# --- History ------------------------------------------------------------------------------------------


def test_the_history_reads_like_a_log_and_undo_never_overwrites_an_outside_change(
    screen: Page, served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    page = screen
    open_editor(page, served_dashboard)
    page.get_by_role("button", name="Canary 90/10").click()
    expect(page.locator("#ed-t0-percent")).to_have_value("90")  # a person applies what they see
    settle(page)
    page.locator("#ed-apply").click()
    expect(page.locator("[data-notice='ok']")).to_contain_text("Applied")
    own = page.locator(".ed-entries li[data-event]").first
    expect(own).to_contain_text("someone (no sign-in)")
    expect(own.locator("time")).to_contain_text(" ago")
    expect(own.locator("time")).to_contain_text(" UTC")

    # kubectl changes the split: the editor (no edits) follows, and the history lists who and when.
    body = {"spec": {"traffic": [
        {"tag": "current", "revisionName": "customer-v3", "percent": 30},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 70},
        {"tag": "latest", "latestRevision": True, "percent": 0},
    ]}}  # fmt: skip
    objects = CustomObjectsApi(knative_api)
    serving = ("serving.knative.dev", "v1", NS, "services", "customer")
    objects.patch_namespaced_custom_object(*serving, body, field_manager="kubectl-patch")
    outside = page.locator("li[data-outside-change]")
    expect(outside).to_contain_text("kubectl (field manager kubectl-patch)", timeout=15_000)
    expect(outside).to_contain_text("customer-v3 90%")  # what it replaced ...
    expect(outside).to_contain_text("current customer-v3 30%")  # ... and what it set
    expect(outside.locator("time")).to_contain_text(" UTC")

    # Undo goes through the preview; another outside change meanwhile is refused, never overwritten.
    own.get_by_role("button", name="Undo this").click()
    expect(page.locator("[data-notice='info']")).to_contain_text("Review the preview")
    expect(page.locator("#ed-t0-percent")).to_have_value("50")
    body["spec"]["traffic"][0]["percent"], body["spec"]["traffic"][1]["percent"] = 20, 80
    objects.patch_namespaced_custom_object(*serving, body, field_manager="kubectl-patch")
    expect(page.locator("[data-stale]")).to_be_visible(timeout=15_000)
    page.locator("#ed-apply").click()
    expect(page.locator("[data-conflict]")).to_be_visible()
    assert split(knative_api) == [20, 80, 0]
