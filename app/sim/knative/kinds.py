"""The resource types the Knative control plane reads and writes, looked up once."""

from __future__ import annotations

from dataclasses import dataclass

from app.sim import resources
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
            ksvc=registry.get(resources.KSERVICES),
            configuration=registry.get(resources.CONFIGURATIONS),
            revision=registry.get(resources.REVISIONS),
            route=registry.get(resources.ROUTES),
            kingress=registry.get(resources.KINGRESSES),
            virtualservice=registry.get(resources.VIRTUAL_SERVICES),
            service=registry.get(resources.SERVICES),
            deployment=registry.get(resources.DEPLOYMENTS),
            namespace=registry.get(resources.NAMESPACES),
            event=registry.get(resources.EVENTS),
        )
