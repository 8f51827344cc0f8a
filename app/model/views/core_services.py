"""Kubernetes Services with the controllers that generated them and what backs them (their Endpoints)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.model.bodies import Obj, as_text, maps, meta, name_of, part
from app.model.objects import NamespaceObjects
from app.model.views.ages import age
from app.model.views.backends import BackendView, service_backends
from app.model.views.owners import OwnerLink, owner_chain


@dataclass(frozen=True)
class CoreServiceRow:
    """A Kubernetes Service with the chain of controllers that generated it."""

    name: str
    type: str
    address: str
    """The cluster IP, or the external name of an ExternalName service."""
    ports: tuple[str, ...]
    """ "http 80->8012/TCP" per port."""
    owners: tuple[OwnerLink, ...]
    """Nearest first: a revision's Service <- ServerlessService <- PodAutoscaler <- Revision <- ..."""
    generated: bool
    age: str
    backends: BackendView | None = None
    """The pods or the activator its Endpoints list (None: an ExternalName, or no Endpoints cached)."""


@dataclass(frozen=True)
class CoreServicesView:
    rows: tuple[CoreServiceRow, ...]
    generated: int
    """How many of them nobody created by hand (they have an owner)."""
    unreadable: tuple[str, ...] = ()
    """Detail kinds the dashboard may not read: owner chains and backends are then partial."""


def port_text(port: Mapping[str, Any]) -> str:
    name = as_text(port.get("name"))
    target = port.get("targetPort")
    text = as_text(port.get("port"))
    if target is not None and as_text(target) != text:
        text += f"->{as_text(target)}"
    text += f"/{as_text(port.get('protocol') or 'TCP')}"
    return f"{name} {text}" if name else text


def core_service_row(
    service: Obj, by_uid: Mapping[str, Obj], now: datetime, backends: BackendView | None = None
) -> CoreServiceRow:
    spec = part(service, "spec")
    kind = as_text(spec.get("type") or "ClusterIP")
    address = spec.get("externalName") if kind == "ExternalName" else spec.get("clusterIP")
    owners = owner_chain(service, by_uid)
    return CoreServiceRow(
        name=name_of(service),
        type=kind,
        address=as_text(address) or "<none>",
        ports=tuple(port_text(p) for p in maps(spec.get("ports"))),
        owners=owners,
        generated=bool(owners),
        age=age(meta(service).get("creationTimestamp"), now),
        backends=backends,
    )


def core_services_view(
    services: Iterable[Obj], objects: NamespaceObjects, by_uid: Mapping[str, Obj], now: datetime
) -> CoreServicesView:
    """Rows for `services`; owners, Endpoints, ServerlessServices and pods are looked up in `objects`."""
    endpoints = {name_of(e): e for e in objects.endpoints}
    sks = {name_of(s): s for s in objects.serverlessservices}
    rows = tuple(
        core_service_row(s, by_uid, now, service_backends(s, endpoints, sks, objects.pods))
        for s in sorted(services, key=name_of)
    )
    return CoreServicesView(rows, sum(1 for r in rows if r.generated), tuple(objects.unreadable))
