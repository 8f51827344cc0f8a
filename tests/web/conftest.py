"""Web fixtures: the dashboard served by uvicorn (tests/serving.py) on the simulated Knative cluster, or on
the `lab` backend (tests/plugins/backends.py): once on the simulator, once on the real API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.config import load_api_client
from app.sim.building import KnativeCluster
from tests.backends import Backend
from tests.plugins.browser import screenshot
from tests.plugins.sim import official_client
from tests.serving import FAST_RETRIES, Dashboard, serve

__all__ = ["FAST_RETRIES", "Dashboard", "screenshot", "serve"]
"""Still imported from here by tests/resilience, tests/fuzz and tests/security (tests.serving is the home)."""


@pytest.fixture
def dashboard_api(knative_kubeconfig: Path) -> Iterator[ApiClient]:
    """The dashboard's own API client (tests read and change the cluster with a separate one)."""
    with load_api_client(knative_kubeconfig) as client:
        yield client


@pytest.fixture
def served_dashboard(dashboard_api: ApiClient) -> Iterator[Dashboard]:
    """The dashboard on the simulated Knative cluster (labs scenario)."""
    with serve(dashboard_api) as dashboard:
        yield dashboard


@pytest.fixture
def lab_dashboard(lab: Backend) -> Iterator[Dashboard]:
    """The dashboard on the `lab` backend's admin kubeconfig, with its own ApiClient built as `splitboard
    serve` builds it: a test taking this runs once on the simulator and once on the real API server.

    On the real server nothing reconciles Knative: a change of a Service's spec stays in its spec."""
    with load_api_client(lab.kubeconfig("admin")) as client, serve(client) as dashboard:
        yield dashboard


@pytest.fixture
def shaped_api(shaped_cluster: KnativeCluster, tmp_path: Path) -> Iterator[ApiClient]:
    """The test's own client on the cluster of `knative_shape` (the truth pages are compared with)."""
    with official_client(shaped_cluster.write_kubeconfig(tmp_path / "truth")) as api:
        yield api


@pytest.fixture
def shaped_dashboard(shaped_cluster: KnativeCluster, tmp_path: Path) -> Iterator[Dashboard]:
    """The dashboard on the cluster of `knative_shape` (seed, current, kourier), with its own client."""
    with (
        load_api_client(shaped_cluster.write_kubeconfig(tmp_path / "dashboard")) as api,
        serve(api) as dashboard,
    ):
        yield dashboard
