"""Which revisions a request goes to, read from net-istio's VirtualServices as Istio's gateways read them.

The simulated ingress stands for both Knative gateways (`knative-ingress-gateway` for external
hosts, `knative-local-gateway` for in-cluster ones): a VirtualService bound to either gateway is
selected when its `spec.hosts` lists the request's host; its first `http` route with a matching
`match` entry (authority prefix or exact, headers exact, gateway) decides the weighted destinations.
A revision's own host (`<revision>.<namespace>[.svc[.cluster.local]]`) reaches the revision directly,
as its Kubernetes Service does. Pure functions: the caller lists the VirtualServices.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from app.model.labels import INGRESS_CLASS_ANNOTATION
from app.model.naming import local_hosts
from app.model.profiles import ISTIO, ISTIO_GATEWAYS, SEED_ISTIO_GATEWAYS
from app.model.routing import NAMESPACE_HEADER, REVISION_HEADER

GATEWAYS = frozenset(
    (ISTIO_GATEWAYS.external, ISTIO_GATEWAYS.local, SEED_ISTIO_GATEWAYS.external, SEED_ISTIO_GATEWAYS.local)
)
"""The gateways the simulated ingress stands for, under today's names and the seed's."""


@dataclass(frozen=True)
class Backend:
    """One weighted destination: a revision, and the request headers the route sets for it."""

    namespace: str
    revision: str
    weight: int
    headers: tuple[tuple[str, str], ...] = ()


def request_host(header: str) -> str:
    """The Host header without its port, lower-cased (as Envoy matches domains)."""
    host = header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def revision_host(host: str) -> tuple[str, str] | None:
    """(namespace, revision) for a revision Service host such as `customer-v3.labs-1.svc.cluster.local`."""
    parts = host.split(".")
    if len(parts) < 2:
        return None
    name, namespace = parts[0], parts[1]
    return (namespace, name) if host in local_hosts(name, namespace) else None


def route_backends(
    virtual_services: Iterable[Mapping[str, Any]], host: str, headers: Mapping[str, str] | None = None
) -> list[Backend] | None:
    """The destinations of the first gateway route matching `host`; None when no VirtualService serves it."""
    found = {k.lower(): v for k, v in (headers or {}).items()}
    for vs in virtual_services:
        spec = vs.get("spec") or {}
        bound = GATEWAYS.intersection(spec.get("gateways") or [])
        if not bound or host not in (spec.get("hosts") or []):
            continue
        for route in spec.get("http") or []:
            if any(_matches(m, host, found, bound) for m in route.get("match") or [{}]):
                return _backends(route)
    return None


def kingress_backends(
    kingresses: Iterable[Mapping[str, Any]], host: str, headers: Mapping[str, str] | None = None
) -> list[Backend] | None:
    """The splits of the first path serving `host` in a KIngress of another class than Istio's (Kourier
    programs its proxies from the KIngress itself: exact hosts, header matches, weighted splits)."""
    found = {k.lower(): v for k, v in (headers or {}).items()}
    for kingress in kingresses:
        annotations = (kingress.get("metadata") or {}).get("annotations") or {}
        if annotations.get(INGRESS_CLASS_ANNOTATION, ISTIO) == ISTIO:
            continue
        for rule in (kingress.get("spec") or {}).get("rules") or []:
            if host not in (rule.get("hosts") or []):
                continue
            for path in (rule.get("http") or {}).get("paths") or []:
                wanted = path.get("headers") or {}
                if all(found.get(str(k).lower()) == str(v.get("exact")) for k, v in wanted.items()):
                    return [_split_backend(split) for split in path.get("splits") or []]
    return None


def _split_backend(split: Mapping[str, Any]) -> Backend:
    headers = {str(k): str(v) for k, v in (split.get("appendHeaders") or {}).items()}
    namespace = headers.get(NAMESPACE_HEADER, str(split.get("serviceNamespace", "")))
    revision = headers.get(REVISION_HEADER, str(split.get("serviceName", "")))
    return Backend(namespace, revision, int(split.get("percent") or 0), tuple(sorted(headers.items())))


def _matches(match: Mapping[str, Any], host: str, headers: Mapping[str, str], bound: frozenset[str]) -> bool:
    gateways = match.get("gateways")
    if gateways is not None and not bound.intersection(gateways):
        return False
    authority = match.get("authority") or {}
    if "prefix" in authority and not host.startswith(str(authority["prefix"]).lower()):
        return False
    if "exact" in authority and host != str(authority["exact"]).lower():
        return False
    for name, condition in (match.get("headers") or {}).items():
        if "exact" not in condition or headers.get(str(name).lower()) != str(condition["exact"]):
            return False
    return True


def _backends(route: Mapping[str, Any]) -> list[Backend]:
    route_headers = _request_headers(route)
    out: list[Backend] = []
    for destination in route.get("route") or []:
        parsed = revision_host(str((destination.get("destination") or {}).get("host", "")).lower())
        if parsed is None:
            continue
        set_headers = {**route_headers, **_request_headers(destination)}
        namespace = set_headers.get(NAMESPACE_HEADER, parsed[0])
        revision = set_headers.get(REVISION_HEADER, parsed[1])
        weight = destination.get("weight", 100)
        out.append(Backend(namespace, revision, int(weight), tuple(sorted(set_headers.items()))))
    return out


def _request_headers(holder: Mapping[str, Any]) -> dict[str, str]:
    request = (holder.get("headers") or {}).get("request") or {}
    return {str(k): str(v) for part in ("add", "set") for k, v in (request.get(part) or {}).items()}


def pick(backends: list[Backend], rng: random.Random) -> Backend | None:
    """A weighted random choice (Envoy's weighted clusters); None when every weight is zero."""
    cumulative = list(accumulate(max(0, b.weight) for b in backends))
    if not cumulative or cumulative[-1] <= 0:
        return None
    return backends[bisect_right(cumulative, rng.randrange(cumulative[-1]))]
