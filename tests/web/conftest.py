"""Web fixtures: the dashboard served by uvicorn (tests/serving.py) on the simulated Knative cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.config import load_api_client
from tests.plugins.browser import screenshot
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
