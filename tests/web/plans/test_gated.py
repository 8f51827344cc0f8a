"""Gated steps on the demo's cluster (simulator only: its gateway answers for pods and fails or slows
a revision on demand): a candidate that fails its gate is aborted back to the split the plan started
from; a healthy one passes and the readings stay on the plan."""

from __future__ import annotations

import json

import httpx
from kubernetes.client import ApiClient, CustomObjectsApi

from app.model.faults import FAULTS_ANNOTATION
from tests.support.forms import spec_traffic
from tests.support.serving import Dashboard
from tests.support.waiting import eventually
from tests.web.cluster import knative_service
from tests.web.plans.conftest import PLAN, phase_of

GATE = {"maxErrorRate": 0.05, "maxP95Ms": 5000, "minRequests": 5}


def faults(api: ApiClient, value: dict[str, float]) -> None:
    """Make the candidate misbehave (helper of the simulator's gateway: app.model.faults)."""
    CustomObjectsApi(api).patch_namespaced_custom_object(
        "serving.knative.dev",
        "v1",
        "labs-1",
        "revisions",
        "customer-v4",
        {"metadata": {"annotations": {FAULTS_ANNOTATION: json.dumps(value)}}},
    )


def test_a_failing_gate_aborts_back_to_the_split_the_plan_started_from(
    demo_planner: tuple[ApiClient, Dashboard, httpx.Client],
) -> None:
    api, _, http = demo_planner
    faults(api, {"errorRate": 1})
    steps = [{"percent": 60, "pause": 30, "gate": GATE}, {"percent": 100, "pause": 0}]
    assert http.post(PLAN, json={"steps": steps}).status_code == 200
    body = eventually(
        lambda: http.get(PLAN).json(),
        lambda b: phase_of(b) not in (None, "running"),
        timeout=30,
    )
    progress = body["progress"]
    assert progress["phase"] == "aborted", body
    assert progress["reason"].startswith(
        "aborted: plan step 1/2 failed its gate (error rate 100.0% over 5.0%"
    )
    (reading,) = progress["readings"]
    assert reading["step"] == 0 and reading["errors"] == reading["requests"] >= 5
    assert reading["verdict"].startswith("failed: error rate 100.0% over 5.0% bound")
    assert [t["percent"] for t in spec_traffic(knative_service(api, "customer"))] == [50, 50, 0]


def test_a_passing_gate_lets_the_plan_go_on_and_keeps_its_readings(
    demo_planner: tuple[ApiClient, Dashboard, httpx.Client],
) -> None:
    api, _, http = demo_planner
    steps = [{"percent": 60, "pause": 0.5, "gate": GATE}, {"percent": 100, "pause": 0}]
    assert http.post(PLAN, json={"steps": steps}).status_code == 200
    body = eventually(
        lambda: http.get(PLAN).json(),
        lambda b: phase_of(b) not in (None, "running"),
        timeout=30,
    )
    assert body["progress"]["phase"] == "done", body
    (reading,) = body["progress"]["readings"]
    assert reading["step"] == 0 and reading["requests"] >= 5 and reading["errors"] == 0
    assert reading["verdict"].startswith("passed: error rate 0.0% within 5.0% bound")
    assert [t["percent"] for t in spec_traffic(knative_service(api, "customer"))] == [0, 100, 0]
