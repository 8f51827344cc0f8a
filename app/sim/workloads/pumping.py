"""A thread feeding a controller the cluster's watch events of the kinds it cares about."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection

from app.sim.client import Client
from app.sim.storage.watching import Watcher, WatchEvent

log = logging.getLogger(__name__)


class EventPump:
    """Watches every kind, hands events of `kinds` (resource keys) to `handler`, re-watches when the
    cluster ends the watch (a consumer that fell behind); the handler must be quick and must not modify
    the event's object (events carry the stored, shared objects: read-only)."""

    def __init__(self, name: str, kinds: Collection[str], handler: Callable[[WatchEvent], None]) -> None:
        self._name = name
        self._kinds = frozenset(kinds)
        self._handler = handler
        self._lock = threading.Lock()
        self._watcher: Watcher | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self, client: Client) -> None:
        """Watch the cluster from its current state (ADDED for every object, then changes)."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(client,), name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the watch and wait for the thread."""
        self._stopping.set()
        with self._lock:
            if self._watcher is not None:
                self._watcher.close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self, client: Client) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                self._watcher = watcher = client.watch()
            with watcher:
                while (event := watcher.next(None)) is not None:
                    if event.rt.key in self._kinds:
                        try:
                            self._handler(event)
                        except Exception:
                            log.exception("%s: handling %s failed", self._name, event.type)
