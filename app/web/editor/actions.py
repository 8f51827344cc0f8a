"""The traffic editor's buttons: what one press does to the form or the cluster, and the editor after it.

Blocking (a press may write to the cluster): call from a worker thread. Every weight and message comes
from app.model.editing; this module picks the step for the button and turns its outcome into a view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from fastapi import Request

from app.model.bodies import meta
from app.model.editing import (
    PRESETS,
    ActionError,
    EditorForm,
    Row,
    add_row,
    all_to,
    apply_expression,
    distribute,
    remove_row,
    rollback_rows,
    rows_from_traffic,
    rows_to_targets,
    service_traffic,
    split_preset,
    validate_rows,
)
from app.model.editor_view import (
    ConflictView,
    EditorView,
    Loaded,
    Notice,
    build_view,
    fresh_form,
    generation_of,
)
from app.model.history import find_entry, previous_split
from app.model.patches import describe_split
from app.model.traffic import TrafficTarget
from app.web.dashboard import Dashboard
from app.web.editor.applying import (
    Applied,
    Conflict,
    Invalid,
    Outcome,
    Precondition,
    Refused,
    Unanswered,
    Unchanged,
    change_traffic,
    patch_outcome,
    refusal_status,
    status_body,
)
from app.web.observability import record_patch

Answer = tuple[EditorView, int, Loaded]
"""The editor to show, the HTTP status a plain form post gets, and the Service it shows (after an
apply: the patched one)."""


@dataclass(frozen=True)
class Press:
    """One press of an editor button: on which Service and form, by whom, and why they may not write
    (`refusal`; None when they may)."""

    request: Request
    dashboard: Dashboard
    loaded: Loaded
    form: EditorForm
    fields: Mapping[str, str]
    user: str | None
    refusal: str | None

    def answer(
        self, form: EditorForm | None = None, notice: Notice | None = None, status: int = 200
    ) -> Answer:
        """The editor over the Service as loaded, with `form` (the posted one unless given)."""
        shown = self.form if form is None else form
        return build_view(self.loaded, shown, refusal=self.refusal, notice=notice), status, self.loaded


def precondition(form: EditorForm) -> Precondition:
    """The version of the Service the form's split was computed from."""
    rollout = form.rollout_base if form.rollout is not None else None
    return Precondition(form.resource_version, form.generation, form.uid, rollout)


def run_action(press: Press, action: str) -> Answer:
    """One press of an editor button, `verb[:argument]`. A user who may not write gets 403 from apply
    and dry run, and nothing is sent. Every write's outcome is counted on /metrics (dry runs are not:
    they change nothing). Undo, restore and roll back only fill the rows: the user sees the preview
    and applies."""
    verb, _, argument = action.partition(":")
    step = _STEPS.get(verb, _edit)
    try:
        return step(press, verb, argument)
    except ActionError as exc:
        return press.answer(notice=Notice("error", "Cannot do that", str(exc)), status=422)


# --- Steps -------------------------------------------------------------------------------------------


def _revert(press: Press, _verb: str, argument: str) -> Answer:
    chosen = _revert_targets(press.loaded, argument)
    form = replace(press.form, rows=rows_from_traffic(chosen), anchor=(), drag=None)
    return press.answer(form, Notice("info", "Review the preview below, then apply", describe_split(chosen)))


def _send(press: Press, verb: str, _argument: str) -> Answer:
    """Apply or dry-run the form's split."""
    writes = verb == "apply"
    if press.refusal is not None:
        if writes:
            record_patch(press.request, "refused")
        notice = Notice("error", "You cannot change this Service's traffic here", press.refusal)
        return press.answer(notice=notice, status=403)
    outcome = _change(press, dry_run=not writes)
    if writes:
        record_patch(press.request, patch_outcome(outcome))
    return outcome_view(press.loaded, press.form, outcome, refusal=press.refusal)


def _change(press: Press, *, dry_run: bool) -> Outcome:
    """The form's split sent to the cluster; refused unsent when its rows cannot even be read."""
    form, loaded = press.form, press.loaded
    targets, errors = rows_to_targets(form.rows)
    if errors:
        return Invalid(validate_rows(form.rows, loaded.name, loaded.choices))
    wanted = precondition(form)
    return change_traffic(
        press.dashboard,
        loaded,
        wanted,
        targets,
        user=press.user,
        dry_run=dry_run,
        rollout=form.rollout_change,
    )


def _reload(press: Press, _verb: str, _argument: str) -> Answer:
    return press.answer(fresh_form(press.loaded), Notice("info", "Loaded the Service as it is now"))


def _rebase(press: Press, _verb: str, _argument: str) -> Answer:
    """Keep the user's rows, on top of the Service's current version."""
    loaded = press.loaded
    form = replace(
        press.form,
        resource_version=loaded.resource_version,
        generation=loaded.generation,
        uid=loaded.uid,
        base=tuple(loaded.traffic),
        rollout_base=loaded.rollout_duration,
    )
    text = "Your edits now apply on top of the Service as it is now: review, then apply"
    return press.answer(form, Notice("info", text))


def _edit(press: Press, verb: str, argument: str) -> Answer:
    """A button that only changes the rows (evenly, remove, add, a preset, ...)."""
    form = press.form
    rows = _edit_rows(press.loaded, form, verb, argument, press.fields)
    expression = "" if verb == "expression" else form.expression
    return press.answer(replace(form, rows=rows, anchor=(), drag=None, expression=expression))


_STEPS: dict[str, Callable[[Press, str, str], Answer]] = {
    "revert": _revert,
    "apply": _send,
    "dryrun": _send,
    "reload": _reload,
    "rebase": _rebase,
}
"""The buttons that do more than change rows; any other verb is a row edit (`_edit`)."""


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


# --- Outcomes as banners -----------------------------------------------------------------------------


def outcome_view(loaded: Loaded, form: EditorForm, outcome: Outcome, *, refusal: str | None) -> Answer:
    """The editor after an apply, dry run or revert; with the HTTP status a plain form post gets."""
    if isinstance(outcome, Applied) and not outcome.dry_run:
        applied = outcome.after(loaded)
        form_after = fresh_form(applied, live=form.live)
        view = build_view(applied, form_after, refusal=refusal, notice=applied_notice(outcome))
        view = replace(view, after_apply=True)
        return view, 200, applied
    if isinstance(outcome, Conflict):
        conflict = conflict_view(form, outcome)
        return build_view(loaded, form, refusal=refusal, conflict=conflict), 409, loaded
    notice, status = outcome_notice(outcome)
    return build_view(loaded, form, refusal=refusal, notice=notice), status, loaded


def applied_notice(outcome: Applied) -> Notice:
    """The banner after a change the cluster took."""
    text = f"{describe_split(outcome.old)} -> {describe_split(outcome.new)}"
    if outcome.rollout is not None:
        before, after = outcome.rollout
        text += f"; rollout duration {before or 'none'} -> {after or 'none'}"
    if outcome.read_back:
        text += ". The cluster's answer was lost; reading the Service back shows the change in place"
    kind = "warning" if outcome.warning else "ok"
    return Notice(kind, "Applied", f"{text}. {outcome.warning or ''}".strip())


def outcome_notice(outcome: Applied | Invalid | Refused | Unanswered | Unchanged) -> tuple[Notice, int]:
    """The banner for an outcome that leaves the form as it was, and the HTTP status that says why."""
    if isinstance(outcome, Applied):
        title = "The cluster accepts this change (dry run; nothing was changed)"
        text = describe_split(outcome.new)
        if outcome.rollout is not None:
            text += f"; rollout duration {outcome.rollout[1] or 'none'}"
        return Notice("ok", title, text), 200
    if isinstance(outcome, Unchanged):
        return Notice(
            "info", "Nothing to apply: the Service already has this split and rollout duration"
        ), 200
    if isinstance(outcome, Invalid):
        return Notice("error", "Not sent: Knative would refuse this split", outcome.validation.text), 422
    if isinstance(outcome, Unanswered):
        title = "Not applied: no answer from the cluster" if outcome.now else "Unknown: no answer"
        return Notice("error", title, outcome.message), 504
    error = outcome.error
    title = f"The cluster refused the change ({error.code} {error.reason})"
    return Notice("error", title, error.message, status_body(error)), refusal_status(error)


def conflict_view(form: EditorForm, outcome: Conflict) -> ConflictView:
    """A 409 beside the user's own split: what they started from, what the Service has now."""
    theirs = outcome.theirs
    yours, _ = rows_to_targets(form.rows)
    return ConflictView(
        message=outcome.error.message,
        base=describe_split(form.base),
        theirs=describe_split(service_traffic(theirs)) if theirs is not None else None,
        yours=describe_split(yours),
        resource_version=str(meta(theirs).get("resourceVersion") or "") if theirs else "",
        generation=generation_of(theirs) if theirs else 0,
    )
