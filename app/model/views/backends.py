"""What backs a Kubernetes Service: the pods (or Knative's activator) its Endpoints list.

A revision has two Services. The private one selects the revision's pods, so the endpoints controller
lists their IPs. The public one has no selector: its ServerlessService writes its Endpoints itself, with
the pods' IPs while it is in Serve mode and the activator's while it is in Proxy mode (scaled to zero,
or too little capacity), so that a request wakes the revision up. Upstream: knative/serving
`pkg/reconciler/serverlessservice/serverlessservice.go` (reconcilePublicEndpoints) and
`pkg/apis/networking/v1alpha1/serverlessservice_types.go` (ServerlessServiceOperationMode).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.model.bodies import Obj, as_text, labels_of, maps, name_of, part
from app.model.labels import SKS_LABEL
from app.model.views.owners import controller_ref

PROXY = "Proxy"
SERVE = "Serve"


@dataclass(frozen=True)
class EndpointAddress:
    """One address of an Endpoints object, with the pod it belongs to ("" when it names none)."""

    ip: str
    pod: str
    ready: bool


@dataclass(frozen=True)
class BackendView:
    """Who answers a Service's traffic, from its Endpoints."""

    kind: str
    """"pods", "activator", or "none" (Endpoints without a ready address)."""
    addresses: tuple[EndpointAddress, ...]
    mode: str
    """The owning ServerlessService's mode (Serve or Proxy), "" when none owns the Service."""
    text: str
    """One line for people: "2 pods", "activator (SKS in Proxy mode)", "no ready endpoints"."""


def _addresses(endpoints: Obj) -> list[EndpointAddress]:
    out: list[EndpointAddress] = []
    for subset in maps(endpoints.get("subsets")):
        for key, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in maps(subset.get(key)):
                ref = part(address, "targetRef")
                pod = as_text(ref.get("name")) if as_text(ref.get("kind")) == "Pod" else ""
                out.append(EndpointAddress(as_text(address.get("ip")), pod, ready))
    return out


def _is_activator(address: EndpointAddress, namespace_pods: Mapping[str, str]) -> bool:
    """An address that is none of the namespace's pods: the activator's pods run in knative-serving
    (the SKS copies the activator's Endpoints, whose pod references name `activator-...` pods)."""
    return address.ip not in namespace_pods and (not address.pod or address.pod.startswith("activator"))


def pods_by_ip(pods: Iterable[Obj]) -> dict[str, str]:
    """The namespace's pods by IP, name as the value (to tell its pods from the activator's)."""
    return {as_text(part(p, "status").get("podIP")): name_of(p) for p in pods}


def serverless_service_name(service: Obj) -> str:
    """The ServerlessService that owns (or labels) a Kubernetes Service, "" when none does."""
    owner = controller_ref(service)
    if owner is not None and as_text(owner.get("kind")) == "ServerlessService":
        return as_text(owner.get("name"))
    return labels_of(service).get(SKS_LABEL) or ""


def service_backends(
    service: Obj,
    endpoints: Mapping[str, Obj],
    serverless_services: Mapping[str, Obj],
    pods: Sequence[Obj],
    namespace_pods: Mapping[str, str] | None = None,
) -> BackendView | None:
    """What backs `service`, from the Endpoints of the same name; None for a Service that has none
    by design (ExternalName: a DNS alias) or whose Endpoints are not in the cache. `namespace_pods`:
    `pods_by_ip(pods)`, when the caller asks for many Services."""
    if as_text(part(service, "spec").get("type")) == "ExternalName":
        return None
    found = endpoints.get(name_of(service))
    if found is None:
        return None
    sks = serverless_services.get(serverless_service_name(service))
    mode = as_text(part(sks, "spec").get("mode")) if sks is not None else ""
    if namespace_pods is None:
        namespace_pods = pods_by_ip(pods)
    addresses = tuple(_addresses(found))
    ready = [a for a in addresses if a.ready]
    if ready and all(_is_activator(a, namespace_pods) for a in ready):
        why = f" (SKS in {mode} mode)" if mode else ""
        return BackendView("activator", addresses, mode, f"activator{why}")
    if not ready:
        waiting = len(addresses)
        text = f"no ready endpoints ({waiting} not ready)" if waiting else "no ready endpoints"
        return BackendView("none", addresses, mode, text)
    count = len(ready)
    return BackendView("pods", addresses, mode, f"{count} pod{'' if count == 1 else 's'}")
