"""Authentication by bearer token and RBAC authorization from the stored Roles and bindings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.sim.apiserver.bootstrap import AUTHENTICATED, BINDINGS, CLUSTER_ROLES, MASTERS, UNAUTHENTICATED
from app.sim.storage.errors import ApiError, Forbidden, Unauthorized
from app.sim.storage.resources import RBAC_GROUP, ResourceType
from app.sim.storage.store import Store

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS = "system:serviceaccounts"


@dataclass(frozen=True)
class User:
    """An authenticated caller."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""


ADMIN = User("admin", (MASTERS, AUTHENTICATED))
ANONYMOUS = User("system:anonymous", (UNAUTHENTICATED,))
"""Who a request without credentials is: kube-apiserver's anonymous authenticator (on by default)."""


def service_account_groups(user: str) -> tuple[str, ...]:
    """The groups the API server puts a service account's user in (`system:serviceaccounts` and
    `system:serviceaccounts:<namespace>`); none for any other user."""
    namespace, _, name = user.removeprefix(SERVICE_ACCOUNT_PREFIX).partition(":")
    if not user.startswith(SERVICE_ACCOUNT_PREFIX) or not namespace or not name:
        return ()
    return (SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{namespace}")


def _user(name: str, groups: tuple[str, ...], uid: str = "") -> User:
    """A user in its own groups, a service account's groups and `system:authenticated`."""
    extra = [g for g in (*service_account_groups(name), AUTHENTICATED) if g not in groups]
    return User(name, (*groups, *extra), uid)


class Authenticator:
    """Maps bearer tokens to users, as a token file does; a request without one is anonymous."""

    def __init__(self, admin_token: str) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, User] = {admin_token: ADMIN}

    def add_token(self, token: str, user: str, groups: tuple[str, ...] = (), uid: str = "") -> None:
        """Accept `token` as `user` (who is also in "system:authenticated", and a service account's
        user `system:serviceaccount:<namespace>:<name>` in its groups)."""
        with self._lock:
            self._tokens[token] = _user(user, groups, uid)

    def authenticate(
        self, authorization: str | None, impersonate: str | None = None, groups: tuple[str, ...] = ()
    ) -> User:
        """The user of a request: its bearer token's, or the one the admin impersonates.

        401 Unauthorized for an unknown or empty bearer token. Without one (or with another scheme,
        which no authenticator of the server reads) the request is anonymous, and RBAC decides what
        `system:anonymous` may do: little (app.sim.apiserver.bootstrap).
        """
        user = ANONYMOUS
        token = _bearer_token(authorization or "")
        if token:
            with self._lock:
                found = self._tokens.get(token)
            if found is None:
                raise Unauthorized(401, "Unauthorized", "Unauthorized")
            user = found
        if not impersonate:
            return user
        if MASTERS not in user.groups:
            message = (
                f'users "{impersonate}" is forbidden: User "{user.name}" cannot impersonate resource "users" '
                'in API group "" at the cluster scope'
            )
            raise Forbidden(403, "Forbidden", message, {"name": impersonate, "kind": "users"})
        return _user(impersonate, groups)


def _bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer` header as the apiserver reads it (k8s.io/apiserver
    pkg/authentication/request/bearertoken): the second space-separated word; "" when there is none."""
    parts = authorization.strip().split(" ", 2)
    return parts[1] if len(parts) >= 2 and parts[0].lower() == "bearer" else ""


@dataclass(frozen=True)
class Attributes:
    """What a request wants to do, in RBAC's terms: on a resource, or on a path (`path` set) that
    names none (discovery, /version, health checks)."""

    verb: str
    group: str = ""
    resource: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    path: str = ""


def attributes_of(
    verb: str, rt: ResourceType, namespace: str | None, name: str | None, sub: str | None
) -> Attributes:
    """The RBAC attributes of a request on `rt`; a request on one Namespace is in that namespace, as
    the apiserver's request info says (k8s.io/apiserver endpoints/request/requestinfo.go)."""
    if rt.key == "namespaces" and name:
        namespace = name
    return Attributes(verb, rt.group, rt.plural, namespace or "", name or "", sub or "")


def allowed(store: Store, user: User, attrs: Attributes) -> bool:
    """Whether RBAC (the bootstrap policy, ClusterRoleBindings, and RoleBindings of the namespace) lets
    `user` do it."""
    if MASTERS in user.groups:
        return True
    return allowed_by(store, user, attrs) is not None


def allowed_by(store: Store, user: User, attrs: Attributes) -> str | None:
    """The binding that lets `user` do it, in the RBAC authorizer's words (its allowing reason without
    the "RBAC: allowed by " prefix); None when nothing does."""
    for rule, source in rules_for(store, user, attrs.namespace):
        if _rule_allows(rule, attrs):
            return source
    return None


def rules_for(store: Store, user: User, namespace: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every rule that applies to `user` in `namespace` ("" for the cluster scope) with the binding it
    comes from: the bootstrap bindings, then stored ClusterRoleBindings, then the namespace's
    RoleBindings (the rule resolver's order, k8s.io/kubernetes pkg/registry/rbac/validation/rule.go)."""
    for bootstrap in BINDINGS:
        for group in bootstrap.groups:
            if group in user.groups:
                name = bootstrap.role
                source = _describe("ClusterRoleBinding", name, "ClusterRole", name, "Group", group)
                yield from ((rule, source) for rule in CLUSTER_ROLES[name])
                break
    registry = store.registry
    cluster_roles = registry.get(f"clusterroles.{RBAC_GROUP}")
    bindings = list(store.list(registry.get(f"clusterrolebindings.{RBAC_GROUP}"), copy=False)[0])
    if namespace:
        bindings += store.list(registry.get(f"rolebindings.{RBAC_GROUP}"), namespace, copy=False)[0]
    for binding in bindings:
        meta = binding.get("metadata") or {}
        where = meta.get("namespace") or ""
        subject = next((s for s in binding.get("subjects") or [] if _names(s, user, where)), None)
        if subject is None:
            continue
        ref = binding.get("roleRef") or {}
        if ref.get("kind") == "ClusterRole":
            role = _find(store, cluster_roles, None, ref.get("name", ""))
        else:
            role = _find(store, registry.get(f"roles.{RBAC_GROUP}"), namespace, ref.get("name", ""))
        name = f"{meta.get('name', '')}/{where}" if where else meta.get("name", "")
        subject_name = subject.get("name", "")
        if subject.get("kind") == "ServiceAccount":
            subject_name = f"{subject_name}/{subject.get('namespace') or where}"
        source = _describe(
            "RoleBinding" if where else "ClusterRoleBinding",
            name,
            ref.get("kind", ""),
            ref.get("name", ""),
            subject.get("kind", ""),
            subject_name,
        )
        yield from ((rule, source) for rule in (role or {}).get("rules") or [])


def _describe(kind: str, name: str, role_kind: str, role: str, subject_kind: str, subject: str) -> str:
    return f'{kind} "{name}" of {role_kind} "{role}" to {subject_kind} "{subject}"'


def _find(store: Store, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
    try:
        return store.get(rt, namespace, name, copy=False)
    except ApiError:
        return None


def _names(subject: dict[str, Any], user: User, binding_namespace: str) -> bool:
    """Whether a binding's subject is `user`: a ServiceAccount subject without a namespace is in the
    RoleBinding's own (a ClusterRoleBinding's must name one), as RBAC reads it."""
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return bool(namespace) and user.name == f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"
    return (kind == "User" and name == user.name) or (kind == "Group" and name in user.groups)


def _rule_allows(rule: dict[str, Any], attrs: Attributes) -> bool:
    def has(field: str, value: str) -> bool:
        values = rule.get(field) or []
        return "*" in values or value in values

    if attrs.path:
        return has("verbs", attrs.verb) and _url_matches(rule.get("nonResourceURLs") or [], attrs.path)
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    names = rule.get("resourceNames") or []
    return (
        has("verbs", attrs.verb)
        and has("apiGroups", attrs.group)
        and has("resources", resource)
        and (not names or attrs.name in names)
    )


def _url_matches(patterns: list[str], path: str) -> bool:
    """RBAC's NonResourceURLMatches: "*", the path itself, or a prefix ending in "*"."""
    return any(
        p == "*" or p == path or (p.endswith("*") and path.startswith(p.rstrip("*"))) for p in patterns
    )
