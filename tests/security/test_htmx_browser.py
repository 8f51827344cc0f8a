"""In a real browser, htmx sends the page's CSRF token on its own (hx-headers on <body>), and a page
of another origin cannot post to the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.guarded import WRITE, Served
from tests.support.serving import serve_app


@pytest.mark.browser
def test_htmx_requests_carry_the_token_and_pass(dashboard: Served, page: Page) -> None:
    page.goto(dashboard.url + "/")
    page.wait_for_function("() => window.htmx !== undefined")
    with page.expect_response(lambda r: r.url.endswith(WRITE)) as answer:
        options = "{source: document.body, swap: 'none', values: {note: 'hx'}}"
        page.evaluate(f"() => htmx.ajax('POST', '{WRITE}', {options})")
    assert answer.value.status == 200
    assert answer.value.json() == {"user": None, "note": "hx"}


@pytest.mark.browser
def test_a_form_on_another_origin_cannot_post(dashboard: Served, page: Page) -> None:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    evil = FastAPI()
    target = dashboard.url.replace("127.0.0.1", "localhost") + WRITE

    @evil.get("/")
    def attack() -> HTMLResponse:
        return HTMLResponse(
            f'<form id="f" method="post" action="{target}"><input name="note" value="csrf"></form>'
            f'<button id="go" onclick="document.getElementById(\'f\').submit()">go</button>'
        )

    page.goto(dashboard.url.replace("127.0.0.1", "localhost") + "/")  # the victim has the dashboard's cookie
    with serve_app(evil) as evil_url:
        page.goto(evil_url + "/")
        with page.expect_response(lambda r: r.url == target) as answer:
            page.click("#go")
        assert answer.value.status == 403
