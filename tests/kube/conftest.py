"""Fixtures for the kube layer's tests: a client of our own on the simulated cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.config import close_api_client, load_api_client
from app.sim.cluster import SimCluster
from tests.kube.helpers import ensure_namespace


@pytest.fixture
def api(sim_kubeconfig: Path) -> Iterator[ApiClient]:
    """An ApiClient built by the dashboard's own loader from the sim's kubeconfig."""
    client = load_api_client(sim_kubeconfig)
    try:
        yield client
    finally:
        close_api_client(client)


@pytest.fixture
def namespace(sim_cluster: SimCluster) -> str:
    return ensure_namespace(sim_cluster, "labs-1")
