"""One section at a time, as HTML: the same partials the pages and the SSE events use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.model.views import NamespaceOverview
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.disclosure import first_window, narrowed, next_window
from app.web.loading import LoadError
from app.web.sections import (
    LONG_SECTIONS,
    NAMESPACE_SECTIONS,
    SERVICE_SECTIONS,
    core_service_group,
    namespace_items,
    namespace_section,
    service_section,
)
from app.web.security import require_reveal
from app.web.templating import full_yaml_html

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/namespaces/{namespace}/sections/{section}", name="namespace_section")
async def namespace_fragment(
    dashboard: DashboardDep,
    namespace: str,
    section: str,
    offset: Annotated[int | None, Query(ge=0)] = None,
    q: Annotated[str, Query(max_length=253)] = "",
    group: str | None = None,
    open: bool = False,
) -> HTMLResponse:
    """A section as the page first shows it; or only its items from `offset` (scrolled to), or the
    whole section narrowed to names containing `q` (the filter box); or one group of the Kubernetes
    Services, `open` or folded."""
    return await dashboard.renders.run(
        _namespace_fragment, dashboard, namespace, section, offset, q, group, open
    )


def _namespace_fragment(
    dashboard: Dashboard,
    namespace: str,
    section: str,
    offset: int | None,
    q: str,
    group: str | None,
    open: bool,
) -> HTMLResponse:
    if section not in NAMESPACE_SECTIONS:
        raise LoadError(404, "No such section", f"Sections are: {', '.join(NAMESPACE_SECTIONS)}.")
    if group is not None:
        if section != "core_services":
            raise LoadError(404, "No such group", "Only the Kubernetes Services are grouped.")
        return HTMLResponse(_group(dashboard, namespace, group, open, q))
    if offset is not None and section in LONG_SECTIONS:
        window = next_window(offset, q)

        def items(overview: NamespaceOverview) -> str:
            return namespace_items(dashboard.renderer, section, narrowed(overview, q), window)

        return HTMLResponse(loading.namespace_window(dashboard, namespace, items))
    if q.strip():

        def filtered(overview: NamespaceOverview) -> str:
            shown = narrowed(overview, q)
            return namespace_section(dashboard.renderer, section, shown, first_window(section, shown, q))

        return HTMLResponse(loading.namespace_window(dashboard, namespace, filtered))
    return HTMLResponse(loading.namespace_sections(dashboard, namespace, (section,))[section])


def _group(dashboard: Dashboard, namespace: str, key: str, open: bool, q: str) -> str:
    def render(overview: NamespaceOverview) -> str:
        html = core_service_group(dashboard.renderer, narrowed(overview, q), key, open, q)
        if html is None:
            raise LoadError(
                404, "No such group", f"No Kubernetes Services in namespace {namespace!r} belong to {key!r}."
            )
        return html

    return loading.namespace_window(dashboard, namespace, render)


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
