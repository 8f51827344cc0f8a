"""How the simulated control plane behaves: delays and knobs, passed in, never global."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimSettings:
    """Knobs of the simulated Knative control plane (defaults suit the demo; tests use 0 delays)."""

    revision_ready_delay: float = 1.0
    """Seconds from a revision's creation until it is Ready."""
    domain: str | None = None
    """config-domain's domain; None: the scenario's, else `svc.cluster.local`."""
    time_scale: float = 1.0
    """Knative seconds per wall-clock second on the clock gradual rollouts are timed with. Knative
    never steps a rollout faster than once a second, so tests set e.g. 10 to run a 5 s rollout in
    half a wall second: the KIngress's stepParams keep Knative's numbers (a 1 s step is 1000000000 ns)
    and its timestamps read that clock, which starts at the wall time the controller was made and
    then runs `time_scale` times faster. 1: real time."""
    rollout_duration: int = 0
    """config-network's `rollout-duration` (whole seconds): the gradual rollout of Routes whose own
    `serving.knative.dev/rollout-duration` is absent or under a second; 0: none."""
    simulate_pods: bool = False
    """True when a pods controller reports Deployment readyReplicas (build_cluster sets it with
    workloads, whose WorkloadSettings hold the scaling knobs); False: a revision's actual replicas
    equal its desired replicas once it is ready."""
    user: str = "admin"
    """Who the webhook records as serving.knative.dev/creator for the cluster's own writes (scenarios);
    a request through the API server records its requesting user, as Knative does."""
    retry_delay: float = 0.05
    """Seconds before a key whose reconcile hit a conflict is tried again."""

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError(f"time_scale must be positive, not {self.time_scale}")
