"""The kinds the differential cases write: where they live and a small valid object of each."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

IMAGE = "ghcr.io/example/hello:1"
RBAC = "rbac.authorization.k8s.io"


@dataclass(frozen=True)
class Kind:
    """One kind: its collection path (with `{ns}`), apiVersion, kind and a sample's top-level fields.

    Cluster-scoped objects are named after the case's namespace, so cases on the shared real cluster
    never meet each other's.
    """

    id: str
    collection: str
    api_version: str
    kind: str
    resource: str  # what kubectl calls it
    fields: dict[str, Any] = field(default_factory=dict)
    namespaced: bool = True

    def name(self, name: str) -> str:
        return name if self.namespaced else "{ns}-" + name

    def item(self, name: str) -> str:
        return f"{self.collection}/{self.name(name)}"

    def obj(self, name: str, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "metadata": {"name": self.name(name), "labels": {"app": "demo"}},
        }
        body.update(copy.deepcopy(self.fields))
        body.update(fields)
        return body


def _template(*containers: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": list(containers)}}


CONFIGMAP = Kind(
    "configmap",
    "/api/v1/namespaces/{ns}/configmaps",
    "v1",
    "ConfigMap",
    "configmaps",
    {"data": {"color": "blue"}},
)
SECRET = Kind(
    "secret",
    "/api/v1/namespaces/{ns}/secrets",
    "v1",
    "Secret",
    "secrets",
    {"stringData": {"password": "s3cret"}},
)
SERVICE = Kind(
    "service",
    "/api/v1/namespaces/{ns}/services",
    "v1",
    "Service",
    "services",
    {"spec": {"selector": {"app": "demo"}, "ports": [{"port": 80, "targetPort": 8080}]}},
)
NAMESPACE = Kind("namespace", "/api/v1/namespaces", "v1", "Namespace", "namespaces", namespaced=False)
DEPLOYMENT = Kind(
    "deployment",
    "/apis/apps/v1/namespaces/{ns}/deployments",
    "apps/v1",
    "Deployment",
    "deployments",
    {
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": _template({"name": "app", "image": IMAGE}),
        }
    },
)
EVENT = Kind(
    "event",
    "/api/v1/namespaces/{ns}/events",
    "v1",
    "Event",
    "events",
    {
        "involvedObject": {"apiVersion": "v1", "kind": "ConfigMap", "name": "target", "namespace": "{ns}"},
        "reason": "Tested",
        "message": "a differential event",
        "type": "Normal",
        "source": {"component": "differential"},
    },
)
ROLE = Kind(
    "role",
    f"/apis/{RBAC}/v1/namespaces/{{ns}}/roles",
    f"{RBAC}/v1",
    "Role",
    "roles",
    {"rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]},
)
ROLEBINDING = Kind(
    "rolebinding",
    f"/apis/{RBAC}/v1/namespaces/{{ns}}/rolebindings",
    f"{RBAC}/v1",
    "RoleBinding",
    "rolebindings",
    {
        "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "reader"},
        "subjects": [{"kind": "User", "name": "viewer", "apiGroup": RBAC}],
    },
)
CLUSTERROLE = Kind(
    "clusterrole",
    f"/apis/{RBAC}/v1/clusterroles",
    f"{RBAC}/v1",
    "ClusterRole",
    "clusterroles",
    {"rules": [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]}]},
    namespaced=False,
)
CLUSTERROLEBINDING = Kind(
    "clusterrolebinding",
    f"/apis/{RBAC}/v1/clusterrolebindings",
    f"{RBAC}/v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
    {
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "Group", "name": "team-a", "apiGroup": RBAC}],
    },
    namespaced=False,
)
KSERVICE = Kind(
    "ksvc",
    "/apis/serving.knative.dev/v1/namespaces/{ns}/services",
    "serving.knative.dev/v1",
    "Service",
    "services.serving.knative.dev",
    {"spec": {"template": {"spec": {"containers": [{"image": IMAGE}]}}}},
)
CONFIGURATION = Kind(
    "configuration",
    "/apis/serving.knative.dev/v1/namespaces/{ns}/configurations",
    "serving.knative.dev/v1",
    "Configuration",
    "configurations.serving.knative.dev",
    {"spec": {"template": {"spec": {"containers": [{"image": IMAGE}]}}}},
)
REVISION = Kind(
    "revision",
    "/apis/serving.knative.dev/v1/namespaces/{ns}/revisions",
    "serving.knative.dev/v1",
    "Revision",
    "revisions.serving.knative.dev",
    {"spec": {"containers": [{"image": IMAGE}]}},
)
ROUTE = Kind(
    "route",
    "/apis/serving.knative.dev/v1/namespaces/{ns}/routes",
    "serving.knative.dev/v1",
    "Route",
    "routes.serving.knative.dev",
    {"spec": {"traffic": [{"configurationName": "hello", "percent": 100}]}},
)
VIRTUALSERVICE = Kind(
    "virtualservice",
    "/apis/networking.istio.io/v1/namespaces/{ns}/virtualservices",
    "networking.istio.io/v1",
    "VirtualService",
    "virtualservices.networking.istio.io",
    {"spec": {"hosts": ["hello.example.com"], "http": [{"route": [{"destination": {"host": "hello"}}]}]}},
)
LEASE = Kind(
    "lease",
    "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
    "coordination.k8s.io/v1",
    "Lease",
    "leases",
    {
        "spec": {
            "holderIdentity": "dashboard-a",
            "leaseDurationSeconds": 15,
            "acquireTime": "2026-12-07T20:00:00.000000Z",
            "renewTime": "2026-12-07T20:00:00.000000Z",
            "leaseTransitions": 0,
        }
    },
)

KINDS = (
    CONFIGMAP,
    SECRET,
    SERVICE,
    NAMESPACE,
    DEPLOYMENT,
    EVENT,
    ROLE,
    ROLEBINDING,
    CLUSTERROLE,
    CLUSTERROLEBINDING,
    KSERVICE,
    CONFIGURATION,
    REVISION,
    ROUTE,
    VIRTUALSERVICE,
    LEASE,
)
