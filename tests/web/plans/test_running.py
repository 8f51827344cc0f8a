"""Rollout plans run by the dashboard, on the simulator and on the real API server (`lab`): steps on
time, wait-for-me and resume, the actions, abort to the split the plan started from, a restart and two
replicas, an outside change, bad input and a malformed annotation.

Each plan step is checked where the cluster keeps it: the Service's spec.traffic and annotation, and
the TrafficChanged Events of the history (a step appears there exactly as a manual change does)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from app.kube.requesting import request_json
from app.kube.resources import EVENTS
from app.model.history import history
from app.model.plans import ANNOTATION, decode
from app.web.editor.applying import ACTION
from tests.backends import Backend
from tests.support.builders import LAB_TRAFFIC
from tests.support.forms import spec_traffic, traffic_events
from tests.support.serving import Dashboard
from tests.support.waiting import eventually
from tests.web.cluster import knative_service, patch_service
from tests.web.plans.conftest import PLAN, phase_of, plan_dashboard

QUICK = [{"percent": 10, "pause": 0.3}, {"percent": 50, "pause": 0.3}, {"percent": 100, "pause": 0}]


def phase(http: httpx.Client) -> str | None:
    return phase_of(http.get(PLAN).json())


def shares(lab: Backend) -> list[int]:
    return [t.get("percent", 0) for t in spec_traffic(knative_service(lab.client(), "customer"))]


def stored_plan(lab: Backend) -> Any:
    return decode(knative_service(lab.client(), "customer")["metadata"].get("annotations"))


def plan_events(lab: Backend) -> list[str]:
    """The history messages of plan changes, oldest first."""
    events = sorted(traffic_events(lab.client()), key=lambda e: int(e["metadata"]["resource_version"]))
    return [e["message"] for e in events if "plan " in e["message"]]


def start(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post(PLAN, json={"steps": QUICK, **body})


def test_a_plan_steps_through_to_the_candidate_and_each_step_is_in_the_history(
    lab: Backend, planner: tuple[Dashboard, httpx.Client]
) -> None:
    _, http = planner
    started = start(http, candidate="customer-v4", baseline="customer-v3")
    assert started.status_code == 200, started.text
    assert started.json()["progress"]["step"] == 0
    # The first step lands with the start; its 0.3 s pause may be over before the Service is read
    # again on a busy machine, so the history below shows its 90/10, not a read now.
    eventually(lambda: phase(http), lambda p: p == "done", timeout=10)
    assert shares(lab) == [0, 100, 0]
    assert [t.get("tag") for t in spec_traffic(knative_service(lab.client(), "customer"))] == [
        "current",
        "candidate",
        "latest",
    ]
    messages = plan_events(lab)
    assert len(messages) == 3, messages
    assert [m.split(":")[0] for m in messages] == [
        "Traffic changed by plan step 1/3",
        "Traffic changed by plan step 2/3",
        "Traffic changed by plan step 3/3",
    ]
    assert messages[0].endswith("-> current customer-v3 90%, candidate customer-v4 10%, latest @latest 0%")
    # Recorded as the editor records a change: same reason and action, and trusted by this dashboard.
    events = traffic_events(lab.client())
    assert {e["action"] for e in events} == {ACTION}


def test_the_defaults_pick_the_newest_revision_against_the_busiest(
    lab: Backend, planner: tuple[Dashboard, httpx.Client]
) -> None:
    _, http = planner
    body = start(http, steps=[{"percent": 20, "pause": None}, {"percent": 100, "pause": 0}]).json()
    assert body["plan"]["candidate"] == "customer-v4" and body["plan"]["baseline"] == "customer-v3"


def test_a_wait_for_me_step_waits_until_resumed(
    lab: Backend, planner: tuple[Dashboard, httpx.Client]
) -> None:
    _, http = planner
    steps = [{"percent": 25, "pause": None}, {"percent": 100, "pause": 0}]
    assert start(http, steps=steps).status_code == 200
    eventually(lambda: phase(http), lambda p: p == "waiting")
    time.sleep(0.5)  # many ticks: it still waits
    assert phase(http) == "waiting" and shares(lab) == [75, 25, 0]
    resumed = http.post(f"{PLAN}/resume")
    assert resumed.status_code == 200, resumed.text
    eventually(lambda: phase(http), lambda p: p == "done", timeout=10)
    assert shares(lab) == [0, 100, 0]


def test_pause_resume_skip_promote(lab: Backend, planner: tuple[Dashboard, httpx.Client]) -> None:
    _, http = planner
    slow = [{"percent": 10, "pause": 60}, {"percent": 30, "pause": 60}, {"percent": 60, "pause": 60}]
    assert start(http, steps=[*slow, {"percent": 100, "pause": 0}]).status_code == 200
    paused = http.post(f"{PLAN}/pause").json()
    assert paused["progress"]["phase"] == "paused" and paused["progress"]["reason"].startswith("paused by")
    assert http.post(f"{PLAN}/pause").status_code == 409
    assert http.post(f"{PLAN}/resume").json()["progress"]["phase"] == "running"
    skipped = http.post(f"{PLAN}/skip").json()
    assert skipped["progress"]["step"] == 1 and shares(lab) == [70, 30, 0]
    promoted = http.post(f"{PLAN}/promote").json()
    assert promoted["progress"]["phase"] == "done" and shares(lab) == [0, 100, 0]
    assert http.post(f"{PLAN}/abort").status_code == 409  # done: nothing to abort
    assert http.delete(PLAN).status_code == 200
    eventually(lambda: http.get(PLAN).json(), lambda b: b["plan"] is None)
    assert ANNOTATION not in (knative_service(lab.client(), "customer")["metadata"].get("annotations") or {})


def test_abort_restores_the_split_the_plan_started_from_exactly(
    lab: Backend, planner: tuple[Dashboard, httpx.Client]
) -> None:
    _, http = planner
    before = spec_traffic(knative_service(lab.client(), "customer"))
    slow = [{"percent": 10, "pause": 0.2}, {"percent": 25, "pause": 60}, {"percent": 100, "pause": 0}]
    assert start(http, steps=slow).status_code == 200
    eventually(lambda: shares(lab), lambda s: s == [75, 25, 0], timeout=10)
    # The runner records step 2 just after its patch lands: abort after that, so the abort is last.
    eventually(lambda: plan_events(lab), lambda e: any("plan step 2/3" in m for m in e), timeout=10)
    aborted = http.post(f"{PLAN}/abort")
    assert aborted.status_code == 200, aborted.text
    assert aborted.json()["progress"]["phase"] == "aborted"
    assert spec_traffic(knative_service(lab.client(), "customer")) == before
    assert plan_events(lab)[-1].split(":")[0].startswith("Traffic changed by plan abort, plan step 2/3")


def test_bad_input_is_refused_clearly_and_changes_nothing(
    lab: Backend, planner: tuple[Dashboard, httpx.Client]
) -> None:
    _, http = planner
    version = knative_service(lab.client(), "customer")["metadata"]["resourceVersion"]
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"candidate": "customer-v9"}, 422, "the candidate 'customer-v9' is not a revision of this Service"),
        ({"steps": [{"percent": 50, "pause": 1}, {"percent": 20, "pause": 1}]}, 422, "must increase"),
        ({"steps": [{"percent": 101, "pause": 1}]}, 422, "expected 0 <= 101 <= 100"),
        ({"steps": [{"percent": 10, "pause": -5}]}, 422, "the pause must be 0 to"),
        ({"steps": [], "preset": "rocket"}, 422, "there is no preset 'rocket'"),
        (
            {"steps": [{"percent": 10, "pause": 1, "gate": {"maxErrorRate": 7}}]},
            422,
            "step 1: the error rate bound must be a fraction from 0 to 1",
        ),
    ]
    for body, status, message in cases:
        asked = {"candidate": "customer-v4", "baseline": "customer-v3", "steps": QUICK, **body}
        answer = http.post(PLAN, json=asked)
        assert answer.status_code == status, (body, answer.text)
        assert message in answer.json()["message"], answer.json()
        assert answer.json()["code"] == status
    assert http.post(f"{PLAN}/resume").status_code == 404  # no plan yet
    assert http.post("/api/namespaces/labs-1/services/nothing/plan/pause").status_code == 404
    assert knative_service(lab.client(), "customer")["metadata"]["resourceVersion"] == version
    # A second plan while one runs is refused too.
    assert start(http, steps=[{"percent": 10, "pause": 60}, {"percent": 100, "pause": 0}]).status_code == 200
    again = start(http)
    assert again.status_code == 409 and "already running" in again.json()["message"]


def test_an_outside_change_pauses_the_plan_and_says_who(
    lab: Backend, planner: tuple[Dashboard, httpx.Client]
) -> None:
    _, http = planner
    assert start(http, steps=[{"percent": 10, "pause": 60}, {"percent": 100, "pause": 0}]).status_code == 200
    theirs = [{**t, "percent": p} for t, p in zip(LAB_TRAFFIC, (100, 0, 0), strict=True)]
    patch_service(lab.client(), "customer", {"spec": {"traffic": theirs}})
    body = eventually(
        lambda: http.get(PLAN).json(),
        lambda b: phase_of(b) == "paused",
        timeout=10,
    )
    reason = body["progress"]["reason"]
    assert reason.startswith("paused: the split was changed outside Splitboard by field manager ")
    assert "(now current customer-v3 100%, candidate customer-v4 0%, latest @latest 0%)" in reason
    assert shares(lab) == [100, 0, 0]  # theirs stays until someone resumes
    assert http.post(f"{PLAN}/resume").status_code == 200
    assert shares(lab) == [90, 10, 0]


def test_a_restarted_dashboard_resumes_the_plan_from_the_annotation(lab: Backend) -> None:
    steps = [{"percent": 10, "pause": 1.0}, {"percent": 50, "pause": 0.3}, {"percent": 100, "pause": 0}]
    with plan_dashboard(lab) as (_, http):
        assert start(http, steps=steps).status_code == 200
    # The first dashboard is gone (its Lease released); a new one finds the plan by itself.
    assert stored_plan(lab)[1].phase == "running"
    with plan_dashboard(lab) as (_, http):
        eventually(lambda: phase(http), lambda p: p == "done", timeout=15)
    assert len(plan_events(lab)) == 3


def test_two_dashboards_run_one_plan_once(lab: Backend) -> None:
    steps = [{"percent": p, "pause": 0.2} for p in (10, 20, 30, 40, 60)] + [{"percent": 100, "pause": 0}]
    with plan_dashboard(lab) as (first, http), plan_dashboard(lab) as (second, _):
        assert start(http, steps=steps).status_code == 200
        eventually(lambda: phase(http), lambda p: p == "done", timeout=20)
        runners = [d.app.state.plan_runner for d in (first, second)]
    messages = plan_events(lab)
    assert [m.split(":")[0] for m in messages] == [f"Traffic changed by plan step {n}/6" for n in range(1, 7)]
    # Both were running all along; the one without the Lease said so instead of stepping.
    assert all(r.ticks > 5 for r in runners)
    events = request_json(lab.client(), "GET", EVENTS.path("labs-1"))["items"]
    entries = history(events, "customer", key=first.app.state.dashboard.history_key)
    assert [e.user for e in reversed(entries)] == [f"plan step {n}/6" for n in range(1, 7)]


def test_a_malformed_annotation_is_shown_and_the_runner_goes_on(
    lab: Backend, planner: tuple[Dashboard, httpx.Client]
) -> None:
    dashboard, http = planner
    patch_service(lab.client(), "recommendation", {"metadata": {"annotations": {ANNOTATION: '{"v":1,'}}})
    path = "/api/namespaces/labs-1/services/recommendation/plan"
    body = eventually(lambda: http.get(path).json(), lambda b: b["error"] is not None)
    assert body["plan"] is None and body["error"].startswith(f"annotation {ANNOTATION} is malformed: ")
    assert start(http).status_code == 200  # customer's plan runs beside it
    eventually(lambda: phase(http), lambda p: p == "done", timeout=10)
    runner = dashboard.app.state.plan_runner
    assert runner.problems[("labs-1", "recommendation")].startswith(f"annotation {ANNOTATION} is malformed")
    assert http.get(path).json()["runner"].startswith("annotation")
    # The broken annotation can be cleared.
    assert http.delete(path).status_code == 200
    eventually(lambda: http.get(path).json(), lambda b: b["error"] is None and b["plan"] is None)


def test_the_api_is_documented_under_plans(planner: tuple[Dashboard, httpx.Client]) -> None:
    _, http = planner
    paths = http.get("/openapi.json").json()["paths"]
    documented = {
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "plans" in operation.get("tags", [])
    }
    base = "/api/namespaces/{namespace}/services/{name}/plan"
    assert documented == {
        ("get", base),
        ("post", base),
        ("delete", base),
        *{("post", f"{base}/{verb}") for verb in ("pause", "resume", "skip", "promote", "abort")},
    }


def test_a_read_only_dashboard_runs_no_plan_and_refuses_every_action(lab: Backend) -> None:
    with plan_dashboard(lab, read_only=True) as (dashboard, http):
        assert dashboard.app.state.plan_runner is None
        refused = start(http)
        assert refused.status_code == 403 and "read-only" in refused.json()["message"]
        assert http.post(f"{PLAN}/abort").status_code == 403
    assert stored_plan(lab) is None
