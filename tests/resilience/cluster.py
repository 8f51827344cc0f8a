"""Changing the simulated cluster behind the dashboard's back, and reading what the dashboard shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from app.sim.building import KnativeCluster
from tests.web.cluster import NS
from tests.web.markup import row_names, section

T = TypeVar("T")
RECOVERY_SECONDS = 5.0
"""The promise kept: back to connected, and current, within 5 s of the API server's return."""


def eventually(read: Callable[[], T], accept: Callable[[T], bool], timeout: float = RECOVERY_SECONDS) -> T:
    """Poll `read` until `accept` takes its value; fail with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if accept(value):
            return value
        assert time.monotonic() < deadline, f"not within {timeout} s; last: {value!r}"[:2000]
        time.sleep(0.05)


def core_service(name: str) -> dict[str, Any]:
    """A Kubernetes Service made by hand (no controller touches it again)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"ports": [{"name": "http", "port": 80}]},
    }


def create_core_service(cluster: KnativeCluster, name: str) -> None:
    cluster.store.create(cluster.registry.get("services"), NS, core_service(name))


def delete_core_service(cluster: KnativeCluster, name: str) -> None:
    cluster.store.delete(cluster.registry.get("services"), NS, name)


def namespace_page(http: httpx.Client) -> str:
    answer = http.get(f"/namespaces/{NS}")
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def core_service_names(html: str) -> list[str]:
    """The Kubernetes Services the page lists."""
    return row_names(section(html, "core_services"))


def lost(html: str) -> bool:
    """The page's banner says the connection to the cluster is lost."""
    return 'data-connection="lost"' in html
