"""Fixtures for the bare simulated API server: a started SimCluster and the two clients that judge it.

- sim_cluster: a started SimCluster (fresh store, random port), stopped after the test.
- sim_kubeconfig: the Path of a kubeconfig (its CA, the admin's token) for sim_cluster.
- kube_api: a kubernetes.client.ApiClient built from that kubeconfig (closed after the test).
- kubectl: run /usr/bin/kubectl against sim_cluster:
  kubectl(*args, input=None, check=True, timeout=30.0) -> subprocess.CompletedProcess[str].
- official_client(kubeconfig) / dashboard_client(kubeconfig): context managers giving an ApiClient built by
  the official client's loader or by the dashboard's (app.kube.config), released at the end.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest

from app.sim.cluster import SimCluster

KUBECTL = "/usr/bin/kubectl"


class Kubectl(Protocol):
    """The `kubectl` fixture's call shape."""

    def __call__(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 30.0
    ) -> subprocess.CompletedProcess[str]: ...


def make_kubectl(kubeconfig: Path, cache_dir: Path) -> Kubectl:
    """A kubectl runner bound to one kubeconfig, with its own discovery cache."""
    env = {key: value for key, value in os.environ.items() if key != "KUBECONFIG"}

    def kubectl(
        *args: str, input: str | None = None, check: bool = True, timeout: float = 30.0
    ) -> subprocess.CompletedProcess[str]:
        command = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache_dir), *args]
        result = subprocess.run(
            command, input=input, capture_output=True, text=True, timeout=timeout, env=env
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}{result.stdout}"
            )
        return result

    return kubectl


@contextmanager
def official_client(kubeconfig: Path) -> Iterator[Any]:
    """A kubernetes.client.ApiClient built by the official client's own kubeconfig loader; released after."""
    from kubernetes import config

    from app.kube.config import close_api_client

    api = config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
    try:
        yield api
    finally:
        close_api_client(api)


@contextmanager
def dashboard_client(kubeconfig: Path) -> Iterator[Any]:
    """A kubernetes.client.ApiClient built by the dashboard's loader (app.kube.config); released after."""
    from app.kube.config import close_api_client, load_api_client

    api = load_api_client(kubeconfig)
    try:
        yield api
    finally:
        close_api_client(api)


@pytest.fixture
def sim_cluster() -> Iterator[SimCluster]:
    with SimCluster(bookmark_interval=0.2) as cluster:
        yield cluster


@pytest.fixture
def sim_kubeconfig(sim_cluster: SimCluster, tmp_path: Path) -> Path:
    return sim_cluster.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def kube_api(sim_kubeconfig: Path) -> Iterator[Any]:
    with official_client(sim_kubeconfig) as api:
        yield api


@pytest.fixture
def kubectl(sim_kubeconfig: Path, tmp_path: Path) -> Kubectl:
    return make_kubectl(sim_kubeconfig, tmp_path / "kube-cache")
