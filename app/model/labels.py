"""The label and annotation keys Knative Serving and net-istio put on the objects they create.

Upstream: knative/serving `pkg/apis/serving/register.go`,
knative/networking `pkg/apis/networking/register.go`.
"""

from __future__ import annotations

SERVING = "serving.knative.dev"

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
CREATOR_ANNOTATION = f"{SERVING}/creator"
LAST_MODIFIER_ANNOTATION = f"{SERVING}/lastModifier"
ROUTES_ANNOTATION = f"{SERVING}/routes"
ROUTING_STATE_MODIFIED_ANNOTATION = f"{SERVING}/routingStateModified"
INGRESS_LABEL = "networking.internal.knative.dev/ingress"
SKS_LABEL = "networking.internal.knative.dev/serverlessservice"
SERVICE_TYPE_LABEL = "networking.internal.knative.dev/serviceType"
INGRESS_CLASS_ANNOTATION = "networking.knative.dev/ingress.class"
ISTIO_INGRESS_CLASS = "istio.ingress.networking.knative.dev"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
