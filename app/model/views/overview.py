"""The pages' view models: a namespace's summary and overview, one Service's view, the banner."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from app.model.bodies import Obj, as_text, labels_of, meta, name_of
from app.model.labels import ROUTE_LABEL, SERVICE_LABEL
from app.model.objects import NamespaceObjects
from app.model.views.colours import colour_of, revision_colours
from app.model.views.conditions import ObjectConditions, conditions_of, readiness
from app.model.views.core_services import CoreServicesView, core_services_view
from app.model.views.istio import VirtualServiceView, virtual_service_view
from app.model.views.kingress import KIngressView, kingress_view
from app.model.views.knative import (
    RevisionRow,
    RouteView,
    ServiceRow,
    revision_order,
    revision_row,
    route_view,
    service_row,
)
from app.model.views.masking import masked
from app.model.views.memo import RowMemo, aged
from app.model.views.owners import controller_ref, index_by_uid, owner_steps
from app.model.views.pods import PodGroup, pod_groups, pod_status
from app.model.views.splits import traffic_by_revision

T = TypeVar("T")

HIDDEN = "(hidden)"
"""What the YAML view shows instead of a Secret's values."""


@dataclass(frozen=True)
class ConnectionView:
    """The banner's state: connected, lost (with the error), `recovered` after a loss, `stale` (a
    watch missed changes; its kind is being read again), `resynced` after that, or `switched_to`
    another kubeconfig context (the page still shows the previous one)."""

    connected: bool
    error: str | None = None
    recovered: bool = False
    switched_to: str | None = None
    stale: bool = False
    resynced: bool = False


@dataclass(frozen=True)
class NamespaceSummary:
    """How many of each kind a namespace holds (and how many are ready/running/generated)."""

    namespace: str
    services: int
    services_ready: int
    revisions: int
    routes: int
    virtualservices: int
    core_services: int
    core_services_generated: int
    pods: int
    pods_running: int
    kingresses: int = 0
    istio: bool = True
    """False when the cluster serves no VirtualServices (then `virtualservices` means nothing)."""
    connected: bool = True
    """False when the counts are what the dashboard last saw before the cluster became unreachable."""
    stale: bool = False
    """True while a watch is known to have missed changes (the counts may be old)."""
    observedAt: datetime | None = None  # camelCase: the JSON API's name for it
    """When the counts were last known to be the cluster's (now while the watches are live)."""


def namespace_summary(objects: NamespaceObjects) -> NamespaceSummary:
    return NamespaceSummary(
        namespace=objects.namespace,
        services=len(objects.services),
        services_ready=sum(1 for s in objects.services if readiness(s).ok),
        revisions=len(objects.revisions),
        routes=len(objects.routes),
        kingresses=len(objects.ingresses),
        istio=objects.istio,
        virtualservices=len(objects.virtualservices),
        core_services=len(objects.core_services),
        core_services_generated=sum(1 for s in objects.core_services if controller_ref(s) is not None),
        pods=len(objects.pods),
        pods_running=sum(1 for p in objects.pods if pod_status(p) == "Running"),
        connected=objects.connected,
        stale=objects.stale,
        observedAt=objects.observed_at,
    )


@dataclass(frozen=True)
class NamespaceOverview:
    """Everything the namespace page shows, section by section."""

    namespace: str
    summary: NamespaceSummary
    services: tuple[ServiceRow, ...]
    revisions: tuple[RevisionRow, ...]
    routes: tuple[RouteView, ...]
    kingresses: tuple[KIngressView, ...]
    virtualservices: tuple[VirtualServiceView, ...]
    core_services: CoreServicesView
    pods: tuple[PodGroup, ...]
    knative: bool
    """False when the cluster does not serve Knative Serving."""
    istio: bool
    """False when the cluster does not serve Istio VirtualServices."""
    problems: tuple[str, ...]
    """Why some kinds are missing or stale (from the cache); empty when all is well."""
    complete: bool
    """False while some kinds have not finished their first list (the sections may lack objects)."""
    connected: bool = True
    """False when the sections are what the dashboard last saw before the cluster became unreachable."""
    stale: bool = False
    """True while a watch is known to have missed changes (the sections may be old)."""
    observedAt: datetime | None = None  # camelCase: the JSON API's name for it
    """When the sections were last known to be the cluster's (now while the watches are live)."""


OVERVIEW_PARTS = frozenset(
    {"services", "revisions", "routes", "kingresses", "virtualservices", "core_services", "pods"}
)
"""The overview's lists of rows, each shown by one section of the namespace page."""


def namespace_overview(
    objects: NamespaceObjects, now: datetime, memo: RowMemo | None = None
) -> NamespaceOverview:
    """The namespace page's data; with a `memo`, rows of objects unchanged since it last saw them (and
    whose surroundings are unchanged) are taken from it instead of built again."""
    return _overview(objects, objects, now, memo)


def partial_overview(
    objects: NamespaceObjects,
    now: datetime,
    memo: RowMemo,
    parts: Iterable[str],
    base: NamespaceOverview | None = None,
) -> NamespaceOverview:
    """The overview with only the lists `parts` (of OVERVIEW_PARTS) built from `objects`; the other
    lists are `base`'s, or empty. For a caller that shows only some sections and knows which lists
    are current: a change that touches two sections then costs their rows, not the namespace's.
    The summary, flags and problems are always built."""
    return _overview(objects, objects, now, memo, frozenset(parts), base)


def _overview(
    objects: NamespaceObjects,
    scope: NamespaceObjects,
    now: datetime,
    memo: RowMemo | None = None,
    parts: frozenset[str] = OVERVIEW_PARTS,
    base: NamespaceOverview | None = None,
) -> NamespaceOverview:
    """Rows for the objects in `scope`; colours, traffic and owners resolved against all of `objects`."""
    unknown = parts - OVERVIEW_PARTS
    if unknown:
        raise ValueError(f"no such part of the overview: {', '.join(sorted(unknown))}")
    colours = revision_colours(objects.revisions)
    traffic = traffic_by_revision(objects.routes)
    routes = {name_of(r): r for r in objects.routes}
    kingresses = {name_of(k): k for k in objects.ingresses}
    memo = memo if memo is not None else RowMemo(0)
    palette = memo.intern(frozenset(colours.items()))

    def kept(kind: str, obj: Obj, depends: Hashable, build: Callable[[], T]) -> T:
        return aged(memo.row(kind, obj, depends, build), obj, now)

    def service(s: Obj) -> ServiceRow:
        # The row shows a gradual rollout from its Route and KIngress: their versions are its surroundings.
        route, kingress = routes.get(name_of(s)), kingresses.get(name_of(s))
        depends = (palette, _version(route), _version(kingress))
        return kept("service", s, depends, partial(service_row, s, colours, now, route, kingress))

    builders: dict[str, Callable[[], Any]] = {
        "services": lambda: tuple(service(s) for s in sorted(scope.services, key=name_of)),
        "revisions": lambda: tuple(
            kept(
                "revision",
                r,
                (traffic.get(name_of(r)), colour_of(colours, name_of(r))),
                partial(revision_row, r, traffic, colours, now),
            )
            for r in sorted(scope.revisions, key=revision_order)
        ),
        "routes": lambda: tuple(
            kept("route", r, palette, partial(route_view, r, colours))
            for r in sorted(scope.routes, key=name_of)
        ),
        "kingresses": lambda: tuple(
            kept("kingress", k, palette, partial(kingress_view, k, colours))
            for k in sorted(scope.ingresses, key=name_of)
        ),
        "virtualservices": lambda: tuple(
            kept("virtualservice", v, palette, partial(virtual_service_view, v, colours))
            for v in sorted(scope.virtualservices, key=name_of)
        ),
        "core_services": lambda: core_services_view(
            scope.core_services, objects, index_by_uid(objects), now, memo
        ),
        "pods": lambda: pod_groups(scope.pods, scope.revisions, colours, now),
    }
    lists = {
        part: build() if part in parts else _kept_or_empty(base, part) for part, build in builders.items()
    }
    return NamespaceOverview(
        namespace=objects.namespace,
        summary=namespace_summary(scope),
        **lists,
        knative=objects.knative,
        istio=objects.istio,
        problems=objects.problems,
        complete=objects.complete,
        connected=objects.connected,
        stale=objects.stale,
        observedAt=objects.observed_at,
    )


def _kept_or_empty(base: NamespaceOverview | None, part: str) -> Any:
    """`base`'s list `part`, or an empty one."""
    if base is not None:
        return getattr(base, part)
    return CoreServicesView((), 0, ()) if part == "core_services" else ()


def _version(obj: Obj | None) -> str | None:
    return None if obj is None else str(meta(obj).get("resourceVersion") or "")


@dataclass(frozen=True)
class RelatedObject:
    """An object shown as YAML on the Service page (Secret values and managed fields removed)."""

    kind: str
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class ServiceView:
    """The Service page: the namespace sections narrowed to one Knative Service and what it generated.
    The objects' secret-like env values are masked unless `revealed`; `masked` counts them."""

    namespace: str
    name: str
    sections: NamespaceOverview
    conditions: tuple[ObjectConditions, ...]
    related: tuple[RelatedObject, ...]
    masked: int = 0
    revealed: bool = False
    connected: bool = True
    """False when this is what the dashboard last saw before the cluster became unreachable."""
    stale: bool = False
    """True while a watch is known to have missed changes (this may be old)."""
    observedAt: datetime | None = None  # camelCase: the JSON API's name for it
    """When this was last known to be the cluster's (now while the watches are live)."""


def service_scope(objects: NamespaceObjects, name: str) -> NamespaceObjects | None:
    """The objects belonging to Knative Service `name`: owned by it (transitively) or labelled with it."""
    service = next((s for s in objects.services if name_of(s) == name), None)
    if service is None:
        return None
    uid = as_text(meta(service).get("uid"))
    by_uid = index_by_uid(objects)
    routes = {name_of(r) for r in objects.routes if _belongs(r, name, uid, by_uid, set())}

    def pick(group: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        return tuple(o for o in group if _belongs(o, name, uid, by_uid, routes))

    return replace(
        objects,
        services=(service,),
        configurations=pick(objects.configurations),
        revisions=pick(objects.revisions),
        routes=pick(objects.routes),
        virtualservices=pick(objects.virtualservices),
        core_services=pick(objects.core_services),
        pods=pick(objects.pods),
        events=(),
        ingresses=pick(objects.ingresses),
        serverlessservices=pick(objects.serverlessservices),
        podautoscalers=pick(objects.podautoscalers),
        endpoints=pick(objects.endpoints),
    )


def _belongs(obj: Obj, service: str, uid: str, by_uid: Mapping[str, Obj], routes: set[str]) -> bool:
    labels = labels_of(obj)
    if labels.get(SERVICE_LABEL) == service or labels.get(ROUTE_LABEL) in routes:
        return True
    return any(as_text(ref.get("uid")) == uid for ref, _ in owner_steps(obj, by_uid))


def service_view(
    objects: NamespaceObjects,
    name: str,
    now: datetime,
    reveal: bool = False,
    memo: RowMemo | None = None,
) -> ServiceView | None:
    """The Service page's data, or None when the namespace has no Knative Service `name`; secret-like
    env values masked unless `reveal`. Its rows are kept in `memo` as the namespace page's are."""
    scope = service_scope(objects, name)
    if scope is None:
        return None
    shown = (
        ("Service", scope.services),
        ("Configuration", scope.configurations),
        ("Route", scope.routes),
        ("Revision", tuple(sorted(scope.revisions, key=revision_order))),
    )
    conditions = tuple(
        ObjectConditions(kind, name_of(obj), conditions_of(obj, now))
        for kind, group in shown
        for obj in group
    )
    related_groups = (
        *shown,
        ("Ingress", scope.ingresses),
        ("VirtualService", scope.virtualservices),
        ("PodAutoscaler", scope.podautoscalers),
        ("ServerlessService", scope.serverlessservices),
        ("Service (core)", scope.core_services),
        ("Endpoints", scope.endpoints),
        ("Pod", scope.pods),
    )
    bodies = [
        (kind, name_of(obj), redacted(obj))
        for kind, group in related_groups
        for obj in sorted(group, key=name_of)
    ]
    hiding = [masked(body) for _, _, body in bodies]
    hidden = sum(count for _, count in hiding)
    related = tuple(
        RelatedObject(kind, obj_name, body if reveal else shown)
        for (kind, obj_name, body), (shown, _) in zip(bodies, hiding, strict=True)
    )
    return ServiceView(
        objects.namespace,
        name,
        _overview(objects, scope, now, memo),
        conditions,
        related,
        hidden,
        reveal and hidden > 0,
        connected=objects.connected,
        stale=objects.stale,
        observedAt=objects.observed_at,
    )


def redacted(obj: Obj) -> dict[str, Any]:
    """A copy fit to show: no managedFields, and a Secret's values replaced (their keys stay)."""
    body = dict(obj)
    metadata = dict(meta(obj))
    metadata.pop("managedFields", None)
    body["metadata"] = metadata
    if obj.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if isinstance(obj.get(key), Mapping):
                body[key] = {k: HIDDEN for k in obj[key]}
    return body
