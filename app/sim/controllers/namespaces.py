"""The namespace controller: a deleted namespace empties itself, as kube-controller-manager's does.

Deleting a namespace deletes everything in it; the namespace stays Terminating while finalizers hold
objects, and goes once the last of them is gone. The simulator does this at once, inside the
deletions, so a namespace without finalizers in it is gone when its delete returns.
"""

from __future__ import annotations

from typing import Any

from app.sim.controllers.stored import StoredObjects
from app.sim.storage.copying import clone
from app.sim.storage.resources import ResourceType


class NamespaceController:
    """Terminates deleted namespaces and removes them once empty."""

    def __init__(self, objects: StoredObjects) -> None:
        self._objects = objects

    def terminate(self, rt: ResourceType, name: str) -> dict[str, Any]:
        """Delete everything in namespace `name`, then the namespace (or mark it Terminating)."""
        for kind in self._objects.namespaced_kinds():
            for obj in self._objects.stored_in(kind, name):
                latest = self._objects.stored(kind, name, obj["metadata"]["name"])
                if latest is not None:  # garbage collection may have taken it already
                    self._objects.remove(kind, latest, "Background")
        latest = self._objects.stored(rt, None, name)
        assert latest is not None
        if self._holds_objects(name):
            if latest["metadata"].get("deletionTimestamp"):
                return latest
            marked = clone(latest)
            marked["metadata"]["deletionTimestamp"] = self._objects.now()
            marked["status"] = {"phase": "Terminating"}
            return self._objects.commit(rt, "MODIFIED", marked, latest)
        return self._objects.commit(rt, "DELETED", latest, None)

    def settle(self, rt: ResourceType, name: str) -> None:
        """Remove namespace `name` if it is Terminating and its last object is gone."""
        namespace = self._objects.stored(rt, None, name)
        if namespace and namespace["metadata"].get("deletionTimestamp") and not self._holds_objects(name):
            self._objects.commit(rt, "DELETED", namespace, None)

    def _holds_objects(self, namespace: str) -> bool:
        return any(self._objects.stored_in(rt, namespace) for rt in self._objects.namespaced_kinds())
