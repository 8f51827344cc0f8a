"""Users a scenario names: a bearer token each, and simple RBAC rules stored as real Roles and bindings.

In a scenario file (or any mapping):

    users:
      - name: viewer
        token: viewer-token
        groups: [team-a]                  # optional
        rules:
          - apiGroups: ["", serving.knative.dev]
            resources: ["*"]
            verbs: [get, list, watch]      # no namespace: cluster-wide (ClusterRole + binding)
          - namespace: labs-1              # a Role + RoleBinding in labs-1
            apiGroups: [serving.knative.dev]
            resources: [services]
            resourceNames: [customer]
            verbs: [patch]

The API server then authenticates the token as the user, and RBAC (app.sim.apiserver.authorizing) decides
from the stored objects, as kube-apiserver does; SelfSubjectAccessReviews answer from the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.sim.scenarios.applying import apply_object
from app.sim.storage.resources import RBAC_GROUP
from app.sim.storage.store import Store

RBAC = f"{RBAC_GROUP}/v1"
RULE_FIELDS = ("apiGroups", "resources", "verbs", "resourceNames")
AddToken = Callable[[str, str, tuple[str, ...]], None]


@dataclass(frozen=True)
class ScenarioUser:
    name: str
    token: str
    groups: tuple[str, ...]
    rules: tuple[Mapping[str, Any], ...]


def parse_users(data: Any, source: str) -> tuple[ScenarioUser, ...]:
    """The `users` list of a scenario mapping; ValueError naming `source` and the entry when malformed."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a scenario is a mapping")
    entries = data.get("users")
    entries = [] if entries is None else entries
    if not isinstance(entries, list):
        raise ValueError(f"{source}: users must be a list")
    users = []
    for index, entry in enumerate(entries):
        where = f"{source}: users[{index}]"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("name", "token")):
            raise ValueError(f"{where} needs a name and a token (strings)")
        groups, rules = entry.get("groups") or [], entry.get("rules") or []
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise ValueError(f"{where}.groups must be a list of strings")
        if not isinstance(rules, list):
            raise ValueError(f"{where}.rules must be a list")
        for r, rule in enumerate(rules):
            _check_rule(rule, f"{where}.rules[{r}]")
        users.append(ScenarioUser(entry["name"], entry["token"], tuple(groups), tuple(rules)))
    return tuple(users)


def _check_rule(rule: Any, where: str) -> None:
    if not isinstance(rule, dict):
        raise ValueError(f"{where} must be a mapping")
    unknown = set(rule) - {*RULE_FIELDS, "namespace"}
    if unknown:
        raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
    for name in RULE_FIELDS:
        values = rule.get(name, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"{where}.{name} must be a list of strings")
    if not rule.get("verbs") or not rule.get("resources") or "apiGroups" not in rule:
        raise ValueError(f"{where} needs apiGroups, resources and verbs")


def rbac_objects(user: ScenarioUser) -> list[dict[str, Any]]:
    """A ClusterRole and binding for the cluster-wide rules, a Role and binding per namespace."""
    by_namespace: dict[str | None, list[dict[str, Any]]] = {}
    for rule in user.rules:
        body = {k: list(rule[k]) for k in RULE_FIELDS if k in rule}
        by_namespace.setdefault(rule.get("namespace"), []).append(body)
    name = "scenario-user-" + re.sub(r"[^a-z0-9-]+", "-", user.name.lower()).strip("-")
    subject = {"kind": "User", "apiGroup": RBAC_GROUP, "name": user.name}
    objects: list[dict[str, Any]] = []
    for namespace, rules in by_namespace.items():
        meta = {"name": name, **({"namespace": namespace} if namespace else {})}
        role_kind = "Role" if namespace else "ClusterRole"
        objects.append({"apiVersion": RBAC, "kind": role_kind, "metadata": meta, "rules": rules})
        objects.append(
            {
                "apiVersion": RBAC,
                "kind": f"{role_kind}Binding",
                "metadata": dict(meta),
                "roleRef": {"apiGroup": RBAC_GROUP, "kind": role_kind, "name": name},
                "subjects": [subject],
            }
        )
    return objects


def add_users(store: Store, add_token: AddToken, users: tuple[ScenarioUser, ...]) -> None:
    """Store each user's Roles and bindings and accept each token (`SimCluster.add_token`)."""
    for user in users:
        for manifest in rbac_objects(user):
            apply_object(store, manifest)
        add_token(user.token, user.name, user.groups)
