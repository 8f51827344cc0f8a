"""The ClusterCache: the dashboard's single, watch-driven view of the cluster.

- The namespace list comes from a watch; when listing namespaces is forbidden (403) it falls back to
  the configured allow-list. A non-empty allow-list also limits what is shown.
- Each namespace gets a set of informers (the kinds `Discovery` finds) on first use; the set stops
  when nobody has asked for it for `idle_seconds` and no change feed is subscribed to it.
- Changes fan out to subscribers (`subscribe()`), never blocking the watch threads.
- Reflector failures drive the connection state (lost with the error, then back) for the banner.
- The detail kinds (`DETAIL_KINDS`) only add to what the pages show; an identity that may not read them
  (an RBAC from before they were watched) gets the pages without them, not a problem notice.
Objects returned are shared and read-only by contract: copy before changing.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.feeding import Broadcaster, ChangeFeed, ConnectionChange, ObjectChange, Resync
from app.kube.informing import AddHandler, DeleteHandler, Informer, UpdateHandler
from app.kube.reflecting import Counters, Reflector, ReflectorOptions
from app.kube.resources import NAMESPACES, Discovery, Resource, discover
from app.model.objects import KubeObject, NamespaceObjects
from app.model.validation import dns1123_label_errors

log = logging.getLogger(__name__)


DETAIL_KINDS = frozenset({"serverlessservices", "podautoscalers", "endpoints"})
"""Kinds that fill in owner chains and backends: refused (403), they are left out quietly, listed in
`NamespaceObjects.unreadable`, and do not hold the snapshot's `complete` back."""


class NamespaceNotAllowed(LookupError):
    """The namespace is outside the configured allow-list."""


@dataclass(frozen=True)
class ConnectionState:
    connected: bool
    error: str | None = None
    """The failure that made the connection count as lost (None while connected)."""


@dataclass
class _NamespaceInformers:
    informers: dict[str, Informer]
    last_used: float
    pins: int = 0
    """Open change feeds on this namespace; a pinned set never goes idle."""
    reflectors: set[Reflector] = field(default_factory=set)


def counts_as_disconnect(error: ApiError) -> bool:
    """Whether an error means the cluster is unreachable or unwell (not a per-kind refusal)."""
    return error.code == 0 or error.code == 401 or error.code >= 500


class ClusterCache:
    """Informers per namespace, the namespace list, a change feed and the connection state."""

    def __init__(
        self,
        api_client: ApiClient,
        *,
        namespaces: Sequence[str] = (),
        idle_seconds: float = 300.0,
        sync_timeout: float = 5.0,
        options: ReflectorOptions | None = None,
        feed_size: int = 1000,
        rediscover_seconds: float = 60.0,
    ) -> None:
        for ns in namespaces:
            _check_name(ns)
        if idle_seconds <= 0 or sync_timeout < 0 or feed_size < 1:
            raise ValueError("idle_seconds must be positive, sync_timeout not negative, feed_size at least 1")
        self.api_client = api_client
        self.allowed = tuple(sorted(set(namespaces)))
        self.idle_seconds = idle_seconds
        self.sync_timeout = sync_timeout
        self.rediscover_seconds = rediscover_seconds
        self.options = options or ReflectorOptions()
        self.counters = Counters()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._discovery: Discovery | None = None
        self._discovered_at = -math.inf
        self._discovering = threading.Lock()
        self._watched: dict[str, _NamespaceInformers] = {}
        self._failing: dict[Reflector, str] = {}
        """Reflectors whose last request found the cluster unreachable or unwell, with the error."""
        self._changes: dict[str, int] = {}
        """Object changes seen per namespace ("" for the namespace list), for `version`."""
        self._epoch = 0
        """Bumped by every reflector failure or recovery and every change of the served kinds."""
        self._namespaces_forbidden: str | None = None
        self._broadcaster = Broadcaster(feed_size, on_unsubscribe=self._unpin)
        self._janitor: threading.Thread | None = None
        self._namespace_informer = self._informer(NAMESPACES, None)
        self._namespace_informer.add_handler(*self._handlers("", "namespaces"))

    def start(self) -> None:
        """Start watching namespaces and the idle janitor (no request is made before this)."""
        self._namespace_informer.start()
        self._janitor = threading.Thread(target=self._reap_idle, name="cluster-cache janitor", daemon=True)
        self._janitor.start()

    def stop(self) -> None:
        """Stop every informer and the janitor, and close every change feed."""
        self._stopping.set()
        with self._lock:
            watched, self._watched = list(self._watched.values()), {}
        self._namespace_informer.stop()
        for entry in watched:
            _stop_all(entry)
        if self._janitor is not None:
            self._janitor.join(5.0)
        self._broadcaster.close_all()

    def discovery(self) -> Discovery:
        """Which kinds the cluster serves; raises ApiError if it was never reachable.

        Asked on first need; while some optional kinds are missing, asked again at most every
        `rediscover_seconds`. When the answer changes (Knative or Istio installed or removed), every
        namespace's informers are rebuilt for the new kinds and every feed is told to Resync.
        """
        with self._discovering:  # one question at a time; the others take its answer
            now = time.monotonic()
            with self._lock:
                found, asked = self._discovery, self._discovered_at
            if found is not None and (found.complete or now - asked < self.rediscover_seconds):
                return found
            return self._rediscover(found, now)

    def _rediscover(self, found: Discovery | None, now: float) -> Discovery:
        try:
            fresh = discover(self.api_client)
        except ApiError:
            if found is None:
                raise
            with self._lock:
                self._discovered_at = now
            return found
        changed = found is not None and fresh != found
        with self._lock:
            self._discovery, self._discovered_at = fresh, now
            self._epoch += changed
            replaced = dict(self._watched) if changed and not self._stopping.is_set() else {}
            for ns, old in replaced.items():
                entry = self._watched[ns] = self._new_entry(ns, fresh)
                entry.pins = old.pins
            started = [i for ns in replaced for i in self._watched[ns].informers.values()]
        for old in replaced.values():
            _stop_all(old)
            self._forget_failures(old.reflectors)
        for informer in started:
            informer.start()
        if changed:
            log.info("cluster kinds changed: %s -> %s", found, fresh)
            self._broadcaster.publish(Resync())
        return fresh

    def namespaces(self) -> list[str]:
        """The namespaces to offer: the watched list (limited by the allow-list), or the allow-list
        itself when listing namespaces is forbidden or not possible yet."""
        self._namespace_informer.reflector.wait_settled(self.sync_timeout)
        with self._lock:
            forbidden = self._namespaces_forbidden is not None
        if forbidden or not self._namespace_informer.has_synced():
            return list(self.allowed)
        names = sorted(str(obj["metadata"]["name"]) for obj in self._namespace_informer.lister.list())
        return [n for n in names if n in self.allowed] if self.allowed else names

    def has_synced(self) -> bool:
        """True once the server has answered the namespace list: with the list, or with a refusal
        (then the allow-list stands in). For readiness probes; never blocks."""
        with self._lock:
            forbidden = self._namespaces_forbidden is not None
        return forbidden or self._namespace_informer.has_synced()

    @property
    def namespaces_forbidden(self) -> str | None:
        """The server's message when listing namespaces is forbidden, else None."""
        with self._lock:
            return self._namespaces_forbidden

    def objects(self, namespace: str) -> NamespaceObjects:
        """A snapshot of `namespace`, starting its informers if needed and waiting (at most
        `sync_timeout`) for their first list; `complete` says whether they all had it."""
        self._check_running()
        discovery = self.discovery()
        entry = self._ensure(namespace, discovery)
        deadline = time.monotonic() + self.sync_timeout
        for informer in entry.informers.values():
            informer.reflector.wait_settled(max(0.0, deadline - time.monotonic()))
        snapshot: dict[str, tuple[KubeObject, ...]] = {}
        problems: list[str] = []
        unreadable: list[str] = []
        for kind, informer in entry.informers.items():
            snapshot[kind] = tuple(informer.lister.list())
            error = informer.reflector.last_error
            if error is not None and kind in DETAIL_KINDS and error.code == 403:
                unreadable.append(kind)
            elif error is not None:
                problems.append(f"{kind}: {error}")
        with self._lock:
            entry.last_used = time.monotonic()
        return NamespaceObjects(
            namespace=namespace,
            **snapshot,
            knative=discovery.knative,
            istio=discovery.istio,
            complete=all(i.has_synced() for k, i in entry.informers.items() if k not in unreadable),
            problems=tuple(problems),
            unreadable=tuple(unreadable),
        )

    def subscribe(self, namespace: str | None = None) -> ChangeFeed:
        """A change feed: every change (namespace None), or one namespace's changes plus namespace-list
        and connection changes. A namespace feed starts that namespace's informers and keeps them
        running until the feed is closed. Close the feed when done."""
        self._check_running()
        if namespace is None:
            return self._broadcaster.subscribe(None)
        self._ensure(namespace, self.discovery(), pin=True)
        return self._broadcaster.subscribe(namespace)

    def version(self, namespace: str) -> tuple[int, int, int]:
        """A value that changes whenever `objects(namespace)` may answer differently: an object in it
        changed, a reflector failed or recovered, the kinds were rediscovered, or one more of its
        informers has its first list. For memoizing what is derived from a snapshot; never blocks."""
        with self._lock:
            entry = self._watched.get(namespace)
            informers = list(entry.informers.values()) if entry is not None else []
            changes, epoch = self._changes.get(namespace, 0), self._epoch
        return changes, epoch, sum(i.has_synced() for i in informers)

    def connection(self) -> ConnectionState:
        with self._lock:
            if not self._failing:
                return ConnectionState(connected=True)
            return ConnectionState(connected=False, error=next(iter(self._failing.values())))

    @property
    def connected(self) -> bool:
        return self.connection().connected

    @property
    def last_error(self) -> str | None:
        return self.connection().error

    def active_namespaces(self) -> list[str]:
        """Namespaces whose informers are running."""
        with self._lock:
            return sorted(self._watched)

    def stats(self) -> dict[str, int]:
        """Counters for metrics: relists, watch_restarts, expired, errors, plus current sizes."""
        with self._lock:
            informers = 1 + sum(len(e.informers) for e in self._watched.values())
            active = len(self._watched)
        return {
            **self.counters.snapshot(),
            "informers": informers,
            "active_namespaces": active,
            "subscribers": len(self._broadcaster.feeds()),
            "feed_overflows": self._broadcaster.overflows,
        }

    def _ensure(self, namespace: str, discovery: Discovery, *, pin: bool = False) -> _NamespaceInformers:
        _check_name(namespace)
        if self.allowed and namespace not in self.allowed:
            raise NamespaceNotAllowed(f"namespace {namespace!r} is not in the configured allow-list")
        with self._lock:
            self._check_running()
            entry = self._watched.get(namespace)
            if entry is None:
                entry = self._watched[namespace] = self._new_entry(namespace, discovery)
                started = list(entry.informers.values())
            else:
                started = []
            entry.last_used = time.monotonic()
            entry.pins += pin
        for informer in started:
            informer.start()
        return entry

    def _check_running(self) -> None:
        if self._stopping.is_set():
            raise RuntimeError("the cluster cache is stopped")

    def _new_entry(self, namespace: str, discovery: Discovery) -> _NamespaceInformers:
        informers: dict[str, Informer] = {}
        for kind, resource in discovery.namespace_resources().items():
            informer = self._informer(resource, namespace)
            informer.add_handler(*self._handlers(namespace, kind))
            informers[kind] = informer
        entry = _NamespaceInformers(informers, time.monotonic())
        entry.reflectors = {i.reflector for i in informers.values()}
        return entry

    def _informer(self, resource: Resource, namespace: str | None) -> Informer:
        """An informer whose failures and recoveries drive the connection state."""
        return Informer(
            self.api_client,
            resource,
            namespace,
            options=self.options,
            counters=self.counters,
            on_error=self._reflector_failed,
            on_recover=self._reflector_recovered,
        )

    def _handlers(self, namespace: str, kind: str) -> tuple[AddHandler, UpdateHandler, DeleteHandler]:
        """Informer handlers that publish an ObjectChange (namespace "" for the namespace list)."""

        def publish(obj: KubeObject, change_type: str) -> None:
            name = str((obj.get("metadata") or {}).get("name", ""))
            if kind == "namespaces" and self.allowed and name not in self.allowed:
                return
            with self._lock:
                self._changes[namespace] = self._changes.get(namespace, 0) + 1
            self._broadcaster.publish(ObjectChange(namespace, kind, name, change_type))

        return (
            lambda obj: publish(obj, "ADDED"),
            lambda _old, new: publish(new, "MODIFIED"),
            lambda obj: publish(obj, "DELETED"),
        )

    def _unpin(self, feed: ChangeFeed) -> None:
        if feed.namespace is None:
            return
        with self._lock:
            entry = self._watched.get(feed.namespace)
            if entry is not None and entry.pins > 0:
                entry.pins -= 1
                entry.last_used = time.monotonic()

    def _reap_idle(self) -> None:
        interval = max(0.05, min(self.idle_seconds / 4, 5.0))
        while not self._stopping.wait(interval):
            now = time.monotonic()
            with self._lock:
                idle = [
                    ns
                    for ns, e in self._watched.items()
                    if e.pins == 0 and now - e.last_used >= self.idle_seconds
                ]
                stopped = [self._watched.pop(ns) for ns in idle]
            for entry in stopped:
                _stop_all(entry)
                self._forget_failures(entry.reflectors)

    def _reflector_failed(self, reflector: Reflector, error: ApiError) -> None:
        with self._lock:
            self._epoch += 1  # snapshots now carry a problem
        if reflector is self._namespace_informer.reflector and error.code == 403:
            with self._lock:
                self._namespaces_forbidden = error.message
        if not counts_as_disconnect(error):  # the server answered: a refusal, not a lost connection
            self._forget_failures({reflector})
            return
        with self._lock:
            was_connected = not self._failing
            self._failing[reflector] = str(error)
        if was_connected:
            self._broadcaster.publish(ConnectionChange(connected=False, error=str(error)))

    def _reflector_recovered(self, reflector: Reflector) -> None:
        with self._lock:
            self._epoch += 1
        if reflector is self._namespace_informer.reflector:
            with self._lock:
                self._namespaces_forbidden = None
        self._forget_failures({reflector})

    def _forget_failures(self, reflectors: set[Reflector]) -> None:
        with self._lock:
            had_failures = bool(self._failing)
            for reflector in reflectors:
                self._failing.pop(reflector, None)
            back = had_failures and not self._failing
        if back:
            self._broadcaster.publish(ConnectionChange(connected=True))


def _stop_all(entry: _NamespaceInformers) -> None:
    for informer in entry.informers.values():
        informer.reflector.stop(timeout=0)
    for informer in entry.informers.values():
        informer.stop()


def _check_name(namespace: str) -> None:
    if dns1123_label_errors(namespace):
        raise ValueError(f"invalid namespace name {namespace!r}")
