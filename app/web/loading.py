"""Reading the cluster cache into view models, with the HTTP answer for each way that can fail.

Blocking (the cache may wait for a first list): call from a thread, never from the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from app.kube import caching
from app.kube.errors import ApiError
from app.kube.feeding import ChangeFeed
from app.model.objects import NamespaceObjects
from app.model.views import (
    NamespaceOverview,
    NamespaceSummary,
    RowMemo,
    ServiceView,
    namespace_overview,
    service_view,
)
from app.web.dashboard import Dashboard
from app.web.nslist.listing import Listing
from app.web.sections import NAMESPACE_SECTIONS


class LoadError(Exception):
    """Why a page or API answer cannot be given: an HTTP status, a heading and a sentence."""

    def __init__(
        self, status_code: int, heading: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.heading = heading
        self.message = message
        self.headers = headers
        """Extra response headers (e.g. Retry-After with a 429)."""


class NoSuchNamespace(LoadError):
    """404: the dashboard does not show this namespace (none such, outside the allow-list, or not a
    valid name at all: the page says the same for each, so it tells nothing about the configuration)."""

    def __init__(self, namespace: str) -> None:
        super().__init__(404, "No such namespace", f"The dashboard does not show a namespace {namespace!r}.")


class NoSuchKnativeService(LoadError):
    """404: the namespace has no Knative Service of this name (or the cluster serves no Knative)."""

    def __init__(self, namespace: str, name: str) -> None:
        message = f"Namespace {namespace!r} has no Knative Service {name!r}."
        super().__init__(404, "No such Knative Service", message)


class CacheStopped(LoadError):
    """503: the cluster cache was stopped under the request (the app is stopping or switching contexts)."""

    def __init__(self) -> None:
        message = "The dashboard stopped reading the cluster while answering; try again in a moment."
        super().__init__(503, "Cannot read the cluster", message)


@contextmanager
def reading_the_cluster() -> Iterator[None]:
    """Turn the cache's failures into LoadErrors: 404 for a namespace it does not show, 503 when the
    cluster fails or the cache has stopped. Any other exception is a bug and stays one (a 500)."""
    try:
        yield
    except (caching.InvalidNamespaceName, caching.NamespaceNotAllowed) as exc:
        raise NoSuchNamespace(exc.namespace) from exc
    except caching.CacheStopped as exc:
        raise CacheStopped() from exc
    except ApiError as exc:
        raise LoadError(503, "Cannot read the cluster", str(exc)) from exc


def check_shown(dashboard: Dashboard, namespace: str) -> None:
    """LoadError 404 unless the dashboard shows `namespace` (any name when namespaces cannot be listed)."""
    with reading_the_cluster():
        known = dashboard.cache.namespaces()
    if known and namespace not in known:
        raise NoSuchNamespace(namespace)


def namespace_objects(dashboard: Dashboard, namespace: str) -> NamespaceObjects:
    """The namespace's snapshot (see `check_shown` and `reading_the_cluster` for the errors)."""
    check_shown(dashboard, namespace)
    with reading_the_cluster():
        return dashboard.cache.objects(namespace)


def namespace_sections(
    dashboard: Dashboard, namespace: str, names: Iterable[str] = NAMESPACE_SECTIONS
) -> dict[str, str]:
    """The namespace page's sections as HTML, rendered once per change (app.web.rendering)."""
    check_shown(dashboard, namespace)
    with reading_the_cluster():
        return dashboard.sections.namespace(namespace, names)


def subscribe(dashboard: Dashboard, namespace: str | None) -> ChangeFeed:
    """A change feed for the namespace (None: every namespace); the caller closes it."""
    if namespace is not None:
        check_shown(dashboard, namespace)
    with reading_the_cluster():
        return dashboard.cache.subscribe(namespace)


def overview(dashboard: Dashboard, namespace: str) -> NamespaceOverview:
    return namespace_overview(namespace_objects(dashboard, namespace), dashboard.clock())


def service(dashboard: Dashboard, namespace: str, name: str, reveal: bool = False) -> ServiceView:
    """The Service page's data (secret-like env values masked unless `reveal`); LoadError 404 when
    there is no such Knative Service (or no Knative)."""
    return _service_view(namespace_objects(dashboard, namespace), name, dashboard.clock(), reveal)


def service_sections(dashboard: Dashboard, namespace: str, name: str, names: Iterable[str]) -> dict[str, str]:
    """A Service page's live sections as HTML, rendered once per change for all its streams."""
    check_shown(dashboard, namespace)
    with reading_the_cluster():
        return dashboard.sections.service(
            namespace,
            name,
            names,
            lambda objects, now: _service_view(objects, name, now, memo=dashboard.sections.rows),
        )


def namespace_window(dashboard: Dashboard, namespace: str, render: Callable[[NamespaceOverview], str]) -> str:
    """Markup `render` makes from the namespace's current overview (see SectionCache.windowed)."""
    check_shown(dashboard, namespace)
    with reading_the_cluster():
        return dashboard.sections.windowed(namespace, render)


def current_overview(dashboard: Dashboard, namespace: str) -> NamespaceOverview:
    """The namespace's overview as its shared sections show it (ages as of its last change)."""
    check_shown(dashboard, namespace)
    with reading_the_cluster():
        return dashboard.sections.overview(namespace)


def _service_view(
    objects: NamespaceObjects, name: str, now: datetime, reveal: bool = False, memo: RowMemo | None = None
) -> ServiceView:
    namespace = objects.namespace
    if not objects.knative:
        raise LoadError(
            404,
            "Knative is not served",
            "This cluster does not serve Knative Serving (serving.knative.dev/v1).",
        )
    view = service_view(objects, name, now, reveal, memo)
    if view is None and not (objects.complete and objects.connected):
        # Not having seen a Service is no proof that there is none: never a 404 for it then.
        raise LoadError(
            503,
            "Cannot read the cluster",
            f"The dashboard cannot tell whether namespace {namespace!r} has a Knative Service {name!r}: "
            f"{'; '.join(objects.problems) or 'its Services have not been listed yet.'}",
        )
    if view is None:
        raise NoSuchKnativeService(namespace, name)
    return view


def summaries(dashboard: Dashboard) -> list[NamespaceSummary]:
    """Counts for every namespace the dashboard shows, each counted once per change of its namespace
    (the namespace list's own counts), dated now while its watches are live."""
    with reading_the_cluster():
        return dashboard.namespace_list.summaries(dashboard.clock())


def namespace_listing(dashboard: Dashboard) -> Listing:
    """The namespace list's rows in the page's order, each rendered once per change of its namespace."""
    with reading_the_cluster():
        return dashboard.namespace_list.listing()
