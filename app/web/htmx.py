"""One URL, two answers: the whole page for a browser, only the part htmx asked for otherwise."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse


def is_fragment_request(request: Request) -> bool:
    """htmx asked for a part of the page (a boosted request still wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def page_or_fragment(
    request: Request, page: Callable[[], str], fragment: Callable[[], str], status_code: int = 200
) -> HTMLResponse:
    """`fragment()` for htmx, else `page()` with `status_code`. The fragment is always a 200, as htmx
    swaps only successful answers; `Vary: HX-Request` keeps caches from mixing the two up."""
    if is_fragment_request(request):
        return HTMLResponse(fragment(), headers={"Vary": "HX-Request"})
    return HTMLResponse(page(), status_code=status_code, headers={"Vary": "HX-Request"})
