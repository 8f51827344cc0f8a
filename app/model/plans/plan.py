"""A rollout plan and its progress, as pure data, and the checks a plan must pass before it starts.

A plan moves one Service's traffic from the split it started from to its candidate revision in steps:
each step gives the candidate `percent` and the baseline the rest, every other target (and every tag,
tag-only 0% targets too) staying in the block at 0%. The split maths is the editor's: the block a step
writes is checked with Knative's own webhook validation (`app.model.traffic`) before anything is sent.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from app.model.gates import Gate
from app.model.timestamps import parse_time
from app.model.traffic import TrafficTarget, default_traffic, format_errors, validate_traffic

ANNOTATION = "splitboard.dev/rollout-plan"
"""The Knative Service annotation holding a plan and its progress (JSON, see `codec`)."""

Phase = Literal["running", "paused", "waiting", "done", "aborted"]
PHASES: tuple[Phase, ...] = ("running", "paused", "waiting", "done", "aborted")
ACTIVE: frozenset[str] = frozenset({"running", "waiting"})
"""Phases the runner watches: a running plan steps on, a waiting one waits for someone to resume it;
both pause when the split is changed outside Splitboard."""
FINISHED: frozenset[str] = frozenset({"done", "aborted"})
"""Phases after which a plan only stays to be read (and cleared)."""

MAX_STEPS = 20
MAX_PAUSE_SECONDS = 7 * 24 * 3600.0
"""A week: longer pauses are more likely a typo (minutes for seconds) than a plan."""


class PlanError(ValueError):
    """A plan (or its annotation) that cannot be used; the message says why, in a person's words."""


@dataclass(frozen=True)
class PlanStep:
    """One step: the candidate's percent, how long to hold it (None: until someone resumes the plan),
    and the bounds its readings must stay within (None: not gated)."""

    percent: int
    pause_seconds: float | None
    gate: Gate | None = None

    @property
    def waits_for_me(self) -> bool:
        return self.pause_seconds is None


@dataclass(frozen=True)
class Plan:
    candidate: str
    baseline: str
    steps: tuple[PlanStep, ...]
    started_from: tuple[TrafficTarget, ...]
    """The split when the plan started (as stored, defaulted): what abort restores, exactly."""
    created_by: str
    created_at: str


@dataclass(frozen=True)
class StepReading:
    """What was observed of the candidate over one step, and what its gate made of it."""

    step: int
    requests: int
    errors: int
    p95_ms: float | None
    verdict: str
    """"passed", "failed", "undecided" or "" (not gated), then ": " and the gate's reasons if any."""


@dataclass(frozen=True)
class Progress:
    phase: Phase
    step: int
    """The 0-based index of the step whose split is applied."""
    step_started_at: str
    """When that step's split was applied (or the plan resumed): RFC 3339, what the pause counts from."""
    reason: str
    """Why the plan is in this phase, in words (empty while it simply runs)."""
    applied: tuple[TrafficTarget, ...]
    """The split Splitboard last wrote (as the server stored it): any other split was set outside."""
    readings: tuple[StepReading, ...] = ()

    @property
    def active(self) -> bool:
        return self.phase in ACTIVE

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED


def step_label(plan: Plan, step: int) -> str:
    """`plan step 2/4` (steps counted from 1, as people do)."""
    return f"plan step {step + 1}/{len(plan.steps)}"


# --- The split of a step -----------------------------------------------------------------------------


def _serves(target: TrafficTarget, revision: str) -> bool:
    return not target.floating and target.revision_name == revision


def _pick(targets: Sequence[TrafficTarget], revision: str) -> int | None:
    """The target that carries `revision`'s share: its untagged pinned target, else its first one."""
    pinned = [i for i, t in enumerate(targets) if _serves(t, revision)]
    untagged = [i for i in pinned if not targets[i].tag]
    chosen = untagged or pinned
    return chosen[0] if chosen else None


def step_split(
    current: Sequence[TrafficTarget], candidate: str, baseline: str, percent: int
) -> tuple[TrafficTarget, ...]:
    """`current` with `percent` to the candidate, the rest to the baseline and 0% to every other target.

    Every target and tag stays (a floating target too, at 0%); a revision missing from the block gets a
    pinned untagged target appended (the candidate's, then the baseline's). A revision with several
    targets gets its share on one of them (the untagged one, else the first)."""
    targets = list(default_traffic(current))
    shares = {candidate: percent, baseline: 100 - percent}
    for revision in (candidate, baseline):
        if _pick(targets, revision) is None and shares[revision] > 0:
            targets.append(TrafficTarget(revision_name=revision, latest_revision=False, percent=0))
    chosen = {_pick(targets, revision): revision for revision in (candidate, baseline)}
    return tuple(replace(t, percent=shares[chosen[i]] if i in chosen else 0) for i, t in enumerate(targets))


def split_share(split: Sequence[TrafficTarget], revision: str) -> int:
    """The percent `split` sends to `revision` by its pinned targets."""
    return sum(t.percent or 0 for t in split if _serves(t, revision))


# --- Validation --------------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def step_problems(steps: Sequence[PlanStep]) -> list[str]:
    """What is wrong with a plan's steps (empty: nothing), one message per problem, steps numbered
    from 1. (A Gate checks its own bounds when it is made.)"""
    problems: list[str] = []
    if not steps:
        return ["a plan needs at least one step"]
    if len(steps) > MAX_STEPS:
        problems.append(f"a plan has at most {MAX_STEPS} steps, this one has {len(steps)}")
    previous: int | None = None
    for number, step in enumerate(steps, start=1):
        percent = step.percent
        if isinstance(percent, bool) or not isinstance(percent, int):
            problems.append(f"step {number}: the candidate's percent must be a whole number")
        elif not 0 <= percent <= 100:
            problems.append(f"step {number}: expected 0 <= {percent} <= 100 percent for the candidate")
        elif previous is not None and percent <= previous:
            problems.append(
                f"step {number}: the candidate's percent must increase from step to step "
                f"({previous}% then {percent}%)"
            )
        if isinstance(percent, int) and not isinstance(percent, bool):
            previous = percent
        pause = step.pause_seconds
        if pause is not None and (not _is_number(pause) or not 0 <= pause <= MAX_PAUSE_SECONDS):
            problems.append(
                f"step {number}: the pause must be 0 to {MAX_PAUSE_SECONDS:.0f} seconds "
                f"(or none: wait for someone to resume), not {pause!r}"
            )
    return problems


def new_plan(
    *,
    candidate: str,
    baseline: str,
    steps: Sequence[PlanStep],
    current: Sequence[TrafficTarget],
    revisions: Collection[str],
    created_by: str,
    created_at: str,
) -> Plan:
    """A plan from `current` (the Service's split now) over `steps`, checked: PlanError says what is
    wrong. `revisions` are the Service's own revisions: candidate and baseline must be two of them,
    and every step's split must pass Knative's validation of a traffic block."""
    problems: list[str] = []
    for role, name in (("candidate", candidate), ("baseline", baseline)):
        if not name:
            problems.append(f"choose a {role} revision")
        elif name not in revisions:
            problems.append(f"the {role} {name!r} is not a revision of this Service")
    if candidate and candidate == baseline:
        problems.append(f"the candidate and the baseline are the same revision ({candidate})")
    problems += step_problems(steps)
    if not problems:
        for number, step in enumerate(steps, start=1):
            errors = validate_traffic(step_split(current, candidate, baseline, step.percent))
            if errors:
                problems.append(f"step {number}: {format_errors(errors)}")
                break
    if problems:
        raise PlanError("; ".join(problems))
    return Plan(
        candidate=candidate,
        baseline=baseline,
        steps=tuple(steps),
        started_from=tuple(default_traffic(current)),
        created_by=created_by,
        created_at=created_at,
    )


def stamp(moment: datetime) -> str:
    """`moment` in RFC 3339 UTC with milliseconds: a step of a fraction of a second (as tests and the
    quick demo preset use) must not be rounded to whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def seconds_between(start: str, now: datetime) -> float:
    """Seconds from the RFC 3339 `start` to `now` (a start that cannot be read counts as now)."""
    began = parse_time(start)
    return 0.0 if began is None else (now - began).total_seconds()
