"""The resource types the Knative control plane reads and writes, looked up once."""

from __future__ import annotations

from dataclasses import dataclass

from app.model.labels import SERVING
from app.sim.resources import ResourceRegistry, ResourceType


@dataclass(frozen=True)
class Kinds:
    """The ResourceTypes of every kind the control plane touches."""

    ksvc: ResourceType
    configuration: ResourceType
    revision: ResourceType
    route: ResourceType
    kingress: ResourceType
    virtualservice: ResourceType
    service: ResourceType
    deployment: ResourceType
    namespace: ResourceType
    event: ResourceType

    @classmethod
    def of(cls, registry: ResourceRegistry) -> Kinds:
        """Look the kinds up in `registry` (KeyError when one is missing)."""
        return cls(
            ksvc=registry.get(f"services.{SERVING}"),
            configuration=registry.get(f"configurations.{SERVING}"),
            revision=registry.get(f"revisions.{SERVING}"),
            route=registry.get(f"routes.{SERVING}"),
            kingress=registry.get("ingresses.networking.internal.knative.dev"),
            virtualservice=registry.get("virtualservices.networking.istio.io"),
            service=registry.get("services"),
            deployment=registry.get("deployments.apps"),
            namespace=registry.get("namespaces"),
            event=registry.get("events"),
        )
