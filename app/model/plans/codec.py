"""A plan and its progress as the one annotation that holds them: compact JSON, schema-versioned.

`{"v":1,"plan":{...},"progress":{...}}`. The annotation is the only state a plan has: any dashboard (a
restarted one, a second replica) reads it back and carries on. Anyone who can edit the Service can
edit the annotation too, so decoding trusts nothing: every field is type-checked and a malformed
annotation raises PlanError saying which field is wrong.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, cast

from app.model.gates import Gate, GateError
from app.model.plans.plan import (
    ANNOTATION,
    PHASES,
    Plan,
    PlanError,
    PlanStep,
    Progress,
    StepReading,
    step_problems,
)
from app.model.traffic import TrafficTarget, format_errors, parse_traffic

VERSION = 1
MAX_BYTES = 64 * 1024
"""Far beyond any plan of MAX_STEPS steps; more is refused before parsing (annotations are small)."""


# --- Encoding ----------------------------------------------------------------------------------------


def _gate(gate: Gate) -> dict[str, object]:
    body: dict[str, object] = {"minRequests": gate.min_requests}
    if gate.max_error_rate is not None:
        body["maxErrorRate"] = gate.max_error_rate
    if gate.max_p95_ms is not None:
        body["maxP95Ms"] = gate.max_p95_ms
    return body


def _step(step: PlanStep) -> dict[str, object]:
    body: dict[str, object] = {"percent": step.percent, "pause": step.pause_seconds}
    if step.gate is not None:
        body["gate"] = _gate(step.gate)
    return body


def _reading(reading: StepReading) -> dict[str, object]:
    return {
        "step": reading.step,
        "requests": reading.requests,
        "errors": reading.errors,
        "p95Ms": reading.p95_ms,
        "verdict": reading.verdict,
    }


def to_json(plan: Plan, progress: Progress) -> dict[str, object]:
    """The annotation's JSON value (also what the JSON API answers)."""
    return {
        "v": VERSION,
        "plan": {
            "candidate": plan.candidate,
            "baseline": plan.baseline,
            "steps": [_step(s) for s in plan.steps],
            "startedFrom": [t.to_dict() for t in plan.started_from],
            "createdBy": plan.created_by,
            "createdAt": plan.created_at,
        },
        "progress": {
            "phase": progress.phase,
            "step": progress.step,
            "stepStartedAt": progress.step_started_at,
            "reason": progress.reason,
            "applied": [t.to_dict() for t in progress.applied],
            "readings": [_reading(r) for r in progress.readings],
        },
    }


def encode(plan: Plan, progress: Progress) -> str:
    """The annotation's text: compact JSON."""
    return json.dumps(to_json(plan, progress), separators=(",", ":"))


# --- Decoding ----------------------------------------------------------------------------------------


class _Reader:
    """Typed access to untrusted JSON, naming the field in every error."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise PlanError(f"{path} must be an object")
        self.data = cast("Mapping[str, Any]", data)
        self.path = path

    def _fail(self, key: str, expected: str) -> PlanError:
        return PlanError(f"{self.path}.{key} must be {expected}, not {json.dumps(self.data.get(key))}")

    def string(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def integer(self, key: str, *, default: int | None = None) -> int:
        value = self.data.get(key)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "a whole number")
        return value

    def number(self, key: str, *, optional: bool = False) -> float | None:
        value = self.data.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self._fail(key, "a number" + (" or null" if optional else ""))
        return float(value)

    def items(self, key: str) -> list[object]:
        value = self.data.get(key)
        if not isinstance(value, list):
            raise self._fail(key, "a list")
        return value

    def traffic(self, key: str) -> tuple[TrafficTarget, ...]:
        targets, errors = parse_traffic(self.items(key), f"{self.path}.{key}")
        if errors:
            raise PlanError(format_errors(errors))
        return tuple(targets)


def _decode_gate(data: object, path: str) -> Gate:
    read = _Reader(data, path)
    try:
        return Gate(
            max_error_rate=read.number("maxErrorRate", optional=True),
            max_p95_ms=read.number("maxP95Ms", optional=True),
            min_requests=read.integer("minRequests", default=Gate().min_requests),
        )
    except GateError as error:
        raise PlanError(f"{path}: {error}") from None


def _decode_step(data: object, path: str) -> PlanStep:
    read = _Reader(data, path)
    gate = read.data.get("gate")
    return PlanStep(
        percent=read.integer("percent"),
        pause_seconds=read.number("pause", optional=True),
        gate=None if gate is None else _decode_gate(gate, f"{path}.gate"),
    )


def _decode_reading(data: object, path: str) -> StepReading:
    read = _Reader(data, path)
    return StepReading(
        step=read.integer("step"),
        requests=read.integer("requests"),
        errors=read.integer("errors"),
        p95_ms=read.number("p95Ms", optional=True),
        verdict=read.string("verdict"),
    )


def _decode_plan(data: object) -> Plan:
    read = _Reader(data, "plan")
    steps = tuple(_decode_step(s, f"plan.steps[{i}]") for i, s in enumerate(read.items("steps")))
    if problems := step_problems(steps):
        raise PlanError("plan.steps: " + "; ".join(problems))
    return Plan(
        candidate=read.string("candidate"),
        baseline=read.string("baseline"),
        steps=steps,
        started_from=read.traffic("startedFrom"),
        created_by=read.string("createdBy"),
        created_at=read.string("createdAt"),
    )


def _decode_progress(data: object, plan: Plan) -> Progress:
    read = _Reader(data, "progress")
    phase = read.string("phase")
    if phase not in PHASES:
        raise PlanError(f"progress.phase must be one of {', '.join(PHASES)}, not {json.dumps(phase)}")
    step = read.integer("step")
    if not 0 <= step < len(plan.steps):
        raise PlanError(f"progress.step {step} is not a step of the plan (it has {len(plan.steps)})")
    readings = read.items("readings") if "readings" in read.data else []
    return Progress(
        phase=phase,
        step=step,
        step_started_at=read.string("stepStartedAt"),
        reason=read.string("reason"),
        applied=read.traffic("applied"),
        readings=tuple(_decode_reading(r, f"progress.readings[{i}]") for i, r in enumerate(readings)),
    )


def parse(text: str) -> tuple[Plan, Progress]:
    """A plan and its progress from the annotation's text; PlanError when it is not one."""
    try:
        if len(text.encode()) > MAX_BYTES:
            raise PlanError(f"it is longer than {MAX_BYTES} bytes")
        try:
            data = json.loads(text)
        except ValueError as error:
            raise PlanError(f"it is not JSON ({error})") from error
        read = _Reader(data, "the annotation")
        version = data.get("v")
        if version != VERSION:
            raise PlanError(
                f"schema version {json.dumps(version)} is not one this dashboard reads ({VERSION})"
            )
        plan = _decode_plan(read.data.get("plan"))
        return plan, _decode_progress(read.data.get("progress"), plan)
    except PlanError as error:
        raise PlanError(f"annotation {ANNOTATION} is malformed: {error}") from None


def decode(annotations: Mapping[str, object] | None) -> tuple[Plan, Progress] | None:
    """The plan a Service carries in its annotations (None: no plan); PlanError when malformed."""
    text = (annotations or {}).get(ANNOTATION)
    if text is None:
        return None
    if not isinstance(text, str):
        raise PlanError(f"annotation {ANNOTATION} is malformed: it must be a string")
    return parse(text)
