"""Fixtures for the kube layer's tests.

- admin_api: the dashboard's own client (app.kube.config) for the backend's admin, on both backends.
- fresh_namespace: a namespace of the test's own on that backend.
- api / namespace: the same on a bare simulator (`sim_cluster`), for the tests that use its fault
  switches and so run there alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from tests.backends import Backend, create_namespace
from tests.plugins.sim import dashboard_client


@pytest.fixture
def admin_api(backend: Backend) -> Iterator[ApiClient]:
    with dashboard_client(backend.kubeconfig()) as client:
        yield client


@pytest.fixture
def fresh_namespace(backend: Backend) -> str:
    return backend.namespace()


@pytest.fixture
def api(sim_kubeconfig: Path) -> Iterator[ApiClient]:
    """An ApiClient built by the dashboard's own loader from the sim's kubeconfig."""
    with dashboard_client(sim_kubeconfig) as client:
        yield client


@pytest.fixture
def namespace(api: ApiClient) -> str:
    return create_namespace(api, "labs-1")
