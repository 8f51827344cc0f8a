"""The explain view in a real browser at the sizes people use: fitted to the width with readable type,
zoomed with its buttons and panned with a real mouse drag, and drawn top to bottom when narrow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from kubernetes.client import ApiClient
from playwright.sync_api import Browser, Page, expect

from tests.plugins.browser import screenshot
from tests.support.serving import Dashboard
from tests.web.cluster import patch_service
from tests.web.demo.conftest import NAMESPACE

pytestmark = pytest.mark.browser

EXPLAIN = f"/namespaces/{NAMESPACE}/services/customer/explain"
SHOWN = "[...document.querySelectorAll('.explain-drawing')].find(s => s.getClientRects().length)"
"""The drawing the page shows (both layouts are sent; the stylesheet shows one)."""


@contextmanager
def explain_page(browser: Browser, dashboard: Dashboard, width: int, height: int) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(dashboard.url + EXPLAIN)
        expect(page.locator("main[data-live='open']")).to_have_count(1)
        # Measure a laid-out page: fonts loaded and two frames drawn since.
        page.evaluate(
            "() => document.fonts.ready.then("
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"
        )
        yield page
    finally:
        context.close()


def drawn_font_px(page: Page) -> float:
    """The size the drawing's 12-unit type is drawn at, in screen pixels."""
    scale = f"(s => s.getBoundingClientRect().width / s.width.baseVal.value)({SHOWN})"
    return 12 * float(page.evaluate(scale))


def boxes_outside(page: Page, kinds: str) -> list[str]:
    """The boxes of these kinds that are not wholly within the viewport's width."""
    found: list[str] = page.evaluate(
        f"""kinds => [...{SHOWN}.querySelectorAll(kinds)].flatMap(n => {{
               const r = n.getBoundingClientRect();
               return r.left >= 0 && r.right <= innerWidth ? [] : [n.dataset.id + ' ' + Math.round(r.right)];
           }})""",
        kinds,
    )
    return found


@pytest.mark.parametrize(
    ("width", "height"), [(1366, 768), (1920, 1080), (1280, 800)], ids=["1366", "1920", "1280"]
)
def test_explain_fits_the_width_with_readable_type(
    browser: Browser, demo_dashboard: Dashboard, width: int, height: int
) -> None:
    with explain_page(browser, demo_dashboard, width, height) as page:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(f"{SHOWN}.classList.contains('explain-svg')")  # the columns, left to right
        assert boxes_outside(page, ".node.kind-revision, .node.kind-pod, .node.kind-empty") == []
        assert drawn_font_px(page) >= 10.5
        scroller = page.locator(".explain-wide")
        assert scroller.evaluate("b => b.scrollWidth <= b.clientWidth")
        rule = page.locator(".explain-svg [data-id='rule-customer-0']")
        expect(rule.locator("text")).to_contain_text(["customer.labs-1", "+ 3 more hosts"])
        if width == 1366:
            screenshot(page, "explain-1366")


def test_zoom_in_then_pan_with_a_mouse_drag_and_fit_again(
    browser: Browser, demo_dashboard: Dashboard
) -> None:
    with explain_page(browser, demo_dashboard, 1366, 768) as page:
        fitted = drawn_font_px(page)
        page.click(".explain-tools [data-zoom='in']")
        page.click(".explain-tools [data-zoom='in']")
        # Zoomed past the card, so it pans (a live update redraws it with the zoom kept: wait for layout).
        page.wait_for_function(
            "() => { const b = document.querySelector('.explain-wide');"
            " return b && b.scrollWidth > b.clientWidth }"
        )
        assert drawn_font_px(page) >= fitted * 1.2
        scroller = page.locator(".explain-wide")
        box = scroller.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] * 0.7, box["y"] + min(box["height"], 400) * 0.5
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 300, y - 100, steps=10)
        page.mouse.up()
        left, top = scroller.evaluate("b => [b.scrollLeft, b.scrollTop]")
        assert left >= 250 and top >= 50, (left, top)
        assert page.url.endswith(EXPLAIN)  # the drag was no click on the box it started on
        page.click(".explain-tools [data-zoom='fit']")
        # Fitted again: no zoom of its own, and the type back at the card's fit. A live update of the
        # page around the card (pods coming and going) may move the card's width a little meanwhile.
        expect(page.locator(".explain-scroll.zoomed")).to_have_count(0)
        assert abs(drawn_font_px(page) - fitted) < fitted * 0.05
        assert scroller.evaluate("b => b.scrollWidth <= b.clientWidth")


def test_a_narrow_screen_gets_the_bands_top_to_bottom(browser: Browser, demo_dashboard: Dashboard) -> None:
    with explain_page(browser, demo_dashboard, 800, 900) as page:
        expect(page.locator(".explain-wide")).to_be_hidden()
        expect(page.locator(".explain-narrow svg.explain-bands")).to_be_visible()
        assert drawn_font_px(page) >= 11
        assert boxes_outside(page, ".node") == []
        titles = page.locator(".explain-bands .column-title").evaluate_all(
            "ts => ts.map(t => Math.round(t.getBoundingClientRect().top))"
        )
        assert titles == sorted(titles) and len(set(titles)) == len(titles)  # one band below the other
        page.click(".paths a[data-path='current']")  # highlighting works on the bands too
        expect(page.locator(".explain-bands.selecting .node.on[data-id='rev-customer-v3']")).to_have_count(1)


def test_a_click_held_while_the_diagram_updates_still_lands(
    browser: Browser, demo_dashboard: Dashboard, demo_api: ApiClient
) -> None:
    """A live update between a press and its release would replace the chip pressed and lose the
    click; the update waits for the release instead, and shows after it."""
    with explain_page(browser, demo_dashboard, 1366, 768) as page:
        page.evaluate(
            "() => { window.updates = 0; document.addEventListener('htmx:sseBeforeMessage',"
            " e => { if (e.target.id === 'explain') window.updates++; }); }"
        )
        chip = page.locator(".paths a[data-path='current']").bounding_box()
        assert chip is not None
        page.mouse.move(chip["x"] + chip["width"] / 2, chip["y"] + chip["height"] / 2)
        page.mouse.down()
        page.evaluate("() => { window.updates = 0; }")  # only updates that come while it is held
        traffic = [
            {"tag": "current", "revisionName": "customer-v3", "percent": 70},
            {"tag": "candidate", "revisionName": "customer-v4", "percent": 30},
            {"tag": "latest", "latestRevision": True, "percent": 0},
        ]
        patch_service(demo_api, "customer", {"spec": {"traffic": traffic}}, NAMESPACE)
        page.wait_for_function("() => window.updates > 0")
        page.mouse.up()
        expect(page.locator("svg.explain-svg.selecting")).to_have_attribute("data-selected", "current")
        assert page.url.endswith("?tag=current")
        spec = page.locator(".explain-svg .node.kind-spec")
        expect(spec.first).to_contain_text("70%")
