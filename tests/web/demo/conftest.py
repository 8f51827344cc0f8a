"""Demo fixtures: the lab cluster with pods, autoscaler and the ingress request simulator, and the
dashboard served on it with the ingress address set (as `splitboard demo` runs them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.settings import Settings
from app.sim.building import KnativeCluster, build_cluster
from tests.plugins.knative import FAST_WORKLOADS, TEST_SETTINGS
from tests.plugins.sim import dashboard_client
from tests.support.serving import Dashboard, serve

NAMESPACE = "labs-1"
GRACE = 1.0
"""Idle seconds before the simulated autoscaler scales a revision to zero."""


DEMO_WORKLOADS = dataclasses.replace(
    FAST_WORKLOADS, scale_to_zero_grace=GRACE, request_seconds=0.5, request_timeout=2.0
)


@dataclasses.dataclass
class DemoCluster:
    cluster: KnativeCluster
    ingress_url: str
    kubeconfig: Path


@pytest.fixture
def demo_cluster(tmp_path: Path) -> Iterator[DemoCluster]:
    """The lab scenario with simulated pods and the ingress port, started."""
    with build_cluster(scenario="labs", settings=TEST_SETTINGS, workloads=DEMO_WORKLOADS) as cluster:
        assert cluster.ingress_url is not None
        yield DemoCluster(cluster, cluster.ingress_url, cluster.write_kubeconfig(tmp_path / "kubeconfig"))


@pytest.fixture
def demo_api(demo_cluster: DemoCluster) -> Iterator[ApiClient]:
    with dashboard_client(demo_cluster.kubeconfig) as client:
        yield client


@pytest.fixture
def demo_dashboard(demo_cluster: DemoCluster, demo_api: ApiClient) -> Iterator[Dashboard]:
    """The dashboard on the demo cluster, probing through its ingress port (writes open on loopback)."""
    with serve(demo_api, Settings(ingress_url=demo_cluster.ingress_url), lifespan=True) as dashboard:
        yield dashboard


API_TOKEN = "demo-api-token"


@pytest.fixture
def token_dashboard(demo_cluster: DemoCluster, demo_api: ApiClient) -> Iterator[Dashboard]:
    """The same with a write token, as a script uses the JSON API: `Authorization: Bearer API_TOKEN`."""
    settings = Settings(ingress_url=demo_cluster.ingress_url, auth_token=API_TOKEN)
    with serve(demo_api, settings, lifespan=True) as dashboard:
        yield dashboard
