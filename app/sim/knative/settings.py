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
    rollout_step: float = 1.0
    """Seconds between the steps of a gradual rollout (rollout-duration)."""
    simulate_pods: bool = False
    """True when a pods controller reports Deployment readyReplicas (build_cluster sets it with
    workloads, whose WorkloadSettings hold the scaling knobs); False: a revision's actual replicas
    equal its desired replicas once it is ready."""
    user: str = "admin"
    """Who the webhook records as serving.knative.dev/creator for the cluster's own writes (scenarios);
    a request through the API server records its requesting user, as Knative does."""
    retry_delay: float = 0.05
    """Seconds before a key whose reconcile hit a conflict is tried again."""
