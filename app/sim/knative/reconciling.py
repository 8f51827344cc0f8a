"""The Knative control plane as one Controller: a watch of every kind feeding a work queue of keys,
one worker reconciling them (timers only for revision readiness and rollout steps)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Protocol, cast

from app.model.labels import (
    CONFIGURATION_LABEL,
    INGRESS_LABEL,
    REVISION_LABEL,
    ROUTE_LABEL,
    SERVICE_LABEL,
    SKS_LABEL,
)
from app.model.naming import DomainConfig
from app.model.profiles import CURRENT, KnativeProfile
from app.sim.client import Client
from app.sim.knative.admission import RevisionAdmission, RouteAdmission, ServiceAdmission
from app.sim.knative.configurations import reconcile_configuration
from app.sim.knative.kinds import Kinds
from app.sim.knative.queueing import WorkQueue
from app.sim.knative.revisions import reconcile_revision
from app.sim.knative.routes import reconcile_kingress, reconcile_route
from app.sim.knative.services import reconcile_service
from app.sim.knative.settings import SimSettings
from app.sim.knative.writing import Context, Key
from app.sim.storage.admission import AdmissionPlugin
from app.sim.storage.errors import ApiError, Conflict, NotFound
from app.sim.storage.resources import KNATIVE_SERVICES, REVISIONS, ROUTES
from app.sim.storage.watching import Watcher, WatchEvent

log = logging.getLogger(__name__)

Reconcile = Callable[[Context, str, str], None]
RECONCILERS: dict[str, Reconcile] = {
    "service": reconcile_service,
    "configuration": reconcile_configuration,
    "revision": reconcile_revision,
    "route": reconcile_route,
    "kingress": reconcile_kingress,
}


class Webhooks(Protocol):
    """Where admission webhooks are registered (the simulated store, as a real cluster's
    webhook configurations are)."""

    def add_admission(self, rt_key: str, plugin: AdmissionPlugin) -> None:
        """Run `plugin` on every create and update of kind `rt_key`."""


def install_admission(webhooks: Webhooks, settings: SimSettings) -> None:
    """Register Knative's webhook for Services, Routes and Revisions (once per store)."""
    webhooks.add_admission(KNATIVE_SERVICES, ServiceAdmission(settings.user))
    webhooks.add_admission(ROUTES, RouteAdmission())
    webhooks.add_admission(REVISIONS, RevisionAdmission())


def keys_for(ctx: Context, event: WatchEvent) -> list[Key]:
    """The objects to reconcile after a change: the object itself and those it feeds."""
    kinds, rt = ctx.kinds, event.rt.key
    meta = event.object.get("metadata") or {}
    namespace, name = meta.get("namespace") or "", meta.get("name", "")
    labels = meta.get("labels") or {}
    keys: list[Key] = []

    def add(kind: str, label: str | None) -> None:
        """Reconcile (kind, namespace, label) when the label names something."""
        if label:
            keys.append((kind, namespace, label))

    if rt == kinds.ksvc.key:
        add("service", name)
    elif rt == kinds.configuration.key:
        add("configuration", name)
        add("service", labels.get(SERVICE_LABEL))
        keys.extend(_routes_using(ctx, namespace, configuration=name))
    elif rt == kinds.revision.key:
        add("revision", name)
        add("configuration", labels.get(CONFIGURATION_LABEL))
        keys.extend(
            _routes_using(ctx, namespace, revision=name, configuration=labels.get(CONFIGURATION_LABEL))
        )
    elif rt == kinds.route.key:
        add("route", name)
        add("service", labels.get(SERVICE_LABEL))
    elif rt == kinds.kingress.key:
        add("route", labels.get(ROUTE_LABEL))
        add("kingress", name)
    elif kinds.virtualservice is not None and rt == kinds.virtualservice.key:
        add("route", labels.get(INGRESS_LABEL) or labels.get(ROUTE_LABEL))
    elif rt in (kinds.service.key, kinds.endpoints.key):
        add("route", labels.get(ROUTE_LABEL))
        add("revision", labels.get(SKS_LABEL))
    elif rt in (kinds.deployment.key, kinds.pod.key, kinds.serverlessservice.key, kinds.podautoscaler.key):
        add("revision", labels.get(REVISION_LABEL))
    return keys


def _routes_using(
    ctx: Context, namespace: str, *, revision: str | None = None, configuration: str | None = None
) -> list[Key]:
    routes = ctx.lister.list(ctx.kinds.route, namespace)
    keys: list[Key] = []
    for route in routes:
        owner = (route["metadata"].get("labels") or {}).get(SERVICE_LABEL)
        traffic = (route.get("spec") or {}).get("traffic") or []
        uses = (configuration is not None and owner == configuration) or any(
            (revision and t.get("revisionName") == revision)
            or (configuration and t.get("configurationName") == configuration)
            for t in traffic
            if isinstance(t, dict)
        )
        if uses:
            keys.append(("route", namespace, route["metadata"]["name"]))
    return keys


class KnativeController:
    """Knative Serving and its ingress (as `profile` says) on the simulated cluster; start/stop may repeat
    (state is kept)."""

    def __init__(
        self, settings: SimSettings, domain: DomainConfig, profile: KnativeProfile = CURRENT
    ) -> None:
        self.settings, self.domain, self.profile = settings, domain, profile
        self._queue = WorkQueue()
        self._first_seen: dict[str, float] = {}
        self._epoch = time.time()  # the rollout clock's start, kept across restarts
        self._ctx: Context | None = None
        self._threads: list[threading.Thread] = []
        self._state = threading.Condition()
        self._stopping = threading.Event()
        self._drained = 0  # every event up to this resourceVersion has been turned into keys

    def start(self, client: Client) -> None:
        """Watch the cluster through `client` and reconcile in two threads (a no-op when already started)."""
        if self._threads:
            return
        self._ctx = Context(
            client,
            Kinds.of(client.registry),
            self.settings,
            self.domain,
            self._defer,
            first_seen=self._first_seen,
            profile=self.profile,
            epoch=self._epoch,
        )
        self._queue.reopen()
        self._stopping.clear()
        with self._state:
            self._drained = 0
        watcher = client.watch()
        self._threads = [
            threading.Thread(target=self._watch, args=(watcher,), name="knative-watch", daemon=True),
            threading.Thread(target=self._work, name="knative-worker", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop and join the threads; deferred keys are kept for the next start."""
        self._stopping.set()
        self._queue.shut_down()
        for thread in self._threads:
            thread.join()
        self._threads = []

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until every change so far is reconciled (pending timers aside); False on timeout."""
        assert self._ctx is not None, "the controller is not started"
        client, deadline = self._ctx.client, time.monotonic() + timeout
        while time.monotonic() < deadline:
            target = client.resource_version
            with self._state:
                drained = self._drained
            if drained >= target and self._queue.idle() and client.resource_version == target:
                return True
            time.sleep(0.002)
        return False

    def _defer(self, key: Hashable, seconds: float) -> None:
        self._queue.add_at(time.monotonic() + seconds, key)

    def _watch(self, watcher: Watcher) -> None:
        ctx = self._ctx
        assert ctx is not None
        while not self._stopping.is_set():
            before = ctx.client.resource_version
            event = watcher.next(timeout=0.01)
            if event is None:
                if watcher.closed and not self._stopping.is_set():
                    watcher = ctx.client.watch()  # overflowed: start over from a full list
                    continue
                with self._state:  # the watch was empty after `before`: every change up to it is queued
                    self._drained = max(self._drained, before)
                continue
            try:
                for key in keys_for(ctx, event):
                    self._queue.add(key)
            except Exception:  # a bad object must not stop the control plane
                log.exception("cannot map %s event", event.rt.key)
        watcher.close()

    def _work(self) -> None:
        ctx = self._ctx
        assert ctx is not None
        while (key := self._queue.get()) is not None:
            kind, namespace, name = cast(Key, key)
            try:
                RECONCILERS[kind](ctx, namespace, name)
            except ApiError as error:
                if not isinstance(error, NotFound | Conflict):
                    log.warning("reconcile %s %s/%s: %s", kind, namespace, name, error.message)
                self._defer(key, self.settings.retry_delay)
            except Exception:
                log.exception("reconcile %s %s/%s failed", kind, namespace, name)
                self._defer(key, 1.0)
            finally:
                self._queue.done()
