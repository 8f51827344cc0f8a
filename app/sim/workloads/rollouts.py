"""A Deployment's ReplicaSets, as kube-controller-manager's deployment controller keeps them: pure.

From k8s.io/kubernetes pkg/controller/deployment (sync.go, rolling.go, recreate.go, util):
- the ReplicaSet whose pod template equals the Deployment's (ignoring `pod-template-hash`) is the new
  one, named `<deployment>-<hash>`; it carries `deployment.kubernetes.io/revision`, one more than any
  other's (a rollback makes an old one new again, with a new revision number);
- RollingUpdate scales the new one up while the total stays within replicas + maxSurge, and old ones
  down while the available pods stay at least replicas - maxUnavailable; Recreate scales the old ones
  to zero first, then the new one up;
- old ReplicaSets scaled to zero are kept for `kubectl rollout undo`, up to revisionHistoryLimit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from app.model.ownership import owner_reference
from app.sim.storage.copying import clone
from app.sim.workloads.pods import HASH_LABEL

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
DESIRED_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_ANNOTATION = "deployment.kubernetes.io/max-replicas"
HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"


def spec_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    found = obj.get("spec")
    return found if isinstance(found, dict) else {}


def replicas_of(obj: Mapping[str, Any]) -> int:
    """`spec.replicas` (1 when unset, as the server defaults it)."""
    value = spec_of(obj).get("replicas")
    return int(value) if isinstance(value, int) and value >= 0 else 1


def revision_of(rs: Mapping[str, Any]) -> int:
    text = ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION, "0")
    try:
        return int(text)
    except ValueError:
        return 0


def without_hash(template: Mapping[str, Any]) -> dict[str, Any]:
    """A ReplicaSet's pod template as its Deployment's would be (the hash label taken out)."""
    found = clone(dict(template))
    labels = (found.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return found


def is_new(rs: Mapping[str, Any], deployment: Mapping[str, Any]) -> bool:
    """Whether the ReplicaSet runs the Deployment's current pod template."""
    return without_hash(spec_of(rs).get("template") or {}) == (spec_of(deployment).get("template") or {})


def _resolve(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    text = str(value or "0")
    if text.endswith("%"):
        share = total * int(text[:-1] or 0) / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(text)


def surge_and_unavailable(deployment: Mapping[str, Any]) -> tuple[int, int]:
    """maxSurge (rounded up) and maxUnavailable (rounded down); never both zero."""
    rolling = (spec_of(deployment).get("strategy") or {}).get("rollingUpdate") or {}
    want = replicas_of(deployment)
    surge = _resolve(rolling.get("maxSurge", "25%"), want, True)
    unavailable = _resolve(rolling.get("maxUnavailable", "25%"), want, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def new_replica_set(
    deployment: Mapping[str, Any], pod_hash: str, revision: int, replicas: int
) -> dict[str, Any]:
    """The ReplicaSet the controller creates for the Deployment's current template."""
    meta, spec = deployment["metadata"], spec_of(deployment)
    template = clone(spec.get("template") or {})
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = clone(spec.get("selector") or {})
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    surge, _ = surge_and_unavailable(deployment)
    annotations = {
        key: value
        for key, value in (meta.get("annotations") or {}).items()
        if key not in (REVISION_ANNOTATION, "kubectl.kubernetes.io/last-applied-configuration")
    }
    annotations.update(replica_annotations(deployment, surge) | {REVISION_ANNOTATION: str(revision)})
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pod_hash}",
            "namespace": meta["namespace"],
            "labels": dict(template["metadata"]["labels"]),
            "annotations": annotations,
            "ownerReferences": [owner_reference(deployment)],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": spec.get("minReadySeconds", 0),
            "selector": selector,
            "template": template,
        },
    }


def replica_annotations(deployment: Mapping[str, Any], surge: int) -> dict[str, str]:
    """What the controller writes on each ReplicaSet about its Deployment's size."""
    want = replicas_of(deployment)
    strategy = (spec_of(deployment).get("strategy") or {}).get("type", "RollingUpdate")
    top = want + surge if strategy == "RollingUpdate" else want
    return {DESIRED_ANNOTATION: str(want), MAX_ANNOTATION: str(top)}


def plan(
    deployment: Mapping[str, Any],
    new: Mapping[str, Any],
    old: Sequence[Mapping[str, Any]],
    available: Mapping[str, int],
    live_old_pods: int,
) -> dict[str, int]:
    """The spec.replicas each ReplicaSet (by name) should have now. `available` counts each one's
    available pods; `live_old_pods` the old ReplicaSets' pods not yet gone (Recreate waits for them)."""
    want = replicas_of(deployment)
    counts = {rs["metadata"]["name"]: replicas_of(rs) for rs in [new, *old]}
    new_name = new["metadata"]["name"]
    active_old = [rs for rs in old if counts[rs["metadata"]["name"]] > 0]
    strategy = (spec_of(deployment).get("strategy") or {}).get("type", "RollingUpdate")
    if strategy == "Recreate":
        for rs in active_old:
            counts[rs["metadata"]["name"]] = 0
        counts[new_name] = want if not active_old and live_old_pods == 0 else 0
        return counts
    if not active_old:
        counts[new_name] = want
        return counts
    surge, unavailable = surge_and_unavailable(deployment)
    # Scale the new one up within the surge.
    total = sum(counts.values())
    if counts[new_name] > want:
        counts[new_name] = want
    elif total < want + surge:
        counts[new_name] += min(want + surge - total, want - counts[new_name])
    # Scale old ones down (oldest first) while enough pods stay available.
    min_available = want - unavailable
    all_pods = sum(counts.values())
    new_unavailable = max(0, counts[new_name] - available.get(new_name, 0))
    room = all_pods - min_available - new_unavailable
    for rs in sorted(active_old, key=revision_of):
        if room <= 0:
            break
        name = rs["metadata"]["name"]
        unhealthy = min(counts[name] - available.get(name, 0), room)
        counts[name] -= unhealthy
        room -= unhealthy
    available_total = sum(min(available.get(name, 0), count) for name, count in counts.items())
    cut = available_total - min_available
    for rs in sorted(active_old, key=revision_of):
        if cut <= 0:
            break
        name = rs["metadata"]["name"]
        step = min(counts[name], cut)
        counts[name] -= step
        cut -= step
    return counts


def expired(
    deployment: Mapping[str, Any], old: Sequence[Mapping[str, Any]], pods: Mapping[str, int]
) -> list[str]:
    """Old ReplicaSets beyond revisionHistoryLimit (scaled to zero, podless): oldest first."""
    limit = spec_of(deployment).get("revisionHistoryLimit", 10)
    idle = [
        rs
        for rs in sorted(old, key=revision_of)
        if replicas_of(rs) == 0 and not pods.get(rs["metadata"]["name"], 0)
    ]
    extra = len(idle) - int(limit if isinstance(limit, int) else 10)
    return [rs["metadata"]["name"] for rs in idle[: max(0, extra)]]


def replica_set_status(rs: Mapping[str, Any], live: int, ready: int) -> dict[str, Any]:
    """What the replicaset controller reports: `replicas` always, other counts when not zero."""
    status: dict[str, Any] = {"replicas": live}
    for key, value in (
        ("fullyLabeledReplicas", live),
        ("readyReplicas", ready),
        ("availableReplicas", ready),
    ):
        if value:
            status[key] = value
    status["observedGeneration"] = (rs.get("metadata") or {}).get("generation", 1)
    return status
