"""The resource types the Knative control plane reads and writes, looked up once."""

from __future__ import annotations

from dataclasses import dataclass

from app.sim.storage import resources
from app.sim.storage.resources import ResourceRegistry, ResourceType


@dataclass(frozen=True)
class Kinds:
    """The ResourceTypes of every kind the control plane touches."""

    ksvc: ResourceType
    configuration: ResourceType
    revision: ResourceType
    route: ResourceType
    kingress: ResourceType
    serverlessservice: ResourceType
    podautoscaler: ResourceType
    virtualservice: ResourceType | None
    """None on a cluster without Istio."""
    service: ResourceType
    endpoints: ResourceType
    pod: ResourceType
    deployment: ResourceType
    namespace: ResourceType
    event: ResourceType

    @classmethod
    def of(cls, registry: ResourceRegistry) -> Kinds:
        """Look the kinds up in `registry` (KeyError when one is missing; the VirtualService is optional)."""
        return cls(
            ksvc=registry.get(resources.KNATIVE_SERVICES),
            configuration=registry.get(resources.CONFIGURATIONS),
            revision=registry.get(resources.REVISIONS),
            route=registry.get(resources.ROUTES),
            kingress=registry.get(resources.KINGRESSES),
            serverlessservice=registry.get(resources.SERVERLESS_SERVICES),
            podautoscaler=registry.get(resources.POD_AUTOSCALERS),
            virtualservice=(
                registry.get(resources.VIRTUAL_SERVICES)
                if resources.VIRTUAL_SERVICES in {rt.key for rt in registry.all()}
                else None
            ),
            service=registry.get(resources.SERVICES),
            endpoints=registry.get(resources.ENDPOINTS),
            pod=registry.get(resources.PODS),
            deployment=registry.get(resources.DEPLOYMENTS),
            namespace=registry.get(resources.NAMESPACES),
            event=registry.get(resources.EVENTS),
        )
