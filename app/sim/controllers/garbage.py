"""The garbage collector: dependents follow their deleted owner, as kube-controller-manager's does.

A delete asks for one of three propagations (k8s.io/apiserver's generic registry store and the
garbage collector in k8s.io/kubernetes pkg/controller/garbagecollector):
- Background: the owner goes at once; its dependents are deleted after it, unless another live
  owner holds them.
- Foreground: the owner stays, deleting (deletionTimestamp and the `foregroundDeletion` finalizer),
  while its dependents are deleted; it goes once no dependent that blocks it (ownerReference with
  `blockOwnerDeletion`) is left, which may be later when a dependent waits for finalizers of its own.
- Orphan: the owner stays for a moment with the `orphan` finalizer while its dependents lose their
  ownerReference to it, then goes.
The simulator collects at once, inside the deletions, so a client sees the work done as far as
finalizers allow when its delete returns; the answer is the owner as marked for deletion.
"""

from __future__ import annotations

from typing import Any

from app.sim.controllers.stored import StoredObjects
from app.sim.storage.copying import clone
from app.sim.storage.ownership import Writer, updated
from app.sim.storage.resources import ResourceType

# kube-controller-manager's garbage collector patches ownerReferences under this field manager.
MANAGER = "kube-controller-manager"

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"


def deletion_finalizers(finalizers: list[str] | None, propagation: str) -> list[str]:
    """The finalizers a deleted object keeps: its own, then the one its propagation asks for."""
    kept = [f for f in finalizers or [] if f not in (ORPHAN, FOREGROUND)]
    if propagation == "Orphan":
        kept.append(ORPHAN)
    elif propagation == "Foreground":
        kept.append(FOREGROUND)
    return kept


def _blocks(ref: dict[str, Any], owner_uid: str) -> bool:
    return ref.get("uid") == owner_uid and bool(ref.get("blockOwnerDeletion"))


class GarbageCollector:
    """Deletes or orphans the dependents of a deleted owner, recursively."""

    def __init__(self, objects: StoredObjects) -> None:
        self._objects = objects

    def collect(self, owner_uid: str, propagation: str) -> None:
        """Act on every dependent of `owner_uid`, which is gone, as `propagation` says."""
        for rt, dependent in self._objects.dependents(owner_uid):
            refs = dependent["metadata"].get("ownerReferences") or []
            if propagation == "Orphan":
                self._orphan(rt, dependent, owner_uid)
            elif not any(
                self._objects.holds_uid(ref.get("uid")) for ref in refs if ref.get("uid") != owner_uid
            ):
                self._objects.remove(rt, dependent, "Background")

    def _orphan(self, rt: ResourceType, dependent: dict[str, Any], owner_uid: str) -> None:
        refs = dependent["metadata"].get("ownerReferences") or []
        orphan = clone(dependent)
        orphan["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != owner_uid]
        if not orphan["metadata"]["ownerReferences"]:
            del orphan["metadata"]["ownerReferences"]
        # The removed reference leaves its managers' fields, as after the real collector's patch.
        writer = Writer(MANAGER, rt.api_version(rt.versions[0]))
        has_status = "status" in rt.subresources
        managed = updated(rt.key, dependent, orphan, writer, self._objects.now(), has_status=has_status)
        orphan["metadata"].pop("managedFields", None)
        if managed:
            orphan["metadata"]["managedFields"] = managed
        self._objects.commit(rt, "MODIFIED", orphan, dependent)

    def finalize(self, rt: ResourceType, owner: dict[str, Any]) -> None:
        """Do the work of an owner's `orphan` or `foregroundDeletion` finalizer (it is marked deleted)."""
        meta = owner["metadata"]
        finalizers = meta.get("finalizers") or []
        if ORPHAN in finalizers:
            for dep_rt, dependent in self._objects.dependents(meta["uid"]):
                self._orphan(dep_rt, dependent, meta["uid"])
            self._drop_finalizer(rt, owner, ORPHAN)
        elif FOREGROUND in finalizers:
            for dep_rt, dependent in self._objects.dependents(meta["uid"]):
                latest = self._objects.stored(
                    dep_rt, dependent["metadata"].get("namespace"), dependent["metadata"]["name"]
                )
                if latest is None or latest["metadata"].get("deletionTimestamp"):
                    continue
                refs = latest["metadata"].get("ownerReferences") or []
                if any(self._solid(ref, meta["uid"]) for ref in refs):
                    continue
                # A dependent with dependents of its own is deleted in the foreground too, so the tree
                # goes from the leaves up.
                nested = "Foreground" if self._objects.dependents(latest["metadata"]["uid"]) else "Background"
                self._objects.remove(dep_rt, latest, nested)
            self.settle(meta["uid"])

    def _solid(self, ref: dict[str, Any], owner_uid: str) -> bool:
        """Whether another owner, live and not itself deleting, holds the dependent."""
        uid = ref.get("uid")
        if not uid or uid == owner_uid:
            return False
        found = self._objects.by_uid(uid)
        return found is not None and not found[1]["metadata"].get("deletionTimestamp")

    def released(self, gone: dict[str, Any]) -> None:
        """A dependent is gone: an owner waiting for it in the foreground may now go too."""
        for ref in gone["metadata"].get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid"):
                self.settle(ref["uid"])

    def settle(self, owner_uid: str) -> None:
        """Drop an owner's `foregroundDeletion` finalizer once no dependent blocks it."""
        found = self._objects.by_uid(owner_uid)
        if found is None:
            return
        rt, owner = found
        if FOREGROUND not in (owner["metadata"].get("finalizers") or []):
            return
        blocking = [
            dependent
            for _, dependent in self._objects.dependents(owner_uid)
            if any(_blocks(ref, owner_uid) for ref in dependent["metadata"].get("ownerReferences") or [])
        ]
        if not blocking:
            self._drop_finalizer(rt, owner, FOREGROUND)

    def _drop_finalizer(self, rt: ResourceType, owner: dict[str, Any], finalizer: str) -> None:
        latest = clone(owner)
        left = [f for f in latest["metadata"].get("finalizers") or [] if f != finalizer]
        if left:
            latest["metadata"]["finalizers"] = left
        else:
            latest["metadata"].pop("finalizers", None)
        stored = self._objects.commit(rt, "MODIFIED", latest, owner)
        if not left:
            self._objects.remove(rt, stored, "Background")
