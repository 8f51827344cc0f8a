"""How many watches the ClusterCache keeps open at the API server: one per kind for the whole cluster when
its identity may read the kind everywhere, one per kind and namespace otherwise.

Watches are counted where they are served. The simulator tells which watch streams it has open
(`SimCluster.open_watches`); a real API server counts its open long-running requests per resource and
scope in its `apiserver_longrunning_requests` gauge (kubernetes
staging/src/k8s.io/apiserver/pkg/endpoints/metrics/metrics.go), where the session's controller manager
keeps watches of its own, so on both backends the test compares the count before and after the cache.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.kube.feeding import ObjectChange
from app.kube.requesting import open_response
from app.kube.resources import discover
from tests.backends import Backend
from tests.kube.helpers import FAST, limited_user, names, put_service
from tests.plugins.sim import dashboard_client
from tests.support.waiting import poll, wait_until

Scope = tuple[str, str]
"""A watched resource ("plural.group", or "plural" for the core group) and "cluster" or "namespace"."""

_GAUGE = re.compile(r"^apiserver_longrunning_requests\{(?P<labels>[^}]*)\} (?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="([^"]*)"')


def open_watches(backend: Backend, admin: ApiClient) -> Counter[Scope]:
    """The watches the API server streams now, by resource and scope."""
    if backend.sim is not None:
        return Counter(
            (resource, "cluster" if namespace is None else "namespace")
            for resource, namespace in backend.sim.open_watches()
        )
    response = open_response(admin, "GET", "/metrics")
    try:
        text = response.data.decode()
    finally:
        response.release_conn()
    found: Counter[Scope] = Counter()
    for line in text.splitlines():
        match = _GAUGE.match(line)
        if match is None:
            continue
        labels = dict(_LABEL.findall(match["labels"]))
        if labels.get("verb") != "WATCH" or labels.get("subresource"):
            continue
        resource = f"{labels['resource']}.{labels['group']}" if labels.get("group") else labels["resource"]
        found[resource, labels["scope"]] += int(float(match["value"]))
    return found


def added(before: Counter[Scope], after: Counter[Scope]) -> Counter[Scope]:
    """The watches opened since `before` (and still open)."""
    return Counter({scope: n - before[scope] for scope, n in after.items() if n > before[scope]})


def cache_kinds(admin: ApiClient) -> list[str]:
    """The resources the cache watches in namespaces, as the counts name them."""
    resources = discover(admin).namespace_resources().values()
    return sorted(f"{r.plural}.{r.group}" if r.group else r.plural for r in resources)


@pytest.fixture
def make_cache() -> Iterator[Callable[..., ClusterCache]]:
    caches: list[ClusterCache] = []

    def make(api: ApiClient, **kwargs: object) -> ClusterCache:
        cache = ClusterCache(api, options=FAST, sync_timeout=5.0, check_seconds=None, **kwargs)  # type: ignore[arg-type]
        caches.append(cache)
        cache.start()
        return cache

    yield make
    for cache in caches:
        cache.stop()


def test_an_admin_gets_one_watch_per_kind_for_the_whole_cluster(
    backend: Backend, admin_api: ApiClient, make_cache: Callable[..., ClusterCache]
) -> None:
    spaces = [backend.namespace() for _ in range(3)]
    for ns in spaces:
        put_service(admin_api, ns, f"web-{ns}")
    kinds = cache_kinds(admin_api)
    before = open_watches(backend, admin_api)
    cache = make_cache(admin_api)
    for ns in spaces:  # every namespace's snapshot holds its own objects alone
        snapshot = cache.objects(ns)
        assert names(snapshot.core_services) == [f"web-{ns}"] and snapshot.complete, snapshot.problems
    expected = Counter({(kind, "cluster"): 1 for kind in [*kinds, "namespaces"]})
    settled, opened = poll(lambda: added(before, open_watches(backend, admin_api)), lambda c: c == expected)
    assert settled, opened
    assert cache.stats()["informers"] == 1 + len(kinds)


def test_a_namespace_scoped_user_watches_its_namespace_alone(
    backend: Backend, admin_api: ApiClient, make_cache: Callable[..., ClusterCache]
) -> None:
    ns = backend.namespace()
    put_service(admin_api, ns, "web")
    kinds = cache_kinds(admin_api)
    with dashboard_client(limited_user(backend, ns, ["*"])) as viewer:
        before = open_watches(backend, admin_api)
        cache = make_cache(viewer)  # no allow-list: the reviews alone decide
        snapshot = cache.objects(ns)
        assert names(snapshot.core_services) == ["web"] and snapshot.complete, snapshot.problems
        assert cache.namespaces_forbidden is not None  # nor may it list the namespaces
        expected = Counter({(kind, "namespace"): 1 for kind in kinds})
        settled, opened = poll(
            lambda: added(before, open_watches(backend, admin_api)), lambda c: c == expected
        )
        assert settled, opened


def test_a_change_anywhere_reaches_the_feeds_of_its_namespace_alone(
    backend: Backend, admin_api: ApiClient, make_cache: Callable[..., ClusterCache]
) -> None:
    watched, other = backend.namespace(), backend.namespace()
    cache = make_cache(admin_api)
    cache.objects(watched)  # synced: later changes are live ones
    with cache.subscribe(watched) as feed, cache.subscribe() as everything:
        put_service(admin_api, other, "elsewhere")
        put_service(admin_api, watched, "here")
        here = ObjectChange(watched, "core_services", "here", "ADDED")
        elsewhere = ObjectChange(other, "core_services", "elsewhere", "ADDED")
        told: list[object] = []

        def both_told() -> bool:
            told.extend(everything.drain())
            return {here, elsewhere} <= set(told)

        assert wait_until(both_told), told
        got = feed.drain()
        assert here in got and elsewhere not in got
    assert names(cache.objects(other).core_services) == ["elsewhere"]
