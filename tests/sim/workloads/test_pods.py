"""A revision's Deployment gets pods named, labelled and owned as Kubernetes makes them, with the
kubelet's phases, and its status counts them."""

from __future__ import annotations

import re

from tests.sim.workloads.conftest import NAMESPACE, Workloads
from tests.support.waiting import eventually


def test_pods_appear_named_and_labelled_like_a_replica_sets(workloads: Workloads) -> None:
    revision = workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/min-scale": "2"})
    eventually(lambda: len(workloads.pods("customer-v1")) == 2)
    pods = workloads.pods("customer-v1")
    hashes = {pod.metadata.labels["pod-template-hash"] for pod in pods}
    assert len(hashes) == 1
    (pod_hash,) = hashes
    for pod in pods:
        assert re.fullmatch(
            rf"customer-v1-deployment-{pod_hash}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", pod.metadata.name
        )
        labels = pod.metadata.labels
        assert labels["serving.knative.dev/revision"] == "customer-v1"
        assert labels["serving.knative.dev/revisionUID"] == revision["metadata"]["uid"]
        assert labels["serving.knative.dev/service"] == "customer"
        assert labels["serving.knative.dev/configuration"] == "customer"
        assert labels["app"] == "customer-v1"
        (owner,) = pod.metadata.owner_references
        deployment = workloads.apps.read_namespaced_deployment("customer-v1-deployment", NAMESPACE)
        replica_set = workloads.apps.read_namespaced_replica_set(
            f"customer-v1-deployment-{pod_hash}", NAMESPACE
        )
        assert (owner.kind, owner.name, owner.uid, owner.controller) == (
            "ReplicaSet",
            f"customer-v1-deployment-{pod_hash}",
            replica_set.metadata.uid,
            True,
        )
        (rs_owner,) = replica_set.metadata.owner_references
        assert (rs_owner.kind, rs_owner.uid) == ("Deployment", deployment.metadata.uid)
        assert replica_set.metadata.annotations["deployment.kubernetes.io/revision"] == "1"
        assert [c.name for c in pod.spec.containers] == ["user-container", "queue-proxy"]
        assert pod.spec.containers[0].image == "quay.io/lab/customer:quarkus"
    assert len({pod.metadata.name for pod in pods}) == 2


def test_pods_become_running_and_ready_and_the_deployment_counts_them(workloads: Workloads) -> None:
    workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/min-scale": "2"})

    def all_running() -> bool:
        pods = workloads.pods("customer-v1")
        return len(pods) == 2 and all(p.status.phase == "Running" for p in pods)

    eventually(all_running)
    for pod in workloads.pods("customer-v1"):
        ready = next(c for c in pod.status.conditions if c.type == "Ready")
        assert ready.status == "True"
        assert all(c.ready for c in pod.status.container_statuses)
        assert {c.name for c in pod.status.container_statuses} == {"user-container", "queue-proxy"}
        assert pod.status.pod_ip.startswith("10.128.")

    def counted() -> bool:
        status = workloads.apps.read_namespaced_deployment_status("customer-v1-deployment", NAMESPACE).status
        return (status.replicas, status.ready_replicas, status.available_replicas) == (2, 2, 2)

    eventually(counted)


def test_a_deleted_pod_is_terminating_then_replaced(workloads: Workloads) -> None:
    workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/min-scale": "1"})
    eventually(lambda: [p.status.phase for p in workloads.pods("customer-v1")] == ["Running"])
    (victim,) = workloads.pods("customer-v1")
    workloads.core.delete_namespaced_pod(victim.metadata.name, NAMESPACE)
    eventually(lambda: victim.metadata.name not in {p.metadata.name for p in workloads.pods("customer-v1")})
    eventually(lambda: [p.status.phase for p in workloads.pods("customer-v1")] == ["Running"])


def test_pods_go_when_their_deployment_is_deleted(workloads: Workloads) -> None:
    workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/min-scale": "2"})
    eventually(lambda: len(workloads.pods("customer-v1")) == 2)
    workloads.apps.delete_namespaced_deployment("customer-v1-deployment", NAMESPACE)
    eventually(lambda: workloads.pods("customer-v1") == [])
