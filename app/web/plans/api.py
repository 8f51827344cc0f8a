"""The rollout plans' JSON API, documented at /docs under "plans": the plan of a Service, and every
action on it. The same actions (app.web.plans.actions) as the pages use; the same refusal as the traffic
editor's for who may write (`edit_refusal`). Error bodies have the editor API's shape:
`{"code", "reason", "message"}`; bad input is 422, an action the plan's phase does not allow 409, and
neither changes anything.

The router's lifespan starts the plan runner (app.web.plans.running) with the app and stops it after.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.model.gates import Gate, GateError
from app.model.plans import PRESETS, Plan, PlanStep, Progress, to_json
from app.web.dashboard import Dashboard, DashboardDep
from app.web.gating import gate_source
from app.web.plans import actions
from app.web.plans.actions import PlanActionError, PlanRequest, PlanState
from app.web.plans.running import PlanRunner
from app.web.security import acting_user, edit_refusal


def runner_of(app: FastAPI) -> PlanRunner | None:
    runner: PlanRunner | None = getattr(app.state, "plan_runner", None)
    return runner


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the plans while the app runs (not in read-only mode: the runner writes)."""
    dashboard: Dashboard = app.state.dashboard
    runner = None if dashboard.settings.read_only else PlanRunner(dashboard, gate_source(dashboard))
    app.state.plan_runner = runner
    if runner is not None:
        runner.start()
    try:
        yield
    finally:
        if runner is not None:
            await runner.stop()


router = APIRouter(
    prefix="/api/namespaces/{namespace}/services/{name}/plan", tags=["plans"], lifespan=lifespan
)


class GateBody(BaseModel):
    """Bounds on the candidate over a step; omitted bounds are not checked."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    max_error_rate: float | None = Field(default=None, alias="maxErrorRate", examples=[0.05])
    max_p95_ms: float | None = Field(default=None, alias="maxP95Ms", examples=[500])
    min_requests: int = Field(default=20, alias="minRequests")


class StepBody(BaseModel):
    """One step: the candidate's percent, the pause in seconds (null: wait until resumed), a gate."""

    model_config = ConfigDict(extra="forbid")

    percent: int = Field(examples=[10])
    pause: float | None = Field(examples=[60])
    gate: GateBody | None = None


class StartBody(BaseModel):
    """Start a plan: a preset or steps of your own; the candidate and baseline revisions (default: the
    Service's newest revision, and the one with the most traffic now)."""

    model_config = ConfigDict(extra="forbid")

    preset: str = Field(default="", examples=list(PRESETS))
    steps: list[StepBody] | None = None
    candidate: str = Field(default="", examples=["customer-v4"])
    baseline: str = Field(default="", examples=["customer-v3"])


def _request(body: StartBody) -> PlanRequest:
    steps: list[PlanStep] = []
    for number, step in enumerate(body.steps or [], start=1):
        gate = None
        if step.gate is not None:
            try:
                gate = Gate(step.gate.max_error_rate, step.gate.max_p95_ms, step.gate.min_requests)
            except GateError as error:
                raise PlanActionError(422, f"step {number}: {error}") from error
        steps.append(PlanStep(step.percent, step.pause, gate))
    return PlanRequest(body.preset, tuple(steps), body.candidate.strip(), body.baseline.strip())


def _error(status: int, message: str) -> JSONResponse:
    reasons = {403: "Forbidden", 404: "NotFound", 409: "Conflict", 422: "Invalid"}
    return JSONResponse({"code": status, "reason": reasons.get(status, "Error"), "message": message}, status)


def plan_body(plan: Plan | None, progress: Progress | None) -> dict[str, Any]:
    if plan is None or progress is None:
        return {"plan": None, "progress": None}
    body = to_json(plan, progress)
    return {"plan": body["plan"], "progress": body["progress"]}


def state_body(found: PlanState, problem: str | None) -> dict[str, Any]:
    return {
        **plan_body(found.plan, found.progress),
        "error": found.error,
        "runner": problem,
        "resourceVersion": found.resource_version,
    }


@router.get("", summary="The Service's rollout plan and its progress (plan null: none)")
async def get_plan(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> JSONResponse:
    try:
        found = await anyio.to_thread.run_sync(actions.state, dashboard, namespace, name)
    except PlanActionError as error:
        return _error(error.status, error.message)
    runner = runner_of(request.app)
    problem = runner.problems.get((namespace, name)) if runner is not None else None
    return JSONResponse(state_body(found, problem))


async def _run(
    request: Request, namespace: str, name: str, work: Callable[[str | None], tuple[Plan, Progress] | None]
) -> JSONResponse:
    user = acting_user(request)

    def guarded() -> JSONResponse:
        if (refusal := edit_refusal(request, namespace, name)) is not None:
            return _error(403, refusal)
        try:
            result = work(user)
        except PlanActionError as error:
            return _error(error.status, error.message)
        return JSONResponse(plan_body(*result) if result is not None else plan_body(None, None))

    return await anyio.to_thread.run_sync(guarded)


@router.post("", summary="Start a rollout plan (its first step is applied at once)")
async def start_plan(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, body: StartBody
) -> JSONResponse:
    try:
        form = _request(body)
    except PlanActionError as error:
        return _error(error.status, error.message)
    return await _run(
        request, namespace, name, lambda user: actions.start(dashboard, namespace, name, form, user)
    )


@router.post("/pause", summary="Hold the plan at its step (the traffic stays)")
async def pause_plan(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> JSONResponse:
    return await _run(request, namespace, name, lambda user: actions.pause(dashboard, namespace, name, user))


@router.post("/resume", summary="Go on: after a wait-for-me step the next step; a paused step holds again")
async def resume_plan(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> JSONResponse:
    return await _run(request, namespace, name, lambda user: actions.resume(dashboard, namespace, name, user))


@router.post("/skip", summary="The next step now (after the last, the plan is done)")
async def skip_step(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> JSONResponse:
    return await _run(request, namespace, name, lambda user: actions.skip(dashboard, namespace, name, user))


@router.post("/promote", summary="The last step's split now; the plan is done")
async def promote_plan(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> JSONResponse:
    return await _run(
        request, namespace, name, lambda user: actions.promote(dashboard, namespace, name, user)
    )


@router.post("/abort", summary="Back to the split the plan started from, exactly")
async def abort_plan(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> JSONResponse:
    return await _run(request, namespace, name, lambda user: actions.abort(dashboard, namespace, name, user))


@router.delete("", summary="Take a finished (done or aborted) plan off the Service")
async def clear_plan(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> JSONResponse:
    def work(user: str | None) -> None:
        actions.clear(dashboard, namespace, name, user)

    return await _run(request, namespace, name, work)
