"""Rollout plans in a real browser: a canary plan for the lab's `customer` started from the Service page
steps live on its timeline, abort puts the split back, and presenter mode shows the plan's progress
large, within one screen, following it live."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from kubernetes.client import ApiClient, CustomObjectsApi
from playwright.sync_api import Browser, Page, expect

from app.model.faults import FAULTS_ANNOTATION
from tests.plugins.browser import ARTIFACTS
from tests.support.serving import Dashboard
from tests.web.demo.conftest import NAMESPACE

pytestmark = pytest.mark.browser

SERVICE = f"/namespaces/{NAMESPACE}/services/customer"
PRESENT = f"{SERVICE}/demo?present=1"
SIZES = pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
PRESENTER_SIZES = pytest.mark.parametrize(
    ("width", "height"), [(1366, 768), (1920, 1080), (1280, 800)], ids=["1366", "1920", "1280"]
)
"""Presenter mode's screens (tests/web/demo/test_presenter.py): the plan's row must fit each."""
SPLIT = "#services tr[data-name='customer'] [data-split] rect"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
"""The README's screenshots: refreshed (from the 1366x768 runs) with SPLITBOARD_SCREENSHOTS=1 set."""


def keep(page: Page, name: str, width: int, selector: str | None = None) -> None:
    """A screenshot in test-artifacts/ (of one element, or the screen), and in docs/screenshots/ when
    asked for."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{name}-{width}.png"
    if selector is None:
        page.screenshot(path=str(shot))
    else:
        page.locator(selector).screenshot(path=str(shot))
    if width == 1366 and os.environ.get("SPLITBOARD_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / f"{name}.png")


@contextmanager
def sized_page(browser: Browser, width: int, height: int) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()


def outside(page: Page, parts: dict[str, str]) -> list[str]:
    """The parts not wholly inside the viewport (or not shown), measured in one go."""
    found: list[str] = page.evaluate(
        """parts => Object.entries(parts).flatMap(([name, selector]) => {
               const e = document.querySelector(selector);
               if (!e) { return [name + " missing"]; }
               const r = e.getBoundingClientRect();
               const inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
                              && r.right <= innerWidth && r.bottom <= innerHeight;
               return inside ? [] : [name + " at " + [r.left, r.top, r.right, r.bottom].map(Math.round)];
           })""",
        parts,
    )
    return found


def split_of(page: Page) -> list[str]:
    """The Service row's split bar as `revision percent`, in order."""
    found: list[str] = page.locator(SPLIT).evaluate_all(
        "rs => rs.map(r => r.dataset.revision + ' ' + r.dataset.percent)"
    )
    return found


def start_quick_plan(page: Page, pause_seconds: int = 2) -> None:
    """Open the start form, choose the quick demo preset, make every pause short and drop the gates (the
    timeline's stepping is what is watched here, not the probe), and start it."""
    page.locator("#plan-start summary").click()
    page.locator("#plan-start [data-preset='quick demo']").click()
    expect(page.locator("#plan-start [data-preset='quick demo']")).to_have_class("on")
    for i in range(4):
        page.fill(f"#plan-start [name='s{i}.pause']", str(pause_seconds if i < 3 else 0))
        page.fill(f"#plan-start [name='s{i}.max_error_pct']", "")
        page.fill(f"#plan-start [name='s{i}.max_p95_ms']", "")
    page.locator("#plan-start [data-start]").click()


@SIZES
def test_a_canary_plan_steps_live_on_the_timeline_and_abort_puts_the_split_back(
    browser: Browser, demo_dashboard: Dashboard, width: int, height: int
) -> None:
    with sized_page(browser, width, height) as page:
        page.goto(demo_dashboard.url + SERVICE)
        expect(page.locator("main[data-live='open']")).to_have_count(1)
        before = split_of(page)
        assert sorted(before) == ["customer-v3 50", "customer-v4 50"]
        page.evaluate("window.notReloaded = true")

        start_quick_plan(page)
        plan = page.locator("#plan-timeline .plan")
        expect(plan).to_have_attribute("data-phase", "running")
        expect(plan).to_have_attribute("data-step", "0")
        expect(page.locator("#plan-start")).to_be_hidden()  # no second plan while this one runs
        expect(page.locator("#plan-timeline .step.current .countdown")).to_be_visible()
        page.wait_for_function(
            "selector => [...document.querySelectorAll(selector)].some(r => r.dataset.percent === '10')",
            arg=SPLIT,
        )

        expect(plan).to_have_attribute("data-step", "1", timeout=15_000)  # stepped, pushed by SSE
        assert page.evaluate("window.notReloaded") is True
        expect(page.locator("#plan-timeline .step[data-step='0']")).to_have_attribute("data-state", "done")
        expect(page.locator("#plan-timeline .step[data-step='1']")).to_have_attribute("data-state", "current")
        keep(page, "plan-timeline", width, "#plan")

        page.locator("#plan-timeline [data-action='abort']").click()
        expect(plan).to_have_attribute("data-phase", "aborted")
        page.wait_for_function(
            "([selector, want]) => [...document.querySelectorAll(selector)]"
            ".map(r => r.dataset.revision + ' ' + r.dataset.percent).join() === want",
            arg=[SPLIT, ",".join(before)],
        )
        expect(page.locator("#plan-timeline [data-action='clear']")).to_be_visible()
        assert page.evaluate("window.notReloaded") is True


@PRESENTER_SIZES
def test_presenter_mode_shows_the_running_plan_large_within_one_screen(
    browser: Browser, demo_dashboard: Dashboard, width: int, height: int
) -> None:
    with sized_page(browser, width, height) as page:
        page.goto(demo_dashboard.url + SERVICE)
        start_quick_plan(page, pause_seconds=3)
        expect(page.locator("#plan-timeline .plan")).to_have_attribute("data-phase", "running")

        page.goto(demo_dashboard.url + PRESENT)
        expect(page.locator("main[data-live='open']")).to_have_count(1)
        page.keyboard.press("p")  # the probe runs beside the plan, as the lab's story tells it
        expect(page.locator("#probe-live .tally")).to_have_attribute("data-state", "running")
        progress = page.locator("#plan .plan-progress")
        expect(progress).to_be_visible()
        expect(progress.locator("[data-big-percent]")).to_have_text("10%")
        expect(progress.locator(".progress-of")).to_contain_text("step 1 of 4")
        expect(progress.locator(".countdown")).to_be_visible()
        expect(progress.locator(".progress-gate")).to_have_attribute("data-gate", "none")
        expect(progress).to_have_attribute("data-step", "1", timeout=15_000)  # follows live
        expect(progress.locator("[data-big-percent]")).to_have_text("25%")
        page.wait_for_function("() => document.querySelectorAll('#probe-live .ticker li').length >= 6")
        keep(page, "plan-presenter", width)
        scroll = page.evaluate(
            "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
        )
        assert scroll[0] <= height and scroll[1] <= width, f"the page scrolls: {scroll} at {width}x{height}"
        parts = {
            "big percent": "#plan [data-big-percent]",
            "countdown or phase": "#plan .progress-of",
            "gate": "#plan .progress-gate",
            "split bar": "#split [data-split='served'] svg.bar",
            "sliders": "#traffic-editor .ed-rows",
            "apply": "#ed-apply",
            "probe form": ".probe-form",
            "qr codes": "#urls .tag-links",
            "pods": "#pods .pod-lines",
            "ticker": "#probe-live .ticker li:first-child",
        }
        assert outside(page, parts) == []
        big = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('#plan [data-big-percent]')).fontSize)"
        )
        assert big >= 36, f"the plan's percent is {big}px: not large"
        page.locator("#plan [data-action='abort']").click()
        expect(progress).to_have_attribute("data-phase", "aborted")


def test_a_failing_gate_aborts_the_plan_back_to_the_split_it_started_from_on_screen(
    browser: Browser, demo_dashboard: Dashboard, demo_api: ApiClient
) -> None:
    """The demo's ending: the candidate fails (the simulator's fault switch), its gate fails, and the
    audience sees the plan aborted and the split back at 50/50, the failed reading on its step."""
    CustomObjectsApi(demo_api).patch_namespaced_custom_object(
        "serving.knative.dev",
        "v1",
        NAMESPACE,
        "revisions",
        "customer-v4",
        {"metadata": {"annotations": {FAULTS_ANNOTATION: json.dumps({"errorRate": 1})}}},
    )
    with sized_page(browser, 1366, 768) as page:
        page.goto(demo_dashboard.url + PRESENT)
        expect(page.locator("main[data-live='open']")).to_have_count(1)
        start = page.context.new_page()  # the presenter's second window: the Service page
        start.goto(demo_dashboard.url + SERVICE)
        start.locator("#plan-start summary").click()
        start.locator("#plan-start [data-preset='quick demo']").click()
        expect(start.locator("#plan-start [data-preset='quick demo']")).to_have_class("on")
        start.fill("#plan-start [name='s0.pause']", "20")  # the gate, not the clock, ends this step
        start.locator("#plan-start [data-start]").click()
        expect(start.locator("#plan-timeline .plan")).to_have_attribute("data-phase", "running")
        start.close()

        progress = page.locator("#plan .plan-progress")
        expect(progress.locator(".progress-of")).to_contain_text("step 1 of 4")
        expect(progress).to_have_attribute("data-phase", "aborted", timeout=60_000)
        expect(progress).to_have_attribute("data-gate", "fail")
        expect(progress.locator(".progress-gate")).to_contain_text("failed")
        expect(progress.locator(".phase")).to_contain_text("failed its gate")
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"#split [data-split='served'] rect\")]"
            ".map(r => r.dataset.percent).join() === '50,50'"
        )
        keep(page, "plan-presenter-aborted", 1366)

        page.goto(demo_dashboard.url + SERVICE)
        failed = page.locator("#plan-timeline .step[data-step='0'] .reading")
        expect(failed).to_have_attribute("data-gate", "fail")
        expect(failed).to_contain_text("failed")
        assert sorted(split_of(page)) == ["customer-v3 50", "customer-v4 50"]
