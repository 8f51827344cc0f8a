"""Istio VirtualServices as net-istio generates them: hosts, gateways, matches, weighted destinations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.model.bodies import Obj, as_list, as_text, labels_of, maps, name_of, part
from app.model.labels import ROUTE_LABEL
from app.model.routing import REVISION_HEADER
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
    authority = part(match, "authority")
    for key in ("prefix", "exact", "regex"):
        if key in authority:
            return as_text(authority[key]) if key == "prefix" else f"{key} {as_text(authority[key])}"
    return ""


def _destination_revision(route: Mapping[str, Any], host: str) -> str:
    headers = part(part(route, "headers"), "request")
    for action in ("set", "add"):
        revision = part(headers, action).get(REVISION_HEADER)
        if revision:
            return as_text(revision)
    return host.split(".", 1)[0]


def virtual_service_view(vs: Obj, colours: Mapping[str, int]) -> VirtualServiceView:
    spec = part(vs, "spec")
    http = []
    for rule in maps(spec.get("http")):
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
        http.append(HttpRouteView(matches, tuple(destinations)))
    return VirtualServiceView(
        name=name_of(vs),
        route=as_text(labels_of(vs).get(ROUTE_LABEL)),
        hosts=tuple(as_text(h) for h in as_list(spec.get("hosts"))),
        gateways=tuple(as_text(g) for g in as_list(spec.get("gateways"))),
        http=tuple(http),
    )
