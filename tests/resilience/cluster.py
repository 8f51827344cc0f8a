"""Changing the simulated cluster behind the dashboard's back, and reading what the dashboard shows."""

from __future__ import annotations

from typing import Any

import httpx

from app.sim.building import KnativeCluster
from tests.web.cluster import NS
from tests.web.markup import row_names, section

RECOVERY_SECONDS = 5.0
"""The promise kept: back to connected, and current, within 5 s of the API server's return."""


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
