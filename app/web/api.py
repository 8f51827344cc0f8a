"""The JSON API: the same view models the pages render, documented at /docs."""

from __future__ import annotations

from fastapi import APIRouter

from app.model.views import NamespaceOverview, NamespaceSummary, ServiceView
from app.web import loading
from app.web.context import DashboardDep

router = APIRouter(prefix="/api", tags=["read"])


@router.get("/namespaces", summary="Namespaces with counts of each kind")
def list_namespaces(dashboard: DashboardDep) -> list[NamespaceSummary]:
    return loading.summaries(dashboard)


@router.get("/namespaces/{namespace}", summary="A namespace's Knative and Istio objects, section by section")
def get_namespace(dashboard: DashboardDep, namespace: str) -> NamespaceOverview:
    return loading.overview(dashboard, namespace)


@router.get("/namespaces/{namespace}/services/{name}", summary="One Knative Service and what it generated")
def get_service(dashboard: DashboardDep, namespace: str, name: str) -> ServiceView:
    return loading.service(dashboard, namespace, name)
