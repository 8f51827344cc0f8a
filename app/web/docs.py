"""The API docs page (FastAPI's Swagger UI), served entirely by the dashboard: its script and styles
come from static/vendor (npm's swagger-ui-dist, copied there at set-up like htmx), so the
page works where the dashboard has no way out to the internet, and no other site sees who reads it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

DOCS_PATH = "/docs"
VENDOR = "/static/vendor"

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH, name="swagger_ui_html")
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
