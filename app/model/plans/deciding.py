"""What happens next to a plan: the runner's decision each tick, and what each action does.

Everything here is a pure function of the plan, its progress, the Service's split now and the time:
the web layer reads those, calls one of these, and writes back what it answers (the new progress and,
when the traffic must move, the split) in one conditional patch. So two dashboards looking at the same
Service decide the same thing, and only one of them, holding the plan's Lease, writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from app.model.gates import Readings, Verdict
from app.model.patches import describe_split, splits_equal
from app.model.plans.plan import (
    Plan,
    PlanError,
    Progress,
    StepReading,
    seconds_between,
    stamp,
    step_label,
    step_split,
)
from app.model.traffic import TrafficTarget, default_traffic

Action = Literal["none", "apply", "wait", "pause", "abort", "finish"]


@dataclass(frozen=True)
class Decision:
    """What the runner must do: `progress` to write (None: nothing), with `split` as the new traffic
    (None: the traffic stays as it is)."""

    action: Action
    progress: Progress | None = None
    split: tuple[TrafficTarget, ...] | None = None
    reason: str = ""

    @property
    def changes(self) -> bool:
        return self.progress is not None


NOTHING = Decision("none")


def first_progress(plan: Plan, now: datetime) -> tuple[Progress, tuple[TrafficTarget, ...]]:
    """The progress and split of a plan that starts now: its first step applied."""
    split = step_split(plan.started_from, plan.candidate, plan.baseline, plan.steps[0].percent)
    progress = Progress("running", 0, stamp(now), "", split)
    return _entered(plan, progress), split


def _entered(plan: Plan, progress: Progress) -> Progress:
    """A step just applied and held for no time: it waits for someone at once when it waits for me."""
    if plan.steps[progress.step].waits_for_me and progress.phase == "running":
        return replace(progress, phase="waiting", reason=f"{step_label(plan, progress.step)} waits for you")
    return progress


def _goto(
    plan: Plan, progress: Progress, current: Sequence[TrafficTarget], step: int, now: datetime
) -> tuple[Progress, tuple[TrafficTarget, ...]]:
    split = step_split(current, plan.candidate, plan.baseline, plan.steps[step].percent)
    moved = replace(
        progress, phase="running", step=step, step_started_at=stamp(now), reason="", applied=split
    )
    return _entered(plan, moved), split


def record_reading(progress: Progress, reading: StepReading) -> Progress:
    """`progress` with `reading` as its step's (replacing an earlier reading of the same step)."""
    kept = tuple(r for r in progress.readings if r.step != reading.step)
    return replace(progress, readings=(*kept, reading))


def reading_of(step: int, readings: Readings | None, verdict: Verdict | None) -> StepReading | None:
    """A step's reading to keep, from the gate source's readings and the gate's verdict on them."""
    if readings is None:
        return None
    if verdict is None:
        said = ""
    else:
        said = {True: "passed", False: "failed", None: "undecided"}[verdict.passed]
        if verdict.reasons:
            said += ": " + "; ".join(verdict.reasons)
    return StepReading(step, readings.requests, readings.errors, readings.p95_ms, said)


def outside_reason(who: str | None, current: Sequence[TrafficTarget]) -> str:
    """Why a plan paused for a change made outside Splitboard."""
    by = f" by {who}" if who else ""
    return f"paused: the split was changed outside Splitboard{by} (now {describe_split(current)})"


def decide(
    plan: Plan,
    progress: Progress,
    now: datetime,
    current: Sequence[TrafficTarget],
    verdict: Verdict | None,
    *,
    changed_by: str | None = None,
) -> Decision:
    """What to do with a plan on this tick.

    `current` is the Service's split now, `verdict` the current step's gate on the candidate's readings
    since the step started (None: the step has no gate or there is nothing to read yet), `changed_by`
    who last wrote the traffic (the field manager), for the words of a pause. In order: a split that
    is not the one Splitboard applied pauses the plan; a failed gate aborts it to the split it started
    from; a step held long enough (and whose gate, if any, passed) gives way to the next one, or ends
    the plan after the last."""
    if not progress.active:
        return NOTHING
    if not splits_equal(current, progress.applied):
        reason = outside_reason(changed_by, default_traffic(current))
        return Decision("pause", replace(progress, phase="paused", reason=reason), reason=reason)
    label = step_label(plan, progress.step)
    if verdict is not None and verdict.passed is False:
        why = "; ".join(verdict.reasons) or "its gate failed"
        reason = f"aborted: {label} failed its gate ({why})"
        aborted = replace(progress, phase="aborted", reason=reason, applied=plan.started_from)
        return Decision("abort", aborted, plan.started_from, reason)
    if progress.phase == "waiting":
        return NOTHING
    step = plan.steps[progress.step]
    if step.pause_seconds is None:
        reason = f"{label} waits for you"
        return Decision("wait", replace(progress, phase="waiting", reason=reason), reason=reason)
    if seconds_between(progress.step_started_at, now) < step.pause_seconds:
        return NOTHING
    if step.gate is not None and (verdict is None or verdict.passed is None):
        reason = f"{label} waits for enough readings to pass its gate"
        if progress.reason == reason:
            return NOTHING
        return Decision("none", replace(progress, reason=reason), reason=reason)
    if progress.step + 1 >= len(plan.steps):
        reason = f"done: the candidate {plan.candidate} has {plan.steps[-1].percent}%"
        return Decision("finish", replace(progress, phase="done", reason=reason), reason=reason)
    moved, split = _goto(plan, progress, current, progress.step + 1, now)
    return Decision("apply", moved, split, step_label(plan, moved.step))


# --- Actions -----------------------------------------------------------------------------------------


class InvalidAction(PlanError):
    """An action that does not apply to the plan in its phase (the message says why)."""


def _require(progress: Progress, allowed: set[str], action: str) -> None:
    if progress.phase not in allowed:
        raise InvalidAction(f"cannot {action} a plan that is {progress.phase}")


def pause(plan: Plan, progress: Progress, who: str) -> Progress:
    _require(progress, {"running", "waiting"}, "pause")
    return replace(progress, phase="paused", reason=f"paused by {who}")


def resume(
    plan: Plan, progress: Progress, current: Sequence[TrafficTarget], now: datetime
) -> tuple[Progress, tuple[TrafficTarget, ...] | None]:
    """A waiting plan goes on to its next step (or ends); a paused one holds its step again from now,
    its split applied again if it was changed meanwhile. Returns the progress and the split to write
    (None: the traffic is already the step's)."""
    _require(progress, {"paused", "waiting"}, "resume")
    if progress.phase == "waiting":
        return skip(plan, progress, current, now)
    wanted = step_split(current, plan.candidate, plan.baseline, plan.steps[progress.step].percent)
    resumed = replace(progress, phase="running", step_started_at=stamp(now), reason="", applied=wanted)
    same = splits_equal(current, wanted)
    return _entered(plan, resumed), None if same else wanted


def skip(
    plan: Plan, progress: Progress, current: Sequence[TrafficTarget], now: datetime
) -> tuple[Progress, tuple[TrafficTarget, ...] | None]:
    """On to the next step now (its gate unread), or the plan ends after the last."""
    _require(progress, {"running", "paused", "waiting"}, "skip a step of")
    if progress.step + 1 >= len(plan.steps):
        return promote(plan, progress, current, now)
    return _goto(plan, progress, current, progress.step + 1, now)


def promote(
    plan: Plan, progress: Progress, current: Sequence[TrafficTarget], now: datetime
) -> tuple[Progress, tuple[TrafficTarget, ...] | None]:
    """The last step's split now, and the plan is done."""
    _require(progress, {"running", "paused", "waiting"}, "promote")
    last = len(plan.steps) - 1
    split = step_split(current, plan.candidate, plan.baseline, plan.steps[last].percent)
    reason = f"done: promoted, the candidate {plan.candidate} has {plan.steps[last].percent}%"
    done = replace(
        progress, phase="done", step=last, step_started_at=stamp(now), reason=reason, applied=split
    )
    return done, None if splits_equal(current, split) else split


def abort(
    plan: Plan, progress: Progress, current: Sequence[TrafficTarget], who: str
) -> tuple[Progress, tuple[TrafficTarget, ...] | None]:
    """Back to the split the plan started from, exactly."""
    _require(progress, {"running", "paused", "waiting"}, "abort")
    reason = f"aborted by {who}: back to {describe_split(plan.started_from)}"
    aborted = replace(progress, phase="aborted", reason=reason, applied=plan.started_from)
    return aborted, None if splits_equal(current, plan.started_from) else plan.started_from


def clearable(progress: Progress) -> None:
    """Only a finished plan is cleared away: a running one must be aborted (or promoted) first."""
    if not progress.finished:
        raise InvalidAction(f"cannot clear a plan that is {progress.phase}: abort or promote it first")
