"""Fixtures for the kube layer's tests: a client of our own on the simulated cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.sim.cluster import SimCluster
from tests.kube.helpers import ensure_namespace
from tests.plugins.sim import dashboard_client


@pytest.fixture
def api(sim_kubeconfig: Path) -> Iterator[ApiClient]:
    """An ApiClient built by the dashboard's own loader from the sim's kubeconfig."""
    with dashboard_client(sim_kubeconfig) as client:
        yield client


@pytest.fixture
def namespace(sim_cluster: SimCluster) -> str:
    return ensure_namespace(sim_cluster, "labs-1")
