"""ListWatch on its own: paginated lists and the raw watch stream."""

from __future__ import annotations

from kubernetes.client import ApiClient

from app.kube.watching import ListWatch
from app.sim.cluster import SimCluster
from tests.kube.helpers import CONFIGMAPS, names, put_configmap


def test_a_paginated_list_returns_every_item_at_one_resource_version(
    sim_cluster: SimCluster, api: ApiClient, namespace: str
) -> None:
    for i in range(5):
        put_configmap(sim_cluster, namespace, f"cm-{i}", k="1")
    listed = ListWatch(api, CONFIGMAPS, namespace, page_size=2).list()
    assert names(listed.items) == [f"cm-{i}" for i in range(5)]
    assert listed.resource_version == str(sim_cluster.store.resource_version)
    assert {(o["apiVersion"], o["kind"]) for o in listed.items} == {("v1", "ConfigMap")}


def test_a_watch_streams_events_until_the_server_ends_it(
    sim_cluster: SimCluster, api: ApiClient, namespace: str
) -> None:
    list_watch = ListWatch(api, CONFIGMAPS, namespace)
    stream = list_watch.watch(list_watch.list().resource_version, timeout_seconds=1)
    events = stream.events()
    put_configmap(sim_cluster, namespace, "a", k="1")
    first = next(event for event in events if event.type != "BOOKMARK")
    assert (first.type, first.object["metadata"]["name"]) == ("ADDED", "a")
    assert all(event.type == "BOOKMARK" for event in events)  # then the server ends it after 1 s
