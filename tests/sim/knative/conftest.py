"""A lab cluster before the traffic split (customer at customer-v3), and helpers to read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.sim.building import KnativeCluster, build_cluster
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import Kubectl, make_kubectl, official_client

DATA = Path(__file__).parent / "data"
SERVING = ("serving.knative.dev", "v1")
NS = "labs-1"


@pytest.fixture
def v3_cluster() -> Iterator[KnativeCluster]:
    with build_cluster(scenario=str(DATA / "customer-v3.yaml"), settings=TEST_SETTINGS) as cluster:
        yield cluster


@pytest.fixture
def v3_kubectl(v3_cluster: KnativeCluster, tmp_path: Path) -> Kubectl:
    return make_kubectl(v3_cluster.write_kubeconfig(tmp_path / "v3-kubeconfig"), tmp_path / "v3-cache")


@pytest.fixture
def v3_api(v3_cluster: KnativeCluster, tmp_path: Path) -> Iterator[Any]:
    with official_client(v3_cluster.write_kubeconfig(tmp_path / "v3-api-kubeconfig")) as api:
        yield api
