"""A thread-safe map of objects keyed "namespace/name" (or "name" for cluster-scoped kinds).

Rule, as in client-go: callers must not modify objects returned by `list()` or `get()`; they are
shared with every other reader. Copy an object before changing it.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from app.model.objects import KubeObject

ChangeType: TypeAlias = Literal["ADDED", "MODIFIED", "DELETED"]


def object_key(obj: KubeObject) -> str:
    """The store key of an object: "namespace/name", or "name" when it has no namespace."""
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name", ""))
    namespace = metadata.get("namespace")
    return f"{namespace}/{name}" if namespace else name


def resource_version(obj: KubeObject) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion", ""))


@dataclass(frozen=True)
class Change:
    """One effective change of the store.

    For DELETED, `object` is the final state: the watch event's, or after a relist the last one held.
    """

    type: ChangeType
    object: KubeObject
    old: KubeObject | None = None


class Store:
    """Objects of one kind (in one namespace or across all), as last seen from the API server.

    Keys are indexed by namespace too, so one namespace of a store fed by a cluster-wide watch is read
    without going through every other namespace's objects (client-go's namespace index)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, KubeObject] = {}
        self._by_namespace: dict[str, dict[str, KubeObject]] = {}
        self._sorted: dict[str | None, tuple[KubeObject, ...]] = {}
        """`sorted_list` answers, until an object of their namespace changes."""

    def list(self, namespace: str | None = None) -> list[KubeObject]:
        """All objects, or those of one namespace (read-only by contract: must not be modified)."""
        with self._lock:
            if namespace is None:
                return list(self._items.values())
            return list(self._by_namespace.get(namespace, {}).values())

    def sorted_list(self, namespace: str | None = None) -> tuple[KubeObject, ...]:
        """Like `list`, sorted by namespace and name. Kept until an object of the namespace changes:
        a page reads every kind of its namespace after each change, and most kinds did not change."""
        with self._lock:
            found = self._sorted.get(namespace)
            if found is None:
                objects = self._items if namespace is None else self._by_namespace.get(namespace, {})
                found = self._sorted[namespace] = tuple(sorted(objects.values(), key=sort_key))
            return found

    def get(self, key: str) -> KubeObject | None:
        """The object with this key (read-only by contract), or None."""
        with self._lock:
            return self._items.get(key)

    def keys(self) -> builtins.list[str]:
        with self._lock:
            return list(self._items)

    def versions(self) -> dict[str, str]:
        """Each key's resourceVersion (what a check compares with a fresh list)."""
        with self._lock:
            return {key: resource_version(obj) for key, obj in self._items.items()}

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def apply(self, event_type: str, obj: KubeObject) -> Change | None:
        """Apply one watch event; return the change it made, None if it changed nothing.

        ADDED of a known object counts as MODIFIED, MODIFIED of an unknown one as ADDED, and an event
        carrying the resourceVersion the store already holds changes nothing.
        """
        key = object_key(obj)
        with self._lock:
            old = self._items.get(key)
            if event_type == "DELETED":
                if old is None:
                    return None
                del self._items[key]
                self._unindex(key, old)
                self._changed(old)
                return Change("DELETED", obj, old)
            if event_type not in ("ADDED", "MODIFIED"):
                raise ValueError(f"unknown watch event type {event_type!r}")
            if old is not None and resource_version(old) == resource_version(obj):
                return None
            self._items[key] = obj
            self._by_namespace.setdefault(_namespace(obj), {})[key] = obj
            self._changed(obj)
        return Change("ADDED", obj) if old is None else Change("MODIFIED", obj, old)

    def replace(self, objects: Iterable[KubeObject]) -> builtins.list[Change]:
        """Make the store hold exactly `objects` (a relist); return the changes, deletions last.

        Objects whose resourceVersion did not change produce no change.
        """
        fresh = {object_key(obj): obj for obj in objects}
        index: dict[str, dict[str, KubeObject]] = {}
        for key, obj in fresh.items():
            index.setdefault(_namespace(obj), {})[key] = obj
        changes: builtins.list[Change] = []
        with self._lock:
            previous = self._items
            self._items, self._by_namespace = fresh, index
            self._sorted = {}
        for key, obj in fresh.items():
            old = previous.get(key)
            if old is None:
                changes.append(Change("ADDED", obj))
            elif resource_version(old) != resource_version(obj):
                changes.append(Change("MODIFIED", obj, old))
        changes.extend(Change("DELETED", old, old) for key, old in previous.items() if key not in fresh)
        return changes

    def _changed(self, obj: KubeObject) -> None:
        """Forget the sorted lists holding `obj`'s namespace (called with the lock held)."""
        self._sorted.pop(_namespace(obj), None)
        self._sorted.pop(None, None)

    def _unindex(self, key: str, obj: KubeObject) -> None:
        """Drop `key` from the namespace index (called with the lock held)."""
        namespace = _namespace(obj)
        keys = self._by_namespace.get(namespace)
        if keys is not None:
            keys.pop(key, None)
            if not keys:
                del self._by_namespace[namespace]


def sort_key(obj: KubeObject) -> tuple[str, str]:
    """Namespace, then name."""
    metadata = obj.get("metadata") or {}
    return str(metadata.get("namespace", "")), str(metadata.get("name", ""))


def _namespace(obj: KubeObject) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")
