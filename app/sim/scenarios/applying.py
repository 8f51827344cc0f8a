"""Applying one manifest through the store, the path kubectl's writes take (create, or replace)."""

from __future__ import annotations

from typing import Any

from app.sim.storage.copying import clone
from app.sim.storage.errors import NotFound
from app.sim.storage.ownership import Writer
from app.sim.storage.store import Store

# The manager of a manifest applied with `kubectl apply` (client-side), as a lab's objects are.
MANAGER = "kubectl-client-side-apply"


def apply_object(store: Store, manifest: dict[str, Any]) -> dict[str, Any]:
    """Create the object, or replace the stored one's content (labels and annotations merged)."""
    group, _, version = str(manifest.get("apiVersion", "")).rpartition("/")
    rt = store.registry.by_kind(group, str(manifest.get("kind", "")))
    if rt is None or version not in rt.versions:
        raise ValueError(f"unknown kind {manifest.get('kind')!r} of {manifest.get('apiVersion')!r}")
    meta = manifest.get("metadata") or {}
    namespace = meta.get("namespace") if rt.namespaced else None
    try:
        current = store.get(rt, namespace, meta["name"])
    except NotFound:
        return store.create(rt, namespace, manifest, writer=Writer(MANAGER, rt.api_version(version)))
    body = clone(current)
    for key in ("labels", "annotations"):
        if meta.get(key):
            body["metadata"][key] = {**(body["metadata"].get(key) or {}), **meta[key]}
    for key, value in manifest.items():
        if key not in ("apiVersion", "kind", "metadata", "status"):
            body[key] = clone(value)
    return store.update(rt, namespace, meta["name"], body, writer=Writer(MANAGER, rt.api_version(version)))
