"""The traffic editor's view: what templates/editor/editor.html renders, built from the Service as
loaded and the form as posted (app.model.editing does every weight and message; this only gathers).

Kept apart from the routes (app.web.editor) so the Service page can render the editor in its slot:
`render_page(..., PAGE, {..., "editor": initial_view(request, load(dashboard, namespace, name))})`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from app.model.editing import (
    EditorForm,
    RevisionChoice,
    Row,
    Validation,
    base_text,
    has_pending_edits,
    latest_ready,
    rows_from_traffic,
    rows_to_targets,
    validate_rows,
)
from app.model.history import (
    HistoryEntry,
    OutsideChange,
    flagger_primary,
    outside_change,
    previous_split,
    trusted,
)
from app.model.previewing import Preview
from app.model.views import colour_index
from app.web.applying import Loaded
from app.web.context import Dashboard
from app.web.security import edit_refusal

TEMPLATE = "editor/editor.html"
PAGE = "editor/page.html"
ROOT_ID = "traffic-editor"


# --- View models -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowView:
    """One row as rendered: the row, its slider position, where it goes and what is wrong with it."""

    index: int
    row: Row
    slider: int
    resolved: str | None
    """The revision the row routes to (a floating row: the latest ready revision)."""
    url: str | None
    """The tag's URL after the change (None without a tag, or when the Route would refuse)."""
    colour: int
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    anchor: int | None


@dataclass(frozen=True)
class Notice:
    """A banner above the rows: `kind` is ok, info, warning or error; `status` a server's Status."""

    kind: str
    title: str
    text: str = ""
    status: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ConflictView:
    """A 409: the server's words, what changed meanwhile, and the user's own split beside it."""

    message: str
    base: str
    theirs: str | None
    yours: str
    resource_version: str
    generation: int


@dataclass(frozen=True)
class StaleView:
    """The Service changed underneath while the user has edits: whose change, and what it is now."""

    who: str
    base: str
    theirs: str


@dataclass(frozen=True)
class EditorView:
    """Everything templates/editor/editor.html renders."""

    namespace: str
    name: str
    resource_version: str
    generation: int
    uid: str
    base: str
    rows: tuple[RowView, ...]
    choices: tuple[RevisionChoice, ...]
    latest_ready: str | None
    validation: Validation
    total: int | None
    preview: Preview
    pending: bool
    history: tuple[HistoryEntry, ...]
    newest_own: str | None
    """The newest entry Splitboard itself signed (its split is the current one: nothing to restore)."""
    outside: OutsideChange | None
    flagger: str | None
    expression: str
    live: bool
    drag: int | None
    refusal: str | None
    """Why this user may not apply here (read-only, no identity, no RBAC), None when they may."""
    can_roll_back: bool
    notice: Notice | None = None
    conflict: ConflictView | None = None
    stale: StaleView | None = None

    @property
    def read_only(self) -> bool:
        return self.refusal is not None

    @property
    def can_apply(self) -> bool:
        return self.validation.ok and self.pending and not self.read_only


def fresh_form(loaded: Loaded) -> EditorForm:
    """The form for the Service as loaded: its split, its version, no edits."""
    traffic = loaded.traffic
    return EditorForm(
        resource_version=loaded.resource_version,
        rows=rows_from_traffic(traffic),
        generation=loaded.generation,
        uid=loaded.uid,
        base=tuple(traffic),
    )


def build_view(
    loaded: Loaded,
    form: EditorForm,
    *,
    refusal: str | None,
    notice: Notice | None = None,
    conflict: ConflictView | None = None,
    stale: StaleView | None = None,
) -> EditorView:
    """What the editor shows. A user who may not write (`refusal`) sees the Service's split as loaded,
    whatever the form says: the read-only editor has no inputs, so a posted split is never theirs to see."""
    if refusal is not None:
        form = fresh_form(loaded)
    name = loaded.name
    own = tuple(loaded.own_choices)
    latest = latest_ready(own, name)
    validation = validate_rows(form.rows, name, loaded.choices)
    targets, parse_errors = rows_to_targets(form.rows)
    predicted = loaded.predict(targets, form.resource_version)
    generations = {c.name: c.generation for c in loaded.choices}
    rows = []
    for index, row in enumerate(form.rows):
        resolved = latest if row.floating else row.target or None
        predictable = validation.ok and predicted.problem is None and index < len(predicted.route_after)
        entry = predicted.route_after[index] if predictable else {}
        rows.append(
            RowView(
                index=index,
                row=row,
                slider=min(max(row.weight or 0, 0), 100),
                resolved=resolved,
                url=str(entry["url"]) if entry.get("url") else None,
                colour=colour_index(resolved, generations.get(resolved)) if resolved else 8,
                errors=tuple(validation.for_row(index)),
                warnings=tuple(validation.warnings_for_row(index)),
                anchor=form.anchor[index] if len(form.anchor) == len(form.rows) else None,
            )
        )
    weights = [r.weight for r in form.rows]
    return EditorView(
        namespace=loaded.namespace,
        name=name,
        resource_version=form.resource_version,
        generation=form.generation,
        uid=form.uid,
        base=base_text(form.base),
        rows=tuple(rows),
        choices=own,
        latest_ready=latest,
        validation=validation,
        total=None if parse_errors else sum(w or 0 for w in weights),
        preview=predicted,
        pending=has_pending_edits(form),
        history=loaded.history,
        newest_own=next((e.event for e in trusted(loaded.history)), None),
        outside=outside_change(loaded.service, loaded.history),
        flagger=flagger_primary(loaded.service),
        expression=form.expression,
        live=form.live,
        drag=form.drag,
        refusal=refusal,
        can_roll_back=bool(previous_split(loaded.traffic, loaded.history)),
        notice=notice,
        conflict=conflict,
        stale=stale,
    )


def render(dashboard: Dashboard, macro: str, *args: Any) -> str:
    """One macro of the editor's template (`editor`, `live_update`, `status_update`, ...) as HTML."""
    return dashboard.renderer.macro(TEMPLATE, macro, *args)


def changed_by(loaded: Loaded) -> str:
    """Who set the Service's current split: the tool outside Splitboard, or the last Splitboard user."""
    outside = outside_change(loaded.service, loaded.history)
    if outside is not None:
        return outside.who
    own = trusted(loaded.history)
    if own:
        return own[0].user or "someone using Splitboard"
    return "someone"


def initial_view(request: Request, loaded: Loaded) -> EditorView:
    """The editor for the Service as loaded (what the Service page shows in its `editor` block).
    Blocking (an access review may be sent): call from a worker thread."""
    return build_view(
        loaded, fresh_form(loaded), refusal=edit_refusal(request, loaded.namespace, loaded.name)
    )
