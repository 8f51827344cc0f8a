"""The autoscaler writes Deployment replicas from load and the revision's scale annotations."""

from __future__ import annotations

import time

import httpx

from tests.sim.workloads.conftest import GRACE, Workloads, host, target
from tests.support.waiting import eventually


def _running(workloads: Workloads, revision: str) -> int:
    return sum(
        1
        for p in workloads.pods(revision)
        if p.status.phase == "Running" and not p.metadata.deletion_timestamp
    )


def test_an_unused_revision_scales_to_zero_after_the_grace_period(workloads: Workloads) -> None:
    workloads.revision("customer-v1")
    eventually(lambda: _running(workloads, "customer-v1") == 1, message="the initial pod")
    started = time.monotonic()
    eventually(lambda: workloads.replicas("customer-v1") == 0, timeout=GRACE + 3)
    assert time.monotonic() - started > GRACE / 2
    eventually(lambda: workloads.pods("customer-v1") == [])


def test_min_scale_keeps_pods_without_traffic(workloads: Workloads) -> None:
    workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/min-scale": "2"})
    eventually(lambda: _running(workloads, "customer-v1") == 2)
    time.sleep(GRACE * 1.5)
    assert workloads.replicas("customer-v1") == 2
    assert _running(workloads, "customer-v1") == 2


def test_initial_scale_then_down_to_min_scale(workloads: Workloads) -> None:
    annotations = {"autoscaling.knative.dev/initial-scale": "3", "autoscaling.knative.dev/min-scale": "1"}
    workloads.revision("customer-v1", annotations=annotations)
    eventually(
        lambda: len(workloads.pods("customer-v1")) == 3, message="three pods while the revision is new"
    )
    eventually(lambda: workloads.replicas("customer-v1") == 1, timeout=GRACE + 3)
    eventually(lambda: len(workloads.pods("customer-v1")) == 1)


def test_a_reserve_revision_ignores_min_scale(workloads: Workloads) -> None:
    annotations = {"autoscaling.knative.dev/min-scale": "2"}
    workloads.revision("customer-v1", annotations=annotations, routing_state="reserve")
    workloads.revision("customer-v2", annotations=annotations)
    eventually(lambda: _running(workloads, "customer-v2") == 2)
    eventually(lambda: workloads.replicas("customer-v1") == 0)
    assert workloads.pods("customer-v1") == []


def test_load_scales_up_and_max_scale_caps_it(workloads: Workloads) -> None:
    busy = {"autoscaling.knative.dev/target": "1", "autoscaling.knative.dev/min-scale": "1"}
    workloads.revision("customer-v1", annotations=busy)
    workloads.revision("customer-v2", annotations=busy | {"autoscaling.knative.dev/max-scale": "2"})
    workloads.route("customer", [target("customer-v1", 100, "free"), target("customer-v2", 0, "capped")])
    eventually(lambda: _running(workloads, "customer-v1") == 1 and _running(workloads, "customer-v2") == 1)
    with httpx.Client(base_url=workloads.ingress.url, timeout=10) as client:
        for _ in range(12):
            assert workloads.get(host("customer", "free"), client).status_code == 200
            assert workloads.get(host("customer", "capped"), client).status_code == 200
    # Up to 12 requests in the 1 s window, each counted as 1 s of work: concurrency up to 12, target 1.
    eventually(lambda: workloads.replicas("customer-v1") >= 3, message="the uncapped revision scales up")
    assert workloads.replicas("customer-v2") == 2
    eventually(lambda: _running(workloads, "customer-v2") == 2)
    assert len(workloads.pods("customer-v2")) == 2


def test_a_request_to_a_revision_at_zero_cold_starts_it(workloads: Workloads) -> None:
    workloads.revision("customer-v1", version="v1")
    workloads.route("customer", [target("customer-v1", 100)])
    eventually(lambda: workloads.replicas("customer-v1") == 0, timeout=GRACE + 3)
    eventually(lambda: workloads.pods("customer-v1") == [])
    response = workloads.get(host("customer"))
    assert response.status_code == 200
    (pod,) = workloads.pods("customer-v1")
    assert response.text == f"customer v1 from '{pod.metadata.name}': 1\n"
    assert workloads.replicas("customer-v1") == 1


def test_a_revision_that_never_gets_a_pod_answers_503_after_the_timeout(workloads: Workloads) -> None:
    workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/max-scale": "0"})
    workloads.route("customer", [target("customer-v1", 100)])
    workloads.apps.delete_namespaced_deployment("customer-v1-deployment", "labs-1")
    started = time.monotonic()
    response = workloads.get(host("customer"))
    assert response.status_code == 503
    assert response.text == "no healthy upstream"
    assert time.monotonic() - started >= 0.9
