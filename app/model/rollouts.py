"""Gradual rollouts as Knative Serving computes them: pure stepping maths over the rollout state.

The Route reconciler keeps the state of every rollout in its KIngress's annotation
`networking.internal.knative.dev/rollout` and nowhere else: each reconcile reads the previous state
back from there, steps it to `now` and writes it again. A configuration target (per target name: ""
for the Route's split, else the tag) starts a rollout when its latest ready revision changes: the new
revision gets 1%, taken from the newest older revision that still has traffic. Once the KIngress is
first ready the step size and interval are computed from how long that first 1% took and the rollout
duration; each step then moves `stepSize` percent to the new revision, draining the newest older
revision first, until it has everything and the step parameters are cleared.

Times are Unix nanoseconds as upstream stores them; durations are whole seconds (Knative truncates
`serving.knative.dev/rollout-duration` to seconds, so a sub-second value means no rollout unless
config-network sets a cluster-wide one).

Upstream: knative/serving `pkg/reconciler/route/traffic/rollout.go` (Rollout, Step, ObserveReady,
stepConfig, stepRevisions, adjustPercentage, computeProperties, Validate),
`pkg/reconciler/route/reconcile_resources.go` (reconcileRollout, deserializeRollout),
`pkg/apis/serving/v1/route_lifecycle.go` (RolloutDuration).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

ROLLOUT_DURATION_ANNOTATION = "serving.knative.dev/rollout-duration"
ROLLOUT_DURATION_KEYS = (ROLLOUT_DURATION_ANNOTATION, "serving.knative.dev/rolloutDuration")
"""The rollout duration's annotation and its older spelling, in the order Knative looks them up."""
KINGRESS_ROLLOUT_ANNOTATION = "networking.internal.knative.dev/rollout"
SECOND = 1_000_000_000
"""Nanoseconds per second: step parameters are kept in nanoseconds, as Go's time.Duration."""


@dataclass(frozen=True)
class RevisionShare:
    """A revision's share of the whole Route's traffic."""

    revision_name: str
    percent: int


@dataclass(frozen=True)
class StepParams:
    """A rollout's timing and sizing: when it started, when it steps next, how long a step waits and
    how many percent it moves (all 0 outside a rollout; only the start before the KIngress is ready)."""

    start_time: int = 0
    next_step_time: int = 0
    step_duration: int = 0
    step_size: int = 0

    def to_dict(self) -> dict[str, int]:
        """Upstream's JSON: its field names, zero values left out (the struct's omitempty)."""
        pairs = (
            ("starttime", self.start_time),
            ("nextStepTime", self.next_step_time),
            ("stepDuration", self.step_duration),
            ("stepSize", self.step_size),
        )
        return {key: value for key, value in pairs if value}


@dataclass(frozen=True)
class ConfigurationRollout:
    """The rollout of one configuration under one target name (`tag` "" for the Route's split).

    `revisions` run oldest first and sum to `percent`; the last one is the configuration's latest
    ready revision. One revision: steady state; several: traffic is moving to the last one."""

    configuration_name: str
    tag: str
    percent: int
    revisions: tuple[RevisionShare, ...] = ()
    step_params: StepParams = field(default_factory=StepParams)

    @property
    def done(self) -> bool:
        return len(self.revisions) < 2

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"configurationName": self.configuration_name}
        if self.tag:
            data["tag"] = self.tag
        data["percent"] = self.percent
        if self.revisions:
            data["revisions"] = [
                {"revisionName": r.revision_name, "percent": r.percent} for r in self.revisions
            ]
        data["stepParams"] = self.step_params.to_dict()
        return data


@dataclass(frozen=True)
class Rollout:
    """Every configuration rollout of a Route, sorted by tag, then configuration name."""

    configurations: tuple[ConfigurationRollout, ...] = ()

    @property
    def done(self) -> bool:
        """No configuration is moving traffic."""
        return all(c.done for c in self.configurations)

    def by_tag(self, tag: str) -> list[ConfigurationRollout]:
        return [c for c in self.configurations if c.tag == tag]

    def find(self, tag: str, configuration_name: str) -> ConfigurationRollout | None:
        return next((c for c in self.by_tag(tag) if c.configuration_name == configuration_name), None)

    def annotation(self) -> str:
        """The KIngress annotation's value, compact as Go's json.Marshal writes it (`{}` when empty)."""
        if not self.configurations:
            return "{}"
        data = {"configurations": [c.to_dict() for c in self.configurations]}
        return json.dumps(data, separators=(",", ":"))


def sorted_rollout(configurations: Sequence[ConfigurationRollout]) -> Rollout:
    """A Rollout in upstream's order: by tag, then by configuration name."""
    return Rollout(tuple(sorted(configurations, key=lambda c: (c.tag, c.configuration_name))))


# --- Reading the annotation back ----------------------------------------------------------------------


def _integer(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    # Go's decoder refuses a float, string or bool for an int field; the whole annotation is then lost.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(key)
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise TypeError(key)
    return value


def _configuration(data: Any) -> ConfigurationRollout:
    if not isinstance(data, dict):
        raise TypeError("configuration")
    revisions = data.get("revisions") or []
    params = data.get("stepParams") or {}
    if not isinstance(revisions, list) or not isinstance(params, dict):
        raise TypeError("revisions")
    shares: list[RevisionShare] = []
    for revision in revisions:
        if not isinstance(revision, dict):
            raise TypeError("revision")
        shares.append(RevisionShare(_text(revision, "revisionName"), _integer(revision, "percent")))
    return ConfigurationRollout(
        configuration_name=_text(data, "configurationName"),
        tag=_text(data, "tag"),
        percent=_integer(data, "percent"),
        revisions=tuple(shares),
        step_params=StepParams(
            start_time=_integer(params, "starttime"),
            next_step_time=_integer(params, "nextStepTime"),
            step_duration=_integer(params, "stepDuration"),
            step_size=_integer(params, "stepSize"),
        ),
    )


def _valid(configuration: ConfigurationRollout) -> bool:
    """Upstream's Validate: at most 100%, a step within the percent, revisions summing to the percent."""
    step = configuration.step_params.step_size
    return (
        configuration.percent <= 100
        and 0 <= step <= configuration.percent
        and sum(r.percent for r in configuration.revisions) == configuration.percent
    )


def read_rollout(text: str | None) -> Rollout | None:
    """The rollout kept in a KIngress annotation; None when absent, malformed or inconsistent (someone
    edited it by hand): the Route reconciler then carries on as if no rollout were in flight."""
    if not text:
        return None
    try:
        data = json.loads(text)
        if data is None:
            return Rollout()
        if not isinstance(data, dict):
            return None
        raw = data.get("configurations") or []
        if not isinstance(raw, list):
            return None
        configurations = tuple(_configuration(c) for c in raw)
    except (ValueError, TypeError):
        return None
    if not all(_valid(c) for c in configurations):
        return None
    return Rollout(configurations)


# --- The duration ---------------------------------------------------------------------------------------

_GO_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_PART = re.compile(r"(\d*)(?:\.(\d*))?([a-z\u00b5\u03bc]+)")


def go_duration(text: str) -> float | None:
    """Go's time.ParseDuration in seconds (`90s`, `1m30s`, `1.5h`, `-2s`, `500ms`, `0`); None when Go
    would refuse it."""
    sign, rest = 1.0, text
    if rest[:1] in ("+", "-"):
        sign, rest = (-1.0 if rest[0] == "-" else 1.0), rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        return None
    total, position = 0.0, 0
    while position < len(rest):
        match = _GO_PART.match(rest, position)
        if match is None:
            return None
        whole, fraction, unit = match.groups()
        if (not whole and not fraction) or unit not in _GO_UNITS:
            return None
        number = float(f"{whole or '0'}.{fraction or '0'}")
        total += number * _GO_UNITS[unit]
        position = match.end()
    return sign * total


def rollout_duration(annotations: Mapping[str, str], default_seconds: int = 0) -> int:
    """The rollout duration a Route asks for, in whole seconds as the Route reconciler reads it: the
    first of the duration annotations present (an unparsable one counts as none), truncated towards
    zero, so `500ms` is 0; a 0 falls back to config-network's `rollout-duration` (`default_seconds`).
    Zero or less: no gradual rollout."""
    value = next((annotations[key] for key in ROLLOUT_DURATION_KEYS if key in annotations), "")
    seconds = go_duration(value) if value else None
    whole = int(seconds) if seconds is not None else 0
    return whole if whole != 0 else default_seconds


# --- Stepping ---------------------------------------------------------------------------------------------


def _go_round(value: float) -> float:
    """Go's math.Round: halves away from zero (Python's round() goes to the even neighbour)."""
    return math.copysign(math.floor(abs(value) + 0.5), value)


def _seconds_ceil(nanoseconds: int) -> float:
    """math.Ceil(time.Duration(ns).Seconds()) as Go computes it (whole seconds plus the remainder)."""
    if nanoseconds <= 0:
        return 0.0
    whole, rest = divmod(nanoseconds, SECOND)
    return math.ceil(float(whole) + float(rest) / 1e9)


def compute_step_params(configuration: ConfigurationRollout, now: int, duration_seconds: float) -> StepParams:
    """The step size and interval of a rollout whose first 1% has just become ready at `now`.

    The first 1% took at least a second (the smallest step Knative makes); the rest of the duration
    is split into equal steps of at least that long, no more steps than percents left to move, each
    moving the rounded equal share; the next step is one interval from now."""
    params = configuration.step_params
    min_step = max(1.0, _seconds_ceil(now - params.start_time))
    remaining_seconds = max(1.0, duration_seconds - min_step)
    steps = max(1.0, remaining_seconds / min_step)
    remaining_percent = float(configuration.percent - 1)
    if remaining_percent <= 0:
        # Only a target of more than 1% ever starts a rollout; stay put rather than divide by zero.
        return params
    steps = min(steps, remaining_percent)
    step_size = _go_round(remaining_percent / steps)
    step_duration = remaining_seconds / steps * float(SECOND)
    return replace(
        params,
        step_duration=int(step_duration),
        step_size=int(step_size),
        next_step_time=int(float(now) + step_duration),
    )


def observe_ready(rollout: Rollout, now: int, duration_seconds: float) -> Rollout:
    """The previous rollout once the KIngress is ready: every started rollout without an interval
    yet gets its step parameters (the others are kept as they are)."""
    return Rollout(
        tuple(
            replace(c, step_params=compute_step_params(c, now, duration_seconds))
            if c.step_params.step_duration == 0 and c.step_params.start_time > 0
            else c
            for c in rollout.configurations
        )
    )


def _adjusted(goal: int, configuration: ConfigurationRollout) -> list[RevisionShare]:
    """The previous revisions resized to a changed target percent: a raise goes to the newest
    revision, a cut comes off the oldest ones first (those cut to nothing are dropped)."""
    revisions = list(configuration.revisions)
    diff = goal - configuration.percent
    if goal == 0:
        return []
    if diff > 0:
        last = revisions[-1]
        revisions[-1] = replace(last, percent=last.percent + diff)
    elif diff < 0:
        cut, index = -diff, 0
        while cut > 0 and index < len(revisions):
            if revisions[index].percent > cut:
                revisions[index] = replace(revisions[index], percent=revisions[index].percent - cut)
                break
            cut -= revisions[index].percent
            index += 1
        revisions = revisions[index:]
    return revisions


def step_revisions(configuration: ConfigurationRollout, now: int) -> ConfigurationRollout:
    """One step at or after its time: `stepSize` percent moves to the newest revision, taken from the
    newest older revision first (older ones left with nothing are dropped), never beyond the target's
    percent; the last step clears the parameters."""
    params = configuration.step_params
    revisions = list(configuration.revisions)
    if now < params.next_step_time or len(revisions) < 2:
        return configuration
    remaining, write, read = params.step_size, len(revisions) - 1, len(revisions) - 2
    while remaining > 0 and read >= 0:
        if revisions[read].percent > remaining:
            revisions[read] = replace(revisions[read], percent=revisions[read].percent - remaining)
            break
        remaining -= revisions[read].percent
        write -= 1
        read -= 1
    newest = revisions[-1]
    revisions[write] = replace(newest, percent=min(newest.percent + params.step_size, configuration.percent))
    revisions = revisions[: write + 1]
    if len(revisions) > 1:
        params = replace(params, next_step_time=now + params.step_duration)
    else:
        params = StepParams()
    return replace(configuration, revisions=tuple(revisions), step_params=params)


def _step_configuration(
    goal: ConfigurationRollout, previous: ConfigurationRollout, now: int
) -> ConfigurationRollout:
    """A configuration target's next state from its previous one."""
    had = previous.revisions
    revisions = _adjusted(goal.percent, previous) if had else []
    result = replace(goal, step_params=StepParams())
    if not had or goal.revisions[0].revision_name == had[-1].revision_name:
        # No new revision: a rollout in flight keeps its split and timing and steps when due (not
        # before the KIngress was first ready, which is when the step size is known).
        if len(revisions) > 1:
            result = replace(result, revisions=tuple(revisions), step_params=previous.step_params)
            if result.step_params.step_size > 0:
                result = step_revisions(result, now)
        return result
    # A new latest revision starts a rollout from the current split: the newest older revision with
    # traffic gives up 1% for it.
    for index in range(len(revisions) - 1, -1, -1):
        if revisions[index].percent > 0:
            revisions[index] = replace(revisions[index], percent=revisions[index].percent - 1)
            break
    kept = [r for r in revisions if r.percent > 0]
    newest = replace(goal.revisions[0], percent=1)
    return replace(result, revisions=(*kept, newest), step_params=StepParams(start_time=now))


def step(current: Rollout, previous: Rollout | None, now: int) -> tuple[Rollout, int]:
    """The rollout to program at `now`: `current` (what the traffic asks for, every target on its
    latest revision) merged with the previous state; and when the next step is due (0: none).

    Per target name, configurations are matched by name: a matched one of more than 1% steps (a 1%
    target, the common A/B test, and a 0% one never roll); new ones are taken as they are, removed
    ones forgotten; a target name the previous state did not know keeps only its first configuration
    (upstream assumes a new name is a tag, which has exactly one)."""
    if previous is None or not previous.configurations:
        return current, 0
    previous_by_tag: dict[str, list[ConfigurationRollout]] = {}
    for configuration in previous.configurations:
        previous_by_tag.setdefault(configuration.tag, []).append(configuration)
    current_by_tag: dict[str, list[ConfigurationRollout]] = {}
    for configuration in current.configurations:
        current_by_tag.setdefault(configuration.tag, []).append(configuration)
    result: list[ConfigurationRollout] = []
    next_step = 0
    for tag, wanted in current_by_tag.items():
        had = previous_by_tag.get(tag)
        if had is None:
            result.append(wanted[0])
            continue
        i = j = 0
        while i < len(wanted):
            goal = wanted[i]
            if j >= len(had):
                result.append(goal)
                i += 1
            elif goal.configuration_name == had[j].configuration_name:
                if goal.percent > 1:
                    stepped = _step_configuration(goal, had[j], now)
                    result.append(stepped)
                    due = stepped.step_params.next_step_time
                    if due > 0 and (next_step == 0 or due < next_step):
                        next_step = due
                elif goal.percent == 1:
                    result.append(goal)
                i += 1
                j += 1
            elif goal.configuration_name < had[j].configuration_name:
                if goal.percent != 0:
                    result.append(goal)
                i += 1
            else:
                j += 1
    return sorted_rollout(result), next_step
