"""A Deployment's status as the deployment controller writes it, from the pods it owns: pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.sim.workloads.pods import is_ready, is_terminating


def desired_replicas(deployment: Mapping[str, Any]) -> int:
    """`spec.replicas`, defaulting to 1 as the API server does."""
    value = (deployment.get("spec") or {}).get("replicas")
    return int(value) if isinstance(value, int) and value >= 0 else 1


def deployment_status(
    deployment: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    replica_set: str,
    now: str,
    *,
    updated: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The status for the pods of every ReplicaSet the Deployment owns (`updated`: those of its new
    one, `replica_set`; all of them when not given); zero counts are left out, as the real API omits them.

    Condition timestamps are kept from the current status while a condition's status is unchanged.
    """
    live = [pod for pod in pods if not is_terminating(pod)]
    ready = sum(1 for pod in live if is_ready(pod))
    fresh = len([pod for pod in (pods if updated is None else updated) if not is_terminating(pod)])
    want = desired_replicas(deployment)
    counts = {
        "replicas": len(live),
        "updatedReplicas": fresh,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": max(0, want - ready),
    }
    # DeploymentComplete: every replica updated, no old one left, every updated one available.
    complete = fresh == want and len(live) == fresh and ready >= fresh
    status: dict[str, Any] = {"observedGeneration": (deployment.get("metadata") or {}).get("generation", 1)}
    status.update({key: value for key, value in counts.items() if value})
    max_unavailable = want // 4  # the default rolling update allows 25% unavailable (rounded down)
    available = ready >= want - max_unavailable
    old = {c.get("type"): c for c in ((deployment.get("status") or {}).get("conditions") or [])}
    status["conditions"] = [
        _condition(
            old.get("Available"),
            "Available",
            available,
            "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "Deployment has minimum availability."
            if available
            else "Deployment does not have minimum availability.",
            now,
        ),
        _condition(
            old.get("Progressing"),
            "Progressing",
            True,
            "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
            f'ReplicaSet "{replica_set}" has successfully progressed.'
            if complete
            else f'ReplicaSet "{replica_set}" is progressing.',
            now,
        ),
    ]
    return status


def _condition(
    old: Mapping[str, Any] | None, kind: str, status: bool, reason: str, message: str, now: str
) -> dict[str, Any]:
    text = "True" if status else "False"
    if old is not None and old.get("status") == text and old.get("reason") == reason:
        if old.get("message") == message:
            return dict(old)
        return dict(old, message=message, lastUpdateTime=now)
    return {
        "type": kind,
        "status": text,
        "lastUpdateTime": now,
        "lastTransitionTime": old.get("lastTransitionTime", now)
        if old and old.get("status") == text
        else now,
        "reason": reason,
        "message": message,
    }
