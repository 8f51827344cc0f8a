"""The JSON API: the same view models the pages render, documented at /docs."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.model.views import NamespaceOverview, NamespaceSummary, ServiceView
from app.web import loading
from app.web.dashboard import DashboardDep
from app.web.security import require_reveal

router = APIRouter(prefix="/api", tags=["read"])


@router.get("/namespaces", summary="Namespaces with counts of each kind")
def list_namespaces(dashboard: DashboardDep) -> list[NamespaceSummary]:
    return loading.summaries(dashboard)


@router.get("/namespaces/{namespace}", summary="A namespace's Knative and Istio objects, section by section")
def get_namespace(dashboard: DashboardDep, namespace: str) -> NamespaceOverview:
    return loading.overview(dashboard, namespace)


@router.get("/namespaces/{namespace}/services/{name}", summary="One Knative Service and what it generated")
def get_service(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, reveal: bool = False
) -> ServiceView:
    """Secret-like env values in the objects are masked; `reveal=true` shows them (needs the identity
    writing needs; logged)."""
    if reveal:
        require_reveal(request, namespace, name)
    return loading.service(dashboard, namespace, name, reveal)
