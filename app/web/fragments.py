"""One section at a time, as HTML: the same partials the pages and the SSE events use."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web import loading
from app.web.context import DashboardDep
from app.web.loading import LoadError
from app.web.sections import NAMESPACE_SECTIONS, SERVICE_SECTIONS, service_section
from app.web.security import require_reveal

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/namespaces/{namespace}/sections/{section}", name="namespace_section")
def namespace_fragment(dashboard: DashboardDep, namespace: str, section: str) -> HTMLResponse:
    if section not in NAMESPACE_SECTIONS:
        raise LoadError(404, "No such section", f"Sections are: {', '.join(NAMESPACE_SECTIONS)}.")
    return HTMLResponse(loading.namespace_sections(dashboard, namespace, (section,))[section])


@router.get("/namespaces/{namespace}/services/{name}/sections/{section}", name="service_section")
def service_fragment(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, section: str, reveal: bool = False
) -> HTMLResponse:
    """One section; `reveal=true` shows secret-like env values in the YAML (needs an identity)."""
    if section not in SERVICE_SECTIONS:
        raise LoadError(404, "No such section", f"Sections are: {', '.join(SERVICE_SECTIONS)}.")
    if reveal:
        require_reveal(request, namespace, name)
    view = loading.service(dashboard, namespace, name, reveal)
    return HTMLResponse(service_section(dashboard.renderer, section, view))
