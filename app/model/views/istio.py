"""Istio VirtualServices as net-istio generates them: hosts, gateways, matches, weighted destinations.

Since knative/networking 0.18 every KIngress path becomes two http routes: first a probe copy, which
matches only requests carrying `K-Network-Hash: override` and answers with the hash of the KIngress
spec (so the prober can tell that Envoy has this version), then the route itself (knative/networking
`pkg/ingress/ingress.go` InsertProbe; net-istio `pkg/reconciler/ingress/resources/virtual_service.go`).
The probe routes are told apart and kept aside: they carry the same splits as their route, and half of
a VirtualService's routes would otherwise be noise to a reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.model.bodies import Obj, as_list, as_text, labels_of, maps, name_of, part
from app.model.labels import INGRESS_LABEL, ROUTE_LABEL
from app.model.routing import HASH_HEADER, PROBE_OVERRIDE, REVISION_HEADER
from app.model.views.colours import colour_of


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
    index: int
    """The route's place in `spec.http` (probe routes included), as `http[i]` names it."""
    matches: tuple[MatchView, ...]
    destinations: tuple[DestinationView, ...]
    probe: bool = False
    """A readiness probe copy: it matches only `K-Network-Hash: override`."""


@dataclass(frozen=True)
class VirtualServiceView:
    """An Istio VirtualService as net-istio generates it from a Route."""

    name: str
    route: str
    """The Route it serves (the seed's net-istio labelled it; today's labels name the KIngress)."""
    ingress: str
    """The KIngress it was made from ("" when unlabelled)."""
    hosts: tuple[str, ...]
    gateways: tuple[str, ...]
    http: tuple[HttpRouteView, ...]
    """The routes that serve requests, probe routes left out."""
    probes: tuple[HttpRouteView, ...] = ()
    """The probe routes, in their order."""


def _authority(match: Mapping[str, Any]) -> str:
    authority = part(match, "authority")
    for key in ("prefix", "exact", "regex"):
        if key in authority:
            return as_text(authority[key]) if key == "prefix" else f"{key} {as_text(authority[key])}"
    return ""


def is_probe_route(rule: Mapping[str, Any]) -> bool:
    """Whether an http route is a probe copy: one of its matches requires `K-Network-Hash: override`."""
    return any(
        as_text(part(part(m, "headers"), HASH_HEADER).get("exact")) == PROBE_OVERRIDE
        for m in maps(rule.get("match"))
    )


def _destination_revision(route: Mapping[str, Any], host: str) -> str:
    headers = part(part(route, "headers"), "request")
    for action in ("set", "add"):
        revision = part(headers, action).get(REVISION_HEADER)
        if revision:
            return as_text(revision)
    return host.split(".", 1)[0]


def virtual_service_view(vs: Obj, colours: Mapping[str, int]) -> VirtualServiceView:
    spec = part(vs, "spec")
    http: list[HttpRouteView] = []
    for index, rule in enumerate(maps(spec.get("http"))):
        destinations = []
        weighted = maps(rule.get("route"))
        for target in weighted:
            destination = part(target, "destination")
            host = as_text(destination.get("host"))
            revision = _destination_revision(target, host)
            weight = target.get("weight")
            destinations.append(
                DestinationView(
                    host=host,
                    port=as_text(part(destination, "port").get("number")),
                    weight=int(weight) if weight is not None else (100 if len(weighted) == 1 else 0),
                    revision=revision,
                    colour=colour_of(colours, revision),
                )
            )
        matches = tuple(
            MatchView(_authority(m), tuple(as_text(g) for g in as_list(m.get("gateways"))))
            for m in maps(rule.get("match"))
        )
        http.append(HttpRouteView(index, matches, tuple(destinations), is_probe_route(rule)))
    labels = labels_of(vs)
    return VirtualServiceView(
        name=name_of(vs),
        route=as_text(labels.get(ROUTE_LABEL)),
        ingress=as_text(labels.get(INGRESS_LABEL)),
        hosts=tuple(as_text(h) for h in as_list(spec.get("hosts"))),
        gateways=tuple(as_text(g) for g in as_list(spec.get("gateways"))),
        http=tuple(h for h in http if not h.probe),
        probes=tuple(h for h in http if h.probe),
    )
