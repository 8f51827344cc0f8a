"""Fixtures of the other-client tests: a Target (kubeconfig + own namespace) on either backend, or on
the simulator alone where a flow needs its fault switches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.kube.errors import ApiError
from app.kube.requesting import request_json
from app.sim.cluster import SimCluster
from tests.backends import Backend, backend_on_sim
from tests.sim.clients.flows import Target


@pytest.fixture
def target(backend: Backend) -> Target:
    """The admin's kubeconfig and a fresh namespace, on the simulator and on the real API server."""
    namespace = backend.namespace("clients")
    if backend.sim is None:
        wait_for_default_service_account(backend, namespace)
    return Target(backend.kubeconfig(), namespace, backend.sim)


@pytest.fixture
def sim_target(sim_cluster: SimCluster, tmp_path: Path) -> Iterator[Target]:
    """The same on the simulator alone, whose watches a test can end on demand."""
    made = backend_on_sim(sim_cluster, tmp_path)
    try:
        yield Target(made.kubeconfig(), made.namespace("clients"), sim_cluster)
    finally:
        made.close()


def wait_for_default_service_account(backend: Backend, namespace: str) -> None:
    """A real server refuses pods in a namespace until its controller has made the `default`
    ServiceAccount (the ServiceAccount admission plugin looks it up)."""
    api = backend.client()
    for _ in range(200):
        try:
            request_json(api, "GET", f"/api/v1/namespaces/{namespace}/serviceaccounts/default")
            return
        except ApiError as exc:
            if exc.code != 404:
                raise
        time.sleep(0.05)
    raise AssertionError(f"no default ServiceAccount in {namespace}")
