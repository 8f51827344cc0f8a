"""The runner's decision each tick and the actions: steps on time, gates, outside changes, abort."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.gates import Readings, Verdict, evaluate
from app.model.patches import splits_equal
from app.model.plans import (
    InvalidAction,
    PlanStep,
    abort,
    clearable,
    decide,
    first_progress,
    pause,
    promote,
    reading_of,
    resume,
    skip,
    split_share,
)
from app.model.traffic import TrafficTarget

from .helpers import GATE, LAB, T0, at, lab_plan

PASSED = Verdict(True, ())
FAILED = Verdict(False, ("error rate 12.0% over 5.0% bound",))
UNDECIDED = Verdict(None, ("3 requests, fewer than 10",))


def test_the_first_step_is_applied_at_start() -> None:
    plan = lab_plan()
    progress, split = first_progress(plan, T0)
    assert progress.phase == "running" and progress.step == 0
    assert split_share(split, "customer-v4") == 10 and split_share(split, "customer-v3") == 90
    assert progress.applied == split


def test_a_step_holds_for_its_pause_then_the_next_is_applied() -> None:
    plan = lab_plan()
    progress, split = first_progress(plan, T0)
    assert decide(plan, progress, at(0.5), split, None).action == "none"
    decision = decide(plan, progress, at(1.0), split, None)
    assert decision.action == "apply" and decision.reason == "plan step 2/3"
    assert decision.progress is not None and decision.split is not None
    assert decision.progress.step == 1 and decision.progress.step_started_at == "2026-12-07T20:00:01.000Z"
    assert split_share(decision.split, "customer-v4") == 50
    # The last step (pause 0) ends the plan at once.
    last = decide(plan, decision.progress, at(2.0), decision.split, None)
    assert last.action == "apply" and last.progress is not None and last.split is not None
    done = decide(plan, last.progress, at(2.0), last.split, None)
    assert done.action == "finish" and done.split is None and done.progress is not None
    assert done.progress.phase == "done"
    assert decide(plan, done.progress, at(9.0), last.split, None).action == "none"


def test_a_split_changed_outside_pauses_the_plan_naming_who() -> None:
    plan = lab_plan()
    progress, _ = first_progress(plan, T0)
    theirs = (TrafficTarget(revision_name="customer-v3", percent=100),)
    decision = decide(plan, progress, at(5), theirs, None, changed_by="kubectl (field manager kubectl-patch)")
    assert decision.action == "pause" and decision.split is None and decision.progress is not None
    assert decision.progress.phase == "paused"
    assert decision.reason == (
        "paused: the split was changed outside Splitboard by kubectl (field manager kubectl-patch) "
        "(now customer-v3 100%)"
    )


def test_a_failing_gate_aborts_to_the_split_the_plan_started_from() -> None:
    plan = lab_plan(PlanStep(10, 5.0, GATE), PlanStep(100, 0.0))
    progress, split = first_progress(plan, T0)
    decision = decide(plan, progress, at(1), split, FAILED)
    assert decision.action == "abort" and decision.split == plan.started_from
    assert splits_equal(decision.split, LAB)
    assert decision.progress is not None and decision.progress.phase == "aborted"
    assert decision.reason == "aborted: plan step 1/2 failed its gate (error rate 12.0% over 5.0% bound)"


def test_a_gated_step_waits_for_enough_readings_and_goes_on_when_they_pass() -> None:
    plan = lab_plan(PlanStep(10, 1.0, GATE), PlanStep(100, 0.0))
    progress, split = first_progress(plan, T0)
    held = decide(plan, progress, at(2), split, UNDECIDED)
    assert held.action == "none" and held.progress is not None
    assert held.reason == "plan step 1/2 waits for enough readings to pass its gate"
    assert decide(plan, held.progress, at(3), split, UNDECIDED) == decide(
        plan, held.progress, at(3), split, None
    )
    assert decide(plan, held.progress, at(3), split, UNDECIDED).progress is None  # said once, not every tick
    assert decide(plan, held.progress, at(3), split, PASSED).action == "apply"


def test_a_wait_for_me_step_waits_until_resumed() -> None:
    plan = lab_plan(PlanStep(0, None), PlanStep(100, 0.0))
    progress, split = first_progress(plan, T0)
    assert progress.phase == "waiting" and progress.reason == "plan step 1/2 waits for you"
    assert decide(plan, progress, at(3600), split, None).action == "none"
    resumed, new_split = resume(plan, progress, split, at(10))
    assert resumed.step == 1 and new_split is not None and split_share(new_split, "customer-v4") == 100


def test_pause_resume_skip_promote_abort() -> None:
    plan = lab_plan()
    progress, split = first_progress(plan, T0)
    paused = pause(plan, progress, "bob")
    assert paused.phase == "paused" and paused.reason == "paused by bob"
    assert decide(plan, paused, at(60), split, None).action == "none"
    with pytest.raises(InvalidAction, match="cannot pause a plan that is paused"):
        pause(plan, paused, "bob")
    running, again = resume(plan, paused, split, at(60))
    assert (
        running.phase == "running"
        and again is None
        and running.step_started_at.startswith("2026-12-07T20:01:00")
    )
    skipped, skip_split = skip(plan, running, split, at(61))
    assert skipped.step == 1 and skip_split is not None and split_share(skip_split, "customer-v4") == 50
    done, final = promote(plan, skipped, skip_split, at(62))
    assert done.phase == "done" and final is not None and split_share(final, "customer-v4") == 100
    with pytest.raises(InvalidAction, match="cannot abort a plan that is done"):
        abort(plan, done, final, "bob")
    clearable(done)
    aborted, back = abort(plan, running, split, "bob")
    assert aborted.phase == "aborted" and back == plan.started_from
    # At 50% the step's split is the one the plan started from: nothing to write back.
    assert abort(plan, skipped, skip_split, "bob")[1] is None
    assert (
        aborted.reason
        == "aborted by bob: back to current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
    )


def test_resume_after_an_outside_change_applies_the_steps_split_again() -> None:
    plan = lab_plan()
    progress, _ = first_progress(plan, T0)
    theirs = (TrafficTarget(revision_name="customer-v3", percent=100),)
    paused = decide(plan, progress, at(1), theirs, None).progress
    assert paused is not None
    resumed, again = resume(plan, paused, theirs, at(2))
    assert again is not None and split_share(again, "customer-v4") == 10 and resumed.applied == again


def test_a_running_plan_cannot_be_cleared() -> None:
    plan = lab_plan()
    progress, _ = first_progress(plan, T0)
    with pytest.raises(InvalidAction, match="cannot clear a plan that is running: abort or promote it first"):
        clearable(progress)


def test_a_reading_keeps_the_gates_words() -> None:
    readings = Readings(requests=40, errors=6, p95_ms=80.0, source="probe")
    verdict = evaluate(GATE, readings)
    reading = reading_of(2, readings, verdict)
    assert reading is not None and reading.verdict.startswith("failed: ")
    assert reading_of(2, None, None) is None


@given(st.lists(st.sampled_from(["tick", "pause", "resume", "skip", "change"]), max_size=25))
def test_every_decided_split_sums_to_100_and_keeps_the_tags(actions: list[str]) -> None:
    plan = lab_plan(PlanStep(10, 1.0), PlanStep(25, None), PlanStep(60, 2.0), PlanStep(100, 0.0))
    progress, split = first_progress(plan, T0)
    current = split
    for seconds, action in enumerate(actions):
        now = at(seconds)
        new_split = None
        try:
            if action == "tick":
                decision = decide(plan, progress, now, current, None)
                progress, new_split = decision.progress or progress, decision.split
            elif action == "pause":
                progress = pause(plan, progress, "bob")
            elif action == "resume":
                progress, new_split = resume(plan, progress, current, now)
            elif action == "skip":
                progress, new_split = skip(plan, progress, current, now)
            else:
                current = tuple(replace(t, percent=100 if i == 0 else 0) for i, t in enumerate(current))
        except InvalidAction:
            continue
        if new_split is not None:
            current = new_split
            assert sum(t.percent or 0 for t in current) == 100
            assert [t.tag for t in current] == ["current", "candidate", "latest"]
        if progress.active:
            assert splits_equal(current, progress.applied) or action == "change"
