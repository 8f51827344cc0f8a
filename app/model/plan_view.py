"""What the rollout plan's timeline, its start form and the presenter's progress view show.

Pure: the web layer reads the Knative Service from the cache, decodes its plan (app.model.plans) and
passes it in with the time. Every countdown is given both as text (right as rendered) and as a
timestamp, so the page's script counts it down between live updates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from app.model.bodies import labels_of, name_of
from app.model.gates import Gate, GateError, ms_text, rate_text
from app.model.patches import describe_split
from app.model.plans import MAX_STEPS, PRESETS, Plan, PlanStep, Progress, StepReading, split_share, stamp
from app.model.timestamps import parse_time
from app.model.traffic import TrafficTarget
from app.model.views import PALETTE_SIZE, human_duration, revision_generation

StepState = Literal["done", "current", "next"]
GateState = Literal["pass", "fail", "undecided", "none"]

_ALLOWED: Mapping[str, tuple[str, ...]] = {
    "running": ("pause", "skip", "promote", "abort"),
    "waiting": ("resume", "pause", "promote", "abort"),
    "paused": ("resume", "skip", "promote", "abort"),
    "done": ("clear",),
    "aborted": ("clear",),
}
"""The buttons each phase offers, in order (the actions check again: another user may have acted)."""
ACTIONS = ("pause", "resume", "skip", "promote", "abort", "clear")
ACTION_LABELS: Mapping[str, str] = {
    "pause": "Pause",
    "resume": "Resume",
    "skip": "Next step now",
    "promote": "Promote now",
    "abort": "Abort",
    "clear": "Clear",
}
ACTION_TITLES: Mapping[str, str] = {
    "pause": "Stop stepping; the split stays where it is",
    "resume": "Go on from here",
    "skip": "Apply the next step without waiting for this one's pause or gate",
    "promote": "Apply the last step's split now and finish the plan",
    "abort": "Put the split back exactly where the plan started",
    "clear": "Remove this finished plan from the Service (the history keeps its changes)",
}
PHASE_WORDS: Mapping[str, str] = {
    "running": "running",
    "waiting": "waiting for you",
    "paused": "paused",
    "done": "done",
    "aborted": "aborted",
}
SERVICE_LABEL = "serving.knative.dev/service"
EXTRA_ROWS = 2
"""Empty step rows the start form offers beyond the preset's, to lengthen a plan."""


def duration_text(seconds: float | None) -> str:
    """A pause as people say it: "wait for me", "30s", "1m30s", "10m", "2h"."""
    if seconds is None:
        return "wait for me"
    s = max(0, math.ceil(seconds - 1e-9))
    if s < 60:
        return f"{s}s"
    minutes, rest = divmod(s, 60)
    if minutes < 10:
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return human_duration(s)


def gate_bounds(gate: Gate | None) -> tuple[str, ...]:
    """A gate's bounds as short phrases ("errors ≤ 5.0%", "p95 ≤ 500 ms", "≥ 20 answers")."""
    if gate is None or not gate.checks_anything:
        return ()
    bounds = []
    if gate.max_error_rate is not None:
        bounds.append(f"errors ≤ {rate_text(gate.max_error_rate)}")
    if gate.max_p95_ms is not None:
        bounds.append(f"p95 ≤ {ms_text(gate.max_p95_ms)}")
    bounds.append(f"≥ {gate.min_requests} answers")
    return tuple(bounds)


# --- The timeline ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingView:
    """What was observed of the candidate over one step, and the gate's verdict on it."""

    requests: int
    errors: int
    error_rate: str
    p95: str
    state: GateState
    verdict: str
    """The verdict in words as the runner stored it ("failed: error rate 12.0% over 5.0% bound")."""


def gate_state(verdict: str) -> GateState:
    """The runner's verdict ("passed", "failed", "undecided" or "" when not gated, each perhaps with
    ": " and its reasons) as the colour it is shown in."""
    word = verdict.split(":", 1)[0].strip().lower()
    if word == "passed":
        return "pass"
    if word == "failed":
        return "fail"
    return "undecided" if word == "undecided" else "none"


def reading_view(reading: StepReading) -> ReadingView:
    rate = rate_text(reading.errors / reading.requests) if reading.requests else "-"
    p95 = "-" if reading.p95_ms is None else ms_text(reading.p95_ms)
    return ReadingView(
        reading.requests, reading.errors, rate, p95, gate_state(reading.verdict), reading.verdict
    )


@dataclass(frozen=True)
class StepView:
    """One step of the timeline."""

    index: int
    number: int
    percent: int
    baseline_percent: int
    pause: str
    waits: bool
    """The pause is "wait for me": the plan goes on when someone resumes it."""
    gate: tuple[str, ...]
    state: StepState
    since: str = ""
    """When the current step began (RFC 3339; "" for the others): the page counts its age from it."""
    elapsed: str = ""
    """How long the current step has held, as rendered."""
    remaining: str = ""
    due: str = ""
    """When the current step's pause ends (RFC 3339), for the page's countdown; "" if it does not."""
    reading: ReadingView | None = None


@dataclass(frozen=True)
class PlanView:
    """A plan on a Service as the timeline and the presenter's progress view show it."""

    namespace: str
    service: str
    candidate: str
    baseline: str
    candidate_colour: int
    baseline_colour: int
    phase: str
    phase_text: str
    """The phase with its reason: "paused: the split was changed outside Splitboard by kubectl-edit"."""
    steps: tuple[StepView, ...]
    current: int
    """The index of the current step (the last one once the plan is done)."""
    percent: int
    """The candidate's percent in the split the plan last applied."""
    started_from: str
    created_by: str
    created_at: str
    actions: tuple[str, ...]
    """The buttons allowed now, in the order shown."""
    gate: GateState
    """The current step's gate: pass, fail, undecided (not enough answers yet) or none (no gate)."""
    due: str = ""
    remaining: str = ""

    @property
    def active(self) -> bool:
        """The plan still holds the Service (running, waiting for someone, or paused)."""
        return self.phase in ("running", "waiting", "paused")

    @property
    def step_number(self) -> int:
        """The current step counted from 1, as "step n of m" says it."""
        return min(self.current + 1, len(self.steps))

    def label(self, action: str) -> str:
        """A button's words: a waiting plan's Resume goes on to the next step."""
        return "Go on" if action == "resume" and self.phase == "waiting" else ACTION_LABELS[action]


def _phase_text(progress: Progress) -> str:
    words = PHASE_WORDS.get(progress.phase, progress.phase)
    reason = progress.reason.strip()
    if not reason:
        return words
    if reason.lower().startswith(progress.phase) or reason.lower().startswith(words):
        return reason  # the runner's reasons often start with their phase: "paused: ..."
    return f"{words}: {reason}"


def _step_state(progress: Progress, index: int) -> StepState:
    if index < progress.step:
        return "done"
    if index == progress.step:
        return "done" if progress.phase == "done" else "current"
    return "next"


def _step_view(
    plan: Plan, progress: Progress, index: int, now: datetime, readings: Mapping[int, StepReading]
) -> StepView:
    step = plan.steps[index]
    state = _step_state(progress, index)
    if progress.phase == "aborted" and state == "current":
        state = "next" if index not in readings else "current"
    reading = readings.get(index)
    shown = StepView(
        index=index,
        number=index + 1,
        percent=step.percent,
        baseline_percent=100 - step.percent,
        pause=duration_text(step.pause_seconds),
        waits=step.pause_seconds is None,
        gate=gate_bounds(step.gate),
        state=state,
        reading=None if reading is None else reading_view(reading),
    )
    started = parse_time(progress.step_started_at)
    if state != "current" or started is None or progress.phase not in ("running", "waiting", "paused"):
        return shown
    held = duration_text(max(0.0, (now - started).total_seconds()))
    shown = replace(shown, since=progress.step_started_at, elapsed=held)
    if step.pause_seconds is None or progress.phase != "running":
        return shown
    due = started + timedelta(seconds=step.pause_seconds)
    left = duration_text(max(0.0, (due - now).total_seconds()))
    return replace(shown, remaining=left, due=stamp(due))


def plan_view(
    namespace: str,
    service: str,
    plan: Plan,
    progress: Progress,
    now: datetime,
    colours: Mapping[str, int],
    live: StepReading | None = None,
) -> PlanView:
    """The timeline of `plan` at `now`; `live` is a fresher reading of a step than the one stored with
    the plan (when the web layer has one)."""
    readings = {r.step: r for r in progress.readings}
    if live is not None:
        readings[live.step] = live
    steps = tuple(_step_view(plan, progress, i, now, readings) for i in range(len(plan.steps)))
    current = next((s for s in steps if s.state == "current"), None)
    gate: GateState = "none"
    if current is not None and current.gate:
        gate = current.reading.state if current.reading else "undecided"
        gate = "undecided" if gate == "none" else gate
    if progress.phase == "aborted" and any(s.reading and s.reading.state == "fail" for s in steps):
        gate = "fail"
    return PlanView(
        namespace=namespace,
        service=service,
        candidate=plan.candidate,
        baseline=plan.baseline,
        candidate_colour=colours.get(plan.candidate, PALETTE_SIZE),
        baseline_colour=colours.get(plan.baseline, PALETTE_SIZE),
        phase=progress.phase,
        phase_text=_phase_text(progress),
        steps=steps,
        current=min(progress.step, len(steps) - 1),
        percent=split_share(progress.applied, plan.candidate),
        started_from=describe_split(plan.started_from),
        created_by=plan.created_by,
        created_at=plan.created_at,
        actions=_ALLOWED.get(progress.phase, ()),
        gate=gate,
        due=current.due if current else "",
        remaining=current.remaining if current else "",
    )


# --- The start form ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionChoice:
    name: str
    percent: int
    """The traffic the Service's spec sends to it now."""


@dataclass(frozen=True)
class StepRow:
    """One editable step of the start form, as typed (a bad value is shown back as it was typed)."""

    percent: str = ""
    pause: str = ""
    waits: bool = False
    max_error_pct: str = ""
    max_p95_ms: str = ""


@dataclass(frozen=True)
class StartForm:
    """The start-plan form: the revisions to choose from, the steps, and what was wrong with the last
    submission (field name -> message; "form" for the plan as a whole)."""

    namespace: str
    service: str
    revisions: tuple[RevisionChoice, ...]
    candidate: str
    baseline: str
    preset: str
    presets: tuple[str, ...]
    rows: tuple[StepRow, ...]
    errors: Mapping[str, str] = field(default_factory=dict)
    open: bool = False
    """Shown unfolded (after an error, or when a preset was chosen)."""


@dataclass(frozen=True)
class StartRequest:
    """A start form that parsed: what the plan's actions are asked to start."""

    candidate: str
    baseline: str
    steps: tuple[PlanStep, ...]


def step_row(step: PlanStep) -> StepRow:
    gate = step.gate
    error = "" if gate is None or gate.max_error_rate is None else f"{gate.max_error_rate * 100:g}"
    p95 = "" if gate is None or gate.max_p95_ms is None else f"{gate.max_p95_ms:g}"
    pause = "" if step.pause_seconds is None else f"{step.pause_seconds:g}"
    return StepRow(str(step.percent), pause, step.pause_seconds is None, error, p95)


def revision_choices(
    revisions: Sequence[Mapping[str, Any]], service: str, traffic: Sequence[TrafficTarget]
) -> tuple[RevisionChoice, ...]:
    """The Service's revisions, newest first, each with the percent `traffic` pins to it."""
    owned = [r for r in revisions if labels_of(r).get(SERVICE_LABEL) == service]
    owned.sort(key=lambda r: (-(revision_generation(r) or 0), name_of(r)))
    return tuple(RevisionChoice(name_of(r), split_share(traffic, name_of(r))) for r in owned)


def default_pair(choices: Sequence[RevisionChoice]) -> tuple[str, str]:
    """The candidate is the newest revision; the baseline is the other one carrying most traffic (the
    newer on a tie), else the next newest."""
    if not choices:
        return "", ""
    others = list(choices[1:])
    if not others:
        return choices[0].name, ""
    best = max(others, key=lambda c: (c.percent, -others.index(c)))
    return choices[0].name, best.name


def start_form(
    namespace: str, service: str, choices: tuple[RevisionChoice, ...], preset: str = "canary"
) -> StartForm:
    """The form as first shown: the default revisions and the preset's steps."""
    candidate, baseline = default_pair(choices)
    chosen = preset if preset in PRESETS else next(iter(PRESETS))
    return StartForm(
        namespace,
        service,
        choices,
        candidate,
        baseline,
        chosen,
        tuple(PRESETS),
        _with_spare(tuple(step_row(s) for s in PRESETS[chosen])),
    )


def _with_spare(rows: tuple[StepRow, ...]) -> tuple[StepRow, ...]:
    spare = min(EXTRA_ROWS, MAX_STEPS - len(rows))
    return rows + (StepRow(),) * max(0, spare)


def _rows_of(fields: Mapping[str, str]) -> tuple[StepRow, ...]:
    rows = []
    for i in range(MAX_STEPS + EXTRA_ROWS):
        if f"s{i}.percent" not in fields:
            break
        rows.append(
            StepRow(
                fields.get(f"s{i}.percent", "").strip(),
                fields.get(f"s{i}.pause", "").strip(),
                fields.get(f"s{i}.wait", "") not in ("", "0", "false", "off"),
                fields.get(f"s{i}.max_error_pct", "").strip(),
                fields.get(f"s{i}.max_p95_ms", "").strip(),
            )
        )
    return tuple(rows)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _step(index: int, row: StepRow, errors: dict[str, str]) -> PlanStep | None:
    n = index + 1
    key = f"s{index}"
    percent = _number(row.percent)
    if percent is None or percent != int(percent) or not 0 <= percent <= 100:
        errors[f"{key}.percent"] = f"Step {n}: the candidate's percent must be a whole number from 0 to 100."
    pause: float | None = None
    if not row.waits:
        pause = _number(row.pause) if row.pause else None
        if pause is None or pause < 0:
            errors[f"{key}.pause"] = f"Step {n}: give a pause in seconds (0 or more), or tick Wait for me."
    max_error = _number(row.max_error_pct) if row.max_error_pct else None
    if row.max_error_pct and (max_error is None or not 0 <= max_error <= 100):
        errors[f"{key}.max_error_pct"] = f"Step {n}: the error bound is a percent from 0 to 100."
    max_p95 = _number(row.max_p95_ms) if row.max_p95_ms else None
    if row.max_p95_ms and (max_p95 is None or max_p95 <= 0):
        errors[f"{key}.max_p95_ms"] = f"Step {n}: the p95 bound is a number of milliseconds above 0."
    if any(k.startswith(f"{key}.") for k in errors):
        return None
    assert percent is not None
    gate = None
    if max_error is not None or max_p95 is not None:
        try:
            gate = Gate(None if max_error is None else max_error / 100, max_p95, _min_requests(pause))
        except GateError as exc:
            errors[f"{key}.max_error_pct"] = f"Step {n}: {exc}."
            return None
    return PlanStep(int(percent), pause, gate)


def _min_requests(pause: float | None) -> int:
    """Short steps (a demo's) see few answers: the gate judges from fewer, as the quick preset does."""
    preset_gates = [s.gate for steps in PRESETS.values() for s in steps if s.gate is not None]
    if pause is not None and pause < 60:
        return min((g.min_requests for g in preset_gates), default=Gate().min_requests)
    return Gate().min_requests


def parse_start(form: StartForm, fields: Mapping[str, str]) -> tuple[StartForm, StartRequest | None]:
    """The form as submitted (values kept as typed) and the request it makes, or None with `errors`
    saying, per field, what is wrong. Empty rows are dropped; the plan's own checks (increasing
    percents, Knative's validation of each step's split) are the actions' to make."""
    rows = _rows_of(fields)
    candidate = fields.get("candidate", "").strip()
    baseline = fields.get("baseline", "").strip()
    preset = fields.get("preset", form.preset)
    shown = replace(
        form, candidate=candidate, baseline=baseline, preset=preset, rows=_with_spare(rows), open=True
    )
    errors: dict[str, str] = {}
    names = {c.name for c in form.revisions}
    for role, name in (("candidate", candidate), ("baseline", baseline)):
        if name not in names:
            errors[role] = f"Choose a {role} revision of {form.service}."
    if candidate and candidate == baseline:
        errors["baseline"] = "The baseline must be another revision than the candidate."
    steps = []
    for index, row in enumerate(rows):
        if not (row.percent or row.pause or row.max_error_pct or row.max_p95_ms):
            continue
        step = _step(index, row, errors)
        if step is not None:
            steps.append(step)
    if not steps and not any(k.startswith("s") for k in errors):
        errors["form"] = "A plan needs at least one step: give it a candidate percent."
    if errors:
        return replace(shown, errors=errors), None
    return shown, StartRequest(candidate, baseline, tuple(steps))


def preset_form(form: StartForm, fields: Mapping[str, str], preset: str) -> StartForm:
    """The form with `preset`'s steps, keeping the revisions chosen in `fields`."""
    if preset not in PRESETS:
        return replace(form, open=True, errors={"form": f"No preset {preset!r}: {', '.join(PRESETS)}."})
    names = {c.name for c in form.revisions}
    candidate = fields.get("candidate", form.candidate)
    baseline = fields.get("baseline", form.baseline)
    return replace(
        form,
        candidate=candidate if candidate in names else form.candidate,
        baseline=baseline if baseline in names else form.baseline,
        preset=preset,
        rows=_with_spare(tuple(step_row(s) for s in PRESETS[preset])),
        open=True,
    )


def preset_request(form: StartForm, preset: str) -> tuple[StartForm, StartRequest | None]:
    """Presenter mode's one-click start: `preset`'s steps as they stand, gates and all, between the
    form's default revisions. The form comes back with `errors` (and no request) when there is no such
    preset or the Service has no two revisions to move traffic between."""
    if preset not in PRESETS:
        return replace(form, errors={"preset": f"No preset {preset!r}: {', '.join(PRESETS)}."}), None
    chosen = replace(form, preset=preset)
    if not form.candidate or not form.baseline:
        said = f"{form.service} needs two revisions for a plan to move traffic between them."
        return replace(chosen, errors={"form": said}), None
    return chosen, StartRequest(form.candidate, form.baseline, PRESETS[preset])
