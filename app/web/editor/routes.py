"""The traffic editor in the browser: its page, the form's actions, live slider moves and staying in sync.

One form (templates/editor/editor.html) works three ways: as a plain form post without JavaScript
(every action re-renders the page), with htmx (actions re-render the editor in place; slider and number
inputs post to `/live` and get the other rows back as out-of-band swaps, never the element being
dragged), and kept current by `/sync` when the Service, Route or VirtualServices change underneath
(the page's SSE events, or a poll). Every weight and message comes from app.model.editing; this module
only routes; `actions` runs the buttons, `views` renders and `applying` talks to the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.model.editing import EditorForm, FormError, has_pending_edits, move, parse_form, rows_to_targets
from app.model.editor_view import EditorView, Loaded, Notice, StaleView, build_view, changed_by, fresh_form
from app.model.patches import describe_split
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.editor.actions import Press, outcome_view, precondition, run_action
from app.web.editor.applying import change_traffic, load, patch_outcome
from app.web.editor.views import PAGE, ROOT_ID, initial_view, render
from app.web.htmx import page_or_fragment
from app.web.loading import LoadError
from app.web.observability import record_patch
from app.web.pages import events_url, page_context
from app.web.security import acting_user, edit_refusal

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

# --- Rendering ---------------------------------------------------------------------------------------


def respond(
    request: Request, dashboard: Dashboard, loaded: Loaded, view: EditorView, status: int = 200
) -> Response:
    """The editor alone for htmx (always 200: htmx swaps only successful answers), else the whole page
    with the HTTP status that says what happened."""

    def page() -> str:
        service_view = loading.service(dashboard, loaded.namespace, loaded.name)
        events = events_url(request, loaded.namespace, loaded.name)
        context = page_context(dashboard, {"view": service_view, "editor": view, "events": events})
        return dashboard.renderer.page(PAGE, context)

    return page_or_fragment(request, page, lambda: render(dashboard, "editor", view), status_code=status)


def replace_editor(dashboard: Dashboard, view: EditorView) -> HTMLResponse:
    """An answer to an element inside the editor that replaces the whole editor."""
    headers = {"HX-Retarget": f"#{ROOT_ID}", "HX-Reswap": "outerHTML"}
    return HTMLResponse(render(dashboard, "editor", view), headers=headers)


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _parse(fields: Mapping[str, str], trigger: str | None = None) -> EditorForm:
    try:
        return parse_form(fields, trigger)
    except FormError as exc:
        raise LoadError(400, "Not an editor form", str(exc)) from exc


# --- Routes ------------------------------------------------------------------------------------------


@router.get("/namespaces/{namespace}/services/{name}/traffic", name="traffic_editor")
def editor_page(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> Response:
    """The Service page with the editor filled in (the editor alone for htmx)."""
    loaded = load(dashboard, namespace, name)
    return respond(request, dashboard, loaded, initial_view(request, loaded))


@router.post("/namespaces/{namespace}/services/{name}/traffic", name="traffic_action")
async def editor_action(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> Response:
    """Every button of the editor: the pressed one comes as `action`."""
    fields = await _fields(request)
    form = _parse(fields)
    action = fields.get("action", "preview")
    user = acting_user(request)

    def work() -> Response:
        loaded = load(dashboard, namespace, name)
        press = Press(request, dashboard, loaded, form, fields, user, edit_refusal(request, namespace, name))
        view, status, after = run_action(press, action)
        return respond(request, dashboard, after, view, status)

    return await run_in_threadpool(work)


@router.post("/namespaces/{namespace}/services/{name}/traffic/live", name="traffic_live")
async def editor_live(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> Response:
    """A slider drag, a typed percent, tag or revision choice: the other rows, messages and preview come
    back as out-of-band swaps; the input being used is never replaced (unless it must snap back on
    release). In live mode a release applies the split."""
    fields = await _fields(request)
    trigger = request.headers.get("HX-Trigger-Name")
    form = _parse(fields, trigger)
    released = fields.get("_event") == "change"
    user = acting_user(request)

    def work() -> Response:
        loaded = load(dashboard, namespace, name)
        typed = bool(trigger and trigger.endswith(".percent"))
        moved = move(form, typed=typed)
        edited = (
            form if moved is None else replace(form, rows=moved.rows, anchor=moved.anchor, drag=moved.drag)
        )
        refusal = edit_refusal(request, namespace, name)
        problems = {moved.drag: moved.problem} if moved is not None and moved.problem else {}
        view = build_view(loaded, edited, refusal=refusal, problems=problems)
        if form.live and released and moved is not None and view.can_apply:
            targets, _ = rows_to_targets(edited.rows)
            outcome = change_traffic(dashboard, loaded, precondition(form), targets, user=user)
            record_patch(request, patch_outcome(outcome))
            applied_view, _, _ = outcome_view(loaded, edited, outcome, refusal=refusal)
            return replace_editor(dashboard, applied_view)
        keep = request.headers.get("HX-Trigger") or ""
        if released and moved is not None and moved.clamped and not moved.problem:
            keep = ""  # the drag is over: the slider snaps to what it could take
        return HTMLResponse(render(dashboard, "live_update", view, keep))

    return await run_in_threadpool(work)


@router.post("/namespaces/{namespace}/services/{name}/traffic/sync", name="traffic_sync")
async def editor_sync(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> Response:
    """Called when the Service, its Route or VirtualServices may have changed (SSE events, or a poll).

    The Service unchanged: nothing (204), or a fresh preview when the Route or VirtualServices moved.
    Only its status moved (same generation): the version, tag URLs, preview and history follow, the
    inputs stay. Its spec changed: the editor reloads when the user has no edits, else a banner says
    who changed what and the edits are kept (applying them is then refused until the user chooses).
    A user who may not write has no edits: any change of the Service reloads their read-only editor."""
    fields = await _fields(request)
    form = _parse(fields)
    event = fields.get("_event", "")

    def work() -> Response:
        loaded = load(dashboard, namespace, name)
        refusal = edit_refusal(request, namespace, name)
        if refusal is not None:  # the read-only editor holds no edits: it shows the Service as it is
            if loaded.resource_version == form.resource_version:
                return Response(status_code=204)
            return replace_editor(dashboard, build_view(loaded, fresh_form(loaded), refusal=refusal))
        recreated = bool(form.uid) and loaded.uid != form.uid  # deleted and created again: a new spec
        followed = None if recreated else _follow_same_spec(dashboard, loaded, form, event)
        if followed is not None:
            return followed
        if not (has_pending_edits(form) or form.expression.strip()):
            text = f"Updated: {changed_by(loaded)} changed the Service"
            notice = Notice("info", text, describe_split(loaded.traffic))
            return replace_editor(
                dashboard, build_view(loaded, fresh_form(loaded), refusal=refusal, notice=notice)
            )
        stale = StaleView(changed_by(loaded), describe_split(form.base), describe_split(loaded.traffic))
        return HTMLResponse(render(dashboard, "stale_banner", stale, True))

    return await run_in_threadpool(work)


def _follow_same_spec(dashboard: Dashboard, loaded: Loaded, form: EditorForm, event: str) -> Response | None:
    """The sync answer while the Service keeps the spec the editor loaded (None when it does not)."""
    if loaded.resource_version == form.resource_version or loaded.generation < form.generation:
        # current, or the cache has not yet seen our own write
        caught_up = event in ("sse:routes", "sse:virtualservices", "load")  # "load": right after an apply
        if caught_up and loaded.generation == form.generation:
            return HTMLResponse(render(dashboard, "preview", build_view(loaded, form, refusal=None), True))
        return Response(status_code=204)
    if loaded.generation == form.generation:
        followed = replace(form, resource_version=loaded.resource_version)
        return HTMLResponse(render(dashboard, "status_update", build_view(loaded, followed, refusal=None)))
    return None
