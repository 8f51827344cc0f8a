"""Pages of a filtered list as a real kube-apiserver gives them (k8s.io/apiserver
pkg/storage/etcd3/store.go, GetList): no remainingItemCount, and a continue token whenever a full
page has any key after it, whether or not it would match."""

from __future__ import annotations

import json
from typing import Any

from app.sim.cluster import SimCluster
from tests.support.simhttp import as_admin, connect

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def send(cluster: SimCluster, method: str, path: str, body: Any = None) -> Any:
    connection = connect(cluster)
    try:
        headers = as_admin(cluster, {"Content-Type": "application/json", "Accept": "application/json"})
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def test_a_filtered_page_has_no_count_and_continues_while_keys_follow(sim_cluster: SimCluster) -> None:
    for name, app in (("a1", "a"), ("a2", "a"), ("b1", "b"), ("b2", "b")):
        send(sim_cluster, "POST", CONFIGMAPS, {"metadata": {"name": name, "labels": {"app": app}}})
    first = send(sim_cluster, "GET", f"{CONFIGMAPS}?limit=1&labelSelector=app%3Da")
    assert [item["metadata"]["name"] for item in first["items"]] == ["a1"]
    assert "remainingItemCount" not in first["metadata"] and first["metadata"]["continue"]
    token = first["metadata"]["continue"]
    second = send(sim_cluster, "GET", f"{CONFIGMAPS}?limit=1&labelSelector=app%3Da&continue={token}")
    assert [item["metadata"]["name"] for item in second["items"]] == ["a2"]
    assert second["metadata"]["continue"]  # b1 and b2 follow, though they do not match
    unfiltered = send(sim_cluster, "GET", f"{CONFIGMAPS}?limit=1")
    assert unfiltered["metadata"]["remainingItemCount"] == 3
