"""Rows for Knative Services, Revisions (the columns of `kn revision list`) and Routes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.model.bodies import Obj, as_text, containers, labels_of, maps, meta, name_of, part
from app.model.gradual.progress import RolloutProgress, rollout_progress
from app.model.labels import CONFIGURATION_GENERATION_LABEL, ROUTING_STATE_LABEL, SERVICE_LABEL
from app.model.views.ages import age
from app.model.views.colours import colour_of, revision_generation
from app.model.views.conditions import readiness
from app.model.views.masking import masked_value
from app.model.views.splits import RevisionTraffic, TargetView, traffic_differs, traffic_targets


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
    deleting: bool = False
    """Deleted but still there (deletionTimestamp set): finalizers or its dependents hold it."""
    created: str = ""
    """The creationTimestamp the age counts from: the page keeps ages current from it."""
    rollouts: tuple[RolloutProgress, ...] = ()
    """Knative's gradual rollouts moving the served split now (its Route's and KIngress's)."""


def service_row(
    service: Obj,
    colours: Mapping[str, int],
    now: datetime,
    route: Obj | None = None,
    kingress: Obj | None = None,
) -> ServiceRow:
    """The Service's row; `route` and `kingress` (its Route's, by the Service's name) show a gradual
    rollout in progress."""
    status = part(service, "status")
    state = readiness(service)
    return ServiceRow(
        name=name_of(service),
        url=as_text(status.get("url")),
        latest_created=as_text(status.get("latestCreatedRevisionName")),
        latest_ready=as_text(status.get("latestReadyRevisionName")),
        ready=state.ready,
        reason=state.reason,
        ok=state.ok,
        age=age(meta(service).get("creationTimestamp"), now),
        segments=traffic_targets(status.get("traffic"), colours),
        deleting=bool(meta(service).get("deletionTimestamp")),
        created=as_text(meta(service).get("creationTimestamp")),
        rollouts=rollout_progress(route, kingress, now) if route is not None or kingress is not None else (),
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
    created: str = ""
    """The creationTimestamp the age counts from: the page keeps ages current from it."""


def env_text(env: Mapping[str, Any]) -> str:
    """An env var as "NAME=value" (a secret-like value masked); a valueFrom shows only what it refers to."""
    name = as_text(env.get("name"))
    if "value" in env:
        return f"{name}={masked_value(name, as_text(env.get('value')))}"
    source = part(env, "valueFrom")
    for key, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")):
        ref = part(source, key)
        if ref:
            return f"{name} from {kind} {as_text(ref.get('name'))}/{as_text(ref.get('key'))}"
    field = part(source, "fieldRef")
    if field:
        return f"{name} from field {as_text(field.get('fieldPath'))}"
    return f"{name} from {', '.join(sorted(source)) or 'nothing'}"


def is_version_var(name: str) -> bool:
    """VERSION and *_VERSION variables: what a lab changes between revisions."""
    upper = name.upper()
    return upper == "VERSION" or upper.endswith("_VERSION")


def _replicas(status: Mapping[str, Any], key: str) -> str:
    value = status.get(key)
    return "-" if value is None else str(value)


def revision_row(
    revision: Obj, traffic: Mapping[str, RevisionTraffic], colours: Mapping[str, int], now: datetime
) -> RevisionRow:
    name = name_of(revision)
    labels = labels_of(revision)
    status = part(revision, "status")
    state = readiness(revision)
    served = traffic.get(name)
    specs = containers(revision)
    return RevisionRow(
        name=name,
        service=as_text(labels.get(SERVICE_LABEL)),
        traffic=f"{served.percent}%" if served and served.percent else "",
        tags=served.tags if served else (),
        generation=as_text(labels.get(CONFIGURATION_GENERATION_LABEL)),
        age=age(meta(revision).get("creationTimestamp"), now),
        conditions=state.conditions,
        ready=state.ready,
        reason=state.reason,
        ok=state.ok,
        image=", ".join(as_text(c.get("image")) for c in specs),
        versions=tuple(
            env_text(env)
            for c in specs
            for env in maps(c.get("env"))
            if is_version_var(as_text(env.get("name")))
        ),
        actual_replicas=_replicas(status, "actualReplicas"),
        desired_replicas=_replicas(status, "desiredReplicas"),
        routing_state=as_text(labels.get(ROUTING_STATE_LABEL)),
        colour=colour_of(colours, name),
        created=as_text(meta(revision).get("creationTimestamp")),
    )


def revision_order(revision: Obj) -> tuple[str, int, str]:
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
    spec = traffic_targets(part(route, "spec").get("traffic"), colours)
    served = traffic_targets(part(route, "status").get("traffic"), colours)
    state = readiness(route)
    return RouteView(
        name=name_of(route),
        url=as_text(part(route, "status").get("url")),
        spec=spec,
        status=served,
        differs=traffic_differs(spec, served),
        ready=state.ready,
        reason=state.reason,
        ok=state.ok,
    )
