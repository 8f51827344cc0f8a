"""What a traffic change will do, before it is sent: the patch, the Route's status.traffic and the
VirtualServices' weights after the change, each beside what the cluster shows now.

The predictions come from `routing` (the functions the simulated reconciler builds its objects with);
this module only gathers the inputs from the cached objects and pairs "now" with "after".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.model.bodies import Obj, labels_of, name_of
from app.model.editing import RevisionChoice, latest_ready
from app.model.labels import INGRESS_LABEL, ROUTE_LABEL
from app.model.naming import (
    LOCAL_DOMAIN,
    DomainConfig,
    ingress_virtual_service_name,
    is_cluster_local,
    mesh_virtual_service_name,
    tag_host_name,
)
from app.model.patches import TargetDiff, diff_traffic, traffic_patch
from app.model.profiles import CURRENT, SEED, KnativeProfile
from app.model.routing import (
    HASH_HEADER,
    PROBE_OVERRIDE,
    ConfigurationState,
    local_names,
    resolve_traffic,
    route_traffic,
    status_traffic,
    virtual_service_specs,
)
from app.model.traffic import TrafficTarget


@dataclass(frozen=True)
class HostWeights:
    """One http route of a VirtualService: the host it matches and its weight per revision."""

    host: str
    weights: tuple[tuple[str, int], ...]

    @property
    def text(self) -> str:
        return ", ".join(f"{revision} {weight}%" for revision, weight in self.weights) or "nothing"


@dataclass(frozen=True)
class HostChange:
    """A host's weights now and after (None: the host is not routed then)."""

    virtual_service: str
    host: str
    before: HostWeights | None
    after: HostWeights | None

    @property
    def change(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "unchanged" if self.before.weights == self.after.weights else "changed"


@dataclass(frozen=True)
class Preview:
    """Everything the editor's preview panel shows."""

    patch: dict[str, object]
    targets: tuple[TargetDiff, ...]
    route_before: tuple[dict[str, Any], ...]
    route_after: tuple[dict[str, Any], ...]
    problem: str | None
    """Why the Route would not take the new split (it then keeps serving the old one)."""
    hosts: tuple[HostChange, ...]

    @property
    def changed(self) -> bool:
        return any(t.change != "unchanged" for t in self.targets)


def _host_of(route: Mapping[str, Any]) -> str:
    """The shortest authority prefix an http route matches: `<host>.<ns>` for Knative's routes."""
    prefixes = [
        str(m.get("authority", {}).get("prefix", ""))
        for m in route.get("match") or []
        if isinstance(m, Mapping) and isinstance(m.get("authority"), Mapping)
    ]
    return min((p for p in prefixes if p), key=len, default="")


def _revision_of(destination: Mapping[str, Any]) -> str:
    host = str((destination.get("destination") or {}).get("host") or "")
    return host.split(".", 1)[0]


def _is_probe(route: Mapping[str, Any]) -> bool:
    """A probe route: every match asks for the `K-Network-Hash: override` header only probers send."""
    matches = [m for m in route.get("match") or [] if isinstance(m, Mapping)]
    return bool(matches) and all(
        ((m.get("headers") or {}).get(HASH_HEADER) or {}).get("exact") == PROBE_OVERRIDE for m in matches
    )


def host_weights(spec: Mapping[str, Any]) -> list[HostWeights]:
    """The weights of a VirtualService spec per matched host (probe and empty routes skipped)."""
    out: list[HostWeights] = []
    for route in spec.get("http") or []:
        if not isinstance(route, Mapping) or not route.get("route") or _is_probe(route):
            continue
        weights = tuple(
            (_revision_of(d), int(d.get("weight") or 0)) for d in route["route"] if isinstance(d, Mapping)
        )
        out.append(HostWeights(_host_of(route), weights))
    return out


def domain_config(route: Obj | None, namespace: str) -> tuple[DomainConfig, bool]:
    """The route's domain (read back from its URLs under the default templates) and whether the Route is
    cluster-local. A URL under the cluster-local domain gives way to another: a placeholder's label can
    make the Route's own URL (or a tag's) the in-cluster one while the other names stay external."""
    if route is None:
        return DomainConfig(), False
    cluster_local = is_cluster_local(labels_of(route))
    name, status = name_of(route), route.get("status") or {}
    urls = [(name, status.get("url"))] + [
        (tag_host_name(name, str(t["tag"])), t.get("url"))
        for t in status.get("traffic") or []
        if isinstance(t, Mapping) and t.get("tag")
    ]
    domains: list[str] = []
    for host_name, url in urls:
        host = str(url or "").split("://", 1)[-1].split("/", 1)[0]
        prefix = f"{host_name}.{namespace}."
        if host.startswith(prefix) and host != prefix:
            domains.append(host[len(prefix) :])
    domain = next((d for d in domains if d != LOCAL_DOMAIN), domains[0] if domains else None)
    config = DomainConfig(domain=domain) if domain else DomainConfig()
    # Every URL in the cluster's own domain: no domain is set up, so serving keeps the whole route local.
    return config, cluster_local or is_cluster_local(None, config)


_OWNER_LABELS = (ROUTE_LABEL, INGRESS_LABEL)
"""net-istio labels its VirtualServices with the KIngress (named after the Route) and the Route."""


def _route_virtual_services(route: str, virtualservices: Sequence[Obj]) -> list[Obj]:
    """The route's VirtualServices, ingress first then mesh: labelled with the Route or its KIngress, or
    named as net-istio names them (`<route>` before Knative 0.13)."""
    names = {route, ingress_virtual_service_name(route), mesh_virtual_service_name(route)}
    owned = [
        vs
        for vs in virtualservices
        if any(labels_of(vs).get(label) == route for label in _OWNER_LABELS) or name_of(vs) in names
    ]
    return sorted(owned, key=lambda vs: (name_of(vs).endswith("-mesh"), name_of(vs)))


def release_of(virtualservices: Sequence[Obj]) -> KnativeProfile:
    """The Knative release whose net-istio wrote these VirtualServices: the seed's adds the probe hash on
    every route; today's sets it on probe routes only."""
    for vs in virtualservices:
        for route in (vs.get("spec") or {}).get("http") or []:
            request = ((route.get("headers") or {}) if isinstance(route, Mapping) else {}).get(
                "request"
            ) or {}
            if HASH_HEADER in (request.get("add") or {}):
                return SEED
    return CURRENT


def preview(
    *,
    namespace: str,
    service: str,
    resource_version: str,
    before: Sequence[TrafficTarget],
    after: Sequence[TrafficTarget],
    choices: Sequence[RevisionChoice],
    route: Obj | None,
    virtualservices: Sequence[Obj],
    placeholders: Sequence[Obj] = (),
    annotations: Mapping[str, str | None] | None = None,
) -> Preview:
    """Predict the change from `before` (the Service's block now) to `after` (with `annotations`, the
    rollout duration, in the same patch). `placeholders`: the
    namespace's Kubernetes Services (those labelled with the Route count), whose visibility label keeps
    a tag cluster-local; a tag new in `after` has none yet and is external."""
    config, cluster_local = domain_config(route, namespace)
    placeholder_labels = {
        name_of(s): labels_of(s) for s in placeholders if labels_of(s).get(ROUTE_LABEL) == service
    }
    local = local_names(
        service, [t.tag for t in after], placeholder_labels, config, cluster_local=cluster_local
    )
    states = {c.name: c.state for c in choices}
    configurations = {service: ConfigurationState(service, latest_ready(choices, service))}
    resolved, problem = resolve_traffic(
        route_traffic(service, after), owner_service=service, revisions=states, configurations=configurations
    )
    route_after = status_traffic(service, namespace, resolved, config, local_names=local)
    status = (route or {}).get("status") or {}
    route_before = tuple(dict(t) for t in status.get("traffic") or [] if isinstance(t, Mapping))
    hosts: list[HostChange] = []
    if problem is None:
        current = _route_virtual_services(service, virtualservices)
        profile = release_of(current)
        predicted = virtual_service_specs(
            service, namespace, resolved, config, local_names=local, profile=profile
        )
        for index, spec in enumerate(predicted):
            fallback = (profile.ingress_virtual_service_name, profile.mesh_virtual_service_name)[index](
                service
            )
            existing = current[index] if index < len(current) else None
            name = name_of(existing) if existing is not None else fallback
            now = {w.host: w for w in host_weights(existing.get("spec") or {})} if existing else {}
            then = {w.host: w for w in host_weights(spec)}
            for host in list(then) + [h for h in now if h not in then]:
                hosts.append(HostChange(name, host, now.get(host), then.get(host)))
    return Preview(
        patch=traffic_patch(after, resource_version, annotations),
        targets=tuple(diff_traffic(before, after)),
        route_before=route_before,
        route_after=tuple(route_after) if problem is None else route_before,
        problem=problem.message if problem is not None else None,
        hosts=tuple(hosts),
    )
