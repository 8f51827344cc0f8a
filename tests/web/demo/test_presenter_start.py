"""The demo's whole story told from presenter mode in a real browser: the presenter starts a canary-like
plan for the lab's `customer` from the plan's row, the audience sees it step and the probe's observed
split follow, faults on the candidate fail its gate and abort it back to 50/50, and a restarted
dashboard still shows all of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from kubernetes.client import ApiClient, CustomObjectsApi
from playwright.sync_api import Browser, Page, expect

from app.settings import Settings
from tests.support.serving import Dashboard, serve
from tests.web.demo.conftest import NAMESPACE, DemoCluster
from tests.web.demo.test_plan_browser import PRESENT, keep, outside, sized_page

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize(
    ("width", "height"), [(1366, 768), (1920, 1080), (1280, 800)], ids=["1366", "1920", "1280"]
)
"""The browser test's screens, and presenter mode's smallest (tests/web/demo/test_presenter.py)."""
SERVED = "#split [data-split='served'] rect"
ROW = {
    "preset picker": "#plan [data-quick-preset]",
    "start button": "#plan [data-quick-start]",
    "split bar": "#split [data-split='served'] svg.bar",
    "sliders": "#traffic-editor .ed-rows",
    "apply": "#ed-apply",
    "probe form": ".probe-form",
    "qr codes": "#urls .tag-links",
    "pods": "#pods .pod-lines",
}
"""What presenter mode shows at once before a plan starts, the one-click start among it."""
ENDED = {
    "big percent": "#plan [data-big-percent]",
    "where it stopped": "#plan .progress-of",
    "gate": "#plan .progress-gate",
    "preset picker": "#plan [data-quick-preset]",
    "start button": "#plan [data-quick-start]",
    "sliders": "#traffic-editor .ed-rows",
    "apply": "#ed-apply",
    "probe form": ".probe-form",
    "pods": "#pods .pod-lines",
}
"""What presenter mode shows at once after a plan ended, the start of the next one beside it."""


@contextmanager
def demo_dashboard_on(cluster: DemoCluster, api: ApiClient) -> Iterator[Dashboard]:
    """A dashboard on the demo's cluster as `splitboard demo` serves it: plans run, faults on demand."""
    settings = Settings(ingress_url=cluster.ingress_url, fault_injection=True)
    with serve(api, settings, lifespan=True) as dashboard:
        yield dashboard


def no_overlap(page: Page, selectors: list[str]) -> bool:
    """Whether the boxes of `selectors` (one line, left to right) sit side by side, none over the next."""
    found: bool = page.evaluate(
        """selectors => selectors.map(s => document.querySelector(s).getBoundingClientRect())
               .every((r, i, all) => i === 0 || all[i - 1].right <= r.left + 0.5)""",
        selectors,
    )
    return found


def open_presenter(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + PRESENT)
    expect(page.locator("main[data-live='open']")).to_have_count(1)


def served_split(page: Page) -> str:
    found: str = page.locator(SERVED).evaluate_all("rs => rs.map(r => r.dataset.percent).join()")
    return found


def wait_for_observed(page: Page, configured: int, below: float) -> None:
    """Until the probe's table configures `configured`% for the candidate and observes it under `below`%
    (the split it had, 50%, left behind) over at least 20 answers."""
    page.wait_for_function(
        """([configured, below]) => {
               const rows = [...document.querySelectorAll('#probe-live table.shares tr[data-revision]')];
               const row = rows.find(r => r.dataset.revision === 'customer-v4');
               if (!row) { return false; }
               const answers = rows.reduce((n, r) => n + Number(r.dataset.count), 0);
               const observed = row.querySelector('rect.observed');
               return row.querySelector('td.num').textContent.trim() === configured + '%'
                   && observed !== null && Number(observed.getAttribute('x')) < below && answers >= 20;
           }""",
        arg=[configured, below],
        timeout=20_000,
    )


def redrawn_under(page: Page, api: ApiClient) -> None:
    """A Revision changes (as its pods come and go while the probe runs), so the page's SSE stream
    draws the plan's row again: wait until it has."""
    page.evaluate("document.querySelector('#plan .plan-quick').dataset.drawn = 'before'")
    CustomObjectsApi(api).patch_namespaced_custom_object(
        "serving.knative.dev",
        "v1",
        NAMESPACE,
        "revisions",
        "customer-v3",
        {"metadata": {"annotations": {"example.com/touched": "yes"}}},
    )
    page.wait_for_function("() => !document.querySelector('#plan .plan-quick[data-drawn]')")


@SIZES
def test_a_presenter_starts_a_plan_from_the_row_and_a_failing_gate_aborts_it_through_a_restart(
    browser: Browser, demo_cluster: DemoCluster, demo_api: ApiClient, width: int, height: int
) -> None:
    with sized_page(browser, width, height) as page:
        with demo_dashboard_on(demo_cluster, demo_api) as first:
            open_presenter(page, first)
            assert served_split(page) == "50,50"
            picker = page.locator("#plan [data-quick-preset]")
            expect(picker).to_have_value("canary")
            expect(page.locator("#plan .quick-pair")).to_have_text("customer-v4 against customer-v3")
            assert outside(page, ROW) == []
            keep(page, "plan-presenter-start", width)
            page.evaluate("window.notReloaded = true")

            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.keyboard.press("p")  # the page's own probe control, beside the plan's row
            expect(page.locator("#probe-live .tally")).to_have_attribute("data-state", "running")
            # Both revisions answer before the plan starts: a cold start's first slow answers would
            # be the candidate's p95 (the gate then fails for a reason the story does not tell).
            expect(page.locator("#probe-live tr[data-revision='customer-v4']")).not_to_have_attribute(
                "data-count", "0"
            )
            picker.select_option("quick demo")  # the canary's steps and gates, 10 seconds a step
            redrawn_under(page, demo_api)
            expect(picker).to_have_value("quick demo")  # the choice outlives the row's SSE redraw
            page.locator("#plan [data-quick-start]").click()

            progress = page.locator("#plan .plan-progress")
            expect(progress).to_have_attribute("data-phase", "running")
            expect(progress.locator(".progress-of")).to_contain_text("step 1 of 4")
            expect(progress.locator("[data-big-percent]")).to_have_text("10%")
            expect(page.locator("#plan [data-quick-start]")).to_have_count(0)  # one plan at a time
            wait_for_observed(page, 10, below=35)  # the audience sees the probe follow the step
            expect(progress).to_have_attribute("data-step", "1", timeout=30_000)  # pushed live
            expect(progress.locator("[data-big-percent]")).to_have_text("25%")
            expect(progress.locator(".progress-dots li[data-state='done']")).to_have_count(1)

            page.locator("#faults summary").click()  # the demo's fault switch, folded over the head
            page.locator("#faults select[name='revision']").select_option("customer-v4")
            page.fill("#faults [name='errorPercent']", "100")
            page.locator("#faults button", has_text="Inject").click()
            expect(page.locator("#faults-state [data-revision='customer-v4']")).to_be_visible()
            page.locator("#faults summary").click()

            expect(progress).to_have_attribute("data-phase", "aborted", timeout=30_000)
            expect(progress).to_have_attribute("data-gate", "fail")
            expect(progress.locator(".phase")).to_contain_text("failed its gate")
            page.wait_for_function(
                "selector => [...document.querySelectorAll(selector)].map(r => r.dataset.percent).join()"
                " === '50,50'",
                arg=SERVED,
            )
            expect(page.locator("#plan [data-quick-start]")).to_be_visible()  # a next plan may start
            assert page.evaluate("window.notReloaded") is True
            stopped = progress.locator(".progress-of").inner_text()
            assert stopped.startswith("stopped at step ")
            assert outside(page, ENDED) == []
            assert no_overlap(
                page,
                ["#plan .big-percent", "#plan .progress-of", "#plan .progress-gate", "#plan .plan-quick"],
            )
            keep(page, "plan-presenter-aborted-row", width)

        # The first dashboard is gone; another on the same cluster reads it all from the Service.
        with demo_dashboard_on(demo_cluster, demo_api) as second:
            open_presenter(page, second)
            progress = page.locator("#plan .plan-progress")
            expect(progress).to_have_attribute("data-phase", "aborted")
            expect(progress).to_have_attribute("data-gate", "fail")
            expect(progress.locator(".progress-of")).to_have_text(stopped)
            expect(progress.locator(".phase")).to_contain_text("failed its gate")
            assert served_split(page) == "50,50"
            expect(page.locator("#plan [data-quick-start]")).to_be_visible()
