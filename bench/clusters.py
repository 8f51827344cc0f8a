"""The simulated clusters the benchmarks run against, and a server-side count of API requests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.sim.apiserver.faults import Faults
from app.sim.building import KnativeCluster, SimSettings, build_cluster
from app.sim.scenarios.reading import apply_scenario, load_scenario

FAST = SimSettings(revision_ready_delay=0.0, retry_delay=0.01, time_scale=10.0)
"""No artificial delays: the benchmarks time the dashboard, not the simulated controllers."""
SETTLE_SECONDS = 600.0
"""How long one scenario step may take to reconcile (a step of a large scenario is hundreds of Services)."""


class CountingFaults(Faults):
    """The cluster's fault switches, also counting every request the API server answers.

    The server consults `take_failure()` exactly once per request (watches included), so the count is
    what the API server saw, whoever sent it."""

    def __init__(self, *, end_watches: Callable[[], None], compact: Callable[[], None]) -> None:
        super().__init__(end_watches=end_watches, compact=compact)
        self._count_lock = threading.Lock()
        self._requests = 0

    @property
    def requests(self) -> int:
        with self._count_lock:
            return self._requests

    def take_failure(self) -> int | None:
        with self._count_lock:
            self._requests += 1
        return super().take_failure()


def build_bench_cluster(scenario: str, settings: SimSettings = FAST) -> tuple[KnativeCluster, CountingFaults]:
    """A started Knative cluster with `scenario` applied step by step (each step may take minutes to
    settle, unlike build_cluster's), whose API requests are counted."""
    cluster = build_cluster(scenario=None, settings=settings)
    faults = CountingFaults(end_watches=cluster.faults.end_watches, compact=cluster.faults.compact)
    cluster.faults = faults  # the server takes its switches when it starts
    cluster.start()
    try:
        apply_scenario(cluster.store, load_scenario(scenario), lambda: cluster.settle(SETTLE_SECONDS))
    except BaseException:
        cluster.stop()
        raise
    return cluster, faults
