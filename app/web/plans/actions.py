"""What a person does with a Service's rollout plan: start, pause, resume, skip, promote, abort, clear.

Blocking (cluster reads and writes): call from a worker thread. Each action reads the Service from
the API server (not the cache: the runner may have written a step a moment ago), asks the model what
the action does (app.model.plans), and writes the result in one conditional patch; when the Service
changed in between (the runner stepped on) it reads again and retries, a few times. Bad input and an
action that does not apply in the plan's phase raise PlanActionError and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.kube import errors
from app.kube.errors import ApiError
from app.model.bodies import labels_of, meta, name_of
from app.model.editing import candidate_revision, revision_choices, service_traffic
from app.model.labels import SERVICE_LABEL
from app.model.objects import KubeObject
from app.model.plans import (
    PRESETS,
    InvalidAction,
    Plan,
    PlanError,
    PlanStep,
    Progress,
    clearable,
    decode,
    first_progress,
    new_plan,
    stamp,
    step_label,
)
from app.model.plans import abort as abort_plan
from app.model.plans import pause as pause_plan
from app.model.plans import promote as promote_plan
from app.model.plans import resume as resume_plan
from app.model.plans import skip as skip_plan
from app.model.traffic import TrafficTarget
from app.web.dashboard import Dashboard
from app.web.editor.applying import fetch_service, refusal_status
from app.web.loading import LoadError, namespace_objects
from app.web.plans.storing import remove, store

ATTEMPTS = 4
"""Reads and writes an action tries while the runner keeps stepping the same Service."""


class PlanActionError(Exception):
    """An action refused: `status` is the HTTP status to answer (404 no Service or plan, 409 not in
    this phase or the Service kept changing, 422 bad input, the cluster's own for its refusals)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class PlanRequest:
    """What starting a plan asks for: a preset's steps, or steps of one's own (which win), and the two
    revisions (empty: the Service's newest revision as the candidate, and as the baseline the revision
    that has the most traffic now)."""

    preset: str = ""
    steps: tuple[PlanStep, ...] = ()
    candidate: str = ""
    baseline: str = ""


@dataclass(frozen=True)
class PlanState:
    """A Service's plan as it stands (`plan`/`progress` None: none), or why its annotation cannot be
    read (`error`)."""

    namespace: str
    name: str
    plan: Plan | None
    progress: Progress | None
    error: str | None = None
    resource_version: str = ""


def state_of(namespace: str, service: KubeObject) -> PlanState:
    """The plan a Service carries (pure: from the object as given)."""
    version = str(meta(service).get("resourceVersion") or "")
    try:
        found = decode(meta(service).get("annotations"))
    except PlanError as error:
        return PlanState(namespace, name_of(service), None, None, str(error), version)
    plan, progress = found if found is not None else (None, None)
    return PlanState(namespace, name_of(service), plan, progress, None, version)


def state(dashboard: Dashboard, namespace: str, name: str) -> PlanState:
    """The Service's plan from the watch cache (what pages show); PlanActionError 404 without the
    Service."""
    return state_of(namespace, _cached(dashboard, namespace, name))


def _cached(dashboard: Dashboard, namespace: str, name: str) -> KubeObject:
    try:
        objects = namespace_objects(dashboard, namespace)
    except LoadError as error:
        raise PlanActionError(error.status_code, error.message) from error
    service = next((s for s in objects.services if name_of(s) == name), None)
    if service is None:
        raise PlanActionError(404, f"there is no Knative Service {name!r} in namespace {namespace!r}")
    return service


def _fetch(dashboard: Dashboard, namespace: str, name: str) -> KubeObject:
    try:
        return fetch_service(dashboard, namespace, name)
    except errors.NotFound as error:
        raise PlanActionError(
            404, f"there is no Knative Service {name!r} in namespace {namespace!r}"
        ) from error
    except ApiError as error:
        raise PlanActionError(refusal_status(error), error.message) from error


def _revisions(dashboard: Dashboard, namespace: str, name: str) -> list[KubeObject]:
    try:
        objects = namespace_objects(dashboard, namespace)
    except LoadError as error:
        raise PlanActionError(error.status_code, error.message) from error
    return [r for r in objects.revisions if labels_of(r).get(SERVICE_LABEL) == name]


def _baseline(current: Sequence[TrafficTarget], candidate: str) -> str:
    """The revision with the most traffic now, other than the candidate ("" if none is pinned)."""
    shares: dict[str, int] = {}
    for target in current:
        if target.revision_name and not target.floating and target.revision_name != candidate:
            shares[target.revision_name] = shares.get(target.revision_name, 0) + (target.percent or 0)
    return max(shares, key=lambda r: (shares[r], r)) if shares else ""


def _steps(form: PlanRequest) -> tuple[PlanStep, ...]:
    if form.steps:
        return form.steps
    if not form.preset:
        raise PlanActionError(422, f"choose a preset ({', '.join(PRESETS)}) or give the steps")
    if form.preset not in PRESETS:
        raise PlanActionError(422, f"there is no preset {form.preset!r}: choose one of {', '.join(PRESETS)}")
    return PRESETS[form.preset]


def start(
    dashboard: Dashboard, namespace: str, name: str, form: PlanRequest, user: str | None
) -> tuple[Plan, Progress]:
    """Start a plan: its first step's split is applied at once, with the plan, in one patch."""
    steps = _steps(form)
    revisions = _revisions(dashboard, namespace, name)
    choices = revision_choices(revisions)
    for _ in range(ATTEMPTS):
        service = _fetch(dashboard, namespace, name)
        current = state_of(namespace, service)
        if current.progress is not None and not current.progress.finished:
            raise PlanActionError(
                409,
                f"a rollout plan is already {current.progress.phase} on {name}: abort or promote it first",
            )
        traffic = service_traffic(service)
        candidate = form.candidate or candidate_revision(choices, name) or ""
        baseline = form.baseline or _baseline(traffic, candidate)
        now = dashboard.clock()
        try:
            plan = new_plan(
                candidate=candidate,
                baseline=baseline,
                steps=steps,
                current=traffic,
                revisions={name_of(r) for r in revisions},
                created_by=user or "",
                created_at=stamp(now),
            )
        except PlanError as error:
            raise PlanActionError(422, str(error)) from error
        progress, split = first_progress(plan, now)
        if _write(dashboard, namespace, service, plan, progress, split, step_label(plan, 0), user):
            dashboard.plan_namespaces.add(namespace)
            return plan, progress
    raise _busy(name)


def _busy(name: str) -> PlanActionError:
    return PlanActionError(409, f"the Service {name} kept changing while the action was written: try again")


def _write(
    dashboard: Dashboard,
    namespace: str,
    service: KubeObject,
    plan: Plan,
    progress: Progress,
    split: Sequence[TrafficTarget] | None,
    label: str,
    user: str | None,
) -> bool:
    """Store the action's outcome; False when the Service changed meanwhile (read it again)."""
    try:
        store(dashboard, namespace, service, plan, progress, split, label=label, user=user)
    except errors.Conflict:
        return False
    except ApiError as error:
        raise PlanActionError(refusal_status(error), error.message) from error
    return True


Change = Callable[
    [Plan, Progress, Sequence[TrafficTarget], datetime], tuple[Progress, Sequence[TrafficTarget] | None]
]


def _act(
    dashboard: Dashboard, namespace: str, name: str, user: str | None, verb: str, change: Change
) -> tuple[Plan, Progress]:
    for _ in range(ATTEMPTS):
        service = _fetch(dashboard, namespace, name)
        found = state_of(namespace, service)
        if found.error is not None:
            raise PlanActionError(422, found.error)
        if found.plan is None or found.progress is None:
            raise PlanActionError(404, f"the Service {name} has no rollout plan")
        try:
            progress, split = change(found.plan, found.progress, service_traffic(service), dashboard.clock())
        except InvalidAction as error:
            raise PlanActionError(409, str(error)) from error
        label = f"plan {verb}" if split is None else f"plan {verb}, {step_label(found.plan, progress.step)}"
        if _write(dashboard, namespace, service, found.plan, progress, split, label, user):
            return found.plan, progress
    raise _busy(name)


def _who(user: str | None) -> str:
    return user or "someone on the dashboard"


def pause(dashboard: Dashboard, namespace: str, name: str, user: str | None) -> tuple[Plan, Progress]:
    """Hold the plan where it is (the traffic stays)."""
    return _act(
        dashboard, namespace, name, user, "pause", lambda p, g, c, n: (pause_plan(p, g, _who(user)), None)
    )


def resume(dashboard: Dashboard, namespace: str, name: str, user: str | None) -> tuple[Plan, Progress]:
    """Go on: a step that waited for you gives way to the next; a paused one holds again from now."""
    return _act(dashboard, namespace, name, user, "resume", resume_plan)


def skip(dashboard: Dashboard, namespace: str, name: str, user: str | None) -> tuple[Plan, Progress]:
    """The next step now (after the last, the plan is done)."""
    return _act(dashboard, namespace, name, user, "skip", skip_plan)


def promote(dashboard: Dashboard, namespace: str, name: str, user: str | None) -> tuple[Plan, Progress]:
    """The last step's split now; the plan is done."""
    return _act(dashboard, namespace, name, user, "promote", promote_plan)


def abort(dashboard: Dashboard, namespace: str, name: str, user: str | None) -> tuple[Plan, Progress]:
    """Back to the split the plan started from, exactly."""
    return _act(dashboard, namespace, name, user, "abort", lambda p, g, c, n: abort_plan(p, g, c, _who(user)))


def clear(dashboard: Dashboard, namespace: str, name: str, user: str | None) -> None:
    """Take a finished (done or aborted) plan off the Service; a malformed annotation is cleared too."""
    for _ in range(ATTEMPTS):
        service = _fetch(dashboard, namespace, name)
        found = state_of(namespace, service)
        if found.error is None:
            if found.progress is None:
                raise PlanActionError(404, f"the Service {name} has no rollout plan")
            try:
                clearable(found.progress)
            except InvalidAction as error:
                raise PlanActionError(409, str(error)) from error
        try:
            remove(dashboard, namespace, service)
        except errors.Conflict:
            continue
        except ApiError as error:
            raise PlanActionError(refusal_status(error), error.message) from error
        return
    raise _busy(name)
