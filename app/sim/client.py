"""How the simulator's controllers reach the cluster: a Client with the API's verbs, and a Lister.

The Knative, ingress and workload controllers use nothing else of the store, so each of them reads
and writes objects as a controller does through client-go against a real API server: `get`, `list`,
`create`, `update`, `patch`, `delete` and `watch` on the Client, and cheap shared reads through its
Lister, which stands where an informer's lister would.

Objects the Client returns are the caller's own copies. Objects the Lister returns, and those in
watch events, are the stored ones, shared by every reader: they must not be modified; copy one
(app.sim.storage.copying.clone) before changing it into a write.
"""

from __future__ import annotations

from typing import Any

from app.sim.storage.ownership import Writer
from app.sim.storage.resources import ResourceRegistry, ResourceType
from app.sim.storage.store import Store
from app.sim.storage.watching import Watcher


class Lister:
    """Read-only views of the cluster's objects (they must not be modified)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
        """One object, or None when absent."""
        return self._store.find(rt, namespace, name, copy=False)

    def list(
        self, rt: ResourceType, namespace: str | None = None, *, label_selector: str = ""
    ) -> list[dict[str, Any]]:
        """Matching objects, sorted by namespace and name."""
        return self._store.list(rt, namespace, label_selector=label_selector, copy=False)[0]


class Client:
    """The API's verbs on the cluster's objects, typed by ResourceType; writes are the cluster's own
    (no requester), as a controller's service account writes, under the field manager `manager`
    (a controller binary's client is named after it: Knative's is "controller")."""

    def __init__(self, store: Store, manager: str = "controller") -> None:
        self._store = store
        self._manager = manager
        self.lister = Lister(store)

    def _writer(self, rt: ResourceType, subresource: str | None = None) -> Writer:
        return Writer(self._manager, rt.api_version(rt.versions[0]), subresource=subresource or "")

    @property
    def registry(self) -> ResourceRegistry:
        """The kinds the cluster serves, as discovery tells a client."""
        return self._store.registry

    @property
    def resource_version(self) -> int:
        """The resourceVersion of the latest change, as a list of any kind would report it."""
        return self._store.resource_version

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        """A copy of one object; NotFound when absent."""
        return self._store.get(rt, namespace, name)

    def list(
        self, rt: ResourceType, namespace: str | None = None, *, label_selector: str = ""
    ) -> list[dict[str, Any]]:
        """Copies of the matching objects, sorted by namespace and name."""
        return self._store.list(rt, namespace, label_selector=label_selector)[0]

    def create(self, rt: ResourceType, namespace: str | None, obj: dict[str, Any]) -> dict[str, Any]:
        """Create an object; the created one."""
        return self._store.create(rt, namespace, obj, writer=self._writer(rt))

    def update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        obj: dict[str, Any],
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """Replace an object (or its status); Conflict when its resourceVersion is stale."""
        writer = self._writer(rt, subresource)
        return self._store.update(rt, namespace, name, obj, subresource=subresource, writer=writer)

    def patch(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        patch: Any,
        patch_type: str,
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """Patch an object: patch_type "merge", "json" or "strategic"."""
        writer = self._writer(rt, subresource)
        return self._store.patch(
            rt, namespace, name, patch, patch_type, subresource=subresource, writer=writer
        )

    def delete(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        """Delete an object (its dependents follow in the background)."""
        return self._store.delete(rt, namespace, name)

    def watch(self, rt: ResourceType | None = None, namespace: str | None = None) -> Watcher:
        """Changes from now on, starting with ADDED for every current object; rt None watches every
        kind. The events' objects are shared and read-only."""
        return self._store.watch(rt, namespace, copy=False)
