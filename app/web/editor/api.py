"""The traffic editor's JSON API: preview, dry run, apply, revert and history, documented at /docs.

The same validation (app.model), the same precondition (the resourceVersion the caller read) and the
same cluster calls (app.web.editor.applying) as the HTML editor. Error bodies share one shape:
`{"code", "reason", "message", ...}` plus `errors` (422 from Splitboard's own validation, nothing
sent), `current` (409: the Service now, nothing overwritten) or `status` (the cluster's Status, verbatim).

Who may write is checked in each write handler (`edit_refusal`), not by `Depends(require_edit)` on the
router: the dependency answers FastAPI's `{"detail"}` rather than this shape, and a refusal it raised
would never reach the patch metrics (every write's outcome is counted by `record_patch`, dry runs not).
The HTML editor (app.web.editor.routes) checks the same way, since its previews, live moves and sync are
POSTs a read-only user must still make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.model.bodies import meta
from app.model.editing import (
    MAX_ROWS,
    ActionError,
    Validation,
    apply_expression,
    error_rows,
    rows_from_traffic,
    rows_to_targets,
    service_traffic,
    validate_targets,
)
from app.model.editor_view import Loaded
from app.model.gradual import DurationChange, annotation_changes
from app.model.history import HistoryEntry, find_entry, outside_change
from app.model.objects import KubeObject
from app.model.previewing import Preview
from app.model.traffic import FieldError, TrafficTarget, default_traffic, merge_errors, parse_traffic
from app.web.dashboard import DashboardDep
from app.web.editor.applying import (
    Applied,
    Conflict,
    Invalid,
    Outcome,
    Precondition,
    Unanswered,
    Unchanged,
    change_traffic,
    duration_of,
    load,
    patch_outcome,
    refusal_status,
    status_body,
)
from app.web.observability import record_patch
from app.web.security import acting_user, edit_refusal

router = APIRouter(prefix="/api/namespaces/{namespace}/services/{name}/traffic", tags=["traffic"])


GENERATION_HELP = (
    "The Service's metadata.generation read with resourceVersion. Given with the uid, a newer "
    "resourceVersion of the same object with the same generation (only the status moved, as the "
    "controllers do after every change) is accepted."
)
UID_HELP = (
    "The Service's metadata.uid read with resourceVersion. A Service deleted and created again under "
    "the same name has another uid (and may have the same generation): the change is then refused (409)."
)


ROLLOUT_HELP = (
    "The Service's serving.knative.dev/rollout-duration, set in the same conditional patch as the split: "
    'a Go duration at second precision ("90s", "4m"); "" removes it (the Route then follows '
    "config-network's rollout-duration); absent leaves it as it is. Knative's webhook refuses other "
    "values, and so does Splitboard before sending anything (422)."
)


class TrafficChange(BaseModel):
    """A new split for a Service: Knative's `spec.traffic` list, or kn's `--traffic` syntax applied to the
    current split; always with the resourceVersion it was computed from."""

    model_config = ConfigDict(populate_by_name=True)

    resource_version: str = Field(alias="resourceVersion", min_length=1, examples=["123"])
    generation: int = Field(default=0, ge=0, description=GENERATION_HELP)
    uid: str = Field(default="", description=UID_HELP)
    traffic: list[Any] | None = Field(
        default=None,
        examples=[
            [
                {"tag": "current", "revisionName": "customer-v3", "percent": 90},
                {"tag": "candidate", "revisionName": "customer-v4", "percent": 10},
                {"tag": "latest", "latestRevision": True, "percent": 0},
            ]
        ],
    )
    expression: str | None = Field(default=None, examples=["current=90,candidate=10,@latest=0"])
    rollout_duration: str | None = Field(
        default=None,
        alias="rolloutDuration",
        description=ROLLOUT_HELP,
        examples=["4m"],
        max_length=64,
    )


class Revert(BaseModel):
    """Go back to a split from the history: the one before a change (`before`) or the one it set (`after`)."""

    model_config = ConfigDict(populate_by_name=True)

    resource_version: str = Field(alias="resourceVersion", min_length=1)
    generation: int = Field(default=0, ge=0, description=GENERATION_HELP)
    uid: str = Field(default="", description=UID_HELP)
    event: str = Field(description="The TrafficChanged Event's name, from the history")
    to: str = Field(default="before", pattern="^(before|after)$")


# --- Bodies ------------------------------------------------------------------------------------------


def _errors(errors: Sequence[FieldError]) -> list[dict[str, Any]]:
    return [
        {"message": e.message, "paths": list(e.paths), "rows": sorted(error_rows(e)), "text": str(e)}
        for e in errors
    ]


def _traffic(targets: Sequence[TrafficTarget]) -> list[dict[str, object]]:
    return [t.to_dict() for t in targets]


def invalid_body(validation: Validation) -> dict[str, Any]:
    return {
        "code": 422,
        "reason": "Invalid",
        "message": validation.text,
        "errors": _errors(validation.errors),
        "warnings": _errors(validation.warnings),
    }


def preview_body(result: Preview, validation: Validation) -> dict[str, Any]:
    return {
        "valid": validation.ok,
        "errors": _errors(validation.errors),
        "warnings": _errors(validation.warnings),
        "patch": result.patch,
        "targets": [
            {
                "key": t.key,
                "change": t.change,
                "before": t.before.to_dict() if t.before else None,
                "after": t.after.to_dict() if t.after else None,
            }
            for t in result.targets
        ],
        "routeTraffic": {"before": list(result.route_before), "after": list(result.route_after)},
        "routeProblem": result.problem,
        "virtualServices": [
            {
                "virtualService": h.virtual_service,
                "host": h.host,
                "change": h.change,
                "before": dict(h.before.weights) if h.before else None,
                "after": dict(h.after.weights) if h.after else None,
            }
            for h in result.hosts
        ],
    }


def outcome_response(outcome: Outcome, yours: Sequence[TrafficTarget]) -> JSONResponse:
    """The HTTP answer for an apply, dry run or revert."""
    if isinstance(outcome, Applied):
        return JSONResponse(applied_body(outcome))
    if isinstance(outcome, Invalid):
        return JSONResponse(invalid_body(outcome.validation), status_code=422)
    if isinstance(outcome, Unchanged):
        return JSONResponse({"unchanged": True, "traffic": _traffic(default_traffic(yours))})
    if isinstance(outcome, Conflict):
        body = {
            "code": 409,
            "reason": outcome.error.reason or "Conflict",
            "message": outcome.error.message,
            "current": _current(outcome.theirs),
            "yours": _traffic(yours),
        }
        return JSONResponse(body, status_code=409)
    if isinstance(outcome, Unanswered):
        body = {
            "code": 504,
            "reason": "Timeout",
            "message": outcome.message,
            "current": _current(outcome.now),
        }
        return JSONResponse(body, status_code=504)
    error = outcome.error
    body = {
        "code": error.code,
        "reason": error.reason,
        "message": error.message,
        "status": status_body(error),
    }
    return JSONResponse(body, status_code=refusal_status(error))


def applied_body(outcome: Applied) -> dict[str, Any]:
    service = meta(outcome.service)
    return {
        "dryRun": outcome.dry_run,
        "resourceVersion": service.get("resourceVersion"),
        "generation": service.get("generation"),
        "uid": service.get("uid"),
        "traffic": _traffic(outcome.new),
        "previous": _traffic(outcome.old),
        "event": outcome.event_name,
        "warning": outcome.warning,
        "rolloutDuration": duration_of(outcome.service),
        "previousRolloutDuration": outcome.rollout[0] if outcome.rollout is not None else None,
    }


def _current(service: KubeObject | None) -> dict[str, Any] | None:
    """The Service as the cluster has it now (None when it could not be read)."""
    if service is None:
        return None
    return {
        "resourceVersion": meta(service).get("resourceVersion"),
        "traffic": _traffic(service_traffic(service)),
        "rolloutDuration": duration_of(service),
    }


def history_body(entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    return [
        {
            "event": e.event,
            "time": e.time,
            "user": e.user,
            "before": _traffic(e.old),
            "after": _traffic(e.new),
            "message": e.message,
            "trusted": e.trusted,
            "rolloutDuration": {"before": e.rollout[0], "after": e.rollout[1]} if e.rollout else None,
            "outsideChange": None if e.trusted else {"why": e.distrust, "writer": e.writer},
        }
        for e in entries
    ]


# --- Requests ----------------------------------------------------------------------------------------


class BadChange(Exception):
    """A request whose split cannot even be read: answered 422 with these errors, nothing sent."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def requested_targets(loaded: Loaded, change: TrafficChange) -> list[TrafficTarget]:
    """The split a request asks for (defaulted as the webhook would), or BadChange."""
    if (change.traffic is None) == (change.expression is None):
        raise BadChange([FieldError("give exactly one of traffic or expression", ("traffic", "expression"))])
    if change.expression is not None:
        try:
            rows = apply_expression(
                rows_from_traffic(loaded.traffic), change.expression, loaded.choices, loaded.name
            )
        except ActionError as exc:
            raise BadChange([FieldError(str(exc), ("expression",))]) from exc
        targets, _ = rows_to_targets(rows)
        if len(targets) > MAX_ROWS:
            raise BadChange([_too_many(len(targets))])
        return targets
    if change.traffic is not None and len(change.traffic) > MAX_ROWS:
        raise BadChange([_too_many(len(change.traffic))])
    targets, errors = parse_traffic(change.traffic)
    if errors:
        raise BadChange(merge_errors(errors))
    return default_traffic(targets)


def requested_rollout(change: TrafficChange) -> DurationChange | None:
    """The rollout duration a request sets or clears (None: it leaves it)."""
    if change.rollout_duration is None:
        return None
    return DurationChange(change.rollout_duration.strip())


def _too_many(count: int) -> FieldError:
    """The editor's limit holds here too: more targets than any Service needs is refused, not cut."""
    return FieldError(f"at most {MAX_ROWS} traffic targets, this change has {count}", ("traffic",))


def _bad(exc: BadChange) -> JSONResponse:
    return JSONResponse(invalid_body(Validation(tuple(exc.errors))), status_code=422)


def _forbidden(refusal: str) -> JSONResponse:
    """Splitboard will not write for this request (read-only, no identity, no RBAC): nothing sent."""
    return JSONResponse({"code": 403, "reason": "Forbidden", "message": refusal}, status_code=403)


@router.get("", summary="The Service's split, its version, its revisions and its history")
def get_traffic(dashboard: DashboardDep, namespace: str, name: str) -> dict[str, Any]:
    loaded = load(dashboard, namespace, name)
    outside = outside_change(loaded.service, loaded.history)
    return {
        "resourceVersion": loaded.resource_version,
        "generation": loaded.generation,
        "uid": loaded.uid,
        "traffic": _traffic(loaded.traffic),
        "rolloutDuration": loaded.rollout_duration,
        "revisions": [
            {"name": c.name, "ready": c.ready, "reason": c.reason, "generation": c.generation}
            for c in loaded.own_choices
        ],
        "history": history_body(loaded.history),
        "outsideChange": {"who": outside.who, "detail": outside.detail} if outside else None,
    }


@router.post(
    "/preview", summary="Validate a split and predict the Route and VirtualServices after it (sends nothing)"
)
def preview_traffic(
    dashboard: DashboardDep, namespace: str, name: str, change: TrafficChange
) -> JSONResponse:
    loaded = load(dashboard, namespace, name)
    try:
        targets = requested_targets(loaded, change)
    except BadChange as exc:
        return _bad(exc)
    validation = validate_targets(targets, loaded.name, loaded.choices)
    rollout = requested_rollout(change)
    annotations = None
    if rollout is not None:
        validation = replace(validation, errors=(*validation.errors, *rollout.errors))
        annotations = annotation_changes(rollout)
    result = loaded.predict(targets, change.resource_version, annotations)
    return JSONResponse(preview_body(result, validation))


async def _change(
    request: Request,
    dashboard: DashboardDep,
    namespace: str,
    name: str,
    change: TrafficChange,
    *,
    dry_run: bool,
) -> JSONResponse:
    user = acting_user(request)

    def work() -> JSONResponse:
        if (refusal := edit_refusal(request, namespace, name)) is not None:
            count("refused")
            return _forbidden(refusal)
        loaded = load(dashboard, namespace, name)
        try:
            targets = requested_targets(loaded, change)
        except BadChange as exc:
            count("invalid")
            return _bad(exc)
        outcome = change_traffic(
            dashboard,
            loaded,
            Precondition(change.resource_version, change.generation, change.uid),
            targets,
            user=user,
            dry_run=dry_run,
            rollout=requested_rollout(change),
        )
        count(patch_outcome(outcome))
        return outcome_response(outcome, targets)

    def count(outcome: str) -> None:
        if not dry_run:  # a dry run changes nothing: not a write
            record_patch(request, outcome)

    return await run_in_threadpool(work)


@router.post(
    "/dryrun", summary="Send the change with dryRun=All: what the cluster would make of it (changes nothing)"
)
async def dry_run_traffic(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, change: TrafficChange
) -> JSONResponse:
    return await _change(request, dashboard, namespace, name, change, dry_run=True)


@router.post(
    "/apply",
    summary="Apply a split: a merge patch of spec.traffic, only if the Service is still at resourceVersion",
)
async def apply_traffic(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, change: TrafficChange
) -> JSONResponse:
    return await _change(request, dashboard, namespace, name, change, dry_run=False)


@router.post("/revert", summary="Apply a split from the history (conflict-safe, like apply)")
async def revert_traffic(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, revert: Revert
) -> JSONResponse:
    user = acting_user(request)

    def work() -> JSONResponse:
        if (refusal := edit_refusal(request, namespace, name)) is not None:
            record_patch(request, "refused")
            return _forbidden(refusal)
        loaded = load(dashboard, namespace, name)
        entry = find_entry(loaded.history, revert.event)
        if entry is None:
            body = {
                "code": 404,
                "reason": "NotFound",
                "message": f"no history entry {revert.event!r} for {name}",
            }
            return JSONResponse(body, status_code=404)
        if not entry.trusted:
            said = f"history entry {revert.event!r} is an outside change ({entry.distrust}): "
            body = {"code": 422, "reason": "Invalid", "message": said + "it cannot be reverted to"}
            return JSONResponse(body, status_code=422)
        targets = list(entry.old if revert.to == "before" else entry.new)
        wanted = Precondition(revert.resource_version, revert.generation, revert.uid)
        outcome = change_traffic(dashboard, loaded, wanted, targets, user=user)
        record_patch(request, patch_outcome(outcome))
        return outcome_response(outcome, targets)

    return await run_in_threadpool(work)


@router.get("/history", summary="The changes Splitboard applied to this Service, newest first")
def get_history(dashboard: DashboardDep, namespace: str, name: str) -> list[dict[str, Any]]:
    return history_body(load(dashboard, namespace, name).history)
