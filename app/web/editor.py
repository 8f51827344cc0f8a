"""The traffic editor in the browser: its page, the form's actions, live slider moves and staying in sync.

One form (templates/editor/editor.html) works three ways: as a plain form post without JavaScript
(every action re-renders the page), with htmx (actions re-render the editor in place; slider and number
inputs post to `/live` and get the other rows back as out-of-band swaps, never the element being
dragged), and kept current by `/sync` when the Service, Route or VirtualServices change underneath
(the page's SSE events, or a poll). Every weight and message comes from app.model.editing; this module
only routes; app.web.editor_view builds what is rendered and app.web.applying talks to the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.model.bodies import meta
from app.model.editing import (
    PRESETS,
    ActionError,
    EditorForm,
    FormError,
    Row,
    add_row,
    all_to,
    apply_expression,
    distribute,
    has_pending_edits,
    move,
    parse_form,
    remove_row,
    rollback_rows,
    rows_from_traffic,
    rows_to_targets,
    service_traffic,
    split_preset,
    validate_rows,
)
from app.model.history import find_entry, previous_split
from app.model.patches import describe_split
from app.model.traffic import TrafficTarget
from app.web import loading
from app.web.applying import (
    Applied,
    Conflict,
    Invalid,
    Loaded,
    Outcome,
    Precondition,
    Refused,
    Unanswered,
    Unchanged,
    change_traffic,
    generation_of,
    load,
    patch_outcome,
    status_body,
)
from app.web.context import Dashboard, DashboardDep
from app.web.editor_view import (
    PAGE,
    ROOT_ID,
    ConflictView,
    EditorView,
    Notice,
    StaleView,
    build_view,
    changed_by,
    fresh_form,
    initial_view,
    render,
)
from app.web.htmx import page_or_fragment
from app.web.loading import LoadError
from app.web.observability import record_patch
from app.web.pages import events_url, page_context
from app.web.security import acting_user, edit_refusal

__all__ = ["initial_view", "router"]  # initial_view lives in editor_view; kept importable from here

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


# --- Outcomes as banners -----------------------------------------------------------------------------


def outcome_view(
    loaded: Loaded, form: EditorForm, outcome: Outcome, *, refusal: str | None
) -> tuple[EditorView, int, Loaded]:
    """The editor after an apply, dry run or revert; with the HTTP status a plain form post gets."""
    if isinstance(outcome, Applied) and outcome.dry_run:
        notice = Notice(
            "ok",
            "The cluster accepts this change (dry run; nothing was changed)",
            describe_split(outcome.new),
        )
        return build_view(loaded, form, refusal=refusal, notice=notice), 200, loaded
    if isinstance(outcome, Applied):
        applied = outcome.after(loaded)
        text = f"{describe_split(outcome.old)} -> {describe_split(outcome.new)}"
        if outcome.read_back:
            text += ". The cluster's answer was lost; reading the Service back shows the change in place"
        notice = Notice(
            "warning" if outcome.warning else "ok", "Applied", f"{text}. {outcome.warning or ''}".strip()
        )
        return build_view(applied, fresh_form(applied), refusal=refusal, notice=notice), 200, applied
    if isinstance(outcome, Unchanged):
        notice = Notice("info", "Nothing to apply: the Service already has this split")
        return build_view(loaded, form, refusal=refusal, notice=notice), 200, loaded
    if isinstance(outcome, Invalid):
        notice = Notice("error", "Not sent: Knative would refuse this split", outcome.validation.text)
        return build_view(loaded, form, refusal=refusal, notice=notice), 422, loaded
    if isinstance(outcome, Conflict):
        theirs = outcome.theirs
        yours, _ = rows_to_targets(form.rows)
        conflict = ConflictView(
            message=outcome.error.message,
            base=describe_split(form.base),
            theirs=describe_split(service_traffic(theirs)) if theirs is not None else None,
            yours=describe_split(yours),
            resource_version=str(meta(theirs).get("resourceVersion") or "") if theirs else "",
            generation=generation_of(theirs) if theirs else 0,
        )
        return build_view(loaded, form, refusal=refusal, conflict=conflict), 409, loaded
    if isinstance(outcome, Unanswered):
        title = "Not applied: no answer from the cluster" if outcome.now else "Unknown: no answer"
        return (
            build_view(loaded, form, refusal=refusal, notice=Notice("error", title, outcome.message)),
            504,
            loaded,
        )
    assert isinstance(outcome, Refused)
    status = status_body(outcome.error)
    notice = Notice(
        "error",
        f"The cluster refused the change ({outcome.error.code} {outcome.error.reason})",
        outcome.error.message,
        status,
    )
    code = outcome.error.code if 400 <= outcome.error.code < 600 else 502
    return build_view(loaded, form, refusal=refusal, notice=notice), code, loaded


# --- Actions -----------------------------------------------------------------------------------------


def run_action(
    request: Request,
    dashboard: Dashboard,
    loaded: Loaded,
    form: EditorForm,
    action: str,
    fields: Mapping[str, str],
    user: str | None,
    refusal: str | None,
) -> tuple[EditorView, int, Loaded]:
    """One press of an editor button (blocking: may write to the cluster). `refusal` says why this
    user may not write (then apply and dry run answer 403 and send nothing). Every write's outcome is
    counted on /metrics (dry runs are not: they change nothing). Undo, restore and roll back only fill
    the rows: the user sees the preview and applies."""
    name = loaded.name
    verb, _, argument = action.partition(":")
    writes = verb == "apply"
    try:
        if verb == "revert":
            chosen = _revert_targets(loaded, argument)
            form = replace(form, rows=rows_from_traffic(chosen), anchor=(), drag=None)
            notice = Notice("info", "Review the preview below, then apply", describe_split(chosen))
            return build_view(loaded, form, refusal=refusal, notice=notice), 200, loaded
        if verb in {"apply", "dryrun"}:
            if refusal is not None:
                if writes:
                    record_patch(request, "refused")
                notice = Notice("error", "You cannot change this Service's traffic here", refusal)
                return build_view(loaded, form, refusal=refusal, notice=notice), 403, loaded
            targets, errors = rows_to_targets(form.rows)
            if errors:
                validation = validate_rows(form.rows, name, loaded.choices)
                outcome: Outcome = Invalid(validation)
            else:
                outcome = change_traffic(
                    dashboard,
                    loaded,
                    Precondition(form.resource_version, form.generation, form.uid),
                    targets,
                    user=user,
                    dry_run=not writes,
                )
            if writes:
                record_patch(request, patch_outcome(outcome))
            return outcome_view(loaded, form, outcome, refusal=refusal)
        if verb == "reload":
            notice = Notice("info", "Loaded the Service as it is now")
            return build_view(loaded, fresh_form(loaded), refusal=refusal, notice=notice), 200, loaded
        if verb == "rebase":
            form = replace(
                form,
                resource_version=loaded.resource_version,
                generation=loaded.generation,
                uid=loaded.uid,
                base=tuple(loaded.traffic),
            )
            notice = Notice(
                "info", "Your edits now apply on top of the Service as it is now: review, then apply"
            )
            return build_view(loaded, form, refusal=refusal, notice=notice), 200, loaded
        rows = _edit_rows(loaded, form, verb, argument, fields)
        edited = replace(
            form, rows=rows, anchor=(), drag=None, expression="" if verb == "expression" else form.expression
        )
        return build_view(loaded, edited, refusal=refusal), 200, loaded
    except ActionError as exc:
        notice = Notice("error", "Cannot do that", str(exc))
        return build_view(loaded, form, refusal=refusal, notice=notice), 422, loaded


def _index(argument: str) -> int:
    if not argument.isdigit():
        raise ActionError(f"{argument!r} is not a row number")
    return int(argument)


def _edit_rows(
    loaded: Loaded, form: EditorForm, verb: str, argument: str, fields: Mapping[str, str]
) -> tuple[Row, ...]:
    name, rows = loaded.name, form.rows
    if verb in {"preview", ""}:
        return rows
    if verb == "evenly":
        return distribute(rows)
    if verb == "remove":
        return remove_row(rows, _index(argument))
    if verb == "all":
        return all_to(rows, _index(argument))
    if verb == "add":
        return add_row(rows, fields.get("new.target", ""), fields.get("new.tag", ""))
    if verb == "preset" and argument in PRESETS:
        return split_preset(rows, loaded.choices, name, PRESETS[argument])
    if verb == "rollback":
        return rollback_rows(previous_split(loaded.traffic, loaded.history))
    if verb == "expression":
        return apply_expression(rows, form.expression, loaded.choices, name)
    raise ActionError(f"unknown action {verb!r}")


def _revert_targets(loaded: Loaded, argument: str) -> tuple[TrafficTarget, ...]:
    """`<event>:old` (undo that change) or `<event>:new` (restore the split it set); only Splitboard's
    own signed entries: an outside entry's split is whatever its writer chose."""
    event, _, which = argument.rpartition(":")
    entry = find_entry(loaded.history, event)
    if entry is None or which not in {"old", "new"}:
        raise ActionError(f"no history entry {event!r} to revert to")
    if not entry.trusted:
        raise ActionError(f"history entry {event!r} is an outside change ({entry.distrust}): not offered")
    return entry.old if which == "old" else entry.new


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
        refusal = edit_refusal(request, namespace, name)
        view, status, after = run_action(request, dashboard, loaded, form, action, fields, user, refusal)
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
        moved = move(form)
        edited = (
            form if moved is None else replace(form, rows=moved.rows, anchor=moved.anchor, drag=moved.drag)
        )
        refusal = edit_refusal(request, namespace, name)
        view = build_view(loaded, edited, refusal=refusal)
        if form.live and released and moved is not None and view.can_apply:
            targets, _ = rows_to_targets(edited.rows)
            outcome = change_traffic(
                dashboard,
                loaded,
                Precondition(form.resource_version, form.generation, form.uid),
                targets,
                user=user,
            )
            record_patch(request, patch_outcome(outcome))
            applied_view, _, _ = outcome_view(loaded, edited, outcome, refusal=refusal)
            return replace_editor(dashboard, applied_view)
        keep = request.headers.get("HX-Trigger") or ""
        if released and moved is not None and moved.clamped:
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
        if event in ("sse:routes", "sse:virtualservices") and loaded.generation == form.generation:
            return HTMLResponse(render(dashboard, "preview", build_view(loaded, form, refusal=None), True))
        return Response(status_code=204)
    if loaded.generation == form.generation:
        followed = replace(form, resource_version=loaded.resource_version)
        return HTMLResponse(render(dashboard, "status_update", build_view(loaded, followed, refusal=None)))
    return None
