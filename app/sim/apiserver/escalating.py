"""RBAC's escalation prevention: a user may create or replace a Role or ClusterRole only with rights
they hold already, unless they may `escalate` on that kind (or are in system:masters).

As k8s.io/kubernetes pkg/registry/rbac/role/policybased/storage.go (and the clusterrole one) and
pkg/registry/rbac/validation/rule.go (ConfirmNoEscalation, BreakdownRule, Covers) and
policy_compact.go (CompactRules) check and word it, with pkg/apis/rbac/v1/helpers.go (CompactString).
Each rule is broken down to one verb on one resource of one group (and one name); a piece no rule
of the user's covers is missing, and the refusal lists the missing pieces, a resource's verbs
together, sorted. A non-resource URL is covered as a request for that path is authorized (a rule's
own "*" suffix matching it as a prefix).
"""

from __future__ import annotations

import json
from typing import Any

from app.sim.apiserver.authorizing import Attributes, User, allowed
from app.sim.apiserver.bootstrap import MASTERS
from app.sim.storage import errors
from app.sim.storage.resources import RBAC_GROUP, ResourceType
from app.sim.storage.store import Store

ROLE_KINDS = frozenset({f"roles.{RBAC_GROUP}", f"clusterroles.{RBAC_GROUP}"})


def confirm_no_escalation(
    store: Store, user: User | None, rt: ResourceType, namespace: str | None, body: Any
) -> None:
    """403 when `user` writes a Role or ClusterRole granting rights they do not hold."""
    if user is None or rt.key not in ROLE_KINDS or MASTERS in user.groups or not isinstance(body, dict):
        return
    where = namespace or ""
    if allowed(store, user, Attributes("escalate", RBAC_GROUP, rt.plural, where)):
        return
    missing: list[dict[str, list[str]]] = []
    for rule in body.get("rules") or []:
        if isinstance(rule, dict):
            missing += [piece for piece in _breakdown(rule) if not _covered(store, user, where, piece)]
    if not missing:
        return
    groups = "[" + " ".join(json.dumps(g) for g in user.groups) + "]"
    listed = "\n".join(sorted({_compact_string(rule) for rule in _compacted(missing)}))
    name = str((body.get("metadata") or {}).get("name") or "")
    message = (
        f'{rt.key} "{name}" is forbidden: user "{user.name}" (groups={groups}) is attempting to grant '
        f"RBAC permissions not currently held:\n{listed}"
    )
    raise errors.Forbidden(403, "Forbidden", message, {"name": name, "group": rt.group, "kind": rt.plural})


def _strings(rule: dict[str, Any], field: str) -> list[str]:
    return [str(value) for value in rule.get(field) or []]


def _breakdown(rule: dict[str, Any]) -> list[dict[str, list[str]]]:
    pieces: list[dict[str, list[str]]] = []
    names = _strings(rule, "resourceNames")
    for group in _strings(rule, "apiGroups"):
        for resource in _strings(rule, "resources"):
            for verb in _strings(rule, "verbs"):
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                pieces += [base | {"resourceNames": [name]} for name in names] if names else [base]
    for url in _strings(rule, "nonResourceURLs"):
        pieces += [{"nonResourceURLs": [url], "verbs": [verb]} for verb in _strings(rule, "verbs")]
    return pieces


def _covered(store: Store, user: User, namespace: str, piece: dict[str, list[str]]) -> bool:
    if "nonResourceURLs" in piece:
        return allowed(store, user, Attributes(piece["verbs"][0], path=piece["nonResourceURLs"][0]))
    resource, _, sub = piece["resources"][0].partition("/")
    name = (piece.get("resourceNames") or [""])[0]
    wanted = Attributes(piece["verbs"][0], piece["apiGroups"][0], resource, namespace, name, sub)
    return allowed(store, user, wanted)


def _compacted(pieces: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """CompactRules: the pieces of one group, resource and name gathered into one rule's verbs."""
    out: list[dict[str, list[str]]] = []
    simple: dict[tuple[str, ...], dict[str, list[str]]] = {}
    for piece in pieces:
        if "nonResourceURLs" in piece:
            out.append(piece)
            continue
        key = (piece["apiGroups"][0], piece["resources"][0], *piece.get("resourceNames", []))
        if key in simple:
            simple[key]["verbs"] = simple[key]["verbs"] + piece["verbs"]
        else:
            simple[key] = dict(piece)
    return out + list(simple.values())


def _compact_string(rule: dict[str, list[str]]) -> str:
    parts = [
        f"{label}:[{' '.join(json.dumps(v) for v in rule[field])}]"
        for label, field in (
            ("APIGroups", "apiGroups"),
            ("Resources", "resources"),
            ("NonResourceURLs", "nonResourceURLs"),
            ("ResourceNames", "resourceNames"),
            ("Verbs", "verbs"),
        )
        if rule.get(field)
    ]
    return "{" + ", ".join(parts) + "}"
