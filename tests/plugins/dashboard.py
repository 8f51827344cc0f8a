"""The dashboard served by uvicorn (tests/support/serving.py) for the suites that read its pages and API:
on the simulated Knative cluster, or on the `lab` backend (once on the simulator, once on the real API
server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.config import load_api_client
from tests.backends import Backend
from tests.support.serving import Dashboard, serve


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
