"""A single timer thread: callbacks run at a monotonic time, one at a time, coalesced per key."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable

log = logging.getLogger(__name__)

Callback = Callable[[], None]


class Scheduler:
    """Runs each callback on one thread at (or soon after) its time; a key has at most one pending call.

    Scheduling a key that is already pending keeps the earlier of the two times (and the newer
    callback), so "evaluate this soon" requests from many threads collapse into one run. Nothing
    spins: the thread sleeps until the next due time or until a new, earlier call arrives.
    """

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._name = name
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Hashable]] = []
        self._pending: dict[Hashable, tuple[float, int, Callback]] = {}
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def now(self) -> float:
        """The scheduler's clock (monotonic seconds)."""
        return self._clock()

    def start(self) -> None:
        """Start the timer thread (again after stop(); pending calls were dropped by stop)."""
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Drop pending calls and wait for the thread (and a callback it is running) to end."""
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._heap.clear()
            self._pending.clear()
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def call_at(self, when: float, key: Hashable, callback: Callback) -> None:
        """Run `callback` at monotonic time `when`, unless `key` is already due no later."""
        with self._cond:
            if self._stopping:
                return
            current = self._pending.get(key)
            if current is not None and current[0] <= when:
                self._pending[key] = (current[0], current[1], callback)
                return
            seq = next(self._counter)
            self._pending[key] = (when, seq, callback)
            heapq.heappush(self._heap, (when, seq, key))
            if self._heap[0][1] == seq:
                self._cond.notify_all()

    def call_later(self, delay: float, key: Hashable, callback: Callback) -> None:
        """Run `callback` after `delay` seconds (coalesced per key as call_at does)."""
        self.call_at(self._clock() + max(0.0, delay), key, callback)

    def _next_due(self) -> Callback | None:
        """Wait for the next due callback; None once stopping."""
        with self._cond:
            while not self._stopping:
                if not self._heap:
                    self._cond.wait()
                    continue
                when, seq, key = self._heap[0]
                pending = self._pending.get(key)
                if pending is None or pending[1] != seq:
                    heapq.heappop(self._heap)  # replaced by a later call_at
                    continue
                delay = when - self._clock()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                del self._pending[key]
                return pending[2]
            return None

    def _run(self) -> None:
        while (callback := self._next_due()) is not None:
            try:
                callback()
            except Exception:
                log.exception("%s: a timed callback failed", self._name)
