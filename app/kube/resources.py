"""The kinds the dashboard shows, and which of them the cluster serves (discovery).

Knative and Istio are optional: a cluster without them is reported by `Discovery` so pages can say
so instead of failing. Istio's VirtualService version is discovered (v1, else v1beta1, else v1alpha3).
A cluster with Knative but another ingress (Kourier) serves no VirtualServices at all: the KIngress
is then what routes requests. Knative's ServerlessServices and PodAutoscalers (between a Revision and
its Kubernetes Services) and core Endpoints are watched to show owner chains and what backs a Service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubernetes.client import ApiClient

from app.kube.errors import NotFound
from app.kube.requesting import DEFAULT_TIMEOUT, Timeout, request_json

SERVING_GROUP = "serving.knative.dev"
ISTIO_GROUP = "networking.istio.io"
KINGRESS_GROUP = "networking.internal.knative.dev"
AUTOSCALING_GROUP = "autoscaling.internal.knative.dev"
ISTIO_VERSIONS = ("v1", "v1beta1", "v1alpha3")
"""VirtualService versions in order of preference."""


@dataclass(frozen=True)
class Resource:
    """One kind at one API version, addressed by its plural name."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        """The `apiVersion` field of this kind's objects: "v1" or "group/version"."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path of the collection (in `namespace`, or across all), or of one object."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


KNATIVE_SERVICES = Resource(SERVING_GROUP, "v1", "services", "Service")
CONFIGURATIONS = Resource(SERVING_GROUP, "v1", "configurations", "Configuration")
REVISIONS = Resource(SERVING_GROUP, "v1", "revisions", "Revision")
ROUTES = Resource(SERVING_GROUP, "v1", "routes", "Route")
KINGRESSES = Resource(KINGRESS_GROUP, "v1alpha1", "ingresses", "Ingress")
SERVERLESS_SERVICES = Resource(KINGRESS_GROUP, "v1alpha1", "serverlessservices", "ServerlessService")
POD_AUTOSCALERS = Resource(AUTOSCALING_GROUP, "v1alpha1", "podautoscalers", "PodAutoscaler")
CORE_SERVICES = Resource("", "v1", "services", "Service")
ENDPOINTS = Resource("", "v1", "endpoints", "Endpoints")
PODS = Resource("", "v1", "pods", "Pod")
EVENTS = Resource("", "v1", "events", "Event")
DEPLOYMENTS = Resource("apps", "v1", "deployments", "Deployment")
REPLICA_SETS = Resource("apps", "v1", "replicasets", "ReplicaSet")
CONFIG_MAPS = Resource("", "v1", "configmaps", "ConfigMap")
SECRETS = Resource("", "v1", "secrets", "Secret")
"""Not watched: read one object at a time for its YAML page."""
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease")
"""Not watched: the rollout-plan runner takes one per plan (app.kube.leasing)."""
SERVING_KINDS = (KNATIVE_SERVICES, CONFIGURATIONS, REVISIONS, ROUTES)


def virtual_services(version: str) -> Resource:
    """Istio VirtualServices at the given (discovered) version."""
    return Resource(ISTIO_GROUP, version, "virtualservices", "VirtualService")


@dataclass(frozen=True)
class Discovery:
    """Which of the dashboard's kinds the cluster serves."""

    serving_version: str | None
    """"v1" when serving.knative.dev/v1 serves services, configurations, revisions and routes."""
    istio_version: str | None
    """The preferred served version of networking.istio.io virtualservices, if any."""
    kingress_version: str | None
    """"v1alpha1" when Knative's internal Ingress kind is served."""
    serverless_service_version: str | None = None
    """"v1alpha1" when Knative's ServerlessServices are served (they own a revision's Services)."""
    pod_autoscaler_version: str | None = None
    """"v1alpha1" when Knative's PodAutoscalers are served (they own the ServerlessServices)."""

    @property
    def complete(self) -> bool:
        """Every optional kind is served: nothing more to discover."""
        return None not in (
            self.serving_version,
            self.istio_version,
            self.kingress_version,
            self.serverless_service_version,
            self.pod_autoscaler_version,
        )

    @property
    def knative(self) -> bool:
        return self.serving_version is not None

    @property
    def istio(self) -> bool:
        return self.istio_version is not None

    def namespace_resources(self) -> dict[str, Resource]:
        """The kinds to watch per namespace, keyed by their `NamespaceObjects` field name.

        `services` are Knative Services, `core_services` core (Kubernetes) Services.
        """
        found: dict[str, Resource] = {}
        if self.knative:
            found.update(
                services=KNATIVE_SERVICES, configurations=CONFIGURATIONS, revisions=REVISIONS, routes=ROUTES
            )
        if self.istio_version is not None:
            found["virtualservices"] = virtual_services(self.istio_version)
        if self.kingress_version is not None:
            found["ingresses"] = KINGRESSES
        if self.serverless_service_version is not None:
            found["serverlessservices"] = SERVERLESS_SERVICES
        if self.pod_autoscaler_version is not None:
            found["podautoscalers"] = POD_AUTOSCALERS
        found.update(core_services=CORE_SERVICES, endpoints=ENDPOINTS, pods=PODS, events=EVENTS)
        return found


def discover(api_client: ApiClient, *, timeout: Timeout = DEFAULT_TIMEOUT) -> Discovery:
    """Ask the API server (/apis and the group versions we need) which kinds it serves."""
    groups = {
        group["name"]: [v["version"] for v in group.get("versions", [])]
        for group in request_json(api_client, "GET", "/apis", timeout=timeout).get("groups", [])
    }

    listed: dict[str, set[str]] = {}
    """Each group version's plurals, asked once (one group serves KIngresses and ServerlessServices)."""

    def serves(group: str, version: str, *plurals: str) -> bool:
        if version not in groups.get(group, []):
            return False
        path = f"/apis/{group}/{version}"
        if path not in listed:
            try:
                listed[path] = _plurals(request_json(api_client, "GET", path, timeout=timeout))
            except NotFound:
                listed[path] = set()
        return set(plurals) <= listed[path]

    serving = "v1" if serves(SERVING_GROUP, "v1", *(r.plural for r in SERVING_KINDS)) else None
    istio = next((v for v in ISTIO_VERSIONS if serves(ISTIO_GROUP, v, "virtualservices")), None)
    kingress = "v1alpha1" if serves(KINGRESS_GROUP, "v1alpha1", "ingresses") else None
    sks = "v1alpha1" if serves(KINGRESS_GROUP, "v1alpha1", "serverlessservices") else None
    pa = "v1alpha1" if serves(AUTOSCALING_GROUP, "v1alpha1", "podautoscalers") else None
    return Discovery(
        serving_version=serving,
        istio_version=istio,
        kingress_version=kingress,
        serverless_service_version=sks,
        pod_autoscaler_version=pa,
    )


def _plurals(resource_list: dict[str, Any]) -> set[str]:
    return {r["name"] for r in resource_list.get("resources", []) if "/" not in r.get("name", "/")}
