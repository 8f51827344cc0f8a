"""Deployments own ReplicaSets that own pods, and roll them as kube-controller-manager's deployment
controller does (k8s.io/kubernetes pkg/controller/deployment): kubectl's rollout commands work."""

from __future__ import annotations

import json
from typing import Any

from app.sim.workloads.rollouts import plan
from tests.plugins.sim import Kubectl
from tests.sim.workloads.conftest import NAMESPACE, Workloads
from tests.support.waiting import eventually


def replica_sets(kubectl: Kubectl) -> dict[str, dict[str, Any]]:
    found = json.loads(kubectl("get", "replicasets", "-n", NAMESPACE, "-o", "json").stdout)["items"]
    return {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs for rs in found}


def test_a_template_change_rolls_to_a_new_replica_set_and_undo_rolls_back(
    workloads: Workloads, kubectl: Kubectl
) -> None:
    ns = ("-n", NAMESPACE)
    kubectl("create", "deployment", "web", "--image=nginx:1.26", "--replicas=2", *ns)
    done = kubectl("rollout", "status", "deployment/web", "--timeout=20s", *ns)
    assert done.stdout.strip() == 'deployment "web" successfully rolled out'
    kubectl("set", "image", "deployment/web", "nginx=nginx:1.27", *ns)
    kubectl("rollout", "status", "deployment/web", "--timeout=20s", *ns)
    sets = replica_sets(kubectl)
    assert sorted(sets) == ["1", "2"]
    assert (sets["1"]["spec"]["replicas"], sets["2"]["spec"]["replicas"]) == (0, 2)
    assert sets["2"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    for rs in sets.values():
        pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
        assert rs["metadata"]["name"] == f"web-{pod_hash}"
        assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    pods = json.loads(kubectl("get", "pods", "-n", NAMESPACE, "-l", "app=web", "-o", "json").stdout)["items"]
    eventually(
        lambda: (
            {
                p["metadata"]["ownerReferences"][0]["name"]
                for p in json.loads(kubectl("get", "pods", *ns, "-l", "app=web", "-o", "json").stdout)[
                    "items"
                ]
            }
            == {sets["2"]["metadata"]["name"]}
        )
    )
    assert pods  # the pods are the ReplicaSet's
    history = kubectl("rollout", "history", "deployment/web", *ns).stdout.split()
    assert history[:4] == ["deployment.apps/web", "REVISION", "CHANGE-CAUSE", "1"]
    assert "2" in history
    undone = kubectl("rollout", "undo", "deployment/web", *ns)
    assert undone.stdout.strip() == "deployment.apps/web rolled back"
    kubectl("rollout", "status", "deployment/web", "--timeout=20s", *ns)
    sets = replica_sets(kubectl)
    assert sorted(sets) == ["2", "3"]
    assert sets["3"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert (sets["2"]["spec"]["replicas"], sets["3"]["spec"]["replicas"]) == (0, 2)
    deployment = json.loads(kubectl("get", "deployment", "web", *ns, "-o", "json").stdout)
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"


def test_kubectl_scale_reaches_the_pods(workloads: Workloads, kubectl: Kubectl) -> None:
    ns = ("-n", NAMESPACE)
    kubectl("create", "deployment", "web", "--image=nginx:1.26", "--replicas=1", *ns)
    kubectl("scale", "deployment/web", "--replicas=3", *ns)
    kubectl("rollout", "status", "deployment/web", "--timeout=20s", *ns)
    status = json.loads(kubectl("get", "deployment", "web", *ns, "-o", "json").stdout)["status"]
    assert (status["replicas"], status["updatedReplicas"], status["availableReplicas"]) == (3, 3, 3)


def rs(name: str, replicas: int, revision: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "annotations": {"deployment.kubernetes.io/revision": str(revision)}},
        "spec": {"replicas": replicas},
    }


def test_a_rolling_update_surges_then_scales_old_down_as_new_pods_become_available() -> None:
    """Four replicas with the default 25% surge and 25% unavailable (rolling.go)."""
    deployment = {"spec": {"replicas": 4, "strategy": {"type": "RollingUpdate"}}}
    old, new = rs("old", 4, 1), rs("new", 0, 2)
    # One more pod may start, and one old one may go while the new ones are not yet available.
    assert plan(deployment, new, [old], {"old": 4, "new": 0}, 4) == {"new": 1, "old": 3}
    step = plan(deployment, rs("new", 1, 2), [rs("old", 3, 1)], {"old": 3, "new": 1}, 3)
    assert step == {"new": 2, "old": 2}
    assert plan(deployment, rs("new", 4, 2), [rs("old", 0, 1)], {"new": 4}, 0) == {"new": 4, "old": 0}


def test_recreate_scales_the_old_replica_set_to_zero_first() -> None:
    deployment = {"spec": {"replicas": 2, "strategy": {"type": "Recreate"}}}
    assert plan(deployment, rs("new", 0, 2), [rs("old", 2, 1)], {"old": 2}, 2) == {"new": 0, "old": 0}
    assert plan(deployment, rs("new", 0, 2), [rs("old", 0, 1)], {}, 1) == {"new": 0, "old": 0}
    assert plan(deployment, rs("new", 0, 2), [rs("old", 0, 1)], {}, 0) == {"new": 2, "old": 0}
