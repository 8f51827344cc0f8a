"""One section at a time, as HTML: the same partials the pages and the SSE events use."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.loading import LoadError
from app.web.sections import NAMESPACE_SECTIONS, SERVICE_SECTIONS, service_section
from app.web.security import require_reveal
from app.web.templating import full_yaml_html

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/namespaces/{namespace}/sections/{section}", name="namespace_section")
async def namespace_fragment(dashboard: DashboardDep, namespace: str, section: str) -> HTMLResponse:
    return await dashboard.renders.run(_namespace_fragment, dashboard, namespace, section)


def _namespace_fragment(dashboard: Dashboard, namespace: str, section: str) -> HTMLResponse:
    if section not in NAMESPACE_SECTIONS:
        raise LoadError(404, "No such section", f"Sections are: {', '.join(NAMESPACE_SECTIONS)}.")
    return HTMLResponse(loading.namespace_sections(dashboard, namespace, (section,))[section])


@router.get("/namespaces/{namespace}/services/{name}/sections/{section}", name="service_section")
async def service_fragment(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, section: str, reveal: bool = False
) -> HTMLResponse:
    """One section; `reveal=true` shows secret-like env values in the YAML (needs an identity)."""
    if reveal:
        require_reveal(request, namespace, name)
    return await dashboard.renders.run(_service_fragment, dashboard, namespace, name, section, reveal)


def _service_fragment(
    dashboard: Dashboard, namespace: str, name: str, section: str, reveal: bool
) -> HTMLResponse:
    if section not in SERVICE_SECTIONS:
        raise LoadError(404, "No such section", f"Sections are: {', '.join(SERVICE_SECTIONS)}.")
    view = loading.service(dashboard, namespace, name, reveal)
    return HTMLResponse(service_section(dashboard.renderer, section, view))


@router.get("/namespaces/{namespace}/services/{name}/objects/{kind}/{object_name}", name="object_yaml")
def object_yaml(
    request: Request,
    dashboard: DashboardDep,
    namespace: str,
    name: str,
    kind: str,
    object_name: str,
    reveal: bool = False,
) -> HTMLResponse:
    """One of the Service page's objects in full, for the YAML view of an object too large to inline;
    masked as the section it belongs to unless `reveal` (which needs an identity)."""
    if reveal:
        require_reveal(request, namespace, name)
    view = loading.service(dashboard, namespace, name, reveal)
    for related in view.related:
        if related.kind == kind and related.name == object_name:
            return HTMLResponse(full_yaml_html(related.body))
    raise LoadError(404, "No such object", f"Service {name!r} shows no {kind} {object_name!r}.")
