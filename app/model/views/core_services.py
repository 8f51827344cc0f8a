"""Kubernetes Services with the controllers that generated them and what backs them (their Endpoints)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from app.model.bodies import Obj, as_text, maps, meta, name_of, part
from app.model.objects import NamespaceObjects
from app.model.views.ages import age
from app.model.views.backends import (
    BackendView,
    pods_by_ip,
    serverless_service_name,
    service_backends,
)
from app.model.views.memo import RowMemo, aged
from app.model.views.owners import OwnerLink, owner_chain, owner_steps


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
    created: str = ""
    """The creationTimestamp the age counts from: the page keeps ages current from it."""


@dataclass(frozen=True)
class CoreServicesView:
    rows: tuple[CoreServiceRow, ...]
    generated: int
    """How many of them nobody created by hand (they have an owner)."""
    unreadable: tuple[str, ...] = ()
    """Detail kinds the dashboard may not read: owner chains and backends are then partial."""

    @property
    def groups(self) -> tuple[CoreServiceGroup, ...]:
        return core_service_groups(self.rows)


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
        created=as_text(meta(service).get("creationTimestamp")),
    )


def core_services_view(
    services: Iterable[Obj],
    objects: NamespaceObjects,
    by_uid: Mapping[str, Obj],
    now: datetime,
    memo: RowMemo | None = None,
) -> CoreServicesView:
    """Rows for `services`; owners, Endpoints, ServerlessServices and pods are looked up in `objects`.
    With a `memo`, a row is built again only when its Service, an owner on its chain or what backs it
    changed."""
    endpoints = {name_of(e): e for e in objects.endpoints}
    sks = {name_of(s): s for s in objects.serverlessservices}
    pod_ips = pods_by_ip(objects.pods)
    memo = memo if memo is not None else RowMemo(0)
    pods_seen = memo.intern(tuple(sorted(pod_ips.items())))

    def backends_of(service: Obj) -> BackendView | None:
        """The Service's backends, kept while its Endpoints, its ServerlessService and the pods' IPs
        are the very objects they were made from (the cache hands out an unchanged object as is)."""
        name = name_of(service)

        def build() -> _Backends:
            sks_name = serverless_service_name(service)
            found = service_backends(service, endpoints, sks, objects.pods, pod_ips)
            return _Backends(endpoints.get(name), sks_name, sks.get(sks_name), pods_seen, found)

        def valid(kept: _Backends) -> bool:
            return (
                kept.endpoints is endpoints.get(name)
                and kept.sks is sks.get(kept.sks_name)
                and kept.pods is pods_seen
            )

        return memo.checked("backends", service, valid, build).view

    def row(service: Obj) -> CoreServiceRow:
        backends = backends_of(service)
        path = memo.checked(
            "owner_path",
            service,
            lambda kept: all(by_uid.get(uid) is owner for uid, owner in kept.owners),
            lambda: _owner_path(service, by_uid),
        )
        built = memo.row(
            "core_service",
            service,
            (path.versions, backends),
            partial(core_service_row, service, by_uid, now, backends),
        )
        return aged(built, service, now)

    rows = tuple(row(s) for s in sorted(services, key=name_of))
    return CoreServicesView(rows, sum(1 for r in rows if r.generated), tuple(objects.unreadable))


@dataclass(frozen=True)
class _Backends:
    """A Service's backends and the objects they were read from."""

    endpoints: Obj | None
    sks_name: str
    sks: Obj | None
    pods: object
    view: BackendView | None


@dataclass(frozen=True)
class _OwnerPath:
    """The owners above a Service as found (uid, object or None: not cached), and their versions."""

    owners: tuple[tuple[str, Obj | None], ...]
    versions: tuple[tuple[str, str | None], ...]


def _owner_path(service: Obj, by_uid: Mapping[str, Obj]) -> _OwnerPath:
    """Kept while every owner is the very object it was (the cache hands out an unchanged one as is):
    the chain's links are read from them."""
    owners = tuple((as_text(ref.get("uid")), owner) for ref, owner in owner_steps(service, by_uid))
    versions = tuple(
        (uid, None if owner is None else as_text(meta(owner).get("resourceVersion"))) for uid, owner in owners
    )
    return _OwnerPath(owners, versions)


@dataclass(frozen=True)
class CoreServiceGroup:
    """The Kubernetes Services whose owner chains end at one object (a Knative Service, for what Knative
    generates), or those created by hand (`kind` and `name` empty), with how their backends stand."""

    kind: str
    name: str
    rows: tuple[CoreServiceRow, ...]
    to_pods: int
    """Rows whose Endpoints list ready pods."""
    to_activator: int
    """Rows whose Endpoints list Knative's activator (scaled to zero, or waiting for capacity)."""
    without_endpoints: int
    """Rows whose Endpoints list no ready address."""
    unresolved: int
    """Rows whose owner chain names an object the dashboard does not see."""

    @property
    def key(self) -> str:
        """The group's name in URLs and markup: "Service/customer", or "" for those made by hand."""
        return f"{self.kind}/{self.name}" if self.kind else ""

    @property
    def ok(self) -> bool:
        """Every owner seen, and something answers (a revision scaled to zero leaves its private
        Service without endpoints while the activator answers the public one: that is well)."""
        answered = self.to_pods or self.to_activator or not self.without_endpoints
        return not self.unresolved and bool(answered)


def core_service_groups(rows: Iterable[CoreServiceRow]) -> tuple[CoreServiceGroup, ...]:
    """Rows grouped by the last owner of their chain (the Knative Service of a generated one), groups by
    that owner's name; the rows made by hand come last, as one group."""
    members: dict[tuple[str, str], list[CoreServiceRow]] = {}
    for row in rows:
        top = (row.owners[-1].kind, row.owners[-1].name) if row.owners else ("", "")
        members.setdefault(top, []).append(row)
    ordered = sorted(members.items(), key=lambda item: (not item[0][0], item[0][1], item[0][0]))
    return tuple(_group(kind, name, tuple(group)) for (kind, name), group in ordered)


def _group(kind: str, name: str, rows: tuple[CoreServiceRow, ...]) -> CoreServiceGroup:
    def counting(backend_kind: str) -> int:
        return sum(1 for r in rows if r.backends is not None and r.backends.kind == backend_kind)

    unresolved = sum(1 for r in rows if any(not link.found for link in r.owners))
    return CoreServiceGroup(
        kind, name, rows, counting("pods"), counting("activator"), counting("none"), unresolved
    )
