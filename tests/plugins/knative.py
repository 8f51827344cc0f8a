"""Fixtures for the simulated cluster with the Knative/net-istio control plane.

- knative_profile: the Knative profile knative_cluster reproduces (None: the lab's own, `seed`); a
  module overrides this fixture to run its tests against another (e.g. "current").
- knative_cluster: build_cluster(scenario="labs") with no delays, started; stopped after the test.
- knative_kubeconfig: the Path of an admin kubeconfig for it.
- knative_kubectl: kubectl bound to that kubeconfig (the `kubectl` fixture's call shape).
- knative_api: a kubernetes.client.ApiClient for it (closed after the test).
- knative_shape: one of KNATIVE_SHAPES (`seed`, `current`, `kourier`), a test running once per shape;
  parametrize `knative_shape` directly to run fewer.
- shaped_cluster: the labs scenario built for `knative_shape` (no workloads), started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.sim.building import KnativeCluster, SimSettings, WorkloadSettings, build_cluster
from tests.plugins.sim import Kubectl, make_kubectl, official_client

TEST_SETTINGS = SimSettings(revision_ready_delay=0.0, retry_delay=0.01, time_scale=10.0)
"""No delays, and gradual rollouts ten times faster than Knative times them (a 10 s rollout in a second)."""
FAST_WORKLOADS = WorkloadSettings(
    cold_start_delay=0.05, pod_stop_delay=0.05, autoscale_window=1.0, autoscale_tick=0.05, seed=42
)
"""Simulated pods and autoscaling in tens of milliseconds, seeded; suites set their grace and requests."""


KNATIVE_SHAPES = {
    "seed": ("seed", "istio"),
    "current": ("current", "istio"),
    "kourier": ("current", "kourier"),
}
"""The clusters the dashboard must show cleanly, as (Knative profile, ingress): the lab's own Knative,
Knative Serving 1.23 with net-istio, and the same release with Kourier (no Istio, no VirtualServices)."""


@pytest.fixture(params=list(KNATIVE_SHAPES))
def knative_shape(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def shaped_cluster(knative_shape: str) -> Iterator[KnativeCluster]:
    knative, ingress = KNATIVE_SHAPES[knative_shape]
    with build_cluster(scenario="labs", settings=TEST_SETTINGS, knative=knative, ingress=ingress) as cluster:
        yield cluster


@pytest.fixture
def knative_profile() -> str | None:
    return None


@pytest.fixture
def knative_cluster(knative_profile: str | None) -> Iterator[KnativeCluster]:
    with build_cluster(scenario="labs", settings=TEST_SETTINGS, knative=knative_profile) as cluster:
        yield cluster


@pytest.fixture
def knative_kubeconfig(knative_cluster: KnativeCluster, tmp_path: Path) -> Path:
    return knative_cluster.write_kubeconfig(tmp_path / "knative-kubeconfig")


@pytest.fixture
def knative_kubectl(knative_kubeconfig: Path, tmp_path: Path) -> Kubectl:
    return make_kubectl(knative_kubeconfig, tmp_path / "knative-kube-cache")


@pytest.fixture
def knative_api(knative_kubeconfig: Path) -> Iterator[Any]:
    with official_client(knative_kubeconfig) as api:
        yield api
