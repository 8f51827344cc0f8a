"""What the simulated queue-proxies would report: each revision's answers, by status code, with latency.

On a real cluster each revision pod's queue-proxy records every request it proxies in the histogram
`kn.serving.invocation.duration` (seconds, the status code as `http.response.status_code`, the pod's
`kn.revision.name` and `k8s.namespace.name` as resource attributes), which Prometheus scrapes. Knative
1.18 moved these from OpenCensus (`revision_request_count`, `revision_request_latencies` in ms) to
OpenTelemetry; upstream: knative/serving `pkg/queue/request_metric.go` (name, unit and bucket bounds) and
`pkg/queue/sharedmain/otel.go` (the resource attributes). The simulator keeps the answers themselves, so
the simulated Prometheus (app.sim.prometheus) can answer `increase(...[w])` exactly for any window.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

LATENCY_BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
"""The queue-proxy histogram's bucket bounds, seconds (knative/serving pkg/queue/request_metric.go)."""
KEEP = 100_000
"""Answers kept per revision; older ones drop out of every window (a demo sends far fewer)."""


@dataclass(frozen=True)
class Observation:
    at: float
    """When the answer left, Unix seconds."""
    status: int
    seconds: float


class RequestMetrics:
    """Answers per (namespace, revision); written by the gateway's threads, read by the Prometheus API."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], deque[Observation]] = {}

    def record(self, namespace: str, revision: str, status: int, seconds: float) -> None:
        with self._lock:
            self._answers.setdefault((namespace, revision), deque(maxlen=KEEP)).append(
                Observation(self.clock(), status, seconds)
            )

    def window(self, namespace: str, revision: str, start: float, end: float) -> list[Observation]:
        """The revision's answers in (start, end], as `increase(...[end - start])` at `end` counts them."""
        with self._lock:
            answers = list(self._answers.get((namespace, revision), ()))
        return [o for o in answers if start < o.at <= end]

    def series(self) -> list[tuple[str, str]]:
        """Every (namespace, revision) that has answered."""
        with self._lock:
            return list(self._answers)


def cumulative_buckets(observations: Sequence[Observation]) -> list[tuple[float, int]]:
    """(upper bound, answers at or under it) per bucket, the last bound +Inf, as Prometheus's `le`."""
    bounds = [*LATENCY_BOUNDS, float("inf")]
    return [(bound, sum(o.seconds <= bound for o in observations)) for bound in bounds]
