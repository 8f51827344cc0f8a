"""View models: what the dashboard shows, built from one namespace's cached objects.

Pure functions over plain object dicts (read-only by contract); the caller passes `now`. Every field is
plain text or numbers, so templates and the JSON API render the same rows.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from app.model.objects import NamespaceObjects

Obj = Mapping[str, Any]

PALETTE_SIZE = 8
"""Split colours cycle through this many CSS classes (`c0` .. `c7`)."""

SERVICE_LABEL = "serving.knative.dev/service"
ROUTE_LABEL = "serving.knative.dev/route"
REVISION_LABEL = "serving.knative.dev/revision"
GENERATION_LABEL = "serving.knative.dev/configurationGeneration"
ROUTING_STATE_LABEL = "serving.knative.dev/routingState"
REVISION_HEADER = "Knative-Serving-Revision"
HIDDEN = "(hidden)"


# ---------------------------------------------------------------------------------------------- time


def human_duration(seconds: float) -> str:
    """A duration the way kubectl prints ages: "45s", "5m30s", "3h12m", "2d"."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    years, rest = divmod(days, 365)
    if days < 365 * 8 and rest:
        return f"{years}y{rest}d"
    return f"{years}y"


def parse_time(timestamp: str | None) -> datetime | None:
    """An RFC 3339 timestamp of the API ("2026-11-30T08:00:00Z"), or None when absent or malformed."""
    if not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(timestamp: str | None, now: datetime) -> str:
    """kubectl's AGE column for a timestamp: "<unknown>" when there is none."""
    when = parse_time(timestamp)
    if when is None:
        return "<unknown>"
    return human_duration((now - when).total_seconds())


# ------------------------------------------------------------------------------------- object access


def meta(obj: Obj) -> Mapping[str, Any]:
    """The object's metadata (empty when missing)."""
    value = obj.get("metadata")
    return value if isinstance(value, Mapping) else {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def labels_of(obj: Obj) -> Mapping[str, str]:
    value = meta(obj).get("labels")
    return value if isinstance(value, Mapping) else {}


def _section(obj: Obj, key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _maps(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in _list(value) if isinstance(item, Mapping)]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# -------------------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class ConditionView:
    """One status condition, with the age of its last transition."""

    type: str
    status: str
    reason: str
    message: str
    age: str


@dataclass(frozen=True)
class Readiness:
    """The kn columns CONDITIONS, READY and REASON of one object."""

    conditions: str
    """ "3 OK / 4": conditions with status True among all."""
    ready: str
    """The Ready condition's status, "<unknown>" without one."""
    reason: str
    """kn's REASON: empty when ready, else "<reason> : <message>" (or just the reason)."""
    ok: bool


@dataclass(frozen=True)
class ObjectConditions:
    """The conditions of one object, for the Service page."""

    kind: str
    name: str
    conditions: tuple[ConditionView, ...]


def conditions_of(obj: Obj, now: datetime) -> tuple[ConditionView, ...]:
    """The object's status conditions, in the order the controller wrote them."""
    return tuple(
        ConditionView(
            type=_text(c.get("type")),
            status=_text(c.get("status")),
            reason=_text(c.get("reason")),
            message=_text(c.get("message")),
            age=age(c.get("lastTransitionTime"), now) if c.get("lastTransitionTime") else "",
        )
        for c in _maps(_section(obj, "status").get("conditions"))
    )


def readiness(obj: Obj) -> Readiness:
    """Summarise the conditions as `kn` does."""
    conditions = _maps(_section(obj, "status").get("conditions"))
    ok = sum(1 for c in conditions if c.get("status") == "True")
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None:
        return Readiness(f"{ok} OK / {len(conditions)}", "<unknown>", "<unknown>", False)
    status = _text(ready.get("status"))
    reason = _text(ready.get("reason"))
    message = _text(ready.get("message"))
    if status == "True":
        return Readiness(f"{ok} OK / {len(conditions)}", status, "", True)
    return Readiness(
        f"{ok} OK / {len(conditions)}", status, f"{reason} : {message}" if message else reason, False
    )


# ----------------------------------------------------------------------------------------- colours


def revision_generation(revision: Obj) -> int | None:
    """The Configuration generation that created the revision (label), None if absent."""
    value = labels_of(revision).get(GENERATION_LABEL)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def colour_index(revision_name: str, generation: int | None) -> int:
    """A stable colour slot: consecutive generations get distinct colours; unknown ones hash their name."""
    if generation is not None:
        return generation % PALETTE_SIZE
    return zlib.crc32(revision_name.encode()) % PALETTE_SIZE


def revision_colours(revisions: Iterable[Obj]) -> dict[str, int]:
    """Colour slot per revision name, so every bar, row and pod group shows a revision alike."""
    return {name_of(r): colour_index(name_of(r), revision_generation(r)) for r in revisions}


def _colour(colours: Mapping[str, int], revision: str) -> int:
    return colours.get(revision, colour_index(revision, None))


# ------------------------------------------------------------------------------------------ traffic


@dataclass(frozen=True)
class TargetView:
    """One traffic target as the Route's spec or status lists it."""

    tag: str
    revision: str
    """The revision name; empty for a spec target that follows the latest revision."""
    percent: int
    latest_revision: bool
    url: str
    colour: int


def traffic_targets(entries: Any, colours: Mapping[str, int]) -> tuple[TargetView, ...]:
    """The traffic list of a spec or status as views (a missing percent counts as 0, as in Knative)."""
    targets = []
    for entry in _maps(entries):
        revision = _text(entry.get("revisionName"))
        latest = entry.get("latestRevision")
        targets.append(
            TargetView(
                tag=_text(entry.get("tag")),
                revision=revision,
                percent=int(entry.get("percent") or 0),
                latest_revision=bool(latest) if latest is not None else not revision,
                url=_text(entry.get("url")),
                colour=_colour(colours, revision) if revision else PALETTE_SIZE,
            )
        )
    return tuple(targets)


def traffic_differs(spec: Sequence[TargetView], status: Sequence[TargetView]) -> bool:
    """Whether the status does not (yet) serve the split the spec asks for.

    A spec target following the latest revision matches any status target flagged latestRevision.
    """
    if len(spec) != len(status):
        return True
    for want, have in zip(spec, status, strict=True):
        if (want.tag, want.percent, want.latest_revision) != (have.tag, have.percent, have.latest_revision):
            return True
        if not want.latest_revision and want.revision != have.revision:
            return True
    return False


@dataclass(frozen=True)
class RevisionTraffic:
    """What the Routes send to one revision: summed percent and the tags naming it."""

    percent: int
    tags: tuple[str, ...]


def traffic_by_revision(routes: Iterable[Obj]) -> dict[str, RevisionTraffic]:
    """From the Routes' status.traffic (what is served), the share and tags of each revision."""
    percents: dict[str, int] = {}
    tags: dict[str, list[str]] = {}
    for route in routes:
        for entry in _maps(_section(route, "status").get("traffic")):
            revision = _text(entry.get("revisionName"))
            if not revision:
                continue
            percents[revision] = percents.get(revision, 0) + int(entry.get("percent") or 0)
            tag = _text(entry.get("tag"))
            if tag:
                tags.setdefault(revision, []).append(tag)
    return {rev: RevisionTraffic(pct, tuple(tags.get(rev, ()))) for rev, pct in percents.items()}


# ------------------------------------------------------------------------------------ knative rows


@dataclass(frozen=True)
class ServiceRow:
    """A Knative Service: its URL, latest revisions, readiness and the served split."""

    name: str
    url: str
    latest_created: str
    latest_ready: str
    ready: str
    reason: str
    ok: bool
    age: str
    segments: tuple[TargetView, ...]
    """status.traffic: the split as it is served, one bar segment per target."""


def service_row(service: Obj, colours: Mapping[str, int], now: datetime) -> ServiceRow:
    status = _section(service, "status")
    state = readiness(service)
    return ServiceRow(
        name=name_of(service),
        url=_text(status.get("url")),
        latest_created=_text(status.get("latestCreatedRevisionName")),
        latest_ready=_text(status.get("latestReadyRevisionName")),
        ready=state.ready,
        reason=state.reason,
        ok=state.ok,
        age=age(meta(service).get("creationTimestamp"), now),
        segments=traffic_targets(status.get("traffic"), colours),
    )


@dataclass(frozen=True)
class RevisionRow:
    """A Revision with the columns of `kn revision list` and what a traffic demo looks at."""

    name: str
    service: str
    traffic: str
    """ "50%" when routed, else empty."""
    tags: tuple[str, ...]
    generation: str
    age: str
    conditions: str
    ready: str
    reason: str
    ok: bool
    image: str
    versions: tuple[str, ...]
    """VERSION-like environment variables as "NAME=value" (a secret reference, never its value)."""
    actual_replicas: str
    desired_replicas: str
    routing_state: str
    colour: int


def env_text(env: Mapping[str, Any]) -> str:
    """An env var as "NAME=value"; a valueFrom shows only what it refers to."""
    name = _text(env.get("name"))
    if "value" in env:
        return f"{name}={_text(env.get('value'))}"
    source = _section(env, "valueFrom")
    for key, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")):
        ref = _section(source, key)
        if ref:
            return f"{name} from {kind} {_text(ref.get('name'))}/{_text(ref.get('key'))}"
    field = _section(source, "fieldRef")
    if field:
        return f"{name} from field {_text(field.get('fieldPath'))}"
    return f"{name} from {', '.join(sorted(source)) or 'nothing'}"


def is_version_var(name: str) -> bool:
    """VERSION and *_VERSION variables: what a lab changes between revisions."""
    upper = name.upper()
    return upper == "VERSION" or upper.endswith("_VERSION")


def _containers(revision: Obj) -> list[Mapping[str, Any]]:
    return _maps(_section(revision, "spec").get("containers"))


def _replicas(status: Mapping[str, Any], key: str) -> str:
    value = status.get(key)
    return "-" if value is None else str(value)


def revision_row(
    revision: Obj, traffic: Mapping[str, RevisionTraffic], colours: Mapping[str, int], now: datetime
) -> RevisionRow:
    name = name_of(revision)
    labels = labels_of(revision)
    status = _section(revision, "status")
    state = readiness(revision)
    served = traffic.get(name)
    containers = _containers(revision)
    return RevisionRow(
        name=name,
        service=_text(labels.get(SERVICE_LABEL)),
        traffic=f"{served.percent}%" if served and served.percent else "",
        tags=served.tags if served else (),
        generation=_text(labels.get(GENERATION_LABEL)),
        age=age(meta(revision).get("creationTimestamp"), now),
        conditions=state.conditions,
        ready=state.ready,
        reason=state.reason,
        ok=state.ok,
        image=", ".join(_text(c.get("image")) for c in containers),
        versions=tuple(
            env_text(env)
            for c in containers
            for env in _maps(c.get("env"))
            if is_version_var(_text(env.get("name")))
        ),
        actual_replicas=_replicas(status, "actualReplicas"),
        desired_replicas=_replicas(status, "desiredReplicas"),
        routing_state=_text(labels.get(ROUTING_STATE_LABEL)),
        colour=_colour(colours, name),
    )


def _revision_order(revision: Obj) -> tuple[str, int, str]:
    """kn's order: by service, newest generation first."""
    return (
        labels_of(revision).get(SERVICE_LABEL, ""),
        -(revision_generation(revision) or 0),
        name_of(revision),
    )


@dataclass(frozen=True)
class RouteView:
    """A Route: its URL and the split asked for (spec) beside the split served (status)."""

    name: str
    url: str
    spec: tuple[TargetView, ...]
    status: tuple[TargetView, ...]
    differs: bool
    ready: str
    reason: str
    ok: bool


def route_view(route: Obj, colours: Mapping[str, int]) -> RouteView:
    spec = traffic_targets(_section(route, "spec").get("traffic"), colours)
    served = traffic_targets(_section(route, "status").get("traffic"), colours)
    state = readiness(route)
    return RouteView(
        name=name_of(route),
        url=_text(_section(route, "status").get("url")),
        spec=spec,
        status=served,
        differs=traffic_differs(spec, served),
        ready=state.ready,
        reason=state.reason,
        ok=state.ok,
    )


# --------------------------------------------------------------------------------- virtual services


@dataclass(frozen=True)
class MatchView:
    """One match of an HTTP route: the authority (host) prefix and the gateways it applies on."""

    authority: str
    gateways: tuple[str, ...]


@dataclass(frozen=True)
class DestinationView:
    """A weighted destination, with the revision it reaches."""

    host: str
    port: str
    weight: int
    revision: str
    colour: int


@dataclass(frozen=True)
class HttpRouteView:
    matches: tuple[MatchView, ...]
    destinations: tuple[DestinationView, ...]


@dataclass(frozen=True)
class VirtualServiceView:
    """An Istio VirtualService as net-istio generates it from a Route."""

    name: str
    route: str
    hosts: tuple[str, ...]
    gateways: tuple[str, ...]
    http: tuple[HttpRouteView, ...]


def _authority(match: Mapping[str, Any]) -> str:
    authority = _section(match, "authority")
    for key in ("prefix", "exact", "regex"):
        if key in authority:
            return _text(authority[key]) if key == "prefix" else f"{key} {_text(authority[key])}"
    return ""


def _destination_revision(route: Mapping[str, Any], host: str) -> str:
    headers = _section(_section(route, "headers"), "request")
    for action in ("set", "add"):
        revision = _section(headers, action).get(REVISION_HEADER)
        if revision:
            return _text(revision)
    return host.split(".", 1)[0]


def virtual_service_view(vs: Obj, colours: Mapping[str, int]) -> VirtualServiceView:
    spec = _section(vs, "spec")
    http = []
    for rule in _maps(spec.get("http")):
        destinations = []
        weighted = _maps(rule.get("route"))
        for target in weighted:
            destination = _section(target, "destination")
            host = _text(destination.get("host"))
            revision = _destination_revision(target, host)
            weight = target.get("weight")
            destinations.append(
                DestinationView(
                    host=host,
                    port=_text(_section(destination, "port").get("number")),
                    weight=int(weight) if weight is not None else (100 if len(weighted) == 1 else 0),
                    revision=revision,
                    colour=_colour(colours, revision),
                )
            )
        matches = tuple(
            MatchView(_authority(m), tuple(_text(g) for g in _list(m.get("gateways"))))
            for m in _maps(rule.get("match"))
        )
        http.append(HttpRouteView(matches, tuple(destinations)))
    return VirtualServiceView(
        name=name_of(vs),
        route=_text(labels_of(vs).get(ROUTE_LABEL)),
        hosts=tuple(_text(h) for h in _list(spec.get("hosts"))),
        gateways=tuple(_text(g) for g in _list(spec.get("gateways"))),
        http=tuple(http),
    )


# ---------------------------------------------------------------------------------- owner chains


@dataclass(frozen=True)
class OwnerLink:
    """One step up an ownerReferences chain; `found`: the owner is in the namespace's cache."""

    kind: str
    name: str
    api_version: str
    found: bool


def _controller_ref(obj: Obj) -> Mapping[str, Any] | None:
    refs = _maps(meta(obj).get("ownerReferences"))
    return next((r for r in refs if r.get("controller")), refs[0] if refs else None)


def _owner_steps(obj: Obj, by_uid: Mapping[str, Obj]) -> list[tuple[Mapping[str, Any], Obj | None]]:
    """Each controller reference above an object with the owner it resolves to (None: not cached)."""
    steps: list[tuple[Mapping[str, Any], Obj | None]] = []
    seen: set[str] = set()
    current: Obj | None = obj
    while current is not None:
        ref = _controller_ref(current)
        if ref is None:
            break
        uid = _text(ref.get("uid"))
        current = by_uid.get(uid) if uid not in seen else None
        seen.add(uid)
        steps.append((ref, current))
    return steps


def owner_chain(obj: Obj, by_uid: Mapping[str, Obj]) -> tuple[OwnerLink, ...]:
    """The controllers above an object, nearest first, following ownerReferences by uid."""
    return tuple(
        OwnerLink(
            _text(ref.get("kind")), _text(ref.get("name")), _text(ref.get("apiVersion")), owner is not None
        )
        for ref, owner in _owner_steps(obj, by_uid)
    )


def index_by_uid(objects: NamespaceObjects) -> dict[str, Obj]:
    """Every cached object of the namespace by uid, for owner chains."""
    return {
        _text(meta(obj).get("uid")): obj
        for group in _all_groups(objects)
        for obj in group
        if meta(obj).get("uid")
    }


def _all_groups(objects: NamespaceObjects) -> tuple[tuple[dict[str, Any], ...], ...]:
    return (
        objects.services,
        objects.configurations,
        objects.revisions,
        objects.routes,
        objects.virtualservices,
        objects.kservices,
        objects.pods,
        objects.ingresses,
    )


# ------------------------------------------------------------------------------- kubernetes services


@dataclass(frozen=True)
class KServiceRow:
    """A Kubernetes Service with the chain of controllers that generated it."""

    name: str
    type: str
    address: str
    """The cluster IP, or the external name of an ExternalName service."""
    ports: tuple[str, ...]
    """ "http 80->8012/TCP" per port."""
    owners: tuple[OwnerLink, ...]
    generated: bool
    age: str


@dataclass(frozen=True)
class KServicesView:
    rows: tuple[KServiceRow, ...]
    generated: int
    """How many of them nobody created by hand (they have an owner)."""


def port_text(port: Mapping[str, Any]) -> str:
    name = _text(port.get("name"))
    target = port.get("targetPort")
    text = _text(port.get("port"))
    if target is not None and _text(target) != text:
        text += f"->{_text(target)}"
    text += f"/{_text(port.get('protocol') or 'TCP')}"
    return f"{name} {text}" if name else text


def kservice_row(service: Obj, by_uid: Mapping[str, Obj], now: datetime) -> KServiceRow:
    spec = _section(service, "spec")
    kind = _text(spec.get("type") or "ClusterIP")
    address = spec.get("externalName") if kind == "ExternalName" else spec.get("clusterIP")
    owners = owner_chain(service, by_uid)
    return KServiceRow(
        name=name_of(service),
        type=kind,
        address=_text(address) or "<none>",
        ports=tuple(port_text(p) for p in _maps(spec.get("ports"))),
        owners=owners,
        generated=bool(owners),
        age=age(meta(service).get("creationTimestamp"), now),
    )


def kservices_view(services: Iterable[Obj], by_uid: Mapping[str, Obj], now: datetime) -> KServicesView:
    rows = tuple(kservice_row(s, by_uid, now) for s in sorted(services, key=name_of))
    return KServicesView(rows, sum(1 for r in rows if r.generated))


# --------------------------------------------------------------------------------------------- pods


@dataclass(frozen=True)
class PodRow:
    """A pod with kubectl's STATUS, READY, RESTARTS and AGE."""

    name: str
    status: str
    ready: str
    restarts: int
    age: str


@dataclass(frozen=True)
class PodGroup:
    """The pods of one revision (revision empty: pods of no revision)."""

    revision: str
    service: str
    colour: int
    pods: tuple[PodRow, ...]


def pod_status(pod: Obj) -> str:
    """kubectl's STATUS: Terminating, a waiting/terminated container reason, or the phase."""
    if meta(pod).get("deletionTimestamp"):
        return "Terminating"
    status = _section(pod, "status")
    for container in _maps(status.get("containerStatuses")):
        state = _section(container, "state")
        for key in ("waiting", "terminated"):
            reason = _section(state, key).get("reason")
            if reason:
                return _text(reason)
    return _text(status.get("reason") or status.get("phase") or "Unknown")


def pod_row(pod: Obj, now: datetime) -> PodRow:
    status = _section(pod, "status")
    containers = _maps(status.get("containerStatuses"))
    total = len(containers) or len(_containers(pod))
    return PodRow(
        name=name_of(pod),
        status=pod_status(pod),
        ready=f"{sum(1 for c in containers if c.get('ready'))}/{total}",
        restarts=sum(int(c.get("restartCount") or 0) for c in containers),
        age=age(meta(pod).get("creationTimestamp"), now),
    )


def pod_groups(
    pods: Iterable[Obj], revisions: Iterable[Obj], colours: Mapping[str, int], now: datetime
) -> tuple[PodGroup, ...]:
    """Pods by revision, in the revisions' order; a revision without pods gets an empty group."""
    by_revision: dict[str, list[Obj]] = {}
    for pod in pods:
        by_revision.setdefault(labels_of(pod).get(REVISION_LABEL, ""), []).append(pod)
    groups = []
    for revision in sorted(revisions, key=_revision_order):
        name = name_of(revision)
        members = by_revision.pop(name, [])
        groups.append(_group(name, labels_of(revision).get(SERVICE_LABEL, ""), members, colours, now))
    for name in sorted(by_revision):
        members = by_revision[name]
        service = labels_of(members[0]).get(SERVICE_LABEL, "")
        groups.append(_group(name, service, members, colours, now))
    return tuple(groups)


def _group(
    revision: str, service: str, pods: list[Obj], colours: Mapping[str, int], now: datetime
) -> PodGroup:
    rows = tuple(pod_row(p, now) for p in sorted(pods, key=name_of))
    return PodGroup(revision, service, _colour(colours, revision) if revision else PALETTE_SIZE, rows)


# ------------------------------------------------------------------------------------- connection


@dataclass(frozen=True)
class ConnectionView:
    """The banner's state: connected, lost (with the error), or `recovered` after a loss."""

    connected: bool
    error: str | None = None
    recovered: bool = False


# ------------------------------------------------------------------------------------- aggregates


@dataclass(frozen=True)
class NamespaceSummary:
    """How many of each kind a namespace holds (and how many are ready/running/generated)."""

    namespace: str
    services: int
    services_ready: int
    revisions: int
    routes: int
    virtualservices: int
    kservices: int
    kservices_generated: int
    pods: int
    pods_running: int


def namespace_summary(objects: NamespaceObjects) -> NamespaceSummary:
    return NamespaceSummary(
        namespace=objects.namespace,
        services=len(objects.services),
        services_ready=sum(1 for s in objects.services if readiness(s).ok),
        revisions=len(objects.revisions),
        routes=len(objects.routes),
        virtualservices=len(objects.virtualservices),
        kservices=len(objects.kservices),
        kservices_generated=sum(1 for s in objects.kservices if _controller_ref(s) is not None),
        pods=len(objects.pods),
        pods_running=sum(1 for p in objects.pods if pod_status(p) == "Running"),
    )


@dataclass(frozen=True)
class NamespaceOverview:
    """Everything the namespace page shows, section by section."""

    namespace: str
    summary: NamespaceSummary
    services: tuple[ServiceRow, ...]
    revisions: tuple[RevisionRow, ...]
    routes: tuple[RouteView, ...]
    virtualservices: tuple[VirtualServiceView, ...]
    kservices: KServicesView
    pods: tuple[PodGroup, ...]
    knative: bool
    """False when the cluster does not serve Knative Serving."""
    istio: bool
    """False when the cluster does not serve Istio VirtualServices."""
    problems: tuple[str, ...]
    """Why some kinds are missing or stale (from the cache); empty when all is well."""


def namespace_overview(objects: NamespaceObjects, now: datetime) -> NamespaceOverview:
    return _overview(objects, objects, now)


def _overview(objects: NamespaceObjects, scope: NamespaceObjects, now: datetime) -> NamespaceOverview:
    """Rows for the objects in `scope`; colours, traffic and owners resolved against all of `objects`."""
    colours = revision_colours(objects.revisions)
    traffic = traffic_by_revision(objects.routes)
    by_uid = index_by_uid(objects)
    return NamespaceOverview(
        namespace=objects.namespace,
        summary=namespace_summary(scope),
        services=tuple(service_row(s, colours, now) for s in sorted(scope.services, key=name_of)),
        revisions=tuple(
            revision_row(r, traffic, colours, now) for r in sorted(scope.revisions, key=_revision_order)
        ),
        routes=tuple(route_view(r, colours) for r in sorted(scope.routes, key=name_of)),
        virtualservices=tuple(
            virtual_service_view(v, colours) for v in sorted(scope.virtualservices, key=name_of)
        ),
        kservices=kservices_view(scope.kservices, by_uid, now),
        pods=pod_groups(scope.pods, scope.revisions, colours, now),
        knative=objects.knative,
        istio=objects.istio,
        problems=objects.problems,
    )


@dataclass(frozen=True)
class RelatedObject:
    """An object shown as YAML on the Service page (Secret values and managed fields removed)."""

    kind: str
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class ServiceView:
    """The Service page: the namespace sections narrowed to one Knative Service and what it generated."""

    namespace: str
    name: str
    sections: NamespaceOverview
    conditions: tuple[ObjectConditions, ...]
    related: tuple[RelatedObject, ...]


def service_scope(objects: NamespaceObjects, name: str) -> NamespaceObjects | None:
    """The objects belonging to Knative Service `name`: owned by it (transitively) or labelled with it."""
    service = next((s for s in objects.services if name_of(s) == name), None)
    if service is None:
        return None
    uid = _text(meta(service).get("uid"))
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
        kservices=pick(objects.kservices),
        pods=pick(objects.pods),
        events=(),
        ingresses=pick(objects.ingresses),
    )


def _belongs(obj: Obj, service: str, uid: str, by_uid: Mapping[str, Obj], routes: set[str]) -> bool:
    labels = labels_of(obj)
    if labels.get(SERVICE_LABEL) == service or labels.get(ROUTE_LABEL) in routes:
        return True
    return any(_text(ref.get("uid")) == uid for ref, _ in _owner_steps(obj, by_uid))


def service_view(objects: NamespaceObjects, name: str, now: datetime) -> ServiceView | None:
    """The Service page's data, or None when the namespace has no Knative Service `name`."""
    scope = service_scope(objects, name)
    if scope is None:
        return None
    shown = (
        ("Service", scope.services),
        ("Configuration", scope.configurations),
        ("Route", scope.routes),
        ("Revision", tuple(sorted(scope.revisions, key=_revision_order))),
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
        ("Service (core)", scope.kservices),
        ("Pod", scope.pods),
    )
    related = tuple(
        RelatedObject(kind, name_of(obj), redacted(obj))
        for kind, group in related_groups
        for obj in sorted(group, key=name_of)
    )
    return ServiceView(objects.namespace, name, _overview(objects, scope, now), conditions, related)


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
