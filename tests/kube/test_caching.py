"""The ClusterCache against the simulated and a real API server: snapshots, namespaces, feed, connection,
idle stop.

Most tests run on both backends. On the simulator alone:

- test_connection_is_lost_and_back_and_data_is_right_afterwards and
  test_version_moves_with_every_change_a_snapshot_would_show stop the simulated server and write into its
  store meanwhile, which the real one cannot be (test_an_api_server_restart_... is the real server's
  version: nobody can write while it is down).
- test_kinds_installed_later_are_picked_up serves a registry that grows during the test; the real
  cluster of the session has every CRD installed once and keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient

from app.kube.caching import DETAIL_KINDS, ClusterCache, NamespaceNotAllowed
from app.kube.config import close_api_client, load_api_client
from app.kube.feeding import ChangeFeed, ConnectionChange, FeedItem, ObjectChange, Resync
from app.sim.cluster import SimCluster
from app.sim.storage.resources import ResourceRegistry, default_registry
from tests.backends import Backend, create_namespace
from tests.kube.helpers import (
    FAST,
    delete_service,
    limited_user,
    names,
    put_service,
    store_delete,
    store_put_service,
)
from tests.plugins.sim import dashboard_client
from tests.support.waiting import wait_until

CacheFactory = Callable[..., ClusterCache]
KNATIVE_AND_ISTIO = ["configurations", "ingresses", "revisions", "routes", "services", "virtualservices"]
"""The cache's kinds of the Knative and Istio API groups (its `services` are Knative's)."""


@pytest.fixture
def make_cache() -> Iterator[CacheFactory]:
    """Build and start caches (fast timings unless overridden); all are stopped after the test."""
    caches: list[ClusterCache] = []

    def make(api: ApiClient, **kwargs: object) -> ClusterCache:
        options: dict[str, object] = {"options": FAST, "sync_timeout": 5.0, **kwargs}
        cache = ClusterCache(api, **options)  # type: ignore[arg-type]
        caches.append(cache)
        cache.start()
        return cache

    yield make
    for cache in caches:
        cache.stop()


def next_matching(
    feed: ChangeFeed, wanted: Callable[[FeedItem], bool], timeout: float = 5.0
) -> FeedItem | None:
    """The first item `wanted` accepts (others are skipped), or None on timeout."""
    found: list[FeedItem] = []

    def seen() -> bool:
        item = feed.get(0.05)
        if item is not None and wanted(item):
            found.append(item)
        return bool(found)

    wait_until(seen, timeout)
    return found[0] if found else None


def test_objects_of_the_lab_namespace(lab: Backend, make_cache: CacheFactory) -> None:
    with dashboard_client(lab.kubeconfig()) as api:
        cache = make_cache(api)
        snapshot = cache.objects("labs-1")
        assert snapshot.complete and snapshot.problems == () and snapshot.knative and snapshot.istio
        assert names(snapshot.services) == ["customer", "preference", "recommendation"]
        assert names(snapshot.configurations) == ["customer", "preference", "recommendation"]
        assert {"customer-v3", "customer-v4", "recommendation-v2"} <= set(names(snapshot.revisions))
        assert names(snapshot.routes) == ["customer", "preference", "recommendation"]
        assert "customer-ingress" in names(snapshot.virtualservices)  # Knative 1.23 names it <route>-ingress
        assert "customer-v4-private" in names(snapshot.core_services)
        assert names(snapshot.ingresses) == ["customer", "preference", "recommendation"]
        assert all(s["kind"] == "Service" for s in snapshot.services)
        assert cache.active_namespaces() == ["labs-1"]
        assert "labs-1" in cache.namespaces()
        assert cache.stats()["informers"] == 1 + 12


def test_allow_list_limits_namespaces_and_objects(
    backend: Backend, admin_api: ApiClient, make_cache: CacheFactory
) -> None:
    allowed, other = backend.namespace(), backend.namespace()
    cache = make_cache(admin_api, namespaces=[allowed, "absent"])
    assert cache.namespaces() == [allowed]
    with pytest.raises(NamespaceNotAllowed):
        cache.objects(other)
    with pytest.raises(ValueError, match="invalid namespace"):
        cache.objects("../secrets")
    assert cache.active_namespaces() == []


def test_forbidden_namespace_list_falls_back_to_the_allow_list(
    backend: Backend, admin_api: ApiClient, fresh_namespace: str, make_cache: CacheFactory
) -> None:
    put_service(admin_api, fresh_namespace, "web")
    with dashboard_client(limited_user(backend, fresh_namespace, ["*"])) as viewer:
        cache = make_cache(viewer, namespaces=[fresh_namespace])
        assert cache.namespaces() == [fresh_namespace] and cache.has_synced()
        assert cache.namespaces_forbidden is not None
        assert 'User "viewer" cannot list resource "namespaces"' in cache.namespaces_forbidden
        assert cache.connected  # a refusal is not a lost connection
        snapshot = cache.objects(fresh_namespace)
        assert names(snapshot.core_services) == ["web"] and snapshot.complete and snapshot.problems == ()

        unconfigured = make_cache(viewer)
        assert unconfigured.namespaces() == []
        assert unconfigured.namespaces_forbidden is not None


def test_a_forbidden_kind_is_reported_and_the_allowed_ones_are_shown(
    backend: Backend, admin_api: ApiClient, fresh_namespace: str, make_cache: CacheFactory
) -> None:
    put_service(admin_api, fresh_namespace, "web")
    core_only = limited_user(backend, fresh_namespace, ["services", "pods", "events"], groups=("",))
    with dashboard_client(core_only) as viewer:
        cache = make_cache(viewer, namespaces=[fresh_namespace])
        snapshot = cache.objects(fresh_namespace)
        assert names(snapshot.core_services) == ["web"] and snapshot.services == ()
        assert not snapshot.complete
        refused = {problem.split(":")[0]: problem for problem in snapshot.problems}
        assert sorted(refused) == KNATIVE_AND_ISTIO
        assert refused["services"].startswith("services: 403 Forbidden: ")
        assert (
            'User "viewer" cannot list resource "services" in API group "serving.knative.dev"'
            in (refused["services"])
        )
        assert cache.connected  # refusals are not a lost connection: no banner
        assert cache.stats()["errors"] >= len(KNATIVE_AND_ISTIO)


def test_refused_detail_kinds_are_left_out_quietly(
    backend: Backend, admin_api: ApiClient, fresh_namespace: str, make_cache: CacheFactory
) -> None:
    """An identity whose RBAC predates the watch of ServerlessServices, PodAutoscalers and Endpoints (an
    older deploy/ role) still gets whole pages: those kinds only fill in owner chains and backends, so
    their refusal is listed as unreadable, not as a problem, and the snapshot counts as complete."""
    put_service(admin_api, fresh_namespace, "web")
    shown = [
        "services",
        "configurations",
        "revisions",
        "routes",
        "virtualservices",
        "ingresses",
        "pods",
        "events",
    ]
    with dashboard_client(limited_user(backend, fresh_namespace, shown)) as viewer:
        cache = make_cache(viewer, namespaces=[fresh_namespace])
        snapshot = cache.objects(fresh_namespace)
        assert names(snapshot.core_services) == ["web"]
        assert snapshot.problems == () and snapshot.complete
        assert sorted(snapshot.unreadable) == sorted(DETAIL_KINDS)
        assert cache.connected


def test_changes_reach_a_namespace_feed(
    backend: Backend, admin_api: ApiClient, make_cache: CacheFactory
) -> None:
    watched, unwatched = backend.namespace(), backend.namespace()
    # Namespace by namespace, as for an identity that may not watch everywhere (the cluster-wide
    # watches' feed: tests/kube/test_cluster_watches.py).
    cache = make_cache(admin_api, cluster_watches=False)
    with cache.subscribe(watched) as feed, cache.subscribe() as everything:
        assert cache.active_namespaces() == [watched]
        cache.objects(watched)  # synced: later changes are live ones
        put_service(admin_api, watched, "web")
        wanted = ObjectChange(watched, "core_services", "web", "ADDED")
        assert next_matching(feed, lambda item: item == wanted) == wanted
        assert next_matching(everything, lambda item: item == wanted) == wanted
        created = backend.namespace()
        added = ObjectChange("", "namespaces", created, "ADDED")
        assert next_matching(feed, lambda item: item == added) == added
        put_service(admin_api, unwatched, "other")  # no informer runs there: nobody is told
        assert (
            next_matching(everything, lambda item: getattr(item, "namespace", "") == unwatched, 0.3) is None
        )
        assert wait_until(lambda: created in cache.namespaces())


def test_a_subscriber_that_falls_behind_is_told_to_resync(
    admin_api: ApiClient, fresh_namespace: str, make_cache: CacheFactory
) -> None:
    cache = make_cache(admin_api, feed_size=3)
    with cache.subscribe(fresh_namespace) as slow:
        cache.objects(fresh_namespace)
        for i in range(6):
            put_service(admin_api, fresh_namespace, f"web-{i}")
        assert wait_until(lambda: len(cache.objects(fresh_namespace).core_services) == 6)
        assert wait_until(lambda: cache.stats()["feed_overflows"] >= 1)
        assert slow.drain()[0] == Resync()


def test_connection_is_lost_and_back_and_data_is_right_afterwards(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    create_namespace(api, "labs-1")
    store_put_service(sim_cluster, "labs-1", "before")
    cache = make_cache(api)
    with cache.subscribe("labs-1") as feed:
        assert names(cache.objects("labs-1").core_services) == ["before"]
        assert cache.connected and cache.has_synced()
        sim_cluster.stop()
        lost = next_matching(feed, lambda item: isinstance(item, ConnectionChange))
        assert isinstance(lost, ConnectionChange) and not lost.connected and lost.error
        assert not cache.connected and cache.last_error
        store_put_service(sim_cluster, "labs-1", "during")  # straight into the store while nobody can watch
        store_delete(sim_cluster, "services", "labs-1", "before")
        sim_cluster.start()
        back = next_matching(feed, lambda item: isinstance(item, ConnectionChange))
        assert back == ConnectionChange(connected=True)
        assert wait_until(lambda: names(cache.objects("labs-1").core_services) == ["during"])
        assert cache.connection().connected and cache.stats()["errors"] >= 1


@pytest.mark.real
def test_an_api_server_restart_is_a_lost_connection_and_the_data_is_right_afterwards(
    real_backend: Backend, real_cluster: Any, make_cache: CacheFactory
) -> None:
    with dashboard_client(real_backend.kubeconfig()) as api:
        namespace = real_backend.namespace()
        put_service(api, namespace, "before")
        cache = make_cache(api)
        with cache.subscribe(namespace) as feed:
            assert names(cache.objects(namespace).core_services) == ["before"]
            assert cache.connected and cache.has_synced()
            synced = cache.version(namespace)
            # It stops listening at once; the open watches break when it is killed a second later.
            real_cluster.stop_apiserver(grace=1.0)
            lost = next_matching(feed, lambda item: isinstance(item, ConnectionChange), 10.0)
            assert isinstance(lost, ConnectionChange) and not lost.connected and lost.error
            assert not cache.connected and cache.last_error
            assert cache.version(namespace) != synced  # snapshots now carry problems
            real_cluster.start_apiserver()
            put_service(api, namespace, "after")
            delete_service(api, namespace, "before")
            back = next_matching(feed, lambda item: isinstance(item, ConnectionChange), 10.0)
            assert back == ConnectionChange(connected=True)
            assert wait_until(lambda: names(cache.objects(namespace).core_services) == ["after"])
            snapshot = cache.objects(namespace)
            assert snapshot.complete and snapshot.problems == ()
            assert cache.connection().connected and cache.stats()["errors"] >= 1


def test_idle_namespaces_stop_unless_a_feed_holds_them(
    backend: Backend, admin_api: ApiClient, make_cache: CacheFactory
) -> None:
    asked, held = backend.namespace(), backend.namespace()
    # Long enough that a loaded machine starts both namespaces' watches before the first goes idle.
    # Namespace by namespace: cluster-wide watches serve every namespace and never go idle.
    cache = make_cache(admin_api, idle_seconds=2.0, cluster_watches=False)
    cache.objects(asked)
    feed = cache.subscribe(held)
    assert cache.active_namespaces() == sorted([asked, held])
    assert wait_until(lambda: cache.active_namespaces() == [held], 15.0)
    feed.close()
    assert wait_until(lambda: cache.active_namespaces() == [], 15.0)
    assert cache.stats()["informers"] == 1
    put_service(admin_api, asked, "web")  # a namespace asked for again starts afresh
    assert names(cache.objects(asked).core_services) == ["web"]


def test_stop_ends_informers_and_feeds(admin_api: ApiClient, fresh_namespace: str) -> None:
    cache = ClusterCache(admin_api, options=FAST)
    assert not cache.has_synced()  # nothing is asked before start()
    cache.start()
    cache.objects(fresh_namespace)
    feed = cache.subscribe()
    cache.stop()
    assert feed.get(1.0) is None and feed.closed
    assert cache.active_namespaces() == []
    with pytest.raises(RuntimeError, match="stopped"):
        cache.objects(fresh_namespace)


def test_kinds_installed_later_are_picked_up(make_cache: CacheFactory, tmp_path: Path) -> None:
    everything = default_registry()
    istio = [rt for rt in everything.all() if rt.group == "networking.istio.io"]
    registry = ResourceRegistry(rt for rt in everything.all() if rt not in istio)
    with SimCluster(registry=registry) as cluster:
        api = load_api_client(cluster.write_kubeconfig(tmp_path / "kubeconfig"))
        create_namespace(api, "labs-1")
        cache = make_cache(api, rediscover_seconds=0.1)
        try:
            with cache.subscribe("labs-1") as feed:
                before = cache.objects("labs-1")
                assert before.knative and not before.istio and before.complete
                for rt in istio:  # Istio gets installed
                    registry.add(rt)
                assert wait_until(lambda: cache.objects("labs-1").istio)
                assert next_matching(feed, lambda item: isinstance(item, Resync)) == Resync()
                assert cache.active_namespaces() == ["labs-1"] and cache.objects("labs-1").complete
                assert cache.stats()["informers"] == 1 + 12
        finally:
            cache.stop()  # before its cluster and client go
            close_api_client(api)


def test_version_moves_with_every_change_a_snapshot_would_show(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    create_namespace(api, "labs-1")
    create_namespace(api, "labs-2")
    cache = make_cache(api)

    def agree() -> None:
        """`versions` answers what `version` does, for a namespace read, one never read and one unknown."""
        asked = ["labs-1", "labs-2", "no-such-namespace"]
        assert cache.versions(asked) == [cache.version(n) for n in asked]

    agree()
    cache.objects("labs-1")
    synced = cache.version("labs-1")
    assert cache.version("labs-1") == synced  # nothing changed: the same value
    agree()
    put_service(api, "labs-1", "web")
    assert wait_until(lambda: "web" in names(cache.objects("labs-1").core_services))
    changed = cache.version("labs-1")
    assert changed != synced
    agree()
    sim_cluster.stop()  # the watches fail: snapshots now carry problems
    assert wait_until(lambda: cache.version("labs-1") != changed)
    agree()
    sim_cluster.start()
