"""The rollout plan in the browser: the timeline's fragment, the start form (with its presets) and the
action buttons, each a plain form that htmx posts in place.

With htmx a button answers with the view it was pressed in (the Service page's timeline, or the
presenter's progress), the start form with itself; a refusal or a bad value is said inline, in a 200,
as htmx swaps only successful answers. Without a script every post comes back to the page: a 303 on
success, else the page with the error beside the form and the HTTP status that says what happened.
The actions themselves (app.web.plans.actions) talk to the cluster: they run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.model.plan_view import (
    ACTIONS,
    StartForm,
    StartRequest,
    parse_start,
    plan_view,
    preset_form,
    preset_request,
)
from app.model.plans import Plan, Progress
from app.model.views import revision_colours
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.editor.embedding import PAGE as EDITOR_PAGE
from app.web.editor.embedding import embedded_editor
from app.web.htmx import is_fragment_request
from app.web.loading import LoadError
from app.web.pages import events_url, page_context
from app.web.plans import actions
from app.web.plans.actions import PlanActionError
from app.web.plans.panel import (
    PROGRESS,
    TIMELINE,
    Mode,
    TimelinePanel,
    current_form,
    current_panel,
    progress_html,
    render,
    start_of,
    timeline_html,
)
from app.web.security import acting_user, edit_refusal
from app.web.templating import fresh_ages
from app.web.urls import path_for

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

VARY = {"Vary": "HX-Request"}


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _page_url(request: Request, namespace: str, name: str, mode: Mode) -> str:
    if mode == PROGRESS:
        return path_for(request, "demo_page", namespace=namespace, name=name) + "?present=1"
    return path_for(request, "service_page", namespace=namespace, name=name) + "#plan"


def service_page(
    request: Request,
    dashboard: Dashboard,
    namespace: str,
    name: str,
    panel: TimelinePanel,
    form: StartForm | None,
    status: int = 200,
) -> HTMLResponse:
    """The whole Service page with this plan panel and start form (a plain form's answer)."""
    context = page_context(
        dashboard,
        {
            "view": loading.service(dashboard, namespace, name),
            "editor": embedded_editor(request, dashboard, namespace, name),
            "events": events_url(request, namespace, name),
            "plan": panel,
            "plan_form": form,
        },
    )
    html = fresh_ages(dashboard.renderer.page(EDITOR_PAGE, context), dashboard.clock())
    return HTMLResponse(html, status_code=status, headers=VARY)


# --- The timeline ------------------------------------------------------------------------------------


@router.get("/namespaces/{namespace}/services/{name}/plan", name="plan_timeline")
async def timeline(
    request: Request,
    dashboard: DashboardDep,
    namespace: str,
    name: str,
    view: Annotated[str, Query(max_length=16)] = TIMELINE,
) -> Response:
    """The plan's timeline (or, `view=progress`, the presenter's progress view) for htmx; a browser is
    sent to the page that shows it."""
    mode = PROGRESS if view == PROGRESS else TIMELINE
    if not is_fragment_request(request):
        return RedirectResponse(_page_url(request, namespace, name, mode), status_code=303)

    def work() -> str:
        panel = current_panel(dashboard, namespace, name, edit_refusal(request, namespace, name), mode=mode)
        return timeline_html(dashboard, panel) if mode == TIMELINE else progress_html(dashboard, panel)

    return HTMLResponse(await run_in_threadpool(work), headers=VARY)


# --- The start form ----------------------------------------------------------------------------------


@router.get("/namespaces/{namespace}/services/{name}/plan/form", name="plan_form")
async def start_form_page(
    request: Request,
    dashboard: DashboardDep,
    namespace: str,
    name: str,
    preset: Annotated[str, Query(max_length=64)] = "canary",
) -> Response:
    """The start form filled with `preset`'s steps (the revisions chosen so far are kept)."""
    fields = {k: v for k, v in request.query_params.items()}

    def work() -> Response:
        form = preset_form(current_form(dashboard, namespace, name), fields, preset)
        status = 404 if form.errors else 200
        if is_fragment_request(request):
            return HTMLResponse(render(dashboard, "start_form", form), headers=VARY)
        refusal = edit_refusal(request, namespace, name)
        panel = current_panel(dashboard, namespace, name, refusal)
        return service_page(request, dashboard, namespace, name, panel, form, status)

    return await run_in_threadpool(work)


@router.post("/namespaces/{namespace}/services/{name}/plan", name="plan_start")
async def start_plan(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> Response:
    """Start a plan from the form: htmx gets the form back (folded, or with what is wrong) and the new
    timeline beside it; a plain form is sent back to the page. Presenter mode's one-click start posts
    only a preset (`view=progress`): it is answered as the plan's buttons there are."""
    fields = await _fields(request)
    user = acting_user(request)
    if fields.get("view") == PROGRESS:
        return await _start_preset(request, dashboard, namespace, name, fields.get("preset", ""), user)

    def work() -> Response:
        refusal = edit_refusal(request, namespace, name)
        form, wanted = parse_start(current_form(dashboard, namespace, name), fields)
        status = 422
        if refusal is not None:
            form, status = replace(form, errors={"form": refusal}), 403
        elif wanted is not None:
            try:
                plan, progress = _start(dashboard, namespace, name, wanted, user)
            except PlanActionError as exc:
                form, status = replace(form, errors={"form": exc.message}), exc.status
            else:
                return _started(request, dashboard, namespace, name, plan, progress)
        if is_fragment_request(request):
            return HTMLResponse(render(dashboard, "start_form", form), headers=VARY)
        panel = current_panel(dashboard, namespace, name, refusal)
        return service_page(request, dashboard, namespace, name, panel, form, status)

    return await run_in_threadpool(work)


async def _start_preset(
    request: Request, dashboard: Dashboard, namespace: str, name: str, preset: str, user: str | None
) -> Response:
    """Start `preset` between the start form's default revisions, its gates on: htmx gets the
    presenter's progress view (the new plan, or the start control with what went wrong); a plain form
    goes back to presenter mode, or gets the error page with its status."""

    def work() -> Response:
        refusal = edit_refusal(request, namespace, name)
        error, status = "", 200
        if refusal is not None:
            error, status = refusal, 403
        else:
            form, wanted = preset_request(current_form(dashboard, namespace, name), preset)
            if wanted is None:
                error, status = " ".join(form.errors.values()), 422
            else:
                try:
                    plan, progress = _start(dashboard, namespace, name, wanted, user)
                except PlanActionError as exc:
                    error, status = exc.message, exc.status
                else:
                    if not is_fragment_request(request):
                        return RedirectResponse(
                            _page_url(request, namespace, name, PROGRESS), status_code=303
                        )
                    panel = _panel_of(dashboard, namespace, name, plan, progress, None, "", PROGRESS)
                    return HTMLResponse(progress_html(dashboard, panel), headers=VARY)
        if not is_fragment_request(request):
            raise LoadError(status, "The plan did not start", error)
        panel = current_panel(dashboard, namespace, name, refusal, error, PROGRESS)
        return HTMLResponse(progress_html(dashboard, panel), headers=VARY)

    return await run_in_threadpool(work)


def _start(
    dashboard: Dashboard, namespace: str, name: str, wanted: StartRequest, user: str | None
) -> tuple[Plan, Progress]:
    request = actions.PlanRequest(candidate=wanted.candidate, baseline=wanted.baseline, steps=wanted.steps)
    return actions.start(dashboard, namespace, name, request, user)


def _started(
    request: Request, dashboard: Dashboard, namespace: str, name: str, plan: Plan, progress: Progress
) -> Response:
    if not is_fragment_request(request):
        return RedirectResponse(_page_url(request, namespace, name, TIMELINE), status_code=303)
    panel = _panel_of(dashboard, namespace, name, plan, progress, None, "", TIMELINE)
    form = current_form(dashboard, namespace, name)
    timeline = timeline_html(dashboard, panel)
    oob = f'<div id="plan-timeline" hx-swap-oob="innerHTML">{timeline}</div>'
    return HTMLResponse(render(dashboard, "start_form", form) + oob, headers=VARY)


# --- The buttons -------------------------------------------------------------------------------------

Act = Callable[[Dashboard, str, str, str | None], "tuple[Plan, Progress] | None"]
_ACTS: Mapping[str, Act] = {
    "pause": actions.pause,
    "resume": actions.resume,
    "skip": actions.skip,
    "promote": actions.promote,
    "abort": actions.abort,
    "clear": actions.clear,
}


def _panel_of(
    dashboard: Dashboard,
    namespace: str,
    name: str,
    plan: Plan,
    progress: Progress,
    refusal: str | None,
    error: str,
    mode: Mode,
) -> TimelinePanel:
    """The panel of a plan an action just wrote (the cache may not have seen the write yet)."""
    objects = loading.namespace_objects(dashboard, namespace)
    view = plan_view(namespace, name, plan, progress, dashboard.clock(), revision_colours(objects.revisions))
    start = start_of(objects, name, refusal, mode, view)
    return TimelinePanel(namespace, name, view, refusal, error, mode, start)


@router.post("/namespaces/{namespace}/services/{name}/plan/{action}", name="plan_action")
async def plan_action(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, action: str
) -> Response:
    """Pause, resume, skip, promote, abort or clear: htmx gets the view the button was in, with the
    refusal said inline; a plain form goes back to its page."""
    if action not in ACTIONS:
        raise LoadError(404, "No such plan action", f"Plan actions are: {', '.join(ACTIONS)}.")
    fields = await _fields(request)
    mode = PROGRESS if fields.get("view") == PROGRESS else TIMELINE
    user = acting_user(request)

    def work() -> Response:
        refusal = edit_refusal(request, namespace, name)
        error, status = "", 200
        done: tuple[Plan, Progress] | None = None
        if refusal is not None:
            error, status = refusal, 403
        else:
            try:
                done = _ACTS[action](dashboard, namespace, name, user)
            except PlanActionError as exc:
                error, status = exc.message, exc.status
        if not error and not is_fragment_request(request):
            return RedirectResponse(_page_url(request, namespace, name, mode), status_code=303)
        if done is not None:
            panel = _panel_of(dashboard, namespace, name, *done, refusal, error, mode)
        elif not error:  # cleared: no plan any more
            start = start_of(loading.namespace_objects(dashboard, namespace), name, refusal, mode, None)
            panel = TimelinePanel(namespace, name, None, refusal, "", mode, start)
        else:
            panel = current_panel(dashboard, namespace, name, refusal, error, mode)
        if is_fragment_request(request):
            html = timeline_html(dashboard, panel) if mode == TIMELINE else progress_html(dashboard, panel)
            return HTMLResponse(html, headers=VARY)
        if mode == PROGRESS:
            raise LoadError(status, "The plan did not change", error)
        form = None if refusal else current_form(dashboard, namespace, name)
        return service_page(request, dashboard, namespace, name, panel, form, status)

    return await run_in_threadpool(work)
