"""The plan's timeline on the Service page, its fragment and its SSE events, and the start form's
answers to bad input: read from the plan the Knative Service carries in its annotation."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
from kubernetes.client import ApiClient

from app.model.plans import (
    ANNOTATION,
    PRESETS,
    StepReading,
    encode,
    first_progress,
    new_plan,
    pause,
    stamp,
)
from app.model.traffic import parse_traffic
from app.settings import Settings
from tests.support.forms import csrf_client, unescape
from tests.support.serving import Dashboard, serve
from tests.web.cluster import NS, knative_service, patch_service
from tests.web.test_events import event_stream_of

PAGE = f"/namespaces/{NS}/services/customer"
PLAN = f"{PAGE}/plan"


def write_plan(api: ApiClient, phase: str = "running", readings: tuple[StepReading, ...] = ()) -> None:
    """A quick demo plan on the lab's customer, as the plan's actions (and the runner, for `readings`)
    would store it."""
    current, _ = parse_traffic(knative_service(api, "customer")["spec"]["traffic"])
    now = datetime.now(UTC)
    plan = new_plan(
        candidate="customer-v4",
        baseline="customer-v3",
        steps=PRESETS["quick demo"],
        current=current,
        revisions={"customer-v3", "customer-v4"},
        created_by="alice",
        created_at=stamp(now),
    )
    progress, _ = first_progress(plan, now)
    if phase == "paused":
        progress = pause(plan, progress, "bob")
    progress = replace(progress, readings=readings)
    patch_service(api, "customer", {"metadata": {"annotations": {ANNOTATION: encode(plan, progress)}}})


def timeline_of(html: str) -> str:
    match = re.search(
        r'<div id="plan-timeline" sse-swap="plan">(.*?)</div>\s*(?:<details|</section>)', html, re.S
    )
    assert match is not None, "no plan timeline in the page"
    return match.group(1)


def selected(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?<option value="([^"]+)" selected', html, re.S)
    assert match is not None, f"nothing selected in {name}"
    return match.group(1)


def test_without_a_plan_the_page_offers_the_canary_for_the_newest_revision(
    served_dashboard: Dashboard,
) -> None:
    html = httpx.get(served_dashboard.url + PAGE, timeout=30).text
    assert 'data-phase="none"' in timeline_of(html)
    assert (selected(html, "candidate"), selected(html, "baseline")) == ("customer-v4", "customer-v3")
    percents = re.findall(r'name="s\d+\.percent" value="(\d*)"', html)
    assert percents == ["10", "25", "50", "100", "", ""]
    assert 'data-preset="quick demo"' in html


def test_the_timeline_shows_the_plan_the_service_carries(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    write_plan(knative_api)
    with httpx.Client(base_url=served_dashboard.url, timeout=30) as http:
        for _ in range(50):
            html = http.get(PAGE).text
            if 'data-phase="running"' in html:
                break
        timeline = timeline_of(html)
    assert 'data-step="0" data-steps="4" data-percent="10"' in timeline
    states = re.findall(r'<li class="step (\w+)" data-step="(\d)"', timeline)
    assert states == [("current", "0"), ("next", "1"), ("next", "2"), ("next", "3")]
    assert re.search(r'next step in <time class="countdown" datetime="[^"]+Z">\d+s</time>', timeline)
    assert "errors ≤ 5.0% · p95 ≤ 500 ms" in unescape(timeline)
    buttons = re.findall(r'data-action="(\w+)"', timeline)
    assert buttons == ["pause", "skip", "promote", "abort"]
    assert "plan-start" in html  # hidden by the stylesheet while the plan is active, not absent


def test_the_fragment_and_the_stream_follow_the_annotation(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    with event_stream_of(served_dashboard, f"{PAGE}/events") as events:
        events.until(lambda event, data: event == "plan" and 'data-phase="none"' in data, timeout=20)
        write_plan(knative_api, "paused")
        _, data = events.until(
            lambda event, data: event == "plan" and 'data-phase="paused"' in data, timeout=20
        )[-1]
    assert "paused by bob" in data
    assert re.findall(r'data-action="(\w+)"', data) == ["resume", "skip", "promote", "abort"]
    fragment = httpx.get(served_dashboard.url + PLAN, headers={"HX-Request": "true"}, timeout=30)
    assert fragment.headers["vary"] == "HX-Request" and 'data-phase="paused"' in fragment.text
    redirect = httpx.get(served_dashboard.url + PLAN, timeout=30)
    assert redirect.status_code == 303 and redirect.headers["location"].endswith(f"{PAGE}#plan")


def test_an_unreadable_plan_says_why(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    bad = json.dumps({"v": 1, "plan": {"candidate": 7}})
    patch_service(knative_api, "customer", {"metadata": {"annotations": {ANNOTATION: bad}}})
    with event_stream_of(served_dashboard, f"{PAGE}/events") as events:
        _, data = events.until(lambda event, data: event == "plan" and "data-error" in data, timeout=20)[-1]
    assert "This Service&#39;s rollout plan cannot be read:" in data


def test_a_bad_start_form_is_answered_beside_its_fields_and_changes_nothing(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    before = knative_service(knative_api, "customer")
    fields: dict[str, Any] = {
        "candidate": "customer-v4",
        "baseline": "customer-v4",
        "s0.percent": "150",
        "s0.pause": "5",
        "s1.percent": "50",
        "s1.pause": "soon",
    }
    with csrf_client(served_dashboard.url) as http:
        page = http.post(PLAN, data=fields)
        fragment = http.post(PLAN, data=fields, headers={"HX-Request": "true"})
    assert page.status_code == 422 and fragment.status_code == 200
    for html in (page.text, fragment.text):
        errors = dict(re.findall(r'<li class="plan-error" data-error="([^"]+)">(.*?)</li>', html))
        assert {k: unescape(v) for k, v in errors.items()} == {
            "baseline": "The baseline must be another revision than the candidate.",
            "s0.percent": "Step 1: the candidate's percent must be a whole number from 0 to 100.",
            "s1.pause": "Step 2: give a pause in seconds (0 or more), or tick Wait for me.",
        }
        assert 'name="s1.pause" value="soon"' in html  # what was typed stays
        assert '<details class="plan-start" id="plan-start" open>' in html
    after = knative_service(knative_api, "customer")
    assert ANNOTATION not in (after["metadata"].get("annotations") or {})
    assert after["spec"]["traffic"] == before["spec"]["traffic"]


def test_a_preset_fills_the_form_with_and_without_a_script(served_dashboard: Dashboard) -> None:
    query = {"preset": "linear", "candidate": "customer-v3", "baseline": "customer-v4"}
    with httpx.Client(base_url=served_dashboard.url, timeout=30) as http:
        fragment = http.get(f"{PLAN}/form", params=query, headers={"HX-Request": "true"}).text
        page = http.get(f"{PLAN}/form", params=query)
        unknown = http.get(f"{PLAN}/form", params={"preset": "yolo"})
    assert page.status_code == 200 and unknown.status_code == 404
    for html in (fragment, page.text):
        assert re.findall(r'name="s\d+\.percent" value="(\d*)"', html) == ["25", "50", "75", "100", "", ""]
        assert (selected(html, "candidate"), selected(html, "baseline")) == ("customer-v3", "customer-v4")
    assert "No preset &#39;yolo&#39;" in unknown.text


def start_fields(**extra: str) -> dict[str, str]:
    """The quick demo preset as the form sends it, with long pauses (nothing runs the plan here)."""
    fields = {"candidate": "customer-v4", "baseline": "customer-v3", **extra}
    for i, percent in enumerate((10, 25, 50, 100)):
        fields |= {f"s{i}.percent": str(percent), f"s{i}.pause": "600"}
    return fields


def plan_phase(api: ApiClient) -> str | None:
    text = (knative_service(api, "customer")["metadata"].get("annotations") or {}).get(ANNOTATION)
    return None if text is None else str(json.loads(text)["progress"]["phase"])


def candidate_percent(api: ApiClient) -> int:
    traffic = knative_service(api, "customer")["spec"]["traffic"]
    return sum(t.get("percent") or 0 for t in traffic if t.get("revisionName") == "customer-v4")


def test_plain_forms_start_and_pause_a_plan_and_come_back_to_the_page(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    with csrf_client(served_dashboard.url) as http:
        started = http.post(PLAN, data=start_fields())
        assert started.status_code == 303 and started.headers["location"].endswith(f"{PAGE}#plan")
        assert (plan_phase(knative_api), candidate_percent(knative_api)) == ("running", 10)
        paused = http.post(f"{PLAN}/pause", data={"view": "timeline"})
        assert paused.status_code == 303 and plan_phase(knative_api) == "paused"
        again = http.post(f"{PLAN}/pause")
        assert again.status_code == 409
        assert "cannot pause a plan that is paused" in unescape(timeline_of(again.text))
        twice = http.post(PLAN, data=start_fields())
        assert twice.status_code == 409
        assert "a rollout plan is already paused on customer" in unescape(twice.text)
        aborted = http.post(f"{PLAN}/abort")
        assert aborted.status_code == 303 and plan_phase(knative_api) == "aborted"
        assert candidate_percent(knative_api) == 50
        assert http.post(f"{PLAN}/nonsense").status_code == 404


def test_htmx_buttons_answer_with_the_view_they_were_pressed_in(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    htmx = {"HX-Request": "true"}
    with csrf_client(served_dashboard.url) as http:
        nothing = http.post(f"{PLAN}/pause", headers=htmx)
        assert nothing.status_code == 200 and "has no rollout plan" in nothing.text
        started = http.post(PLAN, data=start_fields(), headers=htmx)
        # the start form comes back folded, the timeline beside it out of band
        assert '<details class="plan-start" id="plan-start">' in started.text
        assert re.search(
            r'<div id="plan-timeline" hx-swap-oob="innerHTML">.*data-phase="running"', started.text, re.S
        )
        skipped = http.post(f"{PLAN}/skip", data={"view": "timeline"}, headers=htmx)
        assert 'data-phase="running"' in skipped.text and 'data-step="1"' in skipped.text
        assert candidate_percent(knative_api) == 25
        progress = http.post(f"{PLAN}/pause", data={"view": "progress"}, headers=htmx)
        assert 'class="plan-progress phase-paused' in progress.text and "step 2 of 4" in progress.text
        assert 'hx-target="#plan"' in progress.text  # its buttons answer into the presenter's row
        promoted = http.post(f"{PLAN}/promote", headers=htmx)
        assert 'data-phase="done"' in promoted.text and candidate_percent(knative_api) == 100
        cleared = http.post(f"{PLAN}/clear", headers=htmx)
        assert 'data-phase="none"' in cleared.text and plan_phase(knative_api) is None


def test_a_read_only_dashboard_shows_the_plan_without_buttons_or_form(
    dashboard_api: ApiClient, knative_api: ApiClient
) -> None:
    write_plan(knative_api)
    with (
        serve(dashboard_api, Settings(read_only=True)) as dashboard,
        httpx.Client(base_url=dashboard.url, timeout=30) as http,
    ):
        for _ in range(50):
            html = http.get(PAGE).text
            if 'data-phase="running"' in html:
                break
        assert 'data-phase="running"' in html
        assert "data-action=" not in html and 'id="plan-start"' not in html
        assert "Splitboard runs read-only" in unescape(timeline_of(html))


def test_gate_readings_show_on_their_step_and_colour_the_presenters_gate(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    failing = StepReading(
        0, 30, 9, 820.0, "failed: error rate 30.0% over 5.0% bound; p95 820 ms over 500 ms bound"
    )
    write_plan(knative_api, readings=(failing,))
    with httpx.Client(base_url=served_dashboard.url, timeout=30) as http:
        for _ in range(50):
            timeline = http.get(PLAN, headers={"HX-Request": "true"}).text
            if "data-gate" in timeline and "answers" in timeline:
                break
        progress = http.get(PLAN, params={"view": "progress"}, headers={"HX-Request": "true"}).text
    reading = re.search(
        r'<span class="reading gate-fail" data-gate="fail"\s+title="([^"]*)">(.*?)</span>', timeline, re.S
    )
    assert reading is not None, timeline
    assert unescape(reading.group(1)).startswith("failed: error rate 30.0% over 5.0% bound")
    text = re.sub(r"<[^>]+>", "", reading.group(2))
    assert " ".join(unescape(text).split()) == "30 answers · errors 30.0% · p95 820 ms failed"
    assert 'data-gate="fail"' in progress and "gate <strong>failed</strong>" in progress


DEMO = f"{PAGE}/demo?present=1"


def test_presenter_mode_offers_a_one_click_start_while_no_plan_is_active(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    """The presenter's row offers the presets and starts one between the start form's defaults (the
    newest revision against the busiest other), gates on; it goes while the plan runs, and comes back
    beside the plan once it has ended."""
    htmx = {"HX-Request": "true"}
    with csrf_client(served_dashboard.url) as http:
        page = http.get(DEMO).text
        assert 'class="plan-quick"' in page
        assert all(f'<option value="{name}"' in page for name in PRESETS)
        assert 'customer-v4 <span class="muted">against</span> customer-v3' in page
        started = http.post(PLAN, data={"view": "progress", "preset": "canary"}, headers=htmx)
        assert started.status_code == 200
        assert 'class="plan-progress phase-running' in started.text and "step 1 of 4" in started.text
        assert 'class="plan-quick"' not in started.text  # no second plan while this one runs
        body = json.loads(knative_service(knative_api, "customer")["metadata"]["annotations"][ANNOTATION])
        assert (body["plan"]["candidate"], body["plan"]["baseline"]) == ("customer-v4", "customer-v3")
        assert [s.get("gate") is not None for s in body["plan"]["steps"]] == [True, True, True, False]
        assert candidate_percent(knative_api) == 10
        aborted = http.post(f"{PLAN}/abort", data={"view": "progress"}, headers=htmx)
        assert 'data-phase="aborted"' in aborted.text and 'class="plan-quick"' in aborted.text
        assert ">Next plan</span> <select" in aborted.text


def test_the_one_click_start_as_a_plain_form_and_its_errors_inline(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    htmx = {"HX-Request": "true"}
    with csrf_client(served_dashboard.url) as http:
        bad = http.post(PLAN, data={"view": "progress", "preset": "nonsense"}, headers=htmx)
        assert bad.status_code == 200 and "No preset &#39;nonsense&#39;" in bad.text
        assert 'class="plan-quick"' in bad.text and plan_phase(knative_api) is None
        plain_bad = http.post(PLAN, data={"view": "progress", "preset": "nonsense"})
        assert plain_bad.status_code == 422 and "No preset" in unescape(plain_bad.text)
        started = http.post(PLAN, data={"view": "progress", "preset": "quick demo"})
        assert started.status_code == 303 and started.headers["location"].endswith(DEMO)
        assert plan_phase(knative_api) == "running" and candidate_percent(knative_api) == 10
        twice = http.post(PLAN, data={"view": "progress", "preset": "canary"}, headers=htmx)
        assert twice.status_code == 200
        assert "a rollout plan is already running on customer" in unescape(twice.text)
        assert plan_phase(knative_api) == "running" and candidate_percent(knative_api) == 10
