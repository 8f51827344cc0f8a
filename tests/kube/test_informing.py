"""Informers against the simulated API server: sync, handlers, relists that heal, errors, stop."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.config import close_api_client, load_api_client
from app.kube.informing import Informer
from app.kube.reflecting import ReflectorOptions
from app.sim.cluster import SimCluster
from tests.kube.helpers import (
    CONFIGMAPS,
    FAST,
    Recorder,
    delete_configmap,
    ensure_namespace,
    limited_user,
    names,
    put_configmap,
)
from tests.waiting import wait_until


@pytest.fixture
def informers() -> Iterator[list[Informer]]:
    """Informers to stop after the test, whatever happens."""
    started: list[Informer] = []
    yield started
    for informer in started:
        informer.stop()


def start(
    informers: list[Informer], api: ApiClient, namespace: str, options: ReflectorOptions = FAST
) -> tuple[Informer, Recorder]:
    informer = Informer(api, CONFIGMAPS, namespace, options=options)
    recorder = Recorder()
    informer.add_handler(recorder.on_add, recorder.on_update, recorder.on_delete)
    informers.append(informer)
    informer.start()
    return informer, recorder


def test_first_list_syncs_and_reaches_on_add(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    put_configmap(sim_cluster, namespace, "a", k="1")
    put_configmap(sim_cluster, namespace, "b", k="1")
    informer, recorder = start(informers, api, namespace)
    assert informer.wait_for_sync(5.0) and informer.has_synced()
    assert sorted(recorder.calls) == [("add", "a"), ("add", "b")]
    assert names(informer.lister.list()) == ["a", "b"]
    found = informer.lister.get("a")
    assert found is not None and found["kind"] == "ConfigMap" and found["apiVersion"] == "v1"


def test_add_update_delete_reach_handlers(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    informer, recorder = start(informers, api, namespace)
    assert informer.wait_for_sync(5.0)
    put_configmap(sim_cluster, namespace, "a", k="1")
    assert recorder.saw(("add", "a"))
    put_configmap(sim_cluster, namespace, "a", k="2")
    assert recorder.saw(("update", "a"))
    found = informer.lister.get("a")
    assert found is not None and found["data"] == {"k": "2"}
    delete_configmap(sim_cluster, namespace, "a")
    assert recorder.saw(("delete", "a"))
    assert recorder.calls == [("add", "a"), ("update", "a"), ("delete", "a")]
    assert informer.lister.list() == []


def test_handlers_run_outside_the_store_lock_after_the_store_changed(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    informer = Informer(api, CONFIGMAPS, namespace, options=FAST)
    seen: list[list[str]] = []
    informer.add_handler(on_add=lambda obj: seen.append(names(informer.lister.list())))  # would deadlock
    informers.append(informer)
    informer.start()
    assert informer.wait_for_sync(5.0)
    put_configmap(sim_cluster, namespace, "a", k="1")
    assert wait_until(lambda: seen == [["a"]])
    with pytest.raises(RuntimeError, match="before starting"):
        informer.add_handler(on_add=lambda obj: None)


def test_relist_after_410_misses_nothing_and_keeps_nothing_stale(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    for name in ("keep", "change", "gone"):
        put_configmap(sim_cluster, namespace, name, k="1")
    informer, recorder = start(informers, api, namespace)
    assert informer.wait_for_sync(5.0)
    sim_cluster.faults.set_latency(0.3)  # the next watch request waits in the server...
    sim_cluster.faults.end_watches()
    put_configmap(sim_cluster, namespace, "change", k="2")  # ...while these changes happen...
    put_configmap(sim_cluster, namespace, "new", k="1")
    delete_configmap(sim_cluster, namespace, "gone")
    sim_cluster.faults.compact()  # ...and then their history is gone: the watch gets 410 Expired
    assert names(informer.lister.list()) == ["change", "gone", "keep"]
    sim_cluster.faults.set_latency(0)
    assert recorder.saw(("update", "change"), ("add", "new"), ("delete", "gone"))
    assert names(informer.lister.list()) == ["change", "keep", "new"]
    changed = informer.lister.get("change")
    assert changed is not None and changed["data"] == {"k": "2"}
    assert ("update", "keep") not in recorder.calls  # unchanged objects are not re-announced
    stats = informer.reflector.counters.snapshot()
    assert stats["expired"] >= 1 and stats["relists"] == 2


def test_bookmarks_advance_the_resource_version_without_changes(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    informer, recorder = start(informers, api, namespace)
    assert informer.wait_for_sync(5.0)
    listed = int(informer.reflector.resource_version)
    ensure_namespace(sim_cluster, "elsewhere")  # moves the cluster's resourceVersion, not our kind
    current = sim_cluster.store.resource_version
    assert current > listed
    assert wait_until(lambda: int(informer.reflector.resource_version) == current)  # a BOOKMARK said so
    assert recorder.calls == [] and informer.lister.list() == []
    sim_cluster.faults.end_watches()  # a watch that ends cleanly is simply opened again
    assert wait_until(lambda: informer.reflector.counters.snapshot()["watch_restarts"] >= 1)
    put_configmap(sim_cluster, namespace, "after", k="1")
    assert recorder.saw(("add", "after"))
    assert informer.reflector.counters.snapshot()["relists"] == 1


def test_a_dropped_event_is_healed_by_the_periodic_relist(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    informer, recorder = start(informers, api, namespace, replace(FAST, relist_period=0.5))
    assert informer.wait_for_sync(5.0)
    sim_cluster.faults.drop_next_watch_events(1)
    put_configmap(sim_cluster, namespace, "lost", k="1")
    assert recorder.saw(("add", "lost"), timeout=5.0)
    assert informer.reflector.counters.snapshot()["relists"] >= 2


def test_server_errors_on_list_back_off_then_succeed(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    put_configmap(sim_cluster, namespace, "a", k="1")
    sim_cluster.faults.fail_next(3, code=500)
    started = time.monotonic()
    informer, recorder = start(informers, api, namespace)
    assert informer.wait_for_sync(5.0)
    # three failures wait at least 0.05 + 0.1 + 0.2 seconds (exponential, capped at 0.2)
    assert time.monotonic() - started >= 0.3
    assert informer.reflector.counters.snapshot()["errors"] == 3
    assert informer.reflector.last_error is None
    assert recorder.calls == [("add", "a")]


def test_a_forbidden_kind_reports_the_servers_status(
    sim_cluster: SimCluster, namespace: str, informers: list[Informer], tmp_path: Path
) -> None:
    kubeconfig = limited_user(sim_cluster, tmp_path / "viewer", namespace, ["pods"])
    viewer = load_api_client(kubeconfig)
    informer, _ = start(informers, viewer, namespace, replace(FAST, backoff_initial=5.0, backoff_max=5.0))
    try:
        assert wait_until(lambda: informer.reflector.last_error is not None)
        error = informer.reflector.last_error
        assert error is not None and (error.code, error.reason) == (403, "Forbidden")
        assert 'User "viewer" cannot list resource "configmaps"' in error.message
        assert not informer.has_synced()
    finally:
        informer.stop()
        close_api_client(viewer)


def test_stop_is_prompt_while_a_watch_is_open(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    informer, _ = start(informers, api, namespace, replace(FAST, watch_timeout=60))
    assert informer.wait_for_sync(5.0)
    time.sleep(0.1)  # the watch is open now
    started = time.monotonic()
    informer.stop()
    assert time.monotonic() - started < 1.0
    thread = informer.reflector._thread
    assert thread is not None and not thread.is_alive()
