"""The namespace controller: a deleted namespace empties itself, as kube-controller-manager's does.

Deleting a namespace marks it Terminating and deletes everything in it; it stays Terminating while
finalizers hold objects, and goes once the last of them is gone. The simulator does this at once,
inside the deletions, so a namespace without finalizers in it is gone when its delete returns (the
delete still answers it Terminating, as the real server does before its controller runs).
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
        """Mark namespace `name` Terminating, delete everything in it, and remove it once empty; the
        answer is the namespace as marked, as the real server answers a namespace DELETE."""
        latest = self._objects.stored(rt, None, name)
        assert latest is not None
        if not latest["metadata"].get("deletionTimestamp"):
            marked = clone(latest)
            marked["metadata"]["deletionTimestamp"] = self._objects.now()
            marked["status"] = {"phase": "Terminating"}
            latest = self._objects.commit(rt, "MODIFIED", marked, latest)
        answer = latest
        for kind in self._objects.namespaced_kinds():
            for obj in self._objects.stored_in(kind, name):
                found = self._objects.stored(kind, name, obj["metadata"]["name"])
                if found is not None:  # garbage collection may have taken it already
                    self._objects.remove(kind, found, "Background")
        self.settle(rt, name)
        return answer

    def settle(self, rt: ResourceType, name: str) -> None:
        """Remove namespace `name` if it is Terminating and its last object is gone."""
        namespace = self._objects.stored(rt, None, name)
        if namespace and namespace["metadata"].get("deletionTimestamp") and not self._holds_objects(name):
            self._objects.commit(rt, "DELETED", namespace, None)

    def _holds_objects(self, namespace: str) -> bool:
        return any(self._objects.stored_in(rt, namespace) for rt in self._objects.namespaced_kinds())
