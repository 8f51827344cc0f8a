"""The baseline a watch cache is measured against: the same namespace page, listing every kind per request.

The objects come from direct list calls (app.kube's ListWatch, the reflectors' own list code) and the
page is rendered by the dashboard's own view models, template and response code; only the source of
the data differs from `/namespaces/{namespace}`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from app.kube.watching import ListWatch
from app.model.objects import NamespaceObjects
from app.model.views import namespace_overview
from app.web.dashboard import Dashboard
from app.web.disclosure import first_window
from app.web.pages import events_url, render_page
from app.web.sections import NAMESPACE_SECTIONS, namespace_section
from app.web.urls import path_for

UNCACHED_PREFIX = "/bench/uncached"


def list_namespace(dashboard: Dashboard, namespace: str) -> NamespaceObjects:
    """What `ClusterCache.objects` returns, read from the API server now (one list per kind)."""
    discovery = dashboard.cache.discovery()
    listed: dict[str, Any] = {
        kind: tuple(sorted(ListWatch(dashboard.api_client, resource, namespace).list().items, key=_name))
        for kind, resource in discovery.namespace_resources().items()
    }
    found = NamespaceObjects(namespace=namespace, knative=discovery.knative, istio=discovery.istio)
    return dataclasses.replace(found, **listed)


def _name(obj: dict[str, object]) -> str:
    metadata = obj.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


def add_uncached_page(app: FastAPI) -> None:
    """Serve the namespace page without the cache at `/bench/uncached/namespaces/{namespace}`."""

    def uncached_namespace_page(request: Request, namespace: str) -> HTMLResponse:
        dashboard: Dashboard = request.app.state.dashboard
        overview = namespace_overview(list_namespace(dashboard, namespace), dashboard.clock())
        sections = {
            n: Markup(namespace_section(dashboard.renderer, n, overview, first_window(n, overview)))
            for n in NAMESPACE_SECTIONS
        }
        context = {
            "namespace": namespace,
            "sections": sections,
            "query": "",
            "section_url": path_for(request, "namespace_section", namespace=namespace, section="_"),
            "events": events_url(request, namespace),
        }
        return render_page(request, dashboard, "namespace.html", context)

    app.add_api_route(
        f"{UNCACHED_PREFIX}/namespaces/{{namespace}}",
        uncached_namespace_page,
        methods=["GET"],
        response_class=HTMLResponse,
        include_in_schema=False,
    )
