"""Reading the cluster cache into view models, with the HTTP answer for each way that can fail.

Blocking (the cache may wait for a first list): call from a thread, never from the event loop.
"""

from __future__ import annotations

from app.kube.caching import NamespaceNotAllowed
from app.kube.errors import ApiError
from app.model.objects import NamespaceObjects
from app.model.views import (
    NamespaceOverview,
    NamespaceSummary,
    ServiceView,
    namespace_overview,
    namespace_summary,
    service_view,
)
from app.web.context import Dashboard


class LoadError(Exception):
    """Why a page or API answer cannot be given: an HTTP status, a heading and a sentence."""

    def __init__(self, status_code: int, heading: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.heading = heading
        self.message = message


def namespace_objects(dashboard: Dashboard, namespace: str) -> NamespaceObjects:
    """The namespace's snapshot; LoadError 404 for a namespace not shown, 503 when the cluster fails."""
    cache = dashboard.cache
    try:
        known = cache.namespaces()
        if known and namespace not in known:
            raise LoadError(
                404, "No such namespace", f"The dashboard does not show a namespace {namespace!r}."
            )
        return cache.objects(namespace)
    except (ValueError, NamespaceNotAllowed) as exc:
        raise LoadError(404, "No such namespace", str(exc)) from exc
    except (ApiError, RuntimeError) as exc:
        raise LoadError(503, "Cannot read the cluster", str(exc)) from exc


def overview(dashboard: Dashboard, namespace: str) -> NamespaceOverview:
    return namespace_overview(namespace_objects(dashboard, namespace), dashboard.clock())


def service(dashboard: Dashboard, namespace: str, name: str) -> ServiceView:
    """The Service page's data; LoadError 404 when there is no such Knative Service (or no Knative)."""
    objects = namespace_objects(dashboard, namespace)
    if not objects.knative:
        raise LoadError(
            404,
            "Knative is not served",
            "This cluster does not serve Knative Serving (serving.knative.dev/v1).",
        )
    view = service_view(objects, name, dashboard.clock())
    if view is None:
        raise LoadError(
            404, "No such Knative Service", f"Namespace {namespace!r} has no Knative Service {name!r}."
        )
    return view


def summaries(dashboard: Dashboard) -> list[NamespaceSummary]:
    """Counts for every namespace the dashboard shows."""
    return [namespace_summary(namespace_objects(dashboard, ns)) for ns in dashboard.cache.namespaces()]
