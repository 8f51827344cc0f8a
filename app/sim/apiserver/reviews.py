"""The questions a caller asks about itself: who am I, may I, and what may I do.

SelfSubjectReview (authentication.k8s.io/v1, `kubectl auth whoami`), SelfSubjectAccessReview and
SelfSubjectRulesReview (authorization.k8s.io/v1, `kubectl auth can-i` and `can-i --list`), answered as
kube-apiserver's REST storage answers them (k8s.io/kubernetes pkg/registry/authentication/selfsubjectreview,
pkg/registry/authorization/selfsubjectaccessreview and selfsubjectrulesreview): nothing is stored.
"""

from __future__ import annotations

from typing import Any

from app.sim.apiserver.authorizing import Attributes, User, allowed_by, rules_for
from app.sim.storage import errors
from app.sim.storage.store import Store

SELF = "selfsubjectreviews.authentication.k8s.io"
ACCESS = "selfsubjectaccessreviews.authorization.k8s.io"
RULES = "selfsubjectrulesreviews.authorization.k8s.io"
KINDS = (SELF, ACCESS, RULES)


def self_review(user: User, now: str) -> dict[str, Any]:
    """The caller as the server authenticated it; a new object, created now."""
    info: dict[str, Any] = {"username": user.name}
    if user.uid:
        info["uid"] = user.uid
    if user.groups:
        info["groups"] = list(user.groups)
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": now},
        "status": {"userInfo": info},
    }


def access_review(store: Store, user: User | None, review: dict[str, Any]) -> dict[str, Any]:
    """The review with its status: whether the caller may do what its spec names, and which binding
    allows it (the RBAC authorizer's reason); a refusal gives no reason when no rule matched."""
    spec = review.get("spec") or {}
    resource, path = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if isinstance(path, dict) and not isinstance(resource, dict):
        attrs = Attributes(path.get("verb", ""), path=path.get("path", ""))
    else:
        fields = resource if isinstance(resource, dict) else {}
        attrs = Attributes(
            fields.get("verb", ""),
            fields.get("group", ""),
            fields.get("resource", ""),
            fields.get("namespace", ""),
            fields.get("name", ""),
            fields.get("subresource", ""),
        )
    status: dict[str, Any] = {"allowed": user is None}
    if user is not None:
        source = allowed_by(store, user, attrs)
        if source is not None:
            status = {"allowed": True, "reason": f"RBAC: allowed by {source}"}
    return review | {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "status": status,
    }


def rules_review(store: Store, user: User | None, review: dict[str, Any]) -> dict[str, Any]:
    """The rules that apply to the caller in the spec's namespace, resource rules and path rules apart,
    in the rule resolver's order; a new object (no spec, no metadata kept), as the real server answers."""
    namespace = (review.get("spec") or {}).get("namespace") or ""
    if not namespace:
        raise errors.bad_request("no namespace on request")
    resource_rules: list[dict[str, Any]] = []
    path_rules: list[dict[str, Any]] = []
    for rule, _ in rules_for(store, user, namespace) if user is not None else ():
        if rule.get("resources"):
            fields = ("verbs", "apiGroups", "resources", "resourceNames")
            resource_rules.append({f: list(rule[f]) for f in fields if rule.get(f) or f == "verbs"})
        if rule.get("nonResourceURLs"):
            path_rules.append(
                {"verbs": list(rule.get("verbs") or []), "nonResourceURLs": list(rule["nonResourceURLs"])}
            )
    return {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {},
        "spec": {},
        "status": {"resourceRules": resource_rules, "nonResourceRules": path_rules, "incomplete": False},
    }
