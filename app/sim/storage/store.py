"""The simulated cluster's object store: etcd plus the generic registry logic of kube-apiserver.

Garbage collection and namespace termination are controllers beside the store (app.sim.controllers),
which it runs inside each deletion.

One lock guards everything; one global resourceVersion counter orders every change. Stored objects
are never modified in place (each write stores a new dict), so a snapshot of references stays valid
after the lock is released; callers get deep copies unless they ask for shared, read-only objects.
"""

from __future__ import annotations

import builtins
import inspect
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from app.model.timestamps import rfc3339
from app.sim.controllers.garbage import GarbageCollector, deletion_finalizers
from app.sim.controllers.namespaces import NamespaceController
from app.sim.storage import errors, ownership
from app.sim.storage.admission import AdmissionPlugin, Requester
from app.sim.storage.copying import clone
from app.sim.storage.creating import refuse_resource_version, with_given_resource_version
from app.sim.storage.defaulting import Defaulter, fold_string_data
from app.sim.storage.errors import ApiError
from app.sim.storage.ownership import Writer
from app.sim.storage.patching import (
    PatchError,
    json_patch,
    json_patch_decode_error,
    merge_patch,
    strategic_merge_patch,
)
from app.sim.storage.resources import NAMESPACES, SERVICES, ResourceRegistry, ResourceType
from app.sim.storage.selectors import FieldSelector, LabelSelector
from app.sim.storage.strategies import (
    SYSTEM_METADATA,
    default,
    drop_disabled_fields,
    generation_body,
    tracks_generation,
)
from app.sim.storage.typedecoding import patched_text, refuse_undeclared
from app.sim.storage.validating import name_errors
from app.sim.storage.validation import (
    STRICT,
    WARN,
    FieldChecks,
    check_delete,
    check_fields,
    check_update,
    decode_fields,
)
from app.sim.storage.watching import Watcher, WatchEvent

__all__ = ["ApiError", "Store", "WatchEvent", "Watcher"]

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
PATCH_MEDIA_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
)
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
Key = tuple[str, str]  # (namespace or "", name)


def _key(obj: dict[str, Any]) -> Key:
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


class Store:
    """Objects of every registered kind, the change history, watchers and admission plugins."""

    def __init__(
        self,
        registry: ResourceRegistry,
        *,
        history_limit: int = 10_000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.registry = registry
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._objects: dict[str, dict[Key, dict[str, Any]]] = {}
        self._by_uid: dict[str, tuple[ResourceType, Key]] = {}
        self._dependents: dict[str, set[tuple[str, Key]]] = {}
        self._rv = 0
        self._history: deque[WatchEvent] = deque(maxlen=max(1, history_limit))
        self._compacted = 0  # history holds every event with a resourceVersion above this
        self._watchers: set[Watcher] = set()
        self._admission: dict[str, list[tuple[AdmissionPlugin, bool]]] = {}
        self._garbage = GarbageCollector(self)
        self._namespaces = NamespaceController(self)
        self._defaulter = Defaulter(
            self._services, lambda ns, name: self._objects.get(SERVICES, {}).get((ns, name))
        )
        if self._knows(NAMESPACES):
            namespaces = registry.get(NAMESPACES)
            for name in INITIAL_NAMESPACES:
                self.create(namespaces, None, {"metadata": {"name": name}})

    # --- reading ---------------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        """The resourceVersion of the latest change."""
        with self._lock:
            return self._rv

    @property
    def oldest_resource_version(self) -> int:
        """Watches may start from this resourceVersion or later; older ones get 410 Expired."""
        with self._lock:
            return self._compacted

    def get(self, rt: ResourceType, namespace: str | None, name: str, *, copy: bool = True) -> dict[str, Any]:
        """One object; NotFound when absent."""
        found = self.find(rt, namespace, name, copy=copy)
        if found is None:
            raise errors.not_found(rt, name)
        return found

    def find(
        self, rt: ResourceType, namespace: str | None, name: str, *, copy: bool = True
    ) -> dict[str, Any] | None:
        """One object, or None when absent (with copy=False the stored one: read-only)."""
        with self._lock:
            found = self._table(rt).get(self._scope(rt, namespace, name))
        if found is None:
            return None
        return clone(found) if copy else found

    def list(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        copy: bool = True,
    ) -> tuple[list[dict[str, Any]], int]:
        """Matching objects sorted by namespace and name, and the list's resourceVersion.

        With copy=False the objects are the stored ones: read-only, never to be modified.
        """
        labels = LabelSelector.parse(label_selector)
        fields = FieldSelector.parse(field_selector, rt.key, custom=rt.is_custom) if field_selector else None
        with self._lock:
            table, rv = self._table(rt), self._rv
            keys = sorted(key for key in table if not namespace or key[0] == namespace)
            found = [table[key] for key in keys]
        items = [
            obj
            for obj in found
            if labels.matches(obj["metadata"].get("labels")) and (fields is None or fields.matches(obj))
        ]
        return ([clone(obj) for obj in items] if copy else items), rv

    # --- writing ---------------------------------------------------------------------------------

    def add_admission(self, rt_key: str, plugin: AdmissionPlugin) -> None:
        """Run `plugin` on every create and update of kind `rt_key` (main resource, not status)."""
        self.registry.get(rt_key)
        told = "requester" in inspect.signature(plugin.mutate).parameters
        with self._lock:
            self._admission.setdefault(rt_key, []).append((plugin, told))

    def create(
        self,
        rt: ResourceType,
        namespace: str | None,
        obj: dict[str, Any],
        *,
        dry_run: bool = False,
        requester: Requester | None = None,
        checks: FieldChecks | None = None,
        writer: Writer | None = None,
    ) -> dict[str, Any]:
        """Store a new object; AlreadyExists, Invalid, NotFound (namespace) or BadRequest on bad input.
        `requester` (on create, update and patch): who writes, for admission (None: the cluster);
        `checks`: the client's fieldValidation, which collects warnings (None: prune silently);
        `writer`: the field manager its fields are recorded under in managedFields (None: none)."""
        new = self._normalized(rt, obj)
        decode_fields(rt, new, checks)
        meta = new["metadata"]
        self._place(rt, namespace, meta)
        given_rv = meta.get("resourceVersion")
        with self._lock:
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = self._generated_name(rt, meta)
            self._check_name(rt, meta)
            if rt.namespaced and self._knows(NAMESPACES):
                self._require_namespace(meta["namespace"])
            if _key(new) in self._table(rt):
                raise errors.already_exists(rt, meta["name"])
            check_fields(rt, new, checks)
            self._admit(rt, "CREATE", new, None, requester)
            sent = obj if writer is not None and writer.apply else meta.get("managedFields")
            for field in (*SYSTEM_METADATA, "resourceVersion", "selfLink", "managedFields"):
                meta.pop(field, None)
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=rfc3339(self._clock()))
            if tracks_generation(rt):
                meta["generation"] = 1
            if "status" in rt.subresources:
                new.pop("status", None)
            default(rt, new)
            self._defaulter.on_write(rt, new, None, dry_run=dry_run)
            self._own(rt, None, new, writer, sent)
            drop_disabled_fields(rt, new, None)
            if dry_run:
                return with_given_resource_version(new, given_rv)
            refuse_resource_version(given_rv)
            return clone(self._commit(rt, "ADDED", new, None))

    def update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        obj: dict[str, Any],
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        requester: Requester | None = None,
        checks: FieldChecks | None = None,
        writer: Writer | None = None,
    ) -> dict[str, Any]:
        """Replace an object (PUT); its metadata.resourceVersion, when set, must be the current one."""
        body = self._normalized(rt, obj)
        if subresource is None:
            decode_fields(rt, body, checks)
        meta = body["metadata"]
        self._check_url_name(name, meta)
        self._place(rt, namespace, meta)
        with self._lock:
            current = self.get(rt, namespace, name, copy=False)
            given = meta.get("resourceVersion")
            if given and given != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            if not given and rt.is_custom:
                raise errors.update_needs_resource_version(rt, name)
            return self._replace(rt, current, body, subresource, dry_run, requester, checks, writer)

    def patch(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        patch: Any,
        patch_type: str,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        requester: Requester | None = None,
        checks: FieldChecks | None = None,
        writer: Writer | None = None,
    ) -> dict[str, Any]:
        """Patch an object: patch_type "merge", "json", "strategic" or "apply" (create, or merge
        with field ownership when `writer` applies).

        A metadata.resourceVersion left in the patched object is a precondition (Conflict when stale).
        """
        if patch_type == "strategic" and rt.is_custom:
            raise errors.unsupported_media_type(PATCH_MEDIA_TYPES)
        if patch_type == "apply" and subresource is None and writer is not None and writer.apply:
            refuse_undeclared(rt, patch)
        with self._lock:
            key = self._scope(rt, namespace, name)
            current = self._table(rt).get(key)
            if current is None:
                if patch_type == "apply" and subresource is None and isinstance(patch, dict):
                    self._check_url_name(name, dict(patch.get("metadata") or {}))
                    applied = dict(patch, metadata=dict(patch.get("metadata") or {}, name=name))
                    return self.create(
                        rt,
                        namespace,
                        applied,
                        dry_run=dry_run,
                        requester=requester,
                        checks=checks,
                        writer=writer,
                    )
                raise errors.not_found(rt, name)
            if patch_type == "apply" and writer is not None and writer.apply and isinstance(patch, dict):
                has_status = "status" in rt.subresources
                patched = ownership.applied(rt.key, current, patch, writer, self.now(), has_status=has_status)
            else:
                patched = self._patched(current, patch, patch_type, checks)
            if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
                raise errors.bad_request("the patched object is not a Kubernetes object")
            given = patched["metadata"].get("resourceVersion")
            if given and given != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            body = self._normalized(rt, patched)
            if subresource is None:
                sent = patched_text(rt.key, body, patch, patch_type)
                decode_fields(rt, body, checks, sent=sent)
            self._check_url_name(name, body["metadata"])
            self._place(rt, namespace, body["metadata"])
            return self._replace(rt, current, body, subresource, dry_run, requester, checks, writer)

    def delete(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        *,
        dry_run: bool = False,
        propagation: str = "Background",
        precondition_rv: str | None = None,
    ) -> dict[str, Any]:
        """Delete an object (or mark it deleted while finalizers remain); dependents follow `propagation`."""
        if propagation not in ("Background", "Foreground", "Orphan"):
            raise errors.bad_request(
                f'Unsupported value: "{propagation}": supported values: "Background", "Foreground", "Orphan"'
            )
        check_delete(rt, name)
        with self._lock:
            current = self.get(rt, namespace, name, copy=False)
            if precondition_rv and precondition_rv != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            if dry_run:
                return clone(current)
            return clone(self._delete(rt, current, propagation))

    def delete_collection(
        self,
        rt: ResourceType,
        namespace: str | None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        dry_run: bool = False,
        propagation: str = "Background",
    ) -> builtins.list[dict[str, Any]]:
        """Delete every matching object; the deleted objects in order."""
        with self._lock:
            found, _ = self.list(
                rt, namespace, label_selector=label_selector, field_selector=field_selector, copy=False
            )
            if dry_run:
                return [clone(obj) for obj in found]
            table, deleted = self._table(rt), []
            for obj in found:
                latest = table.get(_key(obj))  # an earlier deletion's garbage collection may have taken it
                if latest is not None:
                    deleted.append(clone(self._delete(rt, latest, propagation)))
            return deleted

    # --- watching --------------------------------------------------------------------------------

    def watch(
        self,
        rt: ResourceType | None,
        namespace: str | None = None,
        *,
        since: int | None = None,
        label_selector: str = "",
        field_selector: str = "",
        copy: bool = True,
    ) -> Watcher:
        """A Watcher of changes: since None/0 starts with ADDED for current objects, since=N replays
        history after N (Expired when N is older than the history kept). rt None watches every kind."""
        labels = LabelSelector.parse(label_selector)
        fields = (
            FieldSelector.parse(field_selector, rt.key, custom=rt.is_custom)
            if field_selector and rt
            else None
        )
        watcher = Watcher(rt, namespace, labels, fields, copy=copy)
        with self._lock:
            if since:
                if since < self._compacted:
                    raise errors.expired(f"too old resource version: {since} ({self._compacted})")
                for event in self._history:
                    if event.resource_version > since:
                        watcher.offer(event)
            else:
                for kind in [rt] if rt else self.registry.all():
                    for obj in self._sorted(kind):
                        rv = int(obj["metadata"]["resourceVersion"])
                        watcher.offer(WatchEvent("ADDED", obj, rv, kind))
            watcher.mark(self._rv)
            self._watchers.add(watcher)
        return watcher

    def watcher_count(self) -> int:
        """How many watchers the store feeds (closed ones leave at the next change or forget())."""
        with self._lock:
            return len(self._watchers)

    def forget(self, watcher: Watcher) -> None:
        """Stop feeding a watcher (closing it is enough; this frees it sooner)."""
        with self._lock:
            self._watchers.discard(watcher)

    def compact(self) -> None:
        """Forget the change history: watches from older resourceVersions get 410 Expired."""
        with self._lock:
            self._history.clear()
            self._compacted = self._rv

    # --- snapshots (persistence) -----------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """Every object and the resourceVersion counter, as JSON data."""
        with self._lock:
            objects = [
                {"resource": key, "object": obj}
                for key, table in self._objects.items()
                for obj in table.values()
            ]
            return clone({"resourceVersion": self._rv, "objects": objects})

    def load(self, snapshot: dict[str, Any]) -> None:
        """Replace the contents with a dump() (unknown kinds are skipped); history starts empty."""
        with self._lock:
            for table in self._objects.values():
                table.clear()
            self._by_uid.clear()
            self._dependents.clear()
            for entry in snapshot.get("objects", []):
                if self._knows(entry["resource"]):
                    self._put(self.registry.get(entry["resource"]), clone(entry["object"]))
            self._rv = max(self._rv, int(snapshot.get("resourceVersion", 0)))
            self._defaulter.forget()
            self.compact()

    # --- internals -------------------------------------------------------------------------------

    def _knows(self, rt_key: str) -> bool:
        """Whether the registry serves this kind (it may learn kinds after the store was made)."""
        try:
            self.registry.get(rt_key)
        except KeyError:
            return False
        return True

    def _table(self, rt: ResourceType) -> dict[Key, dict[str, Any]]:
        if rt.key not in self._objects:
            if not self._knows(rt.key):
                raise errors.path_not_found()
            self._objects[rt.key] = {}
        return self._objects[rt.key]

    def _scope(self, rt: ResourceType, namespace: str | None, name: str) -> Key:
        if rt.namespaced and not namespace:
            raise errors.bad_request("the server could not find the requested resource: namespace required")
        return ((namespace or "") if rt.namespaced else "", name)

    def _services(self) -> builtins.list[dict[str, Any]]:
        return builtins.list(self._objects.get(SERVICES, {}).values())

    def _sorted(self, rt: ResourceType) -> Iterator[dict[str, Any]]:
        table = self._table(rt)
        return (table[key] for key in sorted(table))

    def _normalized(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise errors.bad_request("the object is not a JSON object")
        new = clone(obj)
        meta = new.get("metadata")
        if meta is None:
            meta = new["metadata"] = {}
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        new["apiVersion"], new["kind"] = rt.api_version(rt.versions[0]), rt.kind
        return new

    def _place(self, rt: ResourceType, namespace: str | None, meta: dict[str, Any]) -> None:
        """Put the object in the request's namespace (the path wins; a different one is BadRequest)."""
        given = meta.get("namespace")
        if not rt.namespaced:
            meta.pop("namespace", None)
            return
        if namespace and given and given != namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        if not (namespace or given):
            raise errors.bad_request("an empty namespace may not be set during creation")
        meta["namespace"] = namespace or given

    def _check_url_name(self, name: str, meta: dict[str, Any]) -> None:
        given = meta.setdefault("name", name)
        if given != name:
            raise errors.bad_request(
                f"the name of the object ({given}) does not match the name on the URL ({name})"
            )

    def _check_name(self, rt: ResourceType, meta: dict[str, Any]) -> None:
        name = meta.get("name")
        if not name:
            cause = ("metadata.name", "Required value: name or generateName is required")
            raise errors.invalid(rt, "", [cause])
        causes = (
            [
                ("metadata.generateName", text)
                for text in name_errors(rt, meta.get("generateName") or "", prefix=True)
            ]
            if meta.get("generateName")
            else []
        )
        causes += [("metadata.name", text) for text in name_errors(rt, name)]
        if causes:
            raise errors.invalid(rt, name, causes)

    def _generated_name(self, rt: ResourceType, meta: dict[str, Any]) -> str:
        table = self._table(rt)
        while True:
            name = str(meta["generateName"])[:58] + "".join(random.choices(_NAME_CHARS, k=5))
            if (meta.get("namespace") or "", name) not in table:
                return name

    def _require_namespace(self, namespace: str) -> None:
        found = self._table(self.registry.get(NAMESPACES)).get(("", namespace))
        if found is None:
            raise errors.not_found(self.registry.get(NAMESPACES), namespace)
        if found["metadata"].get("deletionTimestamp"):
            raise errors.namespace_terminating(namespace)

    def _admit(
        self,
        rt: ResourceType,
        operation: str,
        new: dict[str, Any],
        old: dict[str, Any] | None,
        requester: Requester | None,
    ) -> None:
        plugins = self._admission.get(rt.key, [])
        for plugin, told in plugins:
            if told:
                mutate: Callable[..., None] = plugin.mutate
                mutate(operation, new, old, requester=requester)
            else:
                plugin.mutate(operation, new, old)
        for plugin, _ in plugins:
            problems = plugin.validate(operation, new, old)
            if problems:
                raise errors.admission_denied(rt, new["metadata"].get("name", ""), plugin.name, problems)

    def _patched(
        self, current: dict[str, Any], patch: Any, patch_type: str, checks: FieldChecks | None
    ) -> Any:
        try:
            if patch_type in ("merge", "apply"):
                return merge_patch(current, patch)
            if patch_type == "json":
                strict = checks is not None and checks.directive in (STRICT, WARN)
                problem = json_patch_decode_error(patch, strict=strict)
                if problem:
                    raise errors.bad_request(problem)
                try:
                    return json_patch(current, patch)
                except PatchError:
                    # The server hides why the patch failed behind the generic words of a 422
                    # (patch.go: errors.NewGenericServerResponse), with empty details.
                    message = "the server rejected our request due to an error in our request"
                    raise errors.Invalid(422, "Invalid", message, {}) from None
            if patch_type == "strategic":
                return strategic_merge_patch(current, patch)
        except PatchError as error:
            if error.malformed:
                raise errors.bad_request(str(error)) from None
            raise errors.Invalid(422, "Invalid", str(error)) from None
        raise errors.unsupported_media_type(PATCH_MEDIA_TYPES)

    def _replace(
        self,
        rt: ResourceType,
        current: dict[str, Any],
        body: dict[str, Any],
        subresource: str | None,
        dry_run: bool,
        requester: Requester | None,
        checks: FieldChecks | None = None,
        writer: Writer | None = None,
    ) -> dict[str, Any]:
        """The shared end of update and patch: build the new object and commit it (under the lock)."""
        if subresource is not None and subresource not in rt.subresources:
            raise errors.path_not_found()
        if subresource == "status":
            new = clone(current)
            if "status" in body:
                new["status"] = body["status"]
            else:
                new.pop("status", None)
            if writer is not None and writer.apply:
                new["metadata"]["managedFields"] = body["metadata"].get("managedFields")
            else:
                self._own(rt, current, new, writer, None)
        else:
            new = body
            meta, old_meta = new["metadata"], current["metadata"]
            if rt.key == "secrets":
                fold_string_data(new)  # the v1 conversion does it before validation sees the Secret
            check_update(rt, new, current)
            for field in SYSTEM_METADATA:
                if field in old_meta:
                    meta[field] = old_meta[field]
                else:
                    meta.pop(field, None)
            sent = meta.pop("managedFields", None)
            if writer is not None and writer.apply:
                meta["managedFields"] = sent  # the apply worked them out with the merge
            if "status" in rt.subresources:
                if "status" in current:
                    new["status"] = current["status"]
                else:
                    new.pop("status", None)
            check_fields(rt, new, checks)
            self._admit(rt, "UPDATE", new, current, requester)
            self._defaulter.on_write(rt, new, current, dry_run=dry_run)
            if old_meta.get("deletionTimestamp"):
                before = set(old_meta.get("finalizers") or [])
                added = [f for f in meta.get("finalizers") or [] if f not in before]
                if added:
                    # Worded as the generic registry's check prints a Go []string.
                    listed = "[]string{" + ", ".join(f'"{f}"' for f in added) + "}"
                    cause = (
                        "metadata.finalizers",
                        "Forbidden: no new finalizers can be added if the object "
                        "is being deleted, found new finalizers " + listed,
                    )
                    raise errors.invalid(rt, meta["name"], [cause])
            if tracks_generation(rt) and generation_body(new) != generation_body(current):
                meta["generation"] = int(old_meta.get("generation") or 0) + 1
            if writer is None or not writer.apply:
                self._own(rt, current, new, writer, sent)
            drop_disabled_fields(rt, new, current)
        new["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        if new == current or dry_run:
            return clone(new)
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            stored = self._commit(rt, "MODIFIED", new, current)
            return clone(self._delete(rt, stored, "Background"))
        return clone(self._commit(rt, "MODIFIED", new, current))

    def _own(
        self,
        rt: ResourceType,
        live: dict[str, Any] | None,
        new: dict[str, Any],
        writer: Writer | None,
        sent: Any,
    ) -> None:
        """Record who owns which fields of `new` (managedFields); a write without a writer (the
        simulator's own bookkeeping) leaves them as they were."""
        meta = new["metadata"]
        if writer is None:
            kept = (live or {}).get("metadata", {}).get("managedFields")
            managed = kept
        elif writer.apply and live is None:
            has_status = "status" in rt.subresources
            config = self._normalized(rt, sent)
            applied = ownership.applied(rt.key, None, config, writer, self.now(), has_status=has_status)
            managed = applied["metadata"].get("managedFields")
        else:
            has_status = "status" in rt.subresources
            managed = ownership.updated(
                rt.key, live, new, writer, self.now(), has_status=has_status, sent=sent
            )
        if managed:
            meta["managedFields"] = managed
        else:
            meta.pop("managedFields", None)

    def _delete(self, rt: ResourceType, current: dict[str, Any], propagation: str) -> dict[str, Any]:
        meta = current["metadata"]
        if rt.key == NAMESPACES:
            return self._namespaces.terminate(rt, meta["name"])
        finalizers = deletion_finalizers(meta.get("finalizers"), propagation)
        if finalizers:
            if meta.get("deletionTimestamp") and finalizers == meta.get("finalizers"):
                return current
            marked = clone(current)
            marked["metadata"]["finalizers"] = finalizers
            if not meta.get("deletionTimestamp"):
                marked["metadata"].update(
                    deletionTimestamp=rfc3339(self._clock()), deletionGracePeriodSeconds=0
                )
                if meta.get("generation"):
                    marked["metadata"]["generation"] = int(meta["generation"]) + 1
            stored = self._commit(rt, "MODIFIED", marked, current)
            self._garbage.finalize(rt, stored)
            return stored
        gone = self._commit(rt, "DELETED", current, None)
        self._garbage.collect(meta["uid"], propagation)
        self._garbage.released(gone)
        if rt.namespaced and self._knows(NAMESPACES):
            self._namespaces.settle(self.registry.get(NAMESPACES), meta["namespace"])
        return gone

    # --- for the controllers beside the store (called during a deletion, under the lock) -------

    def dependents(self, owner_uid: str) -> builtins.list[tuple[ResourceType, dict[str, Any]]]:
        """The stored objects whose ownerReferences name `owner_uid`, in a stable order."""
        found = []
        for rt_key, key in sorted(self._dependents.get(owner_uid, set())):
            rt = self.registry.get(rt_key)
            dependent = self._table(rt).get(key)
            if dependent is not None:
                found.append((rt, dependent))
        return found

    def holds_uid(self, uid: str) -> bool:
        """Whether an object with this uid is stored."""
        return uid in self._by_uid

    def by_uid(self, uid: str) -> tuple[ResourceType, dict[str, Any]] | None:
        """The stored object with this uid and its kind, or None."""
        found = self._by_uid.get(uid)
        if found is None:
            return None
        obj = self._table(found[0]).get(found[1])
        return (found[0], obj) if obj is not None else None

    def namespaced_kinds(self) -> builtins.list[ResourceType]:
        """Every namespaced kind the registry serves."""
        return [rt for rt in self.registry.all() if rt.namespaced]

    def stored_in(self, rt: ResourceType, namespace: str) -> builtins.list[dict[str, Any]]:
        """The stored objects of kind `rt` in `namespace`, sorted by name (read-only)."""
        table = self._table(rt)
        return [table[key] for key in sorted(key for key in table if key[0] == namespace)]

    def stored(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
        """One stored object (read-only), or None."""
        return self._table(rt).get(((namespace or "") if rt.namespaced else "", name))

    def commit(
        self, rt: ResourceType, kind: str, obj: dict[str, Any], previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Store a change ("MODIFIED" or "DELETED") and tell the watchers; the stored object."""
        return self._commit(rt, kind, obj, previous)

    def remove(self, rt: ResourceType, obj: dict[str, Any], propagation: str) -> dict[str, Any]:
        """Delete a stored object as a client's delete would (finalizers, dependents, namespace)."""
        return self._delete(rt, obj, propagation)

    def now(self) -> str:
        """The store clock's time, as an RFC 3339 timestamp."""
        return rfc3339(self._clock())

    def _commit(
        self, rt: ResourceType, kind: str, obj: dict[str, Any], previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Give the change the next resourceVersion, store it, record it and tell the watchers."""
        self._rv += 1
        obj = dict(obj, metadata=dict(obj["metadata"], resourceVersion=str(self._rv)))
        if kind == "DELETED":
            self._unindex(rt, obj)
            del self._table(rt)[_key(obj)]
        else:
            if previous is not None:
                self._unindex(rt, previous)
            self._put(rt, obj)
        event = WatchEvent(kind, obj, self._rv, rt, previous)
        if len(self._history) == self._history.maxlen:
            self._compacted = self._history[0].resource_version
        self._history.append(event)
        for watcher in list(self._watchers):
            if watcher.closed:
                self._watchers.discard(watcher)
            else:
                watcher.offer(event)
        return obj

    def _put(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self._table(rt)[_key(obj)] = obj
        self._by_uid[meta["uid"]] = (rt, _key(obj))
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid"):
                self._dependents.setdefault(ref["uid"], set()).add((rt.key, _key(obj)))

    def _unindex(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self._by_uid.pop(meta["uid"], None)
        for ref in meta.get("ownerReferences") or []:
            uid = ref.get("uid", "") if isinstance(ref, dict) else ""
            dependents = self._dependents.get(uid)
            if dependents is not None:
                dependents.discard((rt.key, _key(obj)))
                if not dependents:
                    del self._dependents[uid]
