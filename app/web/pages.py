"""Full pages. Each is a plain, shareable URL; an htmx request (not boosted) gets only the content block."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from app.model.views import ConnectionView
from app.web import loading
from app.web.context import Dashboard, DashboardDep
from app.web.editor.embedding import PAGE as EDITOR_PAGE
from app.web.editor.embedding import embedded_editor

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


def is_fragment_request(request: Request) -> bool:
    """htmx asked for a part of the page (a boosted request still wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(
    request: Request, dashboard: Dashboard, template: str, context: dict[str, Any]
) -> HTMLResponse:
    full = {"connection": current_connection(dashboard), "events": None, **context}
    renderer = dashboard.renderer
    if is_fragment_request(request):
        html = renderer.block(template, "content", full)
    else:
        html = renderer.page(template, full)
    return HTMLResponse(html, headers={"Vary": "HX-Request"})


def current_connection(dashboard: Dashboard) -> ConnectionView:
    """The banner's state now."""
    state = dashboard.cache.connection()
    return ConnectionView(state.connected, state.error, stale=state.stale)


@router.get("/", name="namespaces_page")
def namespaces_page(request: Request, dashboard: DashboardDep) -> HTMLResponse:
    return render_page(
        request, dashboard, "index.html", {"summaries": loading.summaries(dashboard), "events": "/events"}
    )


@router.get("/namespaces/{namespace}", name="namespace_page")
async def namespace_page(request: Request, dashboard: DashboardDep, namespace: str) -> HTMLResponse:
    return await dashboard.renders.run(_namespace_page, request, dashboard, namespace)


def _namespace_page(request: Request, dashboard: Dashboard, namespace: str) -> HTMLResponse:
    sections = {name: Markup(html) for name, html in loading.namespace_sections(dashboard, namespace).items()}
    context = {"namespace": namespace, "sections": sections, "events": events_url(namespace)}
    return render_page(request, dashboard, "namespace.html", context)


@router.get("/namespaces/{namespace}/services/{name}", name="service_page")
async def service_page(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> HTMLResponse:
    return await dashboard.renders.run(_service_page, request, dashboard, namespace, name)


def _service_page(request: Request, dashboard: Dashboard, namespace: str, name: str) -> HTMLResponse:
    view = loading.service(dashboard, namespace, name)
    editor = embedded_editor(request, dashboard, namespace, name)
    context = {"view": view, "editor": editor, "events": events_url(namespace, name)}
    return render_page(request, dashboard, EDITOR_PAGE, context)


def events_url(namespace: str, service: str | None = None) -> str:
    """The SSE stream of a page (names are DNS labels, checked before a page renders)."""
    base = f"/namespaces/{namespace}"
    return f"{base}/services/{service}/events" if service else f"{base}/events"
