"""The Reflector: keeps a Store equal to the server's state of one kind (client-go's pattern).

It lists, then watches from the list's resourceVersion (with bookmarks, whose resourceVersion it
tracks). On 410 Expired it relists at once; on any other failure it backs off exponentially with
jitter (capped), then relists. A relist replaces the store and reports exactly the differences, so no
change is missed and no stale object survives. An optional periodic relist heals events a watch lost.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.kube.errors import ApiError
from app.kube.store import Change, Store, resource_version
from app.kube.watching import ListWatch, WatchStream

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReflectorOptions:
    """Timing knobs; tests shorten them."""

    watch_timeout: int = 300
    """Seconds after which the server ends each watch request (then it is reopened)."""
    relist_period: float | None = 600.0
    """Seconds between full relists that heal lost watch events; None disables them."""
    backoff_initial: float = 0.8
    backoff_max: float = 30.0
    backoff_factor: float = 2.0
    jitter: float = 0.5
    """Each delay is stretched by a random fraction up to this much (then capped)."""
    backoff_reset: float = 120.0
    """Seconds without a failure after which the delays start again from `backoff_initial` (a
    success alone does not reset them: a server that fails every watch right after a good list
    must still see the delays grow)."""

    def __post_init__(self) -> None:
        if self.watch_timeout < 1:
            raise ValueError("watch_timeout must be at least 1 second")
        if self.relist_period is not None and self.relist_period <= 0:
            raise ValueError("relist_period must be positive (or None to disable it)")
        if not 0 < self.backoff_initial <= self.backoff_max:
            raise ValueError("backoff_initial must be positive and at most backoff_max")
        if self.backoff_factor < 1 or self.jitter < 0 or self.backoff_reset < 0:
            raise ValueError("backoff_factor must be at least 1, jitter and backoff_reset not negative")

    def backoff(self, failures: int, rng: random.Random) -> float:
        """The delay before retrying after `failures` consecutive failures (>= 1)."""
        base = self.backoff_initial * self.backoff_factor ** (failures - 1)
        return min(self.backoff_max, base * (1.0 + self.jitter * rng.random()))


class Counters:
    """Thread-safe event counters, shareable by many reflectors (for metrics)."""

    NAMES = ("relists", "watch_restarts", "expired", "errors")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict.fromkeys(self.NAMES, 0)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._values[name] += amount

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._values)


ChangesCallback = Callable[[list[Change]], None]
ErrorCallback = Callable[["Reflector", ApiError], None]
RecoverCallback = Callable[["Reflector"], None]


class Reflector:
    """Runs list+watch of `list_watch` into `store` on its own thread, reporting every change.

    `on_changes` is called on the reflector's thread, outside the store's lock, and must be quick.
    `on_error` is called for each failure; `on_recover` when a request succeeds after failures.
    """

    def __init__(
        self,
        list_watch: ListWatch,
        store: Store,
        *,
        on_changes: ChangesCallback,
        on_error: ErrorCallback | None = None,
        on_recover: RecoverCallback | None = None,
        options: ReflectorOptions | None = None,
        counters: Counters | None = None,
        name: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.list_watch = list_watch
        self.store = store
        self.options = options or ReflectorOptions()
        self.counters = counters or Counters()
        ns = list_watch.namespace
        self.name = name or (f"{ns}/" if ns else "") + list_watch.resource.plural
        self._on_changes = on_changes
        self._on_error = on_error
        self._on_recover = on_recover
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._synced = threading.Event()
        self._settled = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: WatchStream | None = None
        self._resource_version = ""
        self._failures = 0
        self._last_failure = -math.inf
        self._last_error: ApiError | None = None
        self._next_relist = math.inf

    def start(self) -> None:
        """Start the background thread (once)."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError(f"reflector {self.name} already started")
            self._thread = threading.Thread(target=self._run, name=f"reflector {self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop promptly: end the open watch and wait (up to `timeout`) for the thread."""
        self._stopping.set()
        with self._lock:
            stream, thread = self._stream, self._thread
        if stream is not None:
            stream.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def has_synced(self) -> bool:
        """True once the first list has been stored."""
        return self._synced.is_set()

    def wait_for_sync(self, timeout: float | None) -> bool:
        """Wait up to `timeout` seconds for the first list; return `has_synced()`."""
        return self._synced.wait(timeout)

    def wait_settled(self, timeout: float | None) -> bool:
        """Wait up to `timeout` seconds until the first list has succeeded or any attempt failed."""
        return self._settled.wait(timeout)

    @property
    def last_error(self) -> ApiError | None:
        """The failure the reflector is currently retrying after, None while healthy."""
        with self._lock:
            return self._last_error

    @property
    def resource_version(self) -> str:
        """The resourceVersion the store reflects (from the last list, event or bookmark)."""
        with self._lock:
            return self._resource_version

    def _run(self) -> None:
        need_list = True
        while not self._stopping.is_set():
            try:
                if need_list:
                    self._relist()
                    need_list = False
                need_list = self._watch()
            except ApiError as exc:
                if self._stopping.is_set():
                    break
                if exc.code == 410 and not need_list:
                    self.counters.add("expired")
                    log.info("reflector %s: watch expired (%s), relisting", self.name, exc.message)
                    need_list = True
                    continue
                need_list = True
                self._failed(exc)
            except Exception as exc:  # a bug must not kill the thread: report, back off, relist
                if self._stopping.is_set():
                    break
                log.exception("reflector %s: unexpected failure", self.name)
                need_list = True
                self._failed(ApiError(0, type(exc).__name__, str(exc)))

    def _relist(self) -> None:
        listed = self.list_watch.list()
        changes = self.store.replace(listed.items)
        with self._lock:
            self._resource_version = listed.resource_version
        if self.options.relist_period is not None:
            self._next_relist = time.monotonic() + self.options.relist_period
        self.counters.add("relists")
        self._succeeded()
        self._synced.set()
        self._settled.set()
        if changes:
            self._on_changes(changes)

    def _watch(self) -> bool:
        """Watch until the server ends the request; return whether a relist is due."""
        stream = self.list_watch.watch(self.resource_version, self._watch_timeout())
        events = stream.events()
        with self._lock:
            self._stream = stream
        try:
            if self._stopping.is_set():
                stream.close()
            self._succeeded()
            for event in events:
                rv = resource_version(event.object)
                if event.type != "BOOKMARK":
                    change = self.store.apply(event.type, event.object)
                    if change is not None:
                        self._on_changes([change])
                if rv:
                    with self._lock:
                        self._resource_version = rv
                if self._relist_due():
                    return True
        finally:
            events.close()  # releases the connection now, also when leaving early for a relist
            with self._lock:
                self._stream = None
        if not self._stopping.is_set():
            self.counters.add("watch_restarts")
        return self._relist_due()

    def _watch_timeout(self) -> int:
        remaining = self._next_relist - time.monotonic()
        if remaining >= self.options.watch_timeout:
            return self.options.watch_timeout
        return max(1, math.ceil(remaining))

    def _relist_due(self) -> bool:
        return time.monotonic() >= self._next_relist

    def _succeeded(self) -> None:
        with self._lock:
            recovered = self._last_error is not None
            self._last_error = None
        if recovered:
            log.info("reflector %s: recovered", self.name)
            if self._on_recover is not None:
                self._on_recover(self)

    def _failed(self, error: ApiError) -> None:
        with self._lock:
            self._last_error = error
            now = time.monotonic()
            if now - self._last_failure > self.options.backoff_reset:
                self._failures = 0
            self._last_failure = now
            self._failures += 1
            delay = self.options.backoff(self._failures, self._rng)
        self.counters.add("errors")
        log.warning("reflector %s: %s; retrying in %.1fs", self.name, error, delay)
        if self._on_error is not None:
            self._on_error(self, error)
        self._settled.set()
        self._stopping.wait(delay)
