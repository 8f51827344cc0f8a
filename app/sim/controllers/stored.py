"""What the controllers beside the store may do with its stored objects.

They run inside a deletion, while the store holds its lock, so they see and change the stored
objects directly: the objects they get are the stored ones (read-only, never to be modified), and
their changes are committed as new objects, each with the next resourceVersion and a watch event.
"""

from __future__ import annotations

from typing import Any, Protocol

from app.sim.storage.resources import ResourceType


class StoredObjects(Protocol):
    """The store, as its controllers see it."""

    def dependents(self, owner_uid: str) -> list[tuple[ResourceType, dict[str, Any]]]:
        """The stored objects whose ownerReferences name `owner_uid`, in a stable order."""

    def holds_uid(self, uid: str) -> bool:
        """Whether an object with this uid is stored."""

    def by_uid(self, uid: str) -> tuple[ResourceType, dict[str, Any]] | None:
        """The stored object with this uid and its kind, or None."""

    def namespaced_kinds(self) -> list[ResourceType]:
        """Every namespaced kind the registry serves."""

    def stored_in(self, rt: ResourceType, namespace: str) -> list[dict[str, Any]]:
        """The stored objects of kind `rt` in `namespace`, sorted by name."""

    def stored(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
        """One stored object, or None."""

    def commit(
        self, rt: ResourceType, kind: str, obj: dict[str, Any], previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Store a change ("MODIFIED" or "DELETED") and tell the watchers; the stored object."""

    def remove(self, rt: ResourceType, obj: dict[str, Any], propagation: str) -> dict[str, Any]:
        """Delete a stored object as a client's delete would (finalizers, dependents, namespace)."""

    def now(self) -> str:
        """The store clock's time, as an RFC 3339 timestamp."""
