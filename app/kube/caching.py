"""The ClusterCache: the dashboard's single, watch-driven view of the cluster.

- The namespace list comes from a watch; when listing namespaces is forbidden (403) it falls back to
  the configured allow-list. A non-empty allow-list also limits what is shown.
- A kind the identity may list and watch in every namespace (a SelfSubjectAccessReview says so, asked
  once per set of discovered kinds) is watched once for the whole cluster, and each namespace reads its
  part of that one store: a cluster of a thousand namespaces costs one watch per kind, not one per kind
  and namespace. Those watches run until the cache stops. With an allow-list, or for the kinds the
  identity may read only namespace by namespace, the per-namespace informers below stay.
- Each namespace gets a set of informers (the kinds `Discovery` finds that are not watched cluster-wide)
  on first use; the set stops when nobody has asked for it for `idle_seconds` and no change feed is
  subscribed to it.
- Changes fan out to subscribers (`subscribe()`), never blocking the watch threads.
- Reflector failures drive the connection state (lost with the error, then back) for the banner;
  while lost, a probe notices the server's return within `reconnect_seconds` and wakes every watch.
- Every `check_seconds` each watch is compared with a fresh list (app.kube.checking): one found to
  have missed changes makes the state `stale` until its kind has been listed again.
- A namespace whose informers went idle keeps what they last saw: during an outage its pages show
  that, dated, rather than nothing. It is forgotten when the namespace is deleted.
- The detail kinds (`DETAIL_KINDS`) only add to what the pages show; an identity that may not read them
  (an RBAC from before they were watched) gets the pages without them, not a problem notice.
Objects returned are shared and read-only by contract: copy before changing.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kubernetes.client import ApiClient

from app.kube.access import may_watch_cluster_wide
from app.kube.checking import WatchChecker
from app.kube.errors import ApiError, Forbidden, Unauthorized
from app.kube.feeding import Broadcaster, ChangeFeed, ConnectionChange, ObjectChange, Resync
from app.kube.informing import AddHandler, DeleteHandler, Informer, Lister, UpdateHandler
from app.kube.reconnecting import ReconnectProbe
from app.kube.reflecting import Counters, Reflector, ReflectorOptions
from app.kube.resources import NAMESPACES, Discovery, Resource, discover
from app.kube.sharing import SharedValues
from app.model.objects import KubeObject, NamespaceObjects
from app.model.validation import dns1123_label_errors

log = logging.getLogger(__name__)


DETAIL_KINDS = frozenset({"serverlessservices", "podautoscalers", "endpoints"})
"""Kinds that fill in owner chains and backends: refused (403), they are left out quietly, listed in
`NamespaceObjects.unreadable`, and do not hold the snapshot's `complete` back."""


class NamespaceNotAllowed(LookupError):
    """The namespace is outside the configured allow-list."""

    def __init__(self, namespace: str) -> None:
        super().__init__(f"namespace {namespace!r} is not in the configured allow-list")
        self.namespace = namespace


class InvalidNamespaceName(ValueError):
    """The name is not a DNS label, so no namespace can have it."""

    def __init__(self, namespace: str) -> None:
        super().__init__(f"invalid namespace name {namespace!r}")
        self.namespace = namespace


class CacheStopped(RuntimeError):
    """The cache was asked for objects after it was stopped (the app is shutting down or switching
    contexts)."""


@dataclass(frozen=True)
class ConnectionState:
    connected: bool
    error: str | None = None
    """The failure that made the connection count as lost (None while connected)."""
    stale: bool = False
    """Some watch missed changes: what it shows may be old until its kind is listed again."""


@dataclass
class _NamespaceInformers:
    informers: dict[str, Informer]
    """The namespace's own informers, started and stopped with it."""
    last_used: float
    pins: int = 0
    """Open change feeds on this namespace; a pinned set never goes idle."""
    reflectors: set[Reflector] = field(default_factory=set)
    """The own informers' reflectors."""
    shared: dict[str, Informer] = field(default_factory=dict)
    """Cluster-wide informers whose stores hold this namespace's objects of their kinds."""

    def sources(self, namespace: str) -> dict[str, tuple[Lister, Reflector]]:
        """Per kind, where the namespace's objects are read and the reflector that keeps them."""
        found = {kind: (Lister(i.store, namespace), i.reflector) for kind, i in self.shared.items()}
        found.update((kind, (i.lister, i.reflector)) for kind, i in self.informers.items())
        return found


def counts_as_disconnect(error: ApiError) -> bool:
    """Whether an error means the cluster is unreachable or unwell (not a per-kind refusal)."""
    return error.code == 0 or isinstance(error, Unauthorized) or error.code >= 500


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
        check_seconds: float | None = 30.0,
        check_grace: float | None = None,
        reconnect_seconds: float = 2.0,
        cluster_watches: bool = True,
        shared: SharedValues | None = None,
    ) -> None:
        """`check_seconds`: how often watches are compared with a list (None: never); `check_grace`:
        how long a difference may be an event still on its way (default: a sixth of the period,
        at most 5 s, so a missed change is found within 1.2 periods plus the lists' time);
        `cluster_watches`: watch the kinds the identity may read everywhere once for the whole
        cluster (never with an allow-list: it names the few namespaces to read); `shared`: the table
        of parts the cached objects share (default: a new one)."""
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
        self.cluster_watches = cluster_watches and not self.allowed
        self.counters = Counters()
        self.shared = SharedValues() if shared is None else shared
        """Parts shared by every cached object, whichever informer cached it (app.kube.sharing)."""
        self._decoding = threading.Lock()
        """One listed page decoded at a time, whichever informer listed it (app.kube.watching)."""
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._discovery: Discovery | None = None
        self._discovered_at = -math.inf
        self._discovering = threading.Lock()
        self._watched: dict[str, _NamespaceInformers] = {}
        self._cluster: dict[str, Informer] = {}
        """Informers of the kinds watched once for the whole cluster, by kind."""
        self._failing: dict[Reflector, str] = {}
        """Reflectors whose last request found the cluster unreachable or unwell, with the error."""
        self._stale: set[Reflector] = set()
        """Reflectors whose watch missed changes, until their next list is stored."""
        self._last_seen: dict[str, _NamespaceInformers] = {}
        """Stopped (idle) namespaces' informers, kept for what their stores last held."""
        self._changes: dict[str, int] = {}
        """Object changes seen per namespace ("" for the namespace list), for `version`."""
        self._epoch = 0
        """Bumped by every reflector failure or recovery and every change of the served kinds."""
        self._namespaces_forbidden: str | None = None
        self._broadcaster = Broadcaster(feed_size, on_unsubscribe=self._unpin)
        self._janitor: threading.Thread | None = None
        self._namespace_informer = self._informer(NAMESPACES, None)
        self._namespace_informer.add_handler(*self._handlers("", "namespaces"))
        self._probe = ReconnectProbe(api_client, self._server_back, interval=reconnect_seconds)
        self._checker: WatchChecker | None = None
        if check_seconds is not None:
            grace = min(5.0, check_seconds / 6) if check_grace is None else check_grace
            self._checker = WatchChecker(
                self._reflectors, self._watch_missed, period=check_seconds, grace=grace
            )

    def start(self) -> None:
        """Start watching namespaces, the idle janitor, the watch checks and the reconnect probe (no
        request is made before this)."""
        self._namespace_informer.start()
        self._janitor = threading.Thread(target=self._reap_idle, name="cluster-cache janitor", daemon=True)
        self._janitor.start()
        self._probe.start()
        if self._checker is not None:
            self._checker.start()

    def stop(self) -> None:
        """Stop every informer and the janitor, and close every change feed."""
        self._stopping.set()
        self._probe.stop(timeout=0)
        if self._checker is not None:
            self._checker.stop(timeout=0)
        with self._lock:
            watched, self._watched = list(self._watched.values()), {}
            cluster, self._cluster = self._cluster, {}
            self._last_seen = {}
        self._namespace_informer.stop()
        for entry in watched:
            _stop_all(entry)
        _stop_informers(cluster.values())
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
        # Which kinds one watch can serve for every namespace is asked again with each new set of kinds.
        cluster = self._cluster_informers(fresh) if found is None or changed else None
        with self._lock:
            self._discovery, self._discovered_at = fresh, now
            self._epoch += changed
            stopping = self._stopping.is_set()
            retired: dict[str, Informer] = {}
            if cluster is not None and not stopping:
                retired, self._cluster = self._cluster, cluster
            replaced = dict(self._watched) if changed and not stopping else {}
            for ns, old in replaced.items():
                entry = self._watched[ns] = self._new_entry(ns, fresh)
                entry.pins = old.pins
            started = [i for ns in replaced for i in self._watched[ns].informers.values()]
            if cluster is not None and not stopping:
                started.extend(cluster.values())
        _stop_informers(retired.values())
        self._forget({i.reflector for i in retired.values()})
        for old in replaced.values():
            _stop_all(old)
            self._forget(old.reflectors)
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
        sources = entry.sources(namespace)
        for _lister, reflector in sources.values():
            reflector.wait_settled(max(0.0, deadline - time.monotonic()))
        snapshot: dict[str, tuple[KubeObject, ...]] = {}
        problems: list[str] = []
        unreadable: list[str] = []
        for kind, (lister, reflector) in sources.items():
            snapshot[kind] = tuple(lister.list())
            error = reflector.last_error
            if error is not None and kind in DETAIL_KINDS and isinstance(error, Forbidden):
                unreadable.append(kind)
            elif error is not None:
                problems.append(f"{kind}: {error}")
        with self._lock:
            entry.last_used = time.monotonic()
        shown = [reflector for k, (_lister, reflector) in sources.items() if k not in unreadable]
        connected, stale, observed_at = self._freshness(shown)
        return NamespaceObjects(
            namespace=namespace,
            **snapshot,
            knative=discovery.knative,
            istio=discovery.istio,
            complete=all(r.has_synced() for r in shown),
            problems=tuple(problems),
            unreadable=tuple(unreadable),
            connected=connected,
            stale=stale,
            observed_at=observed_at,
        )

    def _freshness(self, reflectors: list[Reflector]) -> tuple[bool, bool, datetime | None]:
        """`connected`, `stale` and `observed_at` of a snapshot read from `reflectors`' stores."""
        now = time.time()
        with self._lock:
            failing = [r for r in reflectors if r in self._failing]
            stale = [r for r in reflectors if r in self._stale]
        dates = [_observed(r, now, stale=r in stale) for r in reflectors]
        known = [d for d in dates if d is not None]
        observed = min(known) if known and len(known) == len(dates) else None
        at = None if observed is None else datetime.fromtimestamp(observed, UTC)
        return not failing, bool(stale), at

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
            informers = [*entry.informers.values(), *entry.shared.values()] if entry is not None else []
            changes, epoch = self._changes.get(namespace, 0), self._epoch
        return changes, epoch, sum(i.has_synced() for i in informers)

    def versions(self, namespaces: Sequence[str]) -> list[tuple[int, int, int]]:
        """`version` of each of `namespaces`, at once: a list of a thousand namespaces asks each
        informer once (a cluster-wide one serves them all), not once per namespace."""
        with self._lock:
            epoch = self._epoch
            found = [(self._changes.get(ns, 0), self._watched.get(ns)) for ns in namespaces]
            informers = [
                (*entry.informers.values(), *entry.shared.values()) if entry is not None else ()
                for _changes, entry in found
            ]
        synced: dict[int, bool] = {}

        def has_synced(informer: Informer) -> bool:
            known = synced.get(id(informer))
            if known is None:
                known = synced[id(informer)] = informer.has_synced()
            return known

        return [
            (changes, epoch, sum(map(has_synced, own)))
            for (changes, _entry), own in zip(found, informers, strict=True)
        ]

    def connection(self) -> ConnectionState:
        with self._lock:
            stale = bool(self._stale)
            if not self._failing:
                return ConnectionState(connected=True, stale=stale)
            return ConnectionState(connected=False, error=next(iter(self._failing.values())), stale=stale)

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
            informers = 1 + len(self._cluster) + sum(len(e.informers) for e in self._watched.values())
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
            raise NamespaceNotAllowed(namespace)
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
            raise CacheStopped("the cluster cache is stopped")

    def _new_entry(self, namespace: str, discovery: Discovery) -> _NamespaceInformers:
        """New informers for `namespace` (called with the lock held), seeded with what its idle
        informers last saw, if any."""
        seen = self._last_seen.pop(namespace, None)
        informers: dict[str, Informer] = {}
        for kind, resource in discovery.namespace_resources().items():
            if kind in self._cluster:
                continue
            informer = self._informer(resource, namespace)
            informer.add_handler(*self._handlers(namespace, kind))
            previous = seen.informers.get(kind) if seen is not None else None
            if previous is not None and previous.resource == resource:
                informer.seed(previous)
            informers[kind] = informer
        entry = _NamespaceInformers(informers, time.monotonic(), shared=dict(self._cluster))
        entry.reflectors = {i.reflector for i in informers.values()}
        return entry

    def _cluster_informers(self, discovery: Discovery) -> dict[str, Informer]:
        """New informers (not started) for the whole cluster, one per kind the identity may list and
        watch in every namespace. A review that fails leaves its kind to the per-namespace watches."""
        if not self.cluster_watches:
            return {}
        informers: dict[str, Informer] = {}
        for kind, resource in discovery.namespace_resources().items():
            try:
                allowed = may_watch_cluster_wide(self.api_client, resource)
            except ApiError as exc:
                log.warning("cannot tell whether %s may be watched cluster-wide: %s", kind, exc)
                continue
            if allowed:
                informer = self._informer(resource, None)
                informer.add_handler(*self._handlers(None, kind))
                informers[kind] = informer
        log.info("watching cluster-wide: %s", ", ".join(informers) or "nothing")
        return informers

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
            on_relist=self._reflector_relisted,
            shared=self.shared,
            decoding=self._decoding,
        )

    def _handlers(self, namespace: str | None, kind: str) -> tuple[AddHandler, UpdateHandler, DeleteHandler]:
        """Informer handlers that publish an ObjectChange (namespace "" for the namespace list; None:
        a cluster-wide informer, whose objects each say their namespace)."""

        def publish(obj: KubeObject, change_type: str) -> None:
            metadata = obj.get("metadata") or {}
            name = str(metadata.get("name", ""))
            if kind == "namespaces" and self.allowed and name not in self.allowed:
                return
            ns = namespace if namespace is not None else str(metadata.get("namespace") or "")
            with self._lock:
                self._changes[ns] = self._changes.get(ns, 0) + 1
                if kind == "namespaces" and change_type == "DELETED":
                    self._last_seen.pop(name, None)
            self._broadcaster.publish(ObjectChange(ns, kind, name, change_type))

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
                stopped = {ns: self._watched.pop(ns) for ns in idle}
            for entry in stopped.values():
                _stop_all(entry)
                self._forget(entry.reflectors)
            with self._lock:
                if not self._stopping.is_set():
                    self._last_seen.update(stopped)

    def _reflector_failed(self, reflector: Reflector, error: ApiError) -> None:
        with self._lock:
            self._epoch += 1  # snapshots now carry a problem
        if reflector is self._namespace_informer.reflector and isinstance(error, Forbidden):
            with self._lock:
                self._namespaces_forbidden = error.message
        if not counts_as_disconnect(error):  # the server answered: a refusal, not a lost connection
            self._forget_failures({reflector})
            return
        with self._lock:
            was_connected = not self._failing
            self._failing[reflector] = str(error)
            stale = bool(self._stale)
        if was_connected:
            self._probe.lost()
            self._broadcaster.publish(ConnectionChange(connected=False, error=str(error), stale=stale))

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
            stale = bool(self._stale)
        if back:
            self._probe.back()
            self._broadcaster.publish(ConnectionChange(connected=True, stale=stale))

    def _forget(self, reflectors: set[Reflector]) -> None:
        """Stopped reflectors neither fail nor miss anything any more."""
        self._forget_failures(reflectors)
        for reflector in reflectors:
            self._reflector_relisted(reflector)

    def _reflectors(self) -> list[Reflector]:
        """Every running reflector (what the watch checks go through)."""
        with self._lock:
            entries = list(self._watched.values())
            cluster = [i.reflector for i in self._cluster.values()]
        return [self._namespace_informer.reflector, *cluster, *(r for e in entries for r in e.reflectors)]

    def _server_back(self) -> None:
        """The probe heard the server again: every reflector waiting to retry tries now."""
        with self._lock:
            waiting = list(self._failing)
        for reflector in waiting:
            reflector.retry_now()

    def _watch_missed(self, reflector: Reflector, keys: list[str]) -> None:
        """A check found changes `reflector`'s watch never delivered: say the data is stale, relist."""
        with self._lock:
            was_fresh = not self._stale
            self._stale.add(reflector)
            self._epoch += 1
            connected = not self._failing
        if was_fresh:
            self._broadcaster.publish(ConnectionChange(connected=connected, stale=True))
        reflector.request_relist()

    def _reflector_relisted(self, reflector: Reflector) -> None:
        with self._lock:
            if reflector not in self._stale:
                return
            self._stale.discard(reflector)
            self._epoch += 1
            resynced, connected = not self._stale, not self._failing
        if resynced:
            self._broadcaster.publish(ConnectionChange(connected=connected, resynced=True))


def _observed(reflector: Reflector, now: float, *, stale: bool) -> float | None:
    """Until when `reflector`'s store is known to equal the server's state: now while its watch
    is live, the last list or passed check while stale, the last answer while failing."""
    if stale:
        return reflector.listed_at
    if reflector.last_error is not None or not reflector.has_synced():
        return reflector.heard_at
    return now


def _stop_all(entry: _NamespaceInformers) -> None:
    _stop_informers(entry.informers.values())


def _stop_informers(informers: Iterable[Informer]) -> None:
    """Stop them all at once (each ends its watch first), then wait for each."""
    stopping = list(informers)
    for informer in stopping:
        informer.reflector.stop(timeout=0)
    for informer in stopping:
        informer.stop()


def _check_name(namespace: str) -> None:
    if dns1123_label_errors(namespace):
        raise InvalidNamespaceName(namespace)
