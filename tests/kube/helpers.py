"""Helpers for the kube layer's tests against the simulated cluster."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from app.kube.reflecting import ReflectorOptions
from app.kube.resources import Resource
from app.model.objects import KubeObject
from app.sim.cluster import SimCluster
from app.sim.errors import ApiError as SimApiError
from tests.waiting import wait_until

CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap")
FAST = ReflectorOptions(watch_timeout=5, relist_period=None, backoff_initial=0.05, backoff_max=0.2)
"""Short backoff; no periodic relist, so tests see exactly what watches and 410s do."""


def ensure_namespace(cluster: SimCluster, name: str) -> str:
    try:
        cluster.store.create(cluster.store.registry.get("namespaces"), None, {"metadata": {"name": name}})
    except SimApiError as exc:
        if exc.code != 409:
            raise
    return name


def put_configmap(cluster: SimCluster, namespace: str, name: str, **data: str) -> dict[str, Any]:
    """Create the ConfigMap, or replace its data if it exists."""
    rt = cluster.store.registry.get("configmaps")
    body = {"metadata": {"name": name, "namespace": namespace}, "data": data}
    try:
        return cluster.store.create(rt, namespace, body)
    except SimApiError as exc:
        if exc.code != 409:
            raise
    return cluster.store.patch(rt, namespace, name, {"data": data}, "merge")


def delete_configmap(cluster: SimCluster, namespace: str, name: str) -> None:
    cluster.store.delete(cluster.store.registry.get("configmaps"), namespace, name)


def names(objects: list[KubeObject] | tuple[KubeObject, ...]) -> list[str]:
    return sorted(str(o["metadata"]["name"]) for o in objects)


class Recorder:
    """Event handlers that remember (event, name) pairs, in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[tuple[str, str]] = []

    @property
    def calls(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._calls)

    def on_add(self, obj: KubeObject) -> None:
        self._record("add", obj)

    def on_update(self, old: KubeObject, new: KubeObject) -> None:
        assert old["metadata"]["name"] == new["metadata"]["name"]
        self._record("update", new)

    def on_delete(self, obj: KubeObject) -> None:
        self._record("delete", obj)

    def _record(self, event: str, obj: KubeObject) -> None:
        with self._lock:
            self._calls.append((event, str(obj["metadata"]["name"])))

    def saw(self, *expected: tuple[str, str], timeout: float = 5.0) -> bool:
        """Wait until every expected (event, name) pair has been recorded."""
        return wait_until(lambda: all(e in self.calls for e in expected), timeout)


def limited_user(cluster: SimCluster, kubeconfig: Path, namespace: str, resources: list[str]) -> Path:
    """A kubeconfig for user "viewer", who may only get/list/watch `resources` (any group) in `namespace`."""
    cluster.add_token("viewer-token", "viewer")
    rbac = "rbac.authorization.k8s.io"
    role = {
        "metadata": {"name": "viewer", "namespace": namespace},
        "rules": [{"apiGroups": ["*"], "resources": resources, "verbs": ["get", "list", "watch"]}],
    }
    binding = {
        "metadata": {"name": "viewer", "namespace": namespace},
        "roleRef": {"apiGroup": rbac, "kind": "Role", "name": "viewer"},
        "subjects": [{"kind": "User", "name": "viewer", "apiGroup": rbac}],
    }
    cluster.store.create(cluster.store.registry.get(f"roles.{rbac}"), namespace, role)
    cluster.store.create(cluster.store.registry.get(f"rolebindings.{rbac}"), namespace, binding)
    return cluster.write_kubeconfig(kubeconfig, token="viewer-token", user="viewer")
