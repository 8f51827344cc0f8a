"""Watch events and the Watcher: one consumer's filtered, queued view of the store's changes."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from app.sim.storage.copying import clone
from app.sim.storage.resources import ResourceType
from app.sim.storage.selectors import FieldSelector, LabelSelector

# A watcher whose consumer falls this far behind is closed; it must watch again (as a real server does).
MAX_QUEUED = 50_000


@dataclass(frozen=True)
class WatchEvent:
    """ADDED, MODIFIED, DELETED (or BOOKMARK/ERROR on the wire) for one object at one resourceVersion.

    `previous` is the object before a MODIFIED change: selectors need it to tell that an object
    left (DELETED) or entered (ADDED) their scope. Consumers must not modify `object`.
    """

    type: str
    object: dict[str, Any]
    resource_version: int
    rt: ResourceType
    previous: dict[str, Any] | None = None


class Watcher:
    """A closeable, thread-safe queue of the events one watch selects."""

    def __init__(
        self,
        rt: ResourceType | None,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector | None,
        *,
        copy: bool = True,
    ) -> None:
        self._rt, self._namespace, self._labels, self._fields = rt, namespace, labels, fields
        self._copy = copy
        self._queue: deque[WatchEvent] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._progress = 0

    @property
    def closed(self) -> bool:
        """True once closed by the consumer, the store, or a queue overflow."""
        with self._ready:
            return self._closed

    @property
    def scope(self) -> tuple[str, str | None]:
        """What it watches: the resource ("" for every one) and the namespace (None: all of them)."""
        return ("" if self._rt is None else self._rt.key), (self._namespace or None)

    def selects(self, rt: ResourceType, obj: dict[str, Any] | None) -> bool:
        """Whether an object of `rt` is in this watch's scope."""
        if obj is None or (self._rt is not None and rt.key != self._rt.key):
            return False
        meta = obj.get("metadata") or {}
        if self._namespace and meta.get("namespace") != self._namespace:
            return False
        if not self._labels.matches(meta.get("labels")):
            return False
        return self._fields is None or self._fields.matches(obj)

    def offer(self, event: WatchEvent) -> None:
        """Queue the event as this watch sees it (selector transitions become ADDED/DELETED)."""
        seen = self._translate(event)
        with self._ready:
            self._progress = max(self._progress, event.resource_version)
            if self._closed or seen is None:
                return
            if len(self._queue) >= MAX_QUEUED:
                self._closed = True
                self._queue.clear()
            else:
                self._queue.append(seen)
            self._ready.notify_all()

    def _translate(self, event: WatchEvent) -> WatchEvent | None:
        now = self.selects(event.rt, event.object)
        if event.type != "MODIFIED" or event.previous is None:
            return event if now else None
        before = self.selects(event.rt, event.previous)
        if now:
            return event if before else WatchEvent("ADDED", event.object, event.resource_version, event.rt)
        if not before:
            return None
        meta = dict(event.previous.get("metadata") or {}, resourceVersion=str(event.resource_version))
        left = dict(event.previous, metadata=meta)
        return WatchEvent("DELETED", left, event.resource_version, event.rt)

    def mark(self, resource_version: int) -> None:
        """Record that every change up to `resource_version` has been offered to this watcher."""
        with self._ready:
            self._progress = max(self._progress, resource_version)

    def bookmark(self) -> int | None:
        """A resourceVersion every event up to which has been taken (None while events are queued)."""
        with self._ready:
            return None if self._queue else self._progress

    def queued(self) -> int:
        """How many events wait to be taken."""
        with self._ready:
            return len(self._queue)

    def next(self, timeout: float | None = None) -> WatchEvent | None:
        """The next event, or None after `timeout` seconds or once closed."""
        with self._ready:
            if not self._queue and not self._closed:
                self._ready.wait_for(lambda: bool(self._queue) or self._closed, timeout)
            if not self._queue:
                return None
            event = self._queue.popleft()
        if self._copy:
            return WatchEvent(event.type, clone(event.object), event.resource_version, event.rt)
        return event

    def close(self) -> None:
        """Stop receiving events and drop queued ones; a blocked next() returns None at once."""
        with self._ready:
            self._closed = True
            self._queue.clear()
            self._ready.notify_all()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
