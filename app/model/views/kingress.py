"""Knative's KIngress (networking.internal.knative.dev/v1alpha1 Ingress): the routing every ingress reads.

The Route reconciler writes one per Route (knative/serving `pkg/reconciler/route/resources/ingress.go`):
per target name a ClusterLocal rule and ExternalIP rule(s), each path with weighted splits to revision
Services and the headers to append. net-istio turns it into VirtualServices; Kourier reads it directly,
so on a cluster without Istio it is the networking truth. Its `networking.internal.knative.dev/rollout`
annotation holds the rollout state (`pkg/reconciler/route/traffic/rollout.go`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.model.bodies import Obj, as_list, as_text, labels_of, maps, meta, name_of, part
from app.model.labels import INGRESS_CLASS_ANNOTATION, ROUTE_LABEL
from app.model.routing import KINGRESS_ROLLOUT_ANNOTATION
from app.model.views.colours import colour_of
from app.model.views.conditions import readiness

SHORT_CLASSES = {
    "istio.ingress.networking.knative.dev": "Istio",
    "kourier.ingress.networking.knative.dev": "Kourier",
    "contour.ingress.networking.knative.dev": "Contour",
}


@dataclass(frozen=True)
class SplitView:
    """A weighted split: the revision Service it reaches and the headers the ingress appends."""

    service: str
    port: str
    percent: int
    headers: tuple[str, ...]
    """ "Name: value" per appended header, sorted."""
    colour: int


@dataclass(frozen=True)
class IngressRuleView:
    """One rule: its hosts, visibility (ClusterLocal or ExternalIP) and its paths' splits."""

    index: int
    hosts: tuple[str, ...]
    visibility: str
    splits: tuple[SplitView, ...]


@dataclass(frozen=True)
class RolloutEntry:
    """One floating target in the rollout annotation: where its configuration's traffic goes."""

    configuration: str
    tag: str
    percent: int
    revisions: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class KIngressView:
    name: str
    route: str
    ingress_class: str
    class_name: str
    """The class for people: "Istio", "Kourier", or the annotation's value."""
    ready: str
    reason: str
    ok: bool
    rules: tuple[IngressRuleView, ...]
    rollout: str | None
    """The rollout annotation as it is (None when absent)."""
    rollout_entries: tuple[RolloutEntry, ...]
    """The annotation read, when it parses; empty for "{}" (nothing floats) or an unknown shape."""
    load_balancers: tuple[str, ...]
    """ "public <address>", "private <address>" from the status."""


def _splits(path: Mapping[str, Any], colours: Mapping[str, int]) -> tuple[SplitView, ...]:
    out = []
    for split in maps(path.get("splits")):
        service = as_text(split.get("serviceName"))
        headers = part(split, "appendHeaders")
        revision = as_text(headers.get("Knative-Serving-Revision")) or service
        out.append(
            SplitView(
                service=service,
                port=as_text(split.get("servicePort")),
                percent=int(split.get("percent") or 0),
                headers=tuple(f"{k}: {as_text(v)}" for k, v in sorted(headers.items())),
                colour=colour_of(colours, revision),
            )
        )
    return tuple(out)


def rollout_entries(text: str | None) -> tuple[RolloutEntry, ...]:
    """The rollout annotation's configurations; empty when it is absent, `{}` or not understood."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return ()
    if not isinstance(data, Mapping):
        return ()
    entries = []
    for entry in maps(data.get("configurations")):
        revisions = tuple(
            (as_text(r.get("revisionName")), int(r.get("percent") or 0)) for r in maps(entry.get("revisions"))
        )
        entries.append(
            RolloutEntry(
                configuration=as_text(entry.get("configurationName")),
                tag=as_text(entry.get("tag")),
                percent=int(entry.get("percent") or 0),
                revisions=revisions,
            )
        )
    return tuple(entries)


def _load_balancers(status: Mapping[str, Any]) -> tuple[str, ...]:
    out = []
    for side in ("public", "private"):
        for lb in maps(part(status, f"{side}LoadBalancer").get("ingress")):
            address = lb.get("domainInternal") or lb.get("domain") or lb.get("ip")
            if address:
                out.append(f"{side} {as_text(address)}")
    return tuple(out)


def kingress_view(kingress: Obj, colours: Mapping[str, int]) -> KIngressView:
    spec = part(kingress, "spec")
    annotations = meta(kingress).get("annotations")
    annotations = annotations if isinstance(annotations, Mapping) else {}
    ingress_class = as_text(annotations.get(INGRESS_CLASS_ANNOTATION))
    rules = tuple(
        IngressRuleView(
            index=index,
            hosts=tuple(as_text(h) for h in as_list(rule.get("hosts"))),
            visibility=as_text(rule.get("visibility")) or "ExternalIP",
            splits=tuple(s for path in maps(part(rule, "http").get("paths")) for s in _splits(path, colours)),
        )
        for index, rule in enumerate(maps(spec.get("rules")))
    )
    rollout = annotations.get(KINGRESS_ROLLOUT_ANNOTATION)
    state = readiness(kingress)
    return KIngressView(
        name=name_of(kingress),
        route=as_text(labels_of(kingress).get(ROUTE_LABEL)),
        ingress_class=ingress_class,
        class_name=SHORT_CLASSES.get(ingress_class, ingress_class or "default class"),
        ready=state.ready,
        reason=state.reason,
        ok=state.ok,
        rules=rules,
        rollout=as_text(rollout) if rollout is not None else None,
        rollout_entries=rollout_entries(as_text(rollout) if rollout is not None else None),
        load_balancers=_load_balancers(part(kingress, "status")),
    )
