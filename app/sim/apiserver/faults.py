"""Fault switches for the simulated API server: how tests make a healthy cluster misbehave."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Faults:
    """Switches the API server consults on every request and every watch event (thread-safe)."""

    def __init__(self, *, end_watches: Callable[[], None], compact: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._end_watches, self._compact = end_watches, compact
        self._drops = 0
        self._failures: list[int] = []
        self._latency = 0.0
        self._answers: list[tuple[str, float, bool]] = []

    def drop_next_watch_events(self, n: int = 1) -> None:
        """Silently leave out the next `n` events sent on any watch stream (clients must heal)."""
        if n < 0:
            raise ValueError("n must not be negative")
        with self._lock:
            self._drops += n

    def end_watches(self) -> None:
        """End every open watch stream now (clients see a clean end and must watch again)."""
        self._end_watches()

    def compact(self) -> None:
        """Forget the watch history: resuming from any older resourceVersion gets 410 Expired."""
        self._compact()

    def fail_next(self, n: int = 1, code: int = 500) -> None:
        """Answer the next `n` requests with an error Status of this code (InternalError for 500)."""
        if n < 0 or not 400 <= code <= 599:
            raise ValueError("n must not be negative and code must be an HTTP error code")
        with self._lock:
            self._failures.extend([code] * n)

    def set_latency(self, seconds: float) -> None:
        """Delay every request by `seconds` (0 turns it off)."""
        if seconds < 0:
            raise ValueError("latency must not be negative")
        with self._lock:
            self._latency = seconds

    def delay_next_answers(self, seconds: float, n: int = 1, method: str = "PATCH") -> None:
        """Carry out the next `n` `method` requests, then hold each answer `seconds` before sending it:
        the change is made, but a client with a shorter timeout has given up waiting."""
        self._add_answers(method, seconds, False, n)

    def drop_next_answers(self, n: int = 1, method: str = "PATCH") -> None:
        """Carry out the next `n` `method` requests, then close the connection without answering."""
        self._add_answers(method, 0.0, True, n)

    def _add_answers(self, method: str, seconds: float, drop: bool, n: int) -> None:
        if n < 0 or seconds < 0:
            raise ValueError("n and seconds must not be negative")
        with self._lock:
            self._answers.extend([(method.upper(), seconds, drop)] * n)

    def clear(self) -> None:
        """Turn every switch off."""
        with self._lock:
            self._drops, self._failures, self._latency, self._answers = 0, [], 0.0, []

    # --- consulted by the server -----------------------------------------------------------------

    @property
    def latency(self) -> float:
        """The delay added to each request."""
        with self._lock:
            return self._latency

    def take_failure(self) -> int | None:
        """The error code the current request must fail with, if any."""
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def take_answer_fault(self, method: str) -> tuple[float, bool] | None:
        """For a request just carried out: (seconds to hold its answer, whether to drop it instead), or
        None when its answer goes out as usual."""
        with self._lock:
            index = next((i for i, a in enumerate(self._answers) if a[0] == method.upper()), None)
            if index is None:
                return None
            _, seconds, drop = self._answers.pop(index)
            return seconds, drop

    def take_drop(self) -> bool:
        """True when the current watch event must be dropped."""
        with self._lock:
            if self._drops:
                self._drops -= 1
                return True
            return False
