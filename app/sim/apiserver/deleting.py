"""What a DELETE of one object answers: the object while it stays, a Success Status once it is gone.

The rules are the generic registry's (k8s.io/apiserver registry/generic/registry/store.go, Delete and
finalizeDelete): an object removed at once is answered with a Status naming it, unless its kind's
storage returns deleted objects; an object that finalizers keep is answered as it now stands.
"""

from __future__ import annotations

from typing import Any

from app.sim.storage.resources import ResourceType

# Kinds whose storage sets ReturnDeletedObject (k8s.io/kubernetes pkg/registry/core/*/storage).
RETURNS_DELETED = frozenset(
    {
        "pods",
        "services",
        "serviceaccounts",
        "namespaces",
        "persistentvolumeclaims",
        "persistentvolumes",
        "podtemplates",
        "resourcequotas",
    }
)

# Propagation policies for which a real server adds a finalizer (orphan, foregroundDeletion) and
# leaves the object in place for the garbage collector, whether or not it has dependents.
FINALIZING_POLICIES = frozenset({"Foreground", "Orphan"})


def kept(obj: dict[str, Any], propagation: str) -> bool:
    """Whether a real server would still hold the object after this delete."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    held = bool(meta.get("finalizers")) or (isinstance(spec, dict) and bool(spec.get("finalizers")))
    return held or propagation in FINALIZING_POLICIES


def delete_answer(rt: ResourceType, obj: dict[str, Any], propagation: str) -> dict[str, Any] | None:
    """The Status to answer a DELETE of `obj` with, or None when the object itself is the answer."""
    if rt.key in RETURNS_DELETED or kept(obj, propagation):
        return None
    meta = obj.get("metadata") or {}
    details = {"name": meta.get("name", ""), "group": rt.group, "kind": rt.plural, "uid": meta.get("uid", "")}
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {key: value for key, value in details.items() if value},
    }
