"""The cluster the dashboard shows, and switching it to another kubeconfig context at run time.

A `Cluster` is one API client with its watch cache and access reviews; `ClusterConnection` holds the
current one and swaps it whole: the new context's client and cache are built and started first, then
one assignment makes every later read use them, then the old cache is stopped (which closes its
change feeds: open SSE streams end, telling the browser which context it now shows) and its client
is closed. Readers take `connection.cluster` (or `.cache`, `.api_client`) per use and never keep it.

Switching changes what this dashboard shows, for everyone using it, and nothing in any cluster: it is
offered only when the dashboard runs from a kubeconfig (not in-cluster) that names several contexts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kubernetes.client import ApiClient

from app.kube.access import AccessChecker
from app.kube.caching import ClusterCache
from app.kube.config import ConfigError, close_api_client, list_contexts, load_api_client
from app.settings import Settings

log = logging.getLogger(__name__)


class ContextError(ValueError):
    """The context cannot be switched to: unknown (404; also when switching is not offered) or
    unusable (422: the kubeconfig cannot give a client for it)."""

    def __init__(self, message: str, code: int = 404) -> None:
        super().__init__(message)
        self.code = code

    @property
    def reason(self) -> str:
        return "NotFound" if self.code == 404 else "Invalid"


@dataclass(frozen=True)
class Cluster:
    """One cluster as the dashboard reaches it: the client, its watch cache, its access reviews."""

    api_client: ApiClient
    cache: ClusterCache
    access: AccessChecker
    context: str | None = None
    """The kubeconfig context it came from (None: in-cluster, or a client built by the caller)."""


@dataclass(frozen=True)
class Contexts:
    """What the header and the API show: the current context and the ones to switch to."""

    current: str | None
    names: tuple[str, ...]

    @property
    def switchable(self) -> bool:
        return len(self.names) > 1


def cluster_for(settings: Settings, api_client: ApiClient, context: str | None = None) -> Cluster:
    """A Cluster over `api_client` (not started), with the cache and access reviews `settings` ask for."""
    cache = ClusterCache(
        api_client,
        namespaces=settings.namespaces,
        idle_seconds=settings.idle_seconds,
        check_seconds=settings.watch_check_seconds or None,
        reconnect_seconds=settings.reconnect_seconds,
    )
    return Cluster(api_client, cache, AccessChecker(api_client, ttl=settings.access_review_seconds), context)


def open_cluster(settings: Settings, context: str | None) -> Cluster:
    """A new Cluster for a kubeconfig context (None: the kubeconfig's current one), or in-cluster.
    ConfigError when the kubeconfig cannot give a client for it."""
    api_client = load_api_client(settings.kubeconfig, context, settings.in_cluster)
    if context is None and not settings.in_cluster:
        context = list_contexts(settings.kubeconfig)[1]
    return cluster_for(settings, api_client, context)


class ClusterConnection:
    """The current Cluster, swapped atomically by `switch`. With `opener` None it never switches."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        kubeconfig: Path | None = None,
        opener: Callable[[str], Cluster] | None = None,
    ) -> None:
        self._cluster = cluster
        self._kubeconfig = kubeconfig
        self._opener = opener
        self._switching = threading.Lock()
        self._started = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterConnection:
        """The configured cluster; switchable between contexts when it comes from a kubeconfig."""
        cluster = open_cluster(settings, settings.context)
        if settings.in_cluster:
            return cls(cluster)
        return cls(cluster, kubeconfig=settings.kubeconfig, opener=lambda name: open_cluster(settings, name))

    @property
    def cluster(self) -> Cluster:
        return self._cluster

    @property
    def cache(self) -> ClusterCache:
        return self._cluster.cache

    @property
    def api_client(self) -> ApiClient:
        return self._cluster.api_client

    @property
    def access(self) -> AccessChecker:
        return self._cluster.access

    def contexts(self) -> Contexts:
        """The kubeconfig's contexts (read now: the file may have changed); none when not switchable
        or when the kubeconfig cannot be read any more."""
        current = self._cluster.context
        if self._opener is None:
            return Contexts(current, ())
        try:
            names, _ = list_contexts(self._kubeconfig)
        except ConfigError as error:
            log.warning("cannot list kubeconfig contexts: %s", error)
            return Contexts(current, ())
        return Contexts(current, tuple(names))

    def start(self) -> None:
        """Start the current cache (the app's lifespan calls this once)."""
        with self._switching:
            self._started = True
            self._cluster.cache.start()

    def stop(self) -> None:
        """Stop the current cache and close its client."""
        with self._switching:
            self._started = False
            _close(self._cluster)

    def switch(self, name: str) -> Cluster:
        """Show context `name` from now on; ContextError (and nothing changed) when it cannot be."""
        if self._opener is None:
            raise ContextError("this dashboard does not switch contexts: it does not run from a kubeconfig")
        known = self.contexts().names
        if name not in known:
            raise ContextError(f"no context {name!r} in the kubeconfig; its contexts: {', '.join(known)}")
        with self._switching:
            old = self._cluster
            if name == old.context:
                return old
            try:
                new = self._opener(name)
            except ConfigError as error:
                raise ContextError(f"cannot use context {name!r}: {error}", 422) from error
            if self._started:
                new.cache.start()
            self._cluster = new
            _close(old)
            log.info("switched from context %s to %s", old.context, name)
            return new


def _close(cluster: Cluster) -> None:
    cluster.cache.stop()
    close_api_client(cluster.api_client)
