"""The ClusterCache against simulated clusters: snapshots, namespaces, feed, connection, idle stop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache, NamespaceNotAllowed
from app.kube.config import close_api_client, load_api_client
from app.kube.feeding import ChangeFeed, ConnectionChange, FeedItem, ObjectChange, Resync
from app.sim.cluster import SimCluster
from app.sim.resources import ResourceRegistry, default_registry
from tests.kube.helpers import FAST, ensure_namespace, limited_user, names
from tests.plugins.sim import dashboard_client
from tests.waiting import wait_until

CacheFactory = Callable[..., ClusterCache]


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


def put_service(cluster: SimCluster, namespace: str, name: str) -> None:
    body = {"metadata": {"name": name, "namespace": namespace}, "spec": {"ports": [{"port": 80}]}}
    cluster.store.create(cluster.store.registry.get("services"), namespace, body)


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


def test_objects_of_the_lab_namespace(knative_kubeconfig: Path, make_cache: CacheFactory) -> None:
    with dashboard_client(knative_kubeconfig) as api:
        cache = make_cache(api)
        snapshot = cache.objects("labs-1")
        assert snapshot.complete and snapshot.problems == () and snapshot.knative and snapshot.istio
        assert names(snapshot.services) == ["customer", "preference", "recommendation"]
        assert names(snapshot.configurations) == ["customer", "preference", "recommendation"]
        assert {"customer-v3", "customer-v4", "recommendation-v2"} <= set(names(snapshot.revisions))
        assert names(snapshot.routes) == ["customer", "preference", "recommendation"]
        assert "customer-ingress" in names(snapshot.virtualservices)
        assert "customer-v4-private" in names(snapshot.kservices)
        assert names(snapshot.ingresses) == ["customer", "preference", "recommendation"]
        assert all(s["kind"] == "Service" for s in snapshot.services)
        assert cache.active_namespaces() == ["labs-1"]
        assert "labs-1" in cache.namespaces()
        assert cache.stats()["informers"] == 1 + 9


def test_allow_list_limits_namespaces_and_objects(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    ensure_namespace(sim_cluster, "labs-2")
    cache = make_cache(api, namespaces=["labs-1", "absent"])
    assert cache.namespaces() == ["labs-1"]
    with pytest.raises(NamespaceNotAllowed):
        cache.objects("labs-2")
    with pytest.raises(ValueError, match="invalid namespace"):
        cache.objects("../secrets")
    assert cache.active_namespaces() == []


def test_forbidden_namespace_list_falls_back_to_the_allow_list(
    sim_cluster: SimCluster, make_cache: CacheFactory, tmp_path: Path
) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    put_service(sim_cluster, "labs-1", "web")
    with dashboard_client(limited_user(sim_cluster, tmp_path / "viewer", "labs-1", ["*"])) as viewer:
        cache = make_cache(viewer, namespaces=["labs-1"])
        assert cache.namespaces() == ["labs-1"] and cache.has_synced()
        assert cache.namespaces_forbidden is not None and "cannot list" in cache.namespaces_forbidden
        assert cache.connected  # a refusal is not a lost connection
        snapshot = cache.objects("labs-1")
        assert names(snapshot.kservices) == ["web"] and snapshot.complete

        unconfigured = make_cache(viewer)
        assert unconfigured.namespaces() == []
        assert unconfigured.namespaces_forbidden is not None


def test_changes_reach_a_namespace_feed(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    ensure_namespace(sim_cluster, "labs-2")
    cache = make_cache(api)
    with cache.subscribe("labs-1") as feed, cache.subscribe() as everything:
        assert cache.active_namespaces() == ["labs-1"]
        cache.objects("labs-1")  # synced: later changes are live ones
        put_service(sim_cluster, "labs-1", "web")
        wanted = ObjectChange("labs-1", "kservices", "web", "ADDED")
        assert next_matching(feed, lambda item: item == wanted) == wanted
        assert next_matching(everything, lambda item: item == wanted) == wanted
        ensure_namespace(sim_cluster, "labs-3")
        added = ObjectChange("", "namespaces", "labs-3", "ADDED")
        assert next_matching(feed, lambda item: item == added) == added
        put_service(sim_cluster, "labs-2", "other")  # no informer runs for labs-2: nobody is told
        assert next_matching(everything, lambda item: getattr(item, "namespace", "") == "labs-2", 0.3) is None
        assert wait_until(lambda: "labs-3" in cache.namespaces())


def test_a_subscriber_that_falls_behind_is_told_to_resync(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    cache = make_cache(api, feed_size=3)
    with cache.subscribe("labs-1") as slow:
        cache.objects("labs-1")
        for i in range(6):
            put_service(sim_cluster, "labs-1", f"web-{i}")
        assert wait_until(lambda: len(cache.objects("labs-1").kservices) == 6)
        assert wait_until(lambda: cache.stats()["feed_overflows"] >= 1)
        assert slow.drain()[0] == Resync()


def test_connection_is_lost_and_back_and_data_is_right_afterwards(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    put_service(sim_cluster, "labs-1", "before")
    cache = make_cache(api)
    with cache.subscribe("labs-1") as feed:
        assert names(cache.objects("labs-1").kservices) == ["before"]
        assert cache.connected and cache.has_synced()
        sim_cluster.stop()
        lost = next_matching(feed, lambda item: isinstance(item, ConnectionChange))
        assert isinstance(lost, ConnectionChange) and not lost.connected and lost.error
        assert not cache.connected and cache.last_error
        put_service(sim_cluster, "labs-1", "during")  # straight into the store while nobody can watch
        sim_cluster.store.delete(sim_cluster.store.registry.get("services"), "labs-1", "before")
        sim_cluster.start()
        back = next_matching(feed, lambda item: isinstance(item, ConnectionChange))
        assert back == ConnectionChange(connected=True)
        assert wait_until(lambda: names(cache.objects("labs-1").kservices) == ["during"])
        assert cache.connection().connected and cache.stats()["errors"] >= 1


def test_idle_namespaces_stop_unless_a_feed_holds_them(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    ensure_namespace(sim_cluster, "labs-2")
    cache = make_cache(api, idle_seconds=0.2)
    cache.objects("labs-1")
    feed = cache.subscribe("labs-2")
    assert cache.active_namespaces() == ["labs-1", "labs-2"]
    assert wait_until(lambda: cache.active_namespaces() == ["labs-2"], 3.0)
    feed.close()
    assert wait_until(lambda: cache.active_namespaces() == [], 3.0)
    assert cache.stats()["informers"] == 1
    put_service(sim_cluster, "labs-1", "web")  # a namespace asked for again starts afresh
    assert names(cache.objects("labs-1").kservices) == ["web"]


def test_stop_ends_informers_and_feeds(sim_cluster: SimCluster, api: ApiClient) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    cache = ClusterCache(api, options=FAST)
    assert not cache.has_synced()  # nothing is asked before start()
    cache.start()
    cache.objects("labs-1")
    feed = cache.subscribe()
    cache.stop()
    assert feed.get(1.0) is None and feed.closed
    assert cache.active_namespaces() == []
    with pytest.raises(RuntimeError, match="stopped"):
        cache.objects("labs-1")


def test_kinds_installed_later_are_picked_up(make_cache: CacheFactory, tmp_path: Path) -> None:
    everything = default_registry()
    istio = [rt for rt in everything.all() if rt.group == "networking.istio.io"]
    registry = ResourceRegistry(rt for rt in everything.all() if rt not in istio)
    with SimCluster(registry=registry) as cluster:
        ensure_namespace(cluster, "labs-1")
        api = load_api_client(cluster.write_kubeconfig(tmp_path / "kubeconfig"))
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
                assert cache.stats()["informers"] == 1 + 9
        finally:
            cache.stop()  # before its cluster and client go
            close_api_client(api)


def test_version_moves_with_every_change_a_snapshot_would_show(
    sim_cluster: SimCluster, api: ApiClient, make_cache: CacheFactory
) -> None:
    ensure_namespace(sim_cluster, "labs-1")
    cache = make_cache(api)
    cache.objects("labs-1")
    synced = cache.version("labs-1")
    assert cache.version("labs-1") == synced  # nothing changed: the same value
    put_service(sim_cluster, "labs-1", "web")
    assert wait_until(lambda: "web" in names(cache.objects("labs-1").kservices))
    changed = cache.version("labs-1")
    assert changed != synced
    sim_cluster.stop()  # the watches fail: snapshots now carry problems
    assert wait_until(lambda: cache.version("labs-1") != changed)
    sim_cluster.start()
