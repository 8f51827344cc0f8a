"""Helpers for the kube layer's tests: objects written through the API, limited users, recorders.

The helpers take an ApiClient (or a Backend) and go through the API server, so the same test runs on the
simulator and on a real kube-apiserver alike; only the `store_*` ones at the end write into a simulator's
store, for the simulator-only tests whose faults would hit API writes too.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.reflecting import ReflectorOptions
from app.kube.requesting import request_json
from app.kube.resources import Resource
from app.model.objects import KubeObject
from app.sim.cluster import SimCluster
from app.sim.storage.errors import ApiError as SimApiError
from tests.backends import Backend, grant
from tests.support.waiting import wait_until

CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap")
SECRETS = Resource("", "v1", "secrets", "Secret")
CORE_SERVICES = Resource("", "v1", "services", "Service")
FAST = ReflectorOptions(watch_timeout=5, relist_period=None, backoff_initial=0.05, backoff_max=0.2)
"""Short backoff; no periodic relist, so tests see exactly what watches and 410s do."""
READ = ("get", "list", "watch")


def put_configmap(api: ApiClient, namespace: str, name: str, **data: str) -> dict[str, Any]:
    """Create the ConfigMap, or replace its data if it exists; returns the object the server stored."""
    body = {"metadata": {"name": name, "namespace": namespace}, "data": data}
    try:
        return request_json(api, "POST", CONFIGMAPS.path(namespace), body=body)
    except ApiError as exc:
        if exc.code != 409:
            raise
    return request_json(
        api,
        "PATCH",
        CONFIGMAPS.path(namespace, name),
        body={"data": data},
        content_type="application/merge-patch+json",
    )


def delete_configmap(api: ApiClient, namespace: str, name: str) -> None:
    request_json(api, "DELETE", CONFIGMAPS.path(namespace, name))


def put_secret(api: ApiClient, namespace: str, name: str) -> dict[str, Any]:
    """A write of another kind than ConfigMaps: it moves the cluster's resourceVersion, not theirs."""
    body = {"metadata": {"name": name, "namespace": namespace}, "stringData": {"k": "v"}}
    return request_json(api, "POST", SECRETS.path(namespace), body=body)


def put_service(api: ApiClient, namespace: str, name: str) -> dict[str, Any]:
    """A plain Kubernetes Service (the cache's `core_services`)."""
    body = {"metadata": {"name": name, "namespace": namespace}, "spec": {"ports": [{"port": 80}]}}
    return request_json(api, "POST", CORE_SERVICES.path(namespace), body=body)


def delete_service(api: ApiClient, namespace: str, name: str) -> None:
    request_json(api, "DELETE", CORE_SERVICES.path(namespace, name))


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


def may(
    api: ApiClient, verb: str, resource: str, namespace: str = "", group: str = "", name: str = ""
) -> bool:
    """What the server answers a SelfSubjectAccessReview of the client's own identity (asked directly,
    not through app.kube.access, so the helper does not lean on the code under test)."""
    attributes = {"verb": verb, "group": group, "resource": resource, "namespace": namespace, "name": name}
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {k: v for k, v in attributes.items() if v}},
    }
    answer = request_json(api, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=body)
    return bool(answer.get("status", {}).get("allowed"))


def limited_user(
    backend: Backend,
    namespace: str,
    resources: list[str],
    verbs: tuple[str, ...] = READ,
    *,
    groups: tuple[str, ...] = ("*",),
    resource_names: tuple[str, ...] = (),
    user: str = "viewer",
    role: str | None = None,
) -> Path:
    """A kubeconfig for `user`, who may only `verbs` the `resources` of `groups` (any API group unless
    told; only those named `resource_names`, if given) in `namespace`. Another call in the same namespace
    adds to what the user may do, under another `role` name.

    Returns once the server applies the new Role: a real API server's authorizer learns of RBAC objects
    through its own watch, a moment after they are stored, and a test must not race that."""
    admin = backend.client()
    rule: dict[str, Any] = {"apiGroups": list(groups), "resources": resources, "verbs": list(verbs)}
    if resource_names:
        rule["resourceNames"] = list(resource_names)
    grant(admin, namespace, user, [rule], role)
    kubeconfig = backend.kubeconfig(user)
    probe = "configmaps" if resources == ["*"] else resources[0]
    group = "" if groups == ("*",) else groups[0]
    name = resource_names[0] if resource_names else ""
    limited = backend.client(user)
    if not wait_until(lambda: may(limited, verbs[0], probe, namespace, group, name), 10.0):
        raise AssertionError(f"the server never applied {user}'s Role in {namespace}")
    return kubeconfig


# --- straight into the simulator's store --------------------------------------------------------------
# Only for the simulator-only tests whose faults would hit the writes too: while the server is stopped,
# or slowed down so that a watch request arrives after the writes and a compaction.


def store_put_configmap(cluster: SimCluster, namespace: str, name: str, **data: str) -> None:
    rt = cluster.store.registry.get("configmaps")
    body = {"metadata": {"name": name, "namespace": namespace}, "data": data}
    try:
        cluster.store.create(rt, namespace, body)
    except SimApiError as exc:
        if exc.code != 409:
            raise
        cluster.store.patch(rt, namespace, name, {"data": data}, "merge")


def store_delete(cluster: SimCluster, plural: str, namespace: str, name: str) -> None:
    cluster.store.delete(cluster.store.registry.get(plural), namespace, name)


def store_put_service(cluster: SimCluster, namespace: str, name: str) -> None:
    body = {"metadata": {"name": name, "namespace": namespace}, "spec": {"ports": [{"port": 80}]}}
    cluster.store.create(cluster.store.registry.get("services"), namespace, body)
