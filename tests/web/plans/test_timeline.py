"""The plan's timeline on the Service page, its fragment and its SSE events, and the start form's
answers to bad input: read from the plan the Knative Service carries in its annotation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
from kubernetes.client import ApiClient

from app.model.plans import ANNOTATION, PRESETS, encode, first_progress, new_plan, pause, stamp
from app.model.traffic import parse_traffic
from tests.support.forms import csrf_client, unescape
from tests.support.serving import Dashboard
from tests.web.cluster import NS, knative_service, patch_service
from tests.web.test_events import event_stream_of

PAGE = f"/namespaces/{NS}/services/customer"
PLAN = f"{PAGE}/plan"


def write_plan(api: ApiClient, phase: str = "running") -> None:
    """A quick demo plan on the lab's customer, as the plan's actions would store it."""
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
    html = httpx.get(served_dashboard.url + PAGE).text
    assert 'data-phase="none"' in timeline_of(html)
    assert (selected(html, "candidate"), selected(html, "baseline")) == ("customer-v4", "customer-v3")
    percents = re.findall(r'name="s\d+\.percent" value="(\d*)"', html)
    assert percents == ["10", "25", "50", "100", "", ""]
    assert 'data-preset="quick demo"' in html


def test_the_timeline_shows_the_plan_the_service_carries(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    write_plan(knative_api)
    with httpx.Client(base_url=served_dashboard.url, timeout=10) as http:
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
        events.until(lambda event, data: event == "plan" and 'data-phase="none"' in data)
        write_plan(knative_api, "paused")
        _, data = events.until(lambda event, data: event == "plan" and 'data-phase="paused"' in data)[-1]
    assert "paused by bob" in data
    assert re.findall(r'data-action="(\w+)"', data) == ["resume", "skip", "promote", "abort"]
    fragment = httpx.get(served_dashboard.url + PLAN, headers={"HX-Request": "true"})
    assert fragment.headers["vary"] == "HX-Request" and 'data-phase="paused"' in fragment.text
    redirect = httpx.get(served_dashboard.url + PLAN)
    assert redirect.status_code == 303 and redirect.headers["location"].endswith(f"{PAGE}#plan")


def test_an_unreadable_plan_says_why(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    bad = json.dumps({"v": 1, "plan": {"candidate": 7}})
    patch_service(knative_api, "customer", {"metadata": {"annotations": {ANNOTATION: bad}}})
    with event_stream_of(served_dashboard, f"{PAGE}/events") as events:
        _, data = events.until(lambda event, data: event == "plan" and "data-error" in data)[-1]
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
    with httpx.Client(base_url=served_dashboard.url, timeout=10) as http:
        fragment = http.get(f"{PLAN}/form", params=query, headers={"HX-Request": "true"}).text
        page = http.get(f"{PLAN}/form", params=query)
        unknown = http.get(f"{PLAN}/form", params={"preset": "yolo"})
    assert page.status_code == 200 and unknown.status_code == 404
    for html in (fragment, page.text):
        assert re.findall(r'name="s\d+\.percent" value="(\d*)"', html) == ["25", "50", "75", "100", "", ""]
        assert (selected(html, "candidate"), selected(html, "baseline")) == ("customer-v3", "customer-v4")
    assert "No preset &#39;yolo&#39;" in unknown.text
