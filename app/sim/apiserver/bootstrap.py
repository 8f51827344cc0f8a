"""The RBAC policy a real API server bootstraps itself with, as far as the simulator's users meet it.

Facts from kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (v1.37): the ClusterRoles
and the ClusterRoleBindings that bind them to groups every request is in. They let any signed-in user
discover the API and ask who it is and what it may do (SelfSubjectReview, SelfSubjectAccessReview,
SelfSubjectRulesReview), and anyone at all read /version and the health checks. The simulator holds them
as facts its authorizer reads, not as stored objects: `kubectl get clusterroles` does not list them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"

_HEALTH_AND_VERSION = ["/livez", "/readyz", "/healthz", "/version", "/version/"]

CLUSTER_ROLES: dict[str, list[dict[str, Any]]] = {
    "cluster-admin": [
        {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
        {"verbs": ["*"], "nonResourceURLs": ["*"]},
    ],
    "system:discovery": [
        {
            "verbs": ["get"],
            "nonResourceURLs": [
                *_HEALTH_AND_VERSION,
                "/openapi",
                "/openapi/*",
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
            ],
        }
    ],
    "system:basic-user": [
        {
            "verbs": ["create"],
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        },
        {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]},
    ],
    "system:public-info-viewer": [{"verbs": ["get"], "nonResourceURLs": list(_HEALTH_AND_VERSION)}],
}


@dataclass(frozen=True)
class GroupBinding:
    """A bootstrap ClusterRoleBinding: named as its ClusterRole, to groups."""

    role: str
    groups: tuple[str, ...]


BINDINGS = (
    GroupBinding("cluster-admin", (MASTERS,)),
    GroupBinding("system:discovery", (AUTHENTICATED,)),
    GroupBinding("system:basic-user", (AUTHENTICATED,)),
    GroupBinding("system:public-info-viewer", (AUTHENTICATED, UNAUTHENTICATED)),
)
