"""What the other-client tests share: the cluster as a client sees it, the bodies they write, a runner.

Every client reaches the cluster only through the kubeconfig file (server, CA and token come from it),
so the same flows run on the simulator and on a real API server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app.sim.cluster import SimCluster

T = TypeVar("T")

GROUP, VERSION, PLURAL = "serving.knative.dev", "v1", "services"
KSVC_API_VERSION = f"{GROUP}/{VERSION}"
IMAGE = "quay.io/dsanchor/customer:quarkus"
MANAGER = "splitboard-tests"
FLOW_SECONDS = 60.0
CORE_FLOW_SEEN: dict[str, Any] = {
    "configmap": {"mode": "c"},
    "labelled": ["settings"],
    "patched": {"mode": "c"},
    "applied": {"level": "1"},
    "service": 80,
    "services": ["front"],
    "pods": ["shop-1", "shop-2"],
}
"""What every client's core-objects flow sees: the same requests give the same answers."""


@dataclass(frozen=True)
class Target:
    """A cluster as the clients see it: a kubeconfig file, a namespace of the test's own and, on the
    simulator, the cluster itself (for its fault switches)."""

    kubeconfig: Path
    namespace: str
    sim: SimCluster | None = None

    def end_watches(self) -> None:
        """End every open watch stream now, as a real server does when a watch's time is up."""
        assert self.sim is not None, "only the simulator ends watches on demand"
        self.sim.faults.end_watches()


def run(flow: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async flow to its end on a loop of its own, in a worker thread: Playwright's sync API
    leaves an event loop on the test thread once a browser test ran."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, flow()).result(timeout=FLOW_SECONDS)


def ksvc_body(name: str, labels: dict[str, str] | None = None, tag: str | None = None) -> dict[str, Any]:
    """A Knative Service as the lab writes it, its one traffic target optionally tagged."""
    target: dict[str, Any] = {"percent": 100, "latestRevision": True}
    if tag is not None:
        target["tag"] = tag
    return {
        "apiVersion": KSVC_API_VERSION,
        "kind": "Service",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "template": {"spec": {"containers": [{"image": IMAGE}]}},
            "traffic": [target],
        },
    }


def config_map_body(name: str, labels: dict[str, str] | None = None, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels or {}},
        "data": data,
    }


def service_body(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A ClusterIP Service (a real server needs its ports)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def pod_body(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "user-container", "image": IMAGE}]},
    }


def traffic_tags(obj: dict[str, Any]) -> list[str | None]:
    return [t.get("tag") for t in obj["spec"]["traffic"]]
