"""The Reflector: keeps a Store equal to the server's state of one kind (client-go's pattern).

It lists, then watches from the list's resourceVersion (with bookmarks, whose resourceVersion it
tracks). On 410 Expired it relists at once; on any other failure it backs off exponentially with
jitter (capped), then relists. A relist replaces the store and reports exactly the differences, so no
change is missed and no stale object survives. An optional periodic relist heals events a watch lost,
and `request_relist()` asks for one at once (when a check found the watch missed something).
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.kube.errors import ApiError, Expired
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
    backoff_reset: float = 10.0
    """Seconds a success must last (no failure since) for the delays to start again from
    `backoff_initial`: a server that fails every watch right after a good list still sees them grow,
    while one that was back and healthy is retried quickly the next time it goes away."""

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


class Backoff:
    """The retry delays of one reflector: growing with each failure, starting over once a success
    has lasted `options.backoff_reset` seconds. Times are passed in, so the sequence is testable."""

    def __init__(self, options: ReflectorOptions, rng: random.Random) -> None:
        self.options = options
        self._rng = rng
        self._failures = 0
        self._healthy_since: float | None = None

    def succeeded(self, now: float) -> None:
        """A request succeeded at `now` (the first success after a failure starts the healthy time)."""
        if self._healthy_since is None:
            self._healthy_since = now

    def failed(self, now: float) -> float:
        """A request failed at `now`: the delay before the next attempt."""
        if self._healthy_since is not None and now - self._healthy_since >= self.options.backoff_reset:
            self._failures = 0
        self._healthy_since = None
        self._failures += 1
        return self.options.backoff(self._failures, self._rng)

    def reset(self) -> None:
        """Start the delays over (the server is known to be back)."""
        self._failures = 0


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
RelistCallback = Callable[["Reflector"], None]


class Reflector:
    """Runs list+watch of `list_watch` into `store` on its own thread, reporting every change.

    `on_changes` is called on the reflector's thread, outside the store's lock, and must be quick.
    `on_error` is called for each failure; `on_recover` when a request succeeds after failures;
    `on_relist` after each list has been stored (and its changes reported).
    """

    def __init__(
        self,
        list_watch: ListWatch,
        store: Store,
        *,
        on_changes: ChangesCallback,
        on_error: ErrorCallback | None = None,
        on_recover: RecoverCallback | None = None,
        on_relist: RelistCallback | None = None,
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
        self._on_relist = on_relist
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._wake = threading.Event()
        """Ends a backoff wait early: set by `stop()` and `retry_now()`."""
        self._synced = threading.Event()
        self._settled = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: WatchStream | None = None
        self._resource_version = ""
        self._backoff = Backoff(self.options, rng or random.Random())
        self._last_error: ApiError | None = None
        self._next_relist = math.inf
        self._relist_requested = False
        self._relists = 0
        self._heard_at: float | None = None
        self._listed_at: float | None = None

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
        self._wake.set()
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
    def relists(self) -> int:
        """How many lists have been stored (a check comparing the store with a list of its own
        knows from a change of this number that the store was replaced meanwhile)."""
        with self._lock:
            return self._relists

    @property
    def heard_at(self) -> float | None:
        """When (wall-clock seconds) the server last answered: a list, a watch opening, an event."""
        with self._lock:
            return self._heard_at

    @property
    def listed_at(self) -> float | None:
        """When (wall-clock seconds) the store was last known to equal the server's state: the last
        stored list, or the last check that found nothing missing (`confirm`)."""
        with self._lock:
            return self._listed_at

    def confirm(self, at: float) -> None:
        """A check found the store equal to a list the server gave at `at`."""
        with self._lock:
            self._listed_at = max(at, self._listed_at or at)

    def inherit(self, previous: Reflector) -> None:
        """Take over the dates of a stopped reflector whose objects the store was seeded with."""
        with self._lock:
            self._heard_at, self._listed_at = previous.heard_at, previous.listed_at

    def request_relist(self) -> None:
        """Relist now (the watch missed something): the open watch ends and the store is replaced."""
        with self._lock:
            self._relist_requested = True
            stream = self._stream
        if stream is not None:
            stream.close()
        self._wake.set()

    def retry_now(self) -> None:
        """The server is back: end a backoff wait now and start the delays over."""
        with self._lock:
            failing = self._last_error is not None
            if failing:
                self._backoff.reset()
        if failing:
            self._wake.set()

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
                if isinstance(exc, Expired) and not need_list:
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
        with self._lock:
            self._relist_requested = False
        started = time.time()
        listed = self.list_watch.list()
        changes = self.store.replace(listed.items)
        with self._lock:
            self._resource_version = listed.resource_version
            self._relists += 1
            self._listed_at = started
        if self.options.relist_period is not None:
            self._next_relist = time.monotonic() + self.options.relist_period
        self.counters.add("relists")
        self._succeeded()
        self._synced.set()
        self._settled.set()
        if changes:
            self._on_changes(changes)
        if self._on_relist is not None:
            self._on_relist(self)

    def _watch(self) -> bool:
        """Watch until the server ends the request; return whether a relist is due."""
        stream = self.list_watch.watch(self.resource_version, self._watch_timeout())
        events = stream.events()
        with self._lock:
            self._stream = stream
        try:
            if self._stopping.is_set() or self._relist_due():
                stream.close()
            self._succeeded()
            for event in events:
                self._heard()
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
        with self._lock:
            if self._relist_requested:
                return True
        return time.monotonic() >= self._next_relist

    def _heard(self) -> None:
        with self._lock:
            self._heard_at = time.time()

    def _succeeded(self) -> None:
        self._heard()
        with self._lock:
            self._backoff.succeeded(time.monotonic())
            recovered = self._last_error is not None
            self._last_error = None
        if recovered:
            log.info("reflector %s: recovered", self.name)
            if self._on_recover is not None:
                self._on_recover(self)

    def _failed(self, error: ApiError) -> None:
        with self._lock:
            self._last_error = error
            delay = self._backoff.failed(time.monotonic())
            self._wake.clear()  # a wake-up meant for an earlier wait must not cut this one short
        self.counters.add("errors")
        log.warning("reflector %s: %s; retrying in %.1fs", self.name, error, delay)
        if self._on_error is not None:
            self._on_error(self, error)
        self._settled.set()
        if not self._stopping.is_set():
            self._wake.wait(delay)
