"""Throttling token guesses: per client address, a few wrong tokens (sign-in form or Bearer header) within
a window, then 429 with Retry-After until the oldest counted failure leaves the window.

While a client is throttled every attempt it makes with a token is refused unchecked, so guessing
stops there; requests without a token (reading, a signed-in browser's session) are not affected.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_CLIENTS = 10_000
"""Addresses remembered at most: many guessers cannot grow memory without bound (the oldest go)."""


class Throttle:
    """Counts failures per client address; safe from the event loop and worker threads alike."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("auth_failures must be at least 1 and auth_failure_seconds above 0")
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until `client` may try a token again, or None when it may now."""
        now = self.clock()
        with self._lock:
            failures = self._recent(client, now)
            if failures is None or len(failures) < self.limit:
                return None
            return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, client: str) -> None:
        """Count one wrong token from `client`."""
        now = self.clock()
        with self._lock:
            failures = self._recent(client, now)
            if failures is None:
                if len(self._failures) >= MAX_CLIENTS:
                    del self._failures[next(iter(self._failures))]
                failures = self._failures[client] = deque()
            failures.append(now)
            while len(failures) > self.limit:
                failures.popleft()

    def succeeded(self, client: str) -> None:
        """A right token: forget the client's earlier typos."""
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures
