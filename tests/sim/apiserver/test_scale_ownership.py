"""A write through the scale subresource owns spec.replicas under its own managedFields entry, as
k8s.io/apimachinery pkg/util/managedfields/scalehandler.go (ToParent) maps it: the entry names the
subresource, takes the replicas from the main entry and, written first, has no time."""

from __future__ import annotations

import json
from typing import Any

from app.sim.cluster import SimCluster
from tests.support.simhttp import as_admin, connect

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def send(cluster: SimCluster, method: str, path: str, body: Any, content_type: str) -> Any:
    connection = connect(cluster)
    headers = as_admin(
        cluster, {"Content-Type": content_type, "Accept": "application/json", "User-Agent": "tester/1"}
    )
    try:
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def test_a_scale_write_owns_the_replicas_under_the_scale_subresource(sim_cluster: SimCluster) -> None:
    labels = {"app": "demo"}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "demo"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "a", "image": "i"}]},
            },
        },
    }
    send(sim_cluster, "POST", DEPLOYMENTS, deployment, "application/json")
    scale = {"spec": {"replicas": 3}}
    send(sim_cluster, "PATCH", f"{DEPLOYMENTS}/demo/scale", scale, "application/merge-patch+json")
    entries = send(sim_cluster, "GET", f"{DEPLOYMENTS}/demo", None, "application/json")["metadata"][
        "managedFields"
    ]
    first, main = entries[0], entries[1]
    assert first == {
        "manager": "tester",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:replicas": {}}},
        "subresource": "scale",
    }
    assert "f:replicas" not in main["fieldsV1"]["f:spec"] and "subresource" not in main
