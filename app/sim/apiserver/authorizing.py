"""Authentication by bearer token and RBAC authorization from the stored Roles and bindings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.sim.storage.errors import ApiError, Forbidden, Unauthorized
from app.sim.storage.resources import RBAC_GROUP, ResourceType
from app.sim.storage.store import Store

MASTERS = "system:masters"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS = "system:serviceaccounts"


@dataclass(frozen=True)
class User:
    """An authenticated caller."""

    name: str
    groups: tuple[str, ...] = ()


ADMIN = User("admin", (MASTERS, "system:authenticated"))


def service_account_groups(user: str) -> tuple[str, ...]:
    """The groups the API server puts a service account's user in (`system:serviceaccounts` and
    `system:serviceaccounts:<namespace>`); none for any other user."""
    namespace, _, name = user.removeprefix(SERVICE_ACCOUNT_PREFIX).partition(":")
    if not user.startswith(SERVICE_ACCOUNT_PREFIX) or not namespace or not name:
        return ()
    return (SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{namespace}")


def _user(name: str, groups: tuple[str, ...]) -> User:
    """A user in its own groups, a service account's groups and `system:authenticated`."""
    extra = [g for g in (*service_account_groups(name), "system:authenticated") if g not in groups]
    return User(name, (*groups, *extra))


class Authenticator:
    """Maps bearer tokens to users; a request without a token is the cluster admin."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, User] = {}

    def add_token(self, token: str, user: str, groups: tuple[str, ...] = ()) -> None:
        """Accept `token` as `user` (who is also in "system:authenticated", and a service account's
        user `system:serviceaccount:<namespace>:<name>` in its groups)."""
        with self._lock:
            self._tokens[token] = _user(user, groups)

    def authenticate(
        self, authorization: str | None, impersonate: str | None = None, groups: tuple[str, ...] = ()
    ) -> User:
        """The user of a request: its bearer token's (none: the admin), or the one the admin impersonates.

        401 Unauthorized for an unknown token. kubectl sends no token over plain HTTP, so tests that
        need kubectl as another user impersonate it (`kubectl --as NAME`), which only the admin may do.
        """
        user = ADMIN
        if authorization:
            scheme, _, token = authorization.partition(" ")
            with self._lock:
                found = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
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


@dataclass(frozen=True)
class Attributes:
    """What a request wants to do, in RBAC's terms."""

    verb: str
    group: str
    resource: str
    namespace: str = ""
    name: str = ""
    subresource: str = ""


def attributes_of(
    verb: str, rt: ResourceType, namespace: str | None, name: str | None, sub: str | None
) -> Attributes:
    """The RBAC attributes of a request on `rt`; a request on one Namespace is in that namespace, as
    the apiserver's request info says (k8s.io/apiserver endpoints/request/requestinfo.go)."""
    if rt.key == "namespaces" and name:
        namespace = name
    return Attributes(verb, rt.group, rt.plural, namespace or "", name or "", sub or "")


def allowed(store: Store, user: User, attrs: Attributes) -> bool:
    """Whether RBAC (ClusterRoleBindings, and RoleBindings of the namespace) lets `user` do it."""
    if MASTERS in user.groups:
        return True
    return any(_rule_allows(rule, attrs) for rule in _rules(store, user, attrs.namespace))


def _rules(store: Store, user: User, namespace: str) -> Iterator[dict[str, Any]]:
    registry = store.registry
    cluster_roles = registry.get(f"clusterroles.{RBAC_GROUP}")
    bindings = list(store.list(registry.get(f"clusterrolebindings.{RBAC_GROUP}"), copy=False)[0])
    if namespace:
        bindings += store.list(registry.get(f"rolebindings.{RBAC_GROUP}"), namespace, copy=False)[0]
    for binding in bindings:
        where = (binding.get("metadata") or {}).get("namespace") or ""
        if not any(_names(subject, user, where) for subject in binding.get("subjects") or []):
            continue
        ref = binding.get("roleRef") or {}
        if ref.get("kind") == "ClusterRole":
            role = _find(store, cluster_roles, None, ref.get("name", ""))
        else:
            role = _find(store, registry.get(f"roles.{RBAC_GROUP}"), namespace, ref.get("name", ""))
        yield from (role or {}).get("rules") or []


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

    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    names = rule.get("resourceNames") or []
    return (
        has("verbs", attrs.verb)
        and has("apiGroups", attrs.group)
        and has("resources", resource)
        and (not names or attrs.name in names)
    )
