"""Tests on both backends: the simulated cluster and a real kube-apiserver (tests/realcluster).

- `--backend=sim|real|both` (default both) picks which backends run; a test parametrized by the
  `backend` (or `lab`) fixture runs once per picked backend, with ids `[sim]` and `[real]`.
- real_cluster (session): the control plane, built when missing and started once per test session.
- backend: a tests.backends.Backend on a fresh simulator, or on the session's real cluster.
- real_backend: a Backend on the real cluster alone (for tests marked `real`).
- lab: a Backend whose cluster holds the lab (namespace labs-1) as Knative 1.23 makes it (the
  simulator's `current` profile): on the simulator the `labs` scenario with its Knative reconciler;
  on the real cluster the simulator's lab objects and statuses written through the API once per
  session, and put back as they were before each test (no Knative controller runs there).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.backends import Backend, backend_on_real, backend_on_sim

BACKENDS = ("sim", "real")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=[*BACKENDS, "both"],
        default="both",
        help="which cluster backend the both-backend tests run on (default: both)",
    )


def selected_backends(config: pytest.Config) -> tuple[str, ...]:
    choice = str(config.getoption("--backend"))
    return BACKENDS if choice == "both" else (choice,)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name in ("backend", "lab"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, selected_backends(metafunc.config), indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `real` (the real cluster alone) are left out when the real backend is not picked."""
    if "real" in selected_backends(config):
        return
    kept = [item for item in items if item.get_closest_marker("real") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real: runs on the real API server alone")


@pytest.fixture(scope="session")
def real_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.realcluster.controlplane import RealCluster, build_binary

    folder = tmp_path_factory.mktemp("realcluster")
    with RealCluster(build_binary(), folder) as cluster:
        yield cluster


@pytest.fixture
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "real":
        made = backend_on_real(request.getfixturevalue("real_cluster"), tmp_path)
        yield made
        made.close()
        return
    from app.sim.cluster import SimCluster

    with SimCluster(bookmark_interval=0.2) as sim:
        made = backend_on_sim(sim, tmp_path)
        yield made
        made.close()


@pytest.fixture
def real_backend(real_cluster: Any, tmp_path: Path) -> Iterator[Backend]:
    """The real cluster alone, for tests of what only it has (its own tests are marked `real`)."""
    made = backend_on_real(real_cluster, tmp_path)
    yield made
    made.close()


@pytest.fixture(scope="session")
def real_lab(real_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The lab written once into the real cluster: the snapshot and the uids it was written with."""
    from tests.backends import create_namespace
    from tests.backends.lab import LAB_NAMESPACE, LabCopy, snapshot

    folder = tmp_path_factory.mktemp("real-lab")
    made = backend_on_real(real_cluster, folder)
    try:
        api = made.client()
        create_namespace(api, LAB_NAMESPACE)
        return LabCopy.write(api, snapshot())
    finally:
        made.close()


@pytest.fixture
def lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "real":
        made = backend_on_real(request.getfixturevalue("real_cluster"), tmp_path)
        request.getfixturevalue("real_lab").restore(made.client())
        yield made
        made.close()
        return
    from app.sim.building import build_cluster
    from tests.backends.lab import LAB_PROFILE
    from tests.plugins.knative import TEST_SETTINGS

    with build_cluster(scenario="labs", settings=TEST_SETTINGS, knative=LAB_PROFILE) as sim:
        made = backend_on_sim(sim, tmp_path)
        yield made
        made.close()
