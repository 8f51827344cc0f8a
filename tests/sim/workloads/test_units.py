"""The pure pieces: scale arithmetic, host matching, weighted picks, pod names, Deployment status, timers."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from typing import Any

import pytest

from app.model.naming import DomainConfig
from app.model.routing import ResolvedTarget, virtual_service_specs
from app.sim.ingress.matching import Backend, pick, request_host, revision_host, route_backends
from app.sim.ingress.replies import body, callee, version_of
from app.sim.workloads.deployments import deployment_status
from app.sim.workloads.pods import SAFE_ALPHABET, pod_name, template_hash
from app.sim.workloads.scaling import Load, ScalePolicy, desired_scale
from app.sim.workloads.settings import WorkloadSettings
from app.sim.workloads.timing import Scheduler

# --- scaling -----------------------------------------------------------------------------------------


def test_scale_policy_reads_knatives_annotations_and_their_legacy_spellings() -> None:
    policy = ScalePolicy.from_annotations(
        {
            "autoscaling.knative.dev/min-scale": "2",
            "autoscaling.knative.dev/maxScale": "5",
            "autoscaling.knative.dev/initial-scale": "3",
            "autoscaling.knative.dev/target": "10.5",
        }
    )
    assert policy == ScalePolicy(min_scale=2, max_scale=5, initial_scale=3, target=10.5)
    assert ScalePolicy.from_annotations(None) == ScalePolicy(0, 0, 1, 100.0)


@pytest.mark.parametrize("raw", ["x", "-1", "", "0x1", "nan"])
def test_a_malformed_scale_annotation_keeps_the_default(raw: str) -> None:
    policy = ScalePolicy.from_annotations(
        {"autoscaling.knative.dev/min-scale": raw, "autoscaling.knative.dev/target": raw}
    )
    assert (policy.min_scale, policy.target) == (0, 100.0)
    assert ScalePolicy.from_annotations({"autoscaling.knative.dev/max-scale": "1.5"}).max_scale == 0


@pytest.mark.parametrize(
    ("policy", "concurrency", "active", "young", "routed", "expected"),
    [
        (ScalePolicy(), 0.0, False, False, True, 0),  # idle: zero
        (ScalePolicy(), 0.0, True, False, True, 1),  # recently used: one
        (ScalePolicy(), 250.0, True, False, True, 3),  # ceil(250 / 100)
        (ScalePolicy(target=10), 100.0, True, False, True, 10),  # exact multiple: no extra pod
        (ScalePolicy(max_scale=2, target=1), 50.0, True, False, True, 2),  # capped
        (ScalePolicy(min_scale=2), 0.0, False, False, True, 2),  # min-scale holds
        (ScalePolicy(min_scale=2), 0.0, False, False, False, 0),  # reserve ignores min-scale
        (ScalePolicy(initial_scale=3), 0.0, False, True, True, 3),  # young: initial scale
        (ScalePolicy(initial_scale=3), 0.0, False, True, False, 0),  # reserve: no initial scale
        (ScalePolicy(initial_scale=0), 0.0, False, True, True, 0),
    ],
)
def test_desired_scale(
    policy: ScalePolicy, concurrency: float, active: bool, young: bool, routed: bool, expected: int
) -> None:
    assert desired_scale(policy, concurrency, active=active, young=young, routed=routed) == expected


def test_load_is_littles_law_over_the_window_plus_in_flight() -> None:
    load = Load()
    for moment in (0.0, 0.5, 1.0, 1.5):
        load.arrive(moment)
    load.finish(1.6)
    load.finish(1.6)
    load.finish(1.6)
    assert load.concurrency(2.0, window=2.0, request_seconds=1.0) == 1 + 3 * 1.0 / 2.0  # 0.0 left the window
    assert load.active(2.0, grace=1.0)
    load.finish(1.7)
    assert load.in_flight == 0
    assert load.active(2.6, grace=1.0) and not load.active(2.7, grace=1.0)


# --- matching ----------------------------------------------------------------------------------------

DOMAIN = DomainConfig(domain="apps.example.com")


def _virtual_services() -> list[dict[str, object]]:
    targets = [
        ResolvedTarget("current", "customer-v3", 30, False),
        ResolvedTarget("candidate", "customer-v4", 70, False),
    ]
    ingress, mesh = virtual_service_specs("customer", "labs-1", targets, DOMAIN)
    return [{"spec": mesh}, {"spec": ingress}]


def test_request_host_drops_the_port_and_case() -> None:
    assert request_host("Customer.Labs-1.apps.example.com:8080") == "customer.labs-1.apps.example.com"
    assert request_host("[::1]:80") == "[::1]"


def test_revision_host_accepts_the_three_local_spellings_only() -> None:
    assert revision_host("customer-v3.labs-1") == ("labs-1", "customer-v3")
    assert revision_host("customer-v3.labs-1.svc") == ("labs-1", "customer-v3")
    assert revision_host("customer-v3.labs-1.svc.cluster.local") == ("labs-1", "customer-v3")
    assert revision_host("customer-v3.labs-1.apps.example.com") is None
    assert revision_host("localhost") is None


def test_route_backends_follow_the_gateway_routes() -> None:
    services = _virtual_services()
    default = route_backends(services, "customer.labs-1.apps.example.com")
    assert default is not None
    assert [(b.revision, b.weight) for b in default] == [("customer-v3", 30), ("customer-v4", 70)]
    assert dict(default[0].headers)["Knative-Serving-Revision"] == "customer-v3"
    candidate = route_backends(services, "candidate-customer.labs-1.svc")
    assert candidate is not None and [(b.revision, b.weight) for b in candidate] == [("customer-v4", 100)]
    assert route_backends(services, "other.labs-1.apps.example.com") is None


def test_a_mesh_only_virtual_service_is_not_served_by_the_gateways() -> None:
    (mesh, _) = _virtual_services()
    assert route_backends([mesh], "customer.labs-1.svc.cluster.local") is None


def test_header_conditions_must_hold() -> None:
    probe = {
        "spec": {
            "gateways": ["knative-serving/knative-local-gateway"],
            "hosts": ["a.ns"],
            "http": [
                {
                    "match": [
                        {"authority": {"prefix": "a.ns"}, "headers": {"K-Network-Probe": {"exact": "probe"}}}
                    ],
                    "route": [{"destination": {"host": "a-2.ns.svc.cluster.local"}}],
                },
                {
                    "match": [{"authority": {"exact": "a.ns"}}],
                    "route": [{"destination": {"host": "a-1.ns.svc.cluster.local"}}],
                },
            ],
        }
    }
    assert route_backends([probe], "a.ns", {"k-network-probe": "probe"}) == [Backend("ns", "a-2", 100)]
    assert route_backends([probe], "a.ns") == [Backend("ns", "a-1", 100)]


def test_pick_is_weighted_seedable_and_skips_zero_weights() -> None:
    backends = [Backend("ns", "a", 0), Backend("ns", "b", 25), Backend("ns", "c", 75)]
    assert [pick(backends, random.Random(3)) for _ in range(3)] == [pick(backends, random.Random(3))] * 3
    rng = random.Random(1)
    chosen = [pick(backends, rng) for _ in range(4000)]
    assert all(b is not None and b.revision != "a" for b in chosen)
    share = sum(1 for b in chosen if b is not None and b.revision == "c") / 4000
    assert 0.72 < share < 0.78
    assert pick([Backend("ns", "a", 0)], rng) is None
    assert pick([], rng) is None


# --- replies -----------------------------------------------------------------------------------------


def test_the_lab_chain_and_body() -> None:
    assert callee("customer") == "preference"
    assert callee("preference") == "recommendation"
    assert callee("recommendation") is None
    assert callee("hello") is None
    assert body(["customer", "preference", "recommendation"], "v4", "p-1", 3) == (
        "customer => preference => recommendation v4 from 'p-1': 3\n"
    )
    revision = {"metadata": {"name": "hello-00001"}, "spec": {"containers": [{"image": "x"}]}}
    assert version_of(revision) == "hello-00001"
    revision["spec"] = {"containers": [{"env": [{"name": "VERSION", "value": "v2"}]}]}
    assert version_of(revision) == "v2"


# --- pods and Deployments ----------------------------------------------------------------------------


def test_template_hash_is_stable_safe_and_template_sensitive() -> None:
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"image": "x"}]}}
    same = {"spec": {"containers": [{"image": "x"}]}, "metadata": {"labels": {"app": "a"}}}
    other = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"image": "y"}]}}
    assert template_hash(template) == template_hash(same) != template_hash(other)
    assert set(template_hash(template)) <= set(SAFE_ALPHABET)
    name = pod_name("customer-v1-deployment", "5d4f9c", random.Random(0))
    assert name.startswith("customer-v1-deployment-5d4f9c-") and len(name.rsplit("-", 1)[1]) == 5


def test_deployment_status_counts_live_and_ready_pods() -> None:
    ready = {
        "metadata": {"name": "a"},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
    }
    pending = {"metadata": {"name": "b"}, "status": {"phase": "Pending"}}
    leaving = {"metadata": {"name": "c", "deletionTimestamp": "t"}, "status": ready["status"]}
    deployment = {"metadata": {"generation": 4}, "spec": {"replicas": 2}}
    status = deployment_status(deployment, [ready, pending, leaving], "rs", "now")
    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 4,
        "replicas": 2,
        "updatedReplicas": 2,
        "readyReplicas": 1,
        "availableReplicas": 1,
        "unavailableReplicas": 1,
    }
    available = next(c for c in status["conditions"] if c["type"] == "Available")
    assert (available["status"], available["reason"]) == ("False", "MinimumReplicasUnavailable")
    empty = deployment_status({"metadata": {}, "spec": {"replicas": 0}}, [], "rs", "now")
    assert "replicas" not in empty and "readyReplicas" not in empty


# --- timing ------------------------------------------------------------------------------------------


def test_the_scheduler_runs_in_time_order_and_coalesces_per_key() -> None:
    ran: list[str] = []
    done = threading.Event()
    scheduler = Scheduler("test-timer")
    scheduler.start()
    try:
        scheduler.call_later(0.10, "b", lambda: ran.append("b"))
        scheduler.call_later(0.05, "a", lambda: ran.append("a"))
        scheduler.call_later(0.50, "a", lambda: ran.append("a-late"))  # coalesced into the earlier "a"
        scheduler.call_later(0.15, "end", done.set)
        assert done.wait(2)
        time.sleep(0.05)
    finally:
        scheduler.stop()
    assert ran == ["a-late", "b"]


def _fail() -> None:
    raise RuntimeError("boom")


def test_a_failing_callback_does_not_stop_the_scheduler(caplog: pytest.LogCaptureFixture) -> None:
    done = threading.Event()
    scheduler = Scheduler("test-timer")
    scheduler.start()
    try:
        scheduler.call_later(0, "bad", _fail)
        scheduler.call_later(0.01, "good", done.set)
        assert done.wait(2)
    finally:
        scheduler.stop()
    assert "a timed callback failed" in caplog.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scale_to_zero_grace", 0.0),
        ("autoscale_tick", -1.0),
        ("autoscale_window", float("nan")),
        ("cold_start_delay", -0.1),
        ("ingress_port", 70000),
    ],
)
def test_workload_settings_refuse_values_that_cannot_work(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        overrides: dict[str, Any] = {field: value}
        dataclasses.replace(WorkloadSettings(), **overrides)
