"""Fuzzing fixtures: one labs cluster and dashboard per module (hypothesis runs many examples against
them), and a record of every write of a Knative Service that reaches the simulated API server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.kube.config import close_api_client, load_api_client
from app.sim.building import KnativeCluster, build_cluster
from app.sim.storage.copying import clone
from tests.plugins.knative import TEST_SETTINGS
from tests.support.serving import FAST, Dashboard, serve

KNATIVE_SERVICES = "services.serving.knative.dev"


@dataclass(frozen=True)
class Write:
    operation: str
    new: dict[str, Any]
    old: dict[str, Any] | None


class WriteRecorder:
    """An admission plugin that records every create and update of a Knative Service (dry runs too),
    after Knative's defaulting and before any validation: exactly what reached the API server."""

    name = "recorder.splitboard.test"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writes: list[Write] = []

    def mutate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        with self._lock:
            self._writes.append(Write(operation, clone(new), clone(old) if old is not None else None))

    def validate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        return []

    def take(self) -> list[Write]:
        """The writes since the last call."""
        with self._lock:
            writes, self._writes = self._writes, []
        return writes


@dataclass(frozen=True)
class FuzzTarget:
    cluster: KnativeCluster
    dashboard: Dashboard
    writes: WriteRecorder


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """The labs cluster (its Services' writes recorded) and the dashboard over it, for a whole module."""
    cluster = build_cluster(scenario="labs", settings=TEST_SETTINGS)
    writes = WriteRecorder()
    cluster.store.add_admission(KNATIVE_SERVICES, writes)
    cluster.start()
    try:
        kubeconfig: Path = cluster.write_kubeconfig(tmp_path_factory.mktemp("fuzz") / "kubeconfig")
        api_client = load_api_client(kubeconfig)
        try:
            with serve(api_client, options=FAST) as dashboard:
                yield FuzzTarget(cluster, dashboard, writes)
        finally:
            close_api_client(api_client)
    finally:
        cluster.stop()
