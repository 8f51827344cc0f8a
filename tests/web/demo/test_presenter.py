"""Presenter mode as a presenter meets it: one screen at projector sizes, in light and dark, with real
mouse drags and keys. Screenshots land in test-artifacts/ (docs/screenshots/ keeps chosen ones)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard
from tests.web.demo.conftest import NAMESPACE

pytestmark = pytest.mark.browser

PRESENT = f"/namespaces/{NAMESPACE}/services/customer/demo?present=1"
PARTS = {
    "split bar": "#split [data-split='served'] svg.bar",
    "split legend": "#split .legend",
    "sliders": "#traffic-editor .ed-rows",
    "presets": "#traffic-editor [aria-label='Presets']",
    "apply": "#ed-apply",
    "probe form": ".probe-form",
    "configured beside observed": "#probe-live table.shares",
    "probe summary": "#probe-live .summary-line",
    "ticker": "#probe-live .ticker li:first-child",
    "pods": "#pods .pod-lines",
    "qr codes": "#urls .tag-links",
}
"""What a presenter shows at once, each by its selector."""


Scheme = Literal["light", "dark"]


@contextmanager
def presenter_page(browser: Browser, width: int, height: int, scheme: Scheme = "light") -> Iterator[Page]:
    """A page at a projector's size, its system theme `scheme` (what the dashboard follows by default)."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_presenter(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + PRESENT)
    expect(page.locator("main[data-live='open']")).to_have_count(1)
    expect(page.locator("#ed-t0-slider")).to_have_value("50")


def start_probe(page: Page) -> None:
    """Press `p` with the page's own defaults (a minute at 20 per second) and wait for answers."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("p")
    expect(page.locator("#probe-live .tally")).to_have_attribute("data-state", "running")
    page.wait_for_function("() => document.querySelectorAll('#probe-live .ticker li').length >= 6")


def outside(page: Page) -> list[str]:
    """The parts whose box is not wholly inside the viewport (or that are not shown at all), measured
    in one go: the live tally is swapped several times a second, so a part is looked up when measured."""
    found: list[str] = page.evaluate(
        """parts => Object.entries(parts).flatMap(([name, selector]) => {
               const e = document.querySelector(selector);
               if (!e) { return [name + " missing"]; }
               const r = e.getBoundingClientRect();
               const inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
                              && r.right <= innerWidth && r.bottom <= innerHeight;
               return inside ? [] : [name + " at " + [r.left, r.top, r.right, r.bottom].map(Math.round)];
           })""",
        PARTS,
    )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("width", "height"), [(1366, 768), (1920, 1080), (1280, 800)], ids=["1366", "1920", "1280"]
)
def test_presenter_mode_fits_one_screen_with_a_running_probe(
    browser: Browser, demo_dashboard: Dashboard, width: int, height: int, scheme: Scheme
) -> None:
    with presenter_page(browser, width, height, scheme) as page:
        open_presenter(page, demo_dashboard)
        start_probe(page)
        scroll = page.evaluate(
            "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
        )
        assert scroll[0] <= height and scroll[1] <= width, f"the page scrolls: {scroll} at {width}x{height}"
        assert outside(page) == []
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 17, f"type of {size}px is not large"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(0, 0, 0)")
        expect(page.locator("#theme-toggle")).to_be_visible()
        screenshot(page, f"presenter-{width}" + ("" if scheme == "light" else "-dark"))


def test_keys_keep_working_after_a_slider_drag(browser: Browser, demo_dashboard: Dashboard) -> None:
    with presenter_page(browser, 1366, 768) as page:
        open_presenter(page, demo_dashboard)
        slider = page.locator("#ed-t0-slider")
        box = slider.bounding_box()
        assert box is not None
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.5, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.8, y, steps=12)
        page.mouse.up()
        expect(slider).not_to_have_value("50")
        assert page.evaluate("document.activeElement.id") == "ed-t0-slider"  # the drag left focus there
        page.keyboard.press("3")  # the third preset, canary 90/10, with the slider still focused
        expect(page.locator("#ed-t0-percent")).to_have_value("90")
        expect(page.locator("#ed-t1-percent")).to_have_value("10")
        page.keyboard.press("a")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#split [data-split=served] rect')]"
            ".map(r => r.dataset.percent).sort().join() === '10,90'"
        )


def test_preset_buttons_show_the_number_their_key_presses(
    browser: Browser, demo_dashboard: Dashboard
) -> None:
    with presenter_page(browser, 1366, 768) as page:
        open_presenter(page, demo_dashboard)
        presets = page.locator("#traffic-editor [aria-label='Presets'] button")
        shown = presets.evaluate_all(
            "bs => bs.map(b => [getComputedStyle(b, '::before').content,"
            " getComputedStyle(b, '::before').counterIncrement])"
        )
        assert shown == [["counter(preset)", "preset 1"]] * 5
        page.keyboard.press("4")  # the fourth button: promote the candidate
        expect(page.locator("#ed-t0-percent")).to_have_value("0")
        expect(page.locator("#ed-t1-percent")).to_have_value("100")


def test_a_running_probe_follows_the_labs_shift_and_ticks_its_answers(
    browser: Browser, demo_dashboard: Dashboard
) -> None:
    """The lab's story told live: probe 50/50, press 3 (canary 90/10) and a; the probe keeps running and
    compares 90/10 with the answers given since, and its ticker shows each answer's version."""
    with presenter_page(browser, 1366, 768) as page:
        open_presenter(page, demo_dashboard)
        page.fill(".probe-form input[name='rate']", "50")
        start_probe(page)
        tally = page.locator("#probe-live .tally")
        window = "n => Number(document.querySelector('#probe-live .tally')?.dataset.window) >= n"
        page.wait_for_function(window, arg=40)
        ticker = page.locator("#probe-live .ticker li")
        versions = set(ticker.evaluate_all("ls => ls.map(l => l.dataset.version)"))
        assert versions <= {"v3", "v4"} and versions, versions
        expect(ticker.first.locator(".t-status")).to_have_text("200")

        page.keyboard.press("3")
        expect(page.locator("#ed-t0-percent")).to_have_value("90")
        page.keyboard.press("a")
        expect(tally).to_have_attribute("data-split-changes", "1", timeout=10_000)
        expect(tally).to_have_attribute("data-state", "running")  # the same probe, still running
        page.wait_for_function(window, arg=60)
        configured = tally.locator("tr[data-revision] td.num:nth-of-type(1)").all_inner_texts()
        assert configured == ["90%", "10%"]
        counts = tally.locator("tr[data-revision]").evaluate_all(
            "rs => Object.fromEntries(rs.map(r => [r.dataset.revision, Number(r.dataset.count)]))"
        )
        assert counts["customer-v3"] / sum(counts.values()) >= 0.75, counts  # answers given at 90/10
        expect(tally.locator(".window-line")).to_contain_text("the split changed")
        assert outside(page) == []  # the editor's notice of the apply leaves the presets on screen
        screenshot(page, "presenter-after-shift")
        page.keyboard.press("s")
        expect(tally).to_have_attribute("data-state", "stopped")
