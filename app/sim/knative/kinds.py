"""The resource types the Knative control plane reads and writes, looked up once."""

from __future__ import annotations

from dataclasses import dataclass

from app.sim.resources import ResourceRegistry, ResourceType

SERVING = "serving.knative.dev"


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


SERVICE_LABEL = f"{SERVING}/service"
SERVICE_UID_LABEL = f"{SERVING}/serviceUID"
CONFIGURATION_LABEL = f"{SERVING}/configuration"
CONFIGURATION_UID_LABEL = f"{SERVING}/configurationUID"
CONFIGURATION_GENERATION_LABEL = f"{SERVING}/configurationGeneration"
REVISION_LABEL = f"{SERVING}/revision"
REVISION_UID_LABEL = f"{SERVING}/revisionUID"
ROUTE_LABEL = f"{SERVING}/route"
ROUTE_NAMESPACE_LABEL = f"{SERVING}/routeNamespace"
ROUTING_STATE_LABEL = f"{SERVING}/routingState"
ROUTES_ANNOTATION = f"{SERVING}/routes"
ROUTING_STATE_MODIFIED_ANNOTATION = f"{SERVING}/routingStateModified"
INGRESS_LABEL = "networking.internal.knative.dev/ingress"
SKS_LABEL = "networking.internal.knative.dev/serverlessservice"
SERVICE_TYPE_LABEL = "networking.internal.knative.dev/serviceType"
INGRESS_CLASS_ANNOTATION = "networking.knative.dev/ingress.class"
ISTIO_INGRESS_CLASS = "istio.ingress.networking.knative.dev"
INITIAL_SCALE_ANNOTATION = "autoscaling.knative.dev/initial-scale"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
