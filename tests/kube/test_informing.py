"""Informers against the simulated and a real API server: sync, handlers, relists that heal, errors, stop.

Most tests take `backend` and run on both. On the simulator alone, because only its fault switches can
make a server misbehave on demand:

- test_relist_after_410_misses_nothing_and_keeps_nothing_stale: a watch request slowed down
  (`set_latency`) until the history it needs has been compacted away (`compact`).
- test_a_dropped_event_is_healed_by_the_periodic_relist: a watch event left out (`drop_next_watch_events`).
- test_server_errors_on_list_back_off_then_succeed: three 500s in a row (`fail_next`).

The real server's own 410 comes from restarting it (its watch caches start afresh), in
test_a_watch_from_before_an_api_server_restart_expires_and_the_relist_heals, on the real backend alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from kubernetes.client import ApiClient

from app.kube.informing import Informer
from app.kube.reflecting import ReflectorOptions
from app.kube.watching import ListWatch
from app.model.objects import KubeObject
from app.sim.cluster import SimCluster
from tests.backends import Backend
from tests.kube.helpers import (
    CONFIGMAPS,
    FAST,
    Recorder,
    delete_configmap,
    limited_user,
    names,
    put_configmap,
    put_secret,
    store_delete,
    store_put_configmap,
)
from tests.plugins.sim import dashboard_client
from tests.support.waiting import wait_until


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
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    put_configmap(admin_api, fresh_namespace, "a", k="1")
    put_configmap(admin_api, fresh_namespace, "b", k="1")
    informer, recorder = start(informers, admin_api, fresh_namespace)
    assert informer.wait_for_sync(5.0) and informer.has_synced()
    assert sorted(recorder.calls) == [("add", "a"), ("add", "b")]
    assert names(informer.lister.list()) == ["a", "b"]
    found = informer.lister.get("a")
    assert found is not None and found["kind"] == "ConfigMap" and found["apiVersion"] == "v1"


def test_add_update_delete_reach_handlers(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    informer, recorder = start(informers, admin_api, fresh_namespace)
    assert informer.wait_for_sync(5.0)
    put_configmap(admin_api, fresh_namespace, "a", k="1")
    assert recorder.saw(("add", "a"))
    put_configmap(admin_api, fresh_namespace, "a", k="2")
    assert recorder.saw(("update", "a"))
    found = informer.lister.get("a")
    assert found is not None and found["data"] == {"k": "2"}
    delete_configmap(admin_api, fresh_namespace, "a")
    assert recorder.saw(("delete", "a"))
    assert recorder.calls == [("add", "a"), ("update", "a"), ("delete", "a")]
    assert informer.lister.list() == []


def test_handlers_run_outside_the_store_lock_after_the_store_changed(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    informer = Informer(admin_api, CONFIGMAPS, fresh_namespace, options=FAST)
    seen: list[list[str]] = []
    informer.add_handler(on_add=lambda obj: seen.append(names(informer.lister.list())))  # would deadlock
    informers.append(informer)
    informer.start()
    assert informer.wait_for_sync(5.0)
    put_configmap(admin_api, fresh_namespace, "a", k="1")
    assert wait_until(lambda: seen == [["a"]])
    with pytest.raises(RuntimeError, match="before starting"):
        informer.add_handler(on_add=lambda obj: None)


def test_relist_after_410_misses_nothing_and_keeps_nothing_stale(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    for name in ("keep", "change", "gone"):
        store_put_configmap(sim_cluster, namespace, name, k="1")
    informer, recorder = start(informers, api, namespace)
    assert informer.wait_for_sync(5.0)
    store_put_configmap(sim_cluster, namespace, "ready", k="1")
    assert recorder.saw(("add", "ready"))  # the watch is open: ending it below is sure to end it
    sim_cluster.faults.set_latency(0.5)  # the next watch request waits in the server...
    sim_cluster.faults.end_watches()
    # Once the old stream has ended, nothing can carry the changes but the slowed-down new watch.
    assert wait_until(lambda: informer.reflector.counters.snapshot()["watch_restarts"] >= 1)
    store_put_configmap(sim_cluster, namespace, "change", k="2")  # ...while these changes happen...
    store_put_configmap(sim_cluster, namespace, "new", k="1")
    store_delete(sim_cluster, "configmaps", namespace, "gone")
    sim_cluster.faults.compact()  # ...and then their history is gone: the watch gets 410 Expired
    assert names(informer.lister.list()) == ["change", "gone", "keep", "ready"]
    sim_cluster.faults.set_latency(0)
    assert recorder.saw(("update", "change"), ("add", "new"), ("delete", "gone"))
    assert names(informer.lister.list()) == ["change", "keep", "new", "ready"]
    changed = informer.lister.get("change")
    assert changed is not None and changed["data"] == {"k": "2"}
    assert ("update", "keep") not in recorder.calls  # unchanged objects are not re-announced
    stats = informer.reflector.counters.snapshot()
    assert stats["expired"] >= 1 and stats["relists"] == 2


@pytest.mark.real
def test_a_watch_from_before_an_api_server_restart_expires_and_the_relist_heals(
    real_backend: Backend, real_cluster: Any, informers: list[Informer], caplog: pytest.LogCaptureFixture
) -> None:
    """A restarted kube-apiserver fills its watch caches from etcd's current revision, so a watch from
    any older resourceVersion gets 410 Expired "too old resource version" (etcd may well still have that
    history; the cache does not). The reflector must relist and end up with exactly the current objects."""
    with dashboard_client(real_backend.kubeconfig()) as api:
        namespace = real_backend.namespace()
        for name in ("keep", "change", "gone"):
            put_configmap(api, namespace, name, k="1")
        # A reflector whose watch breaks during the restart relists anyway (any failed request makes it
        # relist). To watch from a pre-restart resourceVersion, as a client whose watch request waited out
        # the restart would, it is held between its list and its watch: the first list's on_add handlers
        # run on its thread right there, and one of them waits until the restart is over.
        held, release = threading.Event(), threading.Event()

        def hold_once(obj: KubeObject) -> None:
            if not held.is_set():
                held.set()
                release.wait(60.0)

        informer = Informer(api, CONFIGMAPS, namespace, options=FAST)
        recorder = Recorder()
        informer.add_handler(on_add=hold_once)
        informer.add_handler(recorder.on_add, recorder.on_update, recorder.on_delete)
        informers.append(informer)
        try:
            informer.start()
            assert held.wait(10.0) and informer.has_synced()
            listed = int(informer.reflector.resource_version)
            put_configmap(api, namespace, "change", k="2")  # changes before the restart...
            put_configmap(api, namespace, "new", k="1")
            delete_configmap(api, namespace, "gone")
            real_cluster.restart_apiserver()
            put_configmap(api, namespace, "after", k="1")  # ...and after it
            caplog.set_level(logging.INFO, logger="app.kube.reflecting")
        finally:
            release.set()
        assert wait_until(lambda: names(informer.lister.list()) == ["after", "change", "keep", "new"], 10.0)
        changed = informer.lister.get("change")
        assert changed is not None and changed["data"] == {"k": "2"}
        assert recorder.saw(("update", "change"), ("add", "new"), ("delete", "gone"), ("add", "after"))
        assert ("update", "keep") not in recorder.calls  # unchanged objects are not re-announced
        stats = informer.reflector.counters.snapshot()
        assert (stats["expired"], stats["relists"], stats["errors"]) == (1, 2, 0)
        assert f"too old resource version: {listed} " in caplog.text
        assert int(informer.reflector.resource_version) > listed


def test_bookmarks_advance_the_resource_version_without_changes(
    backend: Backend, admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    informer, recorder = start(informers, admin_api, fresh_namespace, replace(FAST, watch_timeout=3))
    assert informer.wait_for_sync(5.0)
    listed = int(informer.reflector.resource_version)
    secret = put_secret(admin_api, fresh_namespace, "elsewhere")  # moves the cluster on, not ConfigMaps
    assert int(secret["metadata"]["resourceVersion"]) > listed
    # The simulator's bookmarks carry the store's resourceVersion every 0.2 s, whatever changed. A real
    # API server's ConfigMap watch cache hears nothing of Secrets: it sends a BOOKMARK (about 2 s before
    # the watch's 3 s timeout) only once it has a newer resourceVersion, which a consistent list of
    # ConfigMaps by any client makes it fetch from etcd (etcd's own progress notifications come every
    # 10 minutes by default). Here that other client lists another namespace; test_watching measures it.
    nudged = int(ListWatch(admin_api, CONFIGMAPS, backend.namespace()).list().resource_version)
    assert wait_until(lambda: int(informer.reflector.resource_version) >= nudged, 10.0)  # a BOOKMARK said so
    assert recorder.calls == [] and informer.lister.list() == []
    # A watch the server ends at its timeoutSeconds is simply opened again from there, without a relist.
    assert wait_until(lambda: informer.reflector.counters.snapshot()["watch_restarts"] >= 1, 10.0)
    put_configmap(admin_api, fresh_namespace, "after", k="1")
    assert recorder.saw(("add", "after"))
    assert informer.reflector.counters.snapshot()["relists"] == 1


def test_a_dropped_event_is_healed_by_the_periodic_relist(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    informer, recorder = start(informers, api, namespace, replace(FAST, relist_period=0.5))
    assert informer.wait_for_sync(5.0)
    sim_cluster.faults.drop_next_watch_events(1)
    store_put_configmap(sim_cluster, namespace, "lost", k="1")
    assert recorder.saw(("add", "lost"), timeout=5.0)
    assert informer.reflector.counters.snapshot()["relists"] >= 2


def test_server_errors_on_list_back_off_then_succeed(
    sim_cluster: SimCluster, api: ApiClient, namespace: str, informers: list[Informer]
) -> None:
    store_put_configmap(sim_cluster, namespace, "a", k="1")
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
    backend: Backend, fresh_namespace: str, informers: list[Informer]
) -> None:
    kubeconfig = limited_user(backend, fresh_namespace, ["pods"])
    with dashboard_client(kubeconfig) as viewer:
        slow = replace(FAST, backoff_initial=5.0, backoff_max=5.0)
        informer, _ = start(informers, viewer, fresh_namespace, slow)
        try:
            assert wait_until(lambda: informer.reflector.last_error is not None)
            error = informer.reflector.last_error
            assert error is not None and (error.code, error.reason) == (403, "Forbidden")
            assert 'User "viewer" cannot list resource "configmaps"' in error.message
            assert error.status is not None and error.status["kind"] == "Status"
            assert not informer.has_synced()
        finally:
            informer.stop()


def test_stop_is_prompt_while_a_watch_is_open(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    informer, _ = start(informers, admin_api, fresh_namespace, replace(FAST, watch_timeout=60))
    assert informer.wait_for_sync(5.0)
    time.sleep(0.1)  # the watch is open now
    started = time.monotonic()
    informer.stop()
    assert time.monotonic() - started < 1.0
    thread = informer.reflector._thread
    assert thread is not None and not thread.is_alive()
