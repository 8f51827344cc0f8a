"""The knobs of the simulated workloads: scaling, pod timings and the request simulator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkloadSettings:
    """Defaults suit the demo (visible cold starts and terminations); tests shorten everything."""

    scale_to_zero_grace: float = 30.0
    """Seconds without requests before a revision (min-scale 0) scales to zero; also how long a new
    revision keeps its initial scale."""
    cold_start_delay: float = 0.8
    """Seconds a new pod stays Pending (ContainerCreating) before it is Running and ready."""
    pod_stop_delay: float = 2.0
    """Seconds a deleted pod stays Terminating before it is gone."""
    autoscale_window: float = 6.0
    """Seconds of recent requests the autoscaler averages (Knative's panic window)."""
    autoscale_tick: float = 1.0
    """Seconds between evaluations of a revision while it has recent requests."""
    request_seconds: float = 1.0
    """How long a simulated request counts as in progress (Little's law: concurrency = rate x this)."""
    request_timeout: float = 10.0
    """Seconds a request waits for a ready pod (a cold start) before a 503."""
    seed: int | None = None
    """Seeds the traffic split's random picks and the pod name suffixes (None: unpredictable)."""
    ingress_port: int = 0
    """The request simulator's port (0: any free port, kept across restarts)."""
    prometheus_port: int = 0
    """The simulated Prometheus API's port (0: any free port, kept across restarts)."""

    def __post_init__(self) -> None:
        positive = ("scale_to_zero_grace", "autoscale_window", "autoscale_tick", "request_timeout")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        for name in ("cold_start_delay", "pod_stop_delay", "request_seconds"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)!r}")
        for name in ("ingress_port", "prometheus_port"):
            if not 0 <= getattr(self, name) <= 65535:
                raise ValueError(f"{name} must be 0..65535, got {getattr(self, name)!r}")
