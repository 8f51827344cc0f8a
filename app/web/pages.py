"""Full pages. Each is a plain, shareable URL; an htmx request (not boosted) gets only the content block."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from app.model.views import ConnectionView
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.disclosure import first_window, narrowed
from app.web.editor.embedding import PAGE as EDITOR_PAGE
from app.web.editor.embedding import embedded_editor
from app.web.htmx import page_or_fragment
from app.web.plans.panel import page_plan
from app.web.sections import NAMESPACE_SECTIONS, namespace_section
from app.web.templating import fresh_ages
from app.web.urls import path_for

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


def render_page(
    request: Request, dashboard: Dashboard, template: str, context: dict[str, Any]
) -> HTMLResponse:
    """The page, or only its `content` block for htmx."""
    full = page_context(dashboard, context)
    renderer = dashboard.renderer
    now = dashboard.clock()
    return page_or_fragment(
        request,
        lambda: fresh_ages(renderer.page(template, full), now),
        lambda: fresh_ages(renderer.block(template, "content", full), now),
    )


def page_context(dashboard: Dashboard, context: dict[str, Any]) -> dict[str, Any]:
    """`context` with what base.html needs: the banner's state and (none unless given) the SSE stream."""
    return {"connection": current_connection(dashboard), "events": None, **context}


def current_connection(dashboard: Dashboard) -> ConnectionView:
    """The banner's state now."""
    state = dashboard.cache.connection()
    return ConnectionView(state.connected, state.error, stale=state.stale)


@router.get("/namespaces/{namespace}", name="namespace_page")
async def namespace_page(
    request: Request, dashboard: DashboardDep, namespace: str, q: Annotated[str, Query(max_length=253)] = ""
) -> HTMLResponse:
    """The namespace's sections, each as far as its first items; `q` narrows them to matching names
    (what the filter box does without a script)."""
    return await dashboard.renders.run(_namespace_page, request, dashboard, namespace, q.strip())


def _namespace_page(request: Request, dashboard: Dashboard, namespace: str, q: str) -> HTMLResponse:
    if q:
        shown = narrowed(loading.current_overview(dashboard, namespace), q)
        sections = {
            name: Markup(namespace_section(dashboard.renderer, name, shown, first_window(name, shown, q)))
            for name in NAMESPACE_SECTIONS
        }
    else:
        first = loading.namespace_sections(dashboard, namespace)
        sections = {name: Markup(html) for name, html in first.items()}
    context = {
        "namespace": namespace,
        "sections": sections,
        "query": q,
        "section_url": path_for(request, "namespace_section", namespace=namespace, section="_"),
        "events": events_url(request, namespace),
    }
    return render_page(request, dashboard, "namespace.html", context)


@router.get("/namespaces/{namespace}/services/{name}", name="service_page")
async def service_page(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> HTMLResponse:
    return await dashboard.renders.run(_service_page, request, dashboard, namespace, name)


def _service_page(request: Request, dashboard: Dashboard, namespace: str, name: str) -> HTMLResponse:
    view = loading.service(dashboard, namespace, name)
    editor = embedded_editor(request, dashboard, namespace, name)
    context = {
        "view": view,
        "editor": editor,
        "events": events_url(request, namespace, name),
        **page_plan(request, dashboard, namespace, name),
    }
    return render_page(request, dashboard, EDITOR_PAGE, context)


def events_url(request: Request, namespace: str, service: str | None = None) -> str:
    """The SSE stream of a namespace's or a Service's page."""
    if service is None:
        return path_for(request, "namespace_events", namespace=namespace)
    return path_for(request, "service_events", namespace=namespace, name=service)
