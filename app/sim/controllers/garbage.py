"""The garbage collector: dependents follow their deleted owner, as kube-controller-manager's does.

Background and Foreground deletion remove a dependent once no other live owner holds it; Orphan
deletion keeps the dependent and drops the owner from its ownerReferences. The simulator collects
at once, inside the owner's deletion, so a client sees the dependents gone when its delete returns.
"""

from __future__ import annotations

from app.sim.controllers.stored import StoredObjects
from app.sim.storage.copying import clone
from app.sim.storage.ownership import Writer, updated

# kube-controller-manager's garbage collector patches ownerReferences under this field manager.
MANAGER = "kube-controller-manager"


class GarbageCollector:
    """Deletes or orphans the dependents of a deleted owner, recursively."""

    def __init__(self, objects: StoredObjects) -> None:
        self._objects = objects

    def collect(self, owner_uid: str, propagation: str) -> None:
        """Act on every dependent of `owner_uid` as `propagation` says."""
        for rt, dependent in self._objects.dependents(owner_uid):
            refs = dependent["metadata"].get("ownerReferences") or []
            if propagation == "Orphan":
                orphan = clone(dependent)
                orphan["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != owner_uid]
                if not orphan["metadata"]["ownerReferences"]:
                    del orphan["metadata"]["ownerReferences"]
                # The removed reference leaves its managers' fields, as after the real collector's patch.
                writer = Writer(MANAGER, rt.api_version(rt.versions[0]))
                has_status = "status" in rt.subresources
                managed = updated(
                    rt.key, dependent, orphan, writer, self._objects.now(), has_status=has_status
                )
                orphan["metadata"].pop("managedFields", None)
                if managed:
                    orphan["metadata"]["managedFields"] = managed
                self._objects.commit(rt, "MODIFIED", orphan, dependent)
            elif not any(
                self._objects.holds_uid(ref.get("uid")) for ref in refs if ref.get("uid") != owner_uid
            ):
                self._objects.remove(rt, dependent, "Background")
