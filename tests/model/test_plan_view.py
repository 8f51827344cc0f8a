"""The plan's timeline, start form and progress as views: steps, states, countdowns, gates and defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.model.gates import Gate
from app.model.plan_view import (
    default_pair,
    duration_text,
    gate_bounds,
    gate_state,
    parse_start,
    plan_view,
    preset_form,
    revision_choices,
    start_form,
)
from app.model.plans import (
    PRESETS,
    Plan,
    PlanStep,
    Progress,
    StepReading,
    abort,
    first_progress,
    new_plan,
    pause,
    promote,
    stamp,
)
from app.model.traffic import TrafficTarget

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
LAB = (
    TrafficTarget(tag="current", revision_name="customer-v3", latest_revision=False, percent=50),
    TrafficTarget(tag="candidate", revision_name="customer-v4", latest_revision=False, percent=50),
    TrafficTarget(tag="latest", latest_revision=True, percent=0),
)
"""The lab's `customer` traffic block: 50/50 and a tag-only latest."""
COLOURS = {"customer-v3": 0, "customer-v4": 1}


def lab_plan(steps: tuple[PlanStep, ...] = PRESETS["quick demo"]) -> tuple[Plan, Progress]:
    plan = new_plan(
        candidate="customer-v4",
        baseline="customer-v3",
        steps=steps,
        current=LAB,
        revisions={"customer-v3", "customer-v4"},
        created_by="alice",
        created_at=stamp(NOW),
    )
    progress, _ = first_progress(plan, NOW)
    return plan, progress


def revision(name: str, generation: int) -> dict[str, object]:
    return {
        "metadata": {
            "name": name,
            "labels": {
                "serving.knative.dev/service": "customer",
                "serving.knative.dev/configurationGeneration": str(generation),
            },
        }
    }


def test_a_running_step_counts_down_to_the_next_and_the_rest_wait() -> None:
    plan, progress = lab_plan()
    view = plan_view("labs-1", "customer", plan, progress, NOW + timedelta(seconds=3), COLOURS)
    assert [s.state for s in view.steps] == ["current", "next", "next", "next"]
    assert [s.percent for s in view.steps] == [10, 25, 50, 100]
    assert [s.baseline_percent for s in view.steps] == [90, 75, 50, 0]
    first = view.steps[0]
    assert (first.elapsed, first.remaining) == ("3s", "7s")
    assert first.due == "2026-12-07T20:00:10.000Z"  # milliseconds kept: demo pauses are short
    assert first.gate == ("errors ≤ 5.0%", "p95 ≤ 500 ms", "≥ 5 answers")
    assert view.steps[3].gate == ()
    assert (view.percent, view.step_number, view.gate, view.phase_text) == (10, 1, "undecided", "running")
    assert view.actions == ("pause", "skip", "promote", "abort")
    assert (view.candidate_colour, view.baseline_colour) == (1, 0)
    assert view.started_from.startswith("current customer-v3 50%, candidate customer-v4 50%")


def test_a_later_step_marks_the_earlier_ones_done_with_their_readings() -> None:
    plan, progress = lab_plan()
    readings = (
        StepReading(0, 40, 0, 31.0, "passed: error rate 0.0% within 5.0% bound"),
        StepReading(1, 3, 0, None, "undecided: 3 of 5 requests needed: not enough to judge yet"),
    )
    later = replace(progress, step=1, step_started_at=stamp(NOW + timedelta(seconds=10)), readings=readings)
    view = plan_view("labs-1", "customer", plan, later, NOW + timedelta(seconds=12), COLOURS)
    assert [s.state for s in view.steps] == ["done", "current", "next", "next"]
    done = view.steps[0].reading
    assert done is not None and (done.state, done.requests, done.error_rate, done.p95) == (
        "pass",
        40,
        "0.0%",
        "31 ms",
    )
    assert view.gate == "undecided"
    assert view.remaining == "8s"


def test_a_paused_plan_says_why_and_stops_counting() -> None:
    plan, progress = lab_plan()
    paused = replace(
        progress, phase="paused", reason="paused: the split was changed outside Splitboard by kubectl-edit"
    )
    view = plan_view("labs-1", "customer", plan, paused, NOW + timedelta(seconds=4), COLOURS)
    assert view.phase_text == "paused: the split was changed outside Splitboard by kubectl-edit"
    assert (view.due, view.steps[0].elapsed) == ("", "4s")
    assert view.actions == ("resume", "skip", "promote", "abort")
    by_hand = plan_view("labs-1", "customer", plan, pause(plan, progress, "bob"), NOW, COLOURS)
    assert by_hand.phase_text == "paused by bob"


def test_a_wait_for_me_step_offers_to_go_on() -> None:
    plan, progress = lab_plan(PRESETS["blue-green"])
    view = plan_view("labs-1", "customer", plan, progress, NOW, COLOURS)
    assert view.phase == "waiting" and view.steps[0].waits and view.steps[0].pause == "wait for me"
    assert view.due == ""
    assert view.actions[0] == "resume" and view.label("resume") == "Go on"


def test_an_aborted_plan_shows_the_failed_gate_and_only_clear() -> None:
    plan, progress = lab_plan()
    failed = StepReading(0, 30, 12, 40.0, "failed: error rate 40.0% over 5.0% bound")
    aborted, split = abort(plan, replace(progress, readings=(failed,)), LAB, "the runner")
    view = plan_view("labs-1", "customer", plan, aborted, NOW, COLOURS)
    assert split is None  # the lab is still at its start: nothing to write back
    assert view.phase == "aborted" and view.gate == "fail" and view.actions == ("clear",)
    assert view.percent == 50  # back to where it started
    assert view.steps[0].reading is not None and view.steps[0].reading.state == "fail"


def test_a_promoted_plan_is_done_at_its_last_step() -> None:
    plan, progress = lab_plan()
    done, _ = promote(plan, progress, progress.applied, NOW)
    view = plan_view("labs-1", "customer", plan, done, NOW, COLOURS)
    assert [s.state for s in view.steps] == ["done"] * 4
    assert (view.percent, view.active, view.actions) == (100, False, ("clear",))


@pytest.mark.parametrize(
    ("verdict", "state"),
    [
        ("passed", "pass"),
        ("failed: p95 812 ms over 500 ms bound", "fail"),
        ("undecided: x", "undecided"),
        ("", "none"),
    ],
)
def test_verdict_words_become_gate_colours(verdict: str, state: str) -> None:
    assert gate_state(verdict) == state


def test_durations_and_bounds_read_as_people_say_them() -> None:
    assert [duration_text(s) for s in (None, 0, 9.2, 90, 600, 7200)] == [
        "wait for me",
        "0s",
        "10s",
        "1m30s",
        "10m",
        "2h",
    ]
    assert gate_bounds(None) == () and gate_bounds(Gate()) == ()
    assert gate_bounds(Gate(max_p95_ms=300)) == ("p95 ≤ 300 ms", "≥ 20 answers")


def test_the_form_defaults_to_the_newest_candidate_against_the_busiest_baseline() -> None:
    revisions = [revision("customer-v3", 3), revision("customer-v4", 4), revision("customer-v2", 2)]
    choices = revision_choices(revisions, "customer", LAB)
    assert [(c.name, c.percent) for c in choices] == [
        ("customer-v4", 50),
        ("customer-v3", 50),
        ("customer-v2", 0),
    ]
    assert default_pair(choices) == ("customer-v4", "customer-v3")
    moved = revision_choices(revisions, "customer", (replace(LAB[0], revision_name="customer-v2"), LAB[1]))
    assert default_pair(moved) == ("customer-v4", "customer-v2")
    form = start_form("labs-1", "customer", choices)
    assert (form.preset, form.candidate, form.baseline) == ("canary", "customer-v4", "customer-v3")
    assert [r.percent for r in form.rows] == ["10", "25", "50", "100", "", ""]
    assert form.rows[0].max_error_pct == "5" and form.rows[0].max_p95_ms == "500"


def fields_of(rows: list[tuple[str, str, bool, str, str]], **extra: str) -> dict[str, str]:
    fields = {"candidate": "customer-v4", "baseline": "customer-v3", **extra}
    for i, (percent, pause_, wait, err, p95) in enumerate(rows):
        fields |= {
            f"s{i}.percent": percent,
            f"s{i}.pause": pause_,
            f"s{i}.max_error_pct": err,
            f"s{i}.max_p95_ms": p95,
        }
        if wait:
            fields[f"s{i}.wait"] = "1"
    return fields


def test_a_submitted_form_becomes_steps_and_drops_empty_rows() -> None:
    form = start_form(
        "labs-1",
        "customer",
        revision_choices([revision("customer-v3", 3), revision("customer-v4", 4)], "customer", LAB),
    )
    rows = [
        ("20", "2", False, "5", "400"),
        ("", "", False, "", ""),
        ("60", "", True, "", ""),
        ("100", "0", False, "", ""),
    ]
    shown, wanted = parse_start(form, fields_of(rows))
    assert wanted is not None and shown.errors == {}
    assert [(s.percent, s.pause_seconds) for s in wanted.steps] == [(20, 2.0), (60, None), (100, 0.0)]
    gate = wanted.steps[0].gate
    assert gate is not None and (gate.max_error_rate, gate.max_p95_ms, gate.min_requests) == (0.05, 400.0, 5)
    assert wanted.steps[1].gate is None


def test_a_bad_form_says_what_is_wrong_beside_each_field_and_keeps_what_was_typed() -> None:
    form = start_form(
        "labs-1",
        "customer",
        revision_choices([revision("customer-v3", 3), revision("customer-v4", 4)], "customer", LAB),
    )
    rows = [("ten", "2", False, "", ""), ("50", "", False, "120", "-1")]
    shown, wanted = parse_start(form, fields_of(rows, baseline="customer-v4"))
    assert wanted is None
    assert shown.errors == {
        "baseline": "The baseline must be another revision than the candidate.",
        "s0.percent": "Step 1: the candidate's percent must be a whole number from 0 to 100.",
        "s1.pause": "Step 2: give a pause in seconds (0 or more), or tick Wait for me.",
        "s1.max_error_pct": "Step 2: the error bound is a percent from 0 to 100.",
        "s1.max_p95_ms": "Step 2: the p95 bound is a number of milliseconds above 0.",
    }
    assert shown.rows[0].percent == "ten" and shown.open
    _, nothing = parse_start(form, fields_of([("", "", False, "", "")]))
    assert nothing is None


def test_a_preset_fills_the_steps_and_keeps_the_chosen_revisions() -> None:
    choices = revision_choices([revision("customer-v3", 3), revision("customer-v4", 4)], "customer", LAB)
    form = start_form("labs-1", "customer", choices)
    linear = preset_form(form, {"candidate": "customer-v3", "baseline": "customer-v4"}, "linear")
    assert [r.percent for r in linear.rows[:4]] == ["25", "50", "75", "100"]
    assert (linear.candidate, linear.baseline, linear.preset) == ("customer-v3", "customer-v4", "linear")
    unknown = preset_form(form, {}, "yolo")
    assert "No preset 'yolo'" in unknown.errors["form"]


def test_progress_with_a_reading_stored_for_the_current_step_colours_the_gate() -> None:
    plan, progress = lab_plan()
    passing = replace(progress, readings=(StepReading(0, 30, 0, 20.0, "passed"),))
    assert plan_view("labs-1", "customer", plan, passing, NOW, COLOURS).gate == "pass"
    live = StepReading(0, 30, 20, 20.0, "failed: error rate 66.7% over 5.0% bound")
    assert plan_view("labs-1", "customer", plan, passing, NOW, COLOURS, live=live).gate == "fail"
    ungated = Progress("running", 3, stamp(NOW), "", progress.applied)
    assert plan_view("labs-1", "customer", plan, ungated, NOW, COLOURS).gate == "none"
