"""Web fixtures: the dashboard on the clusters of `knative_shape` (the served dashboard on the labs
cluster and the `lab` backend come from tests/plugins/dashboard.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.config import load_api_client
from app.sim.building import KnativeCluster
from tests.plugins.sim import official_client
from tests.support.serving import Dashboard, serve


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
