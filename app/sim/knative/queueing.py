"""A work queue of object keys, de-duplicated, with delayed adds (client-go's workqueue, small)."""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Hashable


class WorkQueue:
    """Keys waiting to be reconciled: a key queued twice is handled once; `add_at` defers a key."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._queue: deque[Hashable] = deque()
        self._queued: set[Hashable] = set()
        self._timers: list[tuple[float, int, Hashable]] = []
        self._due: dict[Hashable, float] = {}  # the earliest pending timer of each key
        self._sequence = 0
        self._busy = 0
        self._shut = False

    def add(self, key: Hashable) -> None:
        """Queue `key` unless it is already waiting."""
        with self._ready:
            if key not in self._queued and not self._shut:
                self._queued.add(key)
                self._queue.append(key)
                self._ready.notify_all()

    def add_at(self, when: float, key: Hashable) -> None:
        """Queue `key` at monotonic time `when` (unless it is already due by then)."""
        with self._ready:
            if self._due.get(key, float("inf")) <= when:
                return
            self._due[key] = when
            self._sequence += 1
            heapq.heappush(self._timers, (when, self._sequence, key))
            self._ready.notify_all()

    def get(self) -> Hashable | None:
        """The next key (blocks); None once shut down. Call done() after handling it."""
        with self._ready:
            while not self._shut:
                self._release_due()
                if self._queue:
                    key = self._queue.popleft()
                    self._queued.discard(key)
                    self._busy += 1
                    return key
                wait = self._timers[0][0] - time.monotonic() if self._timers else None
                self._ready.wait(wait)
            return None

    def done(self) -> None:
        """Mark the key last returned by get() as handled."""
        with self._ready:
            self._busy -= 1
            self._ready.notify_all()

    def idle(self) -> bool:
        """Nothing queued or being handled (deferred keys not yet due do not count)."""
        with self._ready:
            self._release_due()
            return not self._queue and not self._busy

    def shut_down(self) -> None:
        """Make get() return None (now and from then on)."""
        with self._ready:
            self._shut = True
            self._ready.notify_all()

    def reopen(self) -> None:
        """Accept keys again after shut_down (the controller restarts); deferred keys are kept."""
        with self._ready:
            self._shut = False

    def _release_due(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            when, _, key = heapq.heappop(self._timers)
            if self._due.get(key) != when:
                continue  # superseded by an earlier timer for the same key
            del self._due[key]
            if key not in self._queued:
                self._queued.add(key)
                self._queue.append(key)
