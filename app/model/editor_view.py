"""The traffic editor's view models: the Service as loaded, and what templates/editor/editor.html renders
from it and the form as posted (app.model.editing does every weight and message; this only gathers).

Pure data and functions: the web layer (app.web.editor) loads the objects, decides the editor's URL and
whether the user may write, and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.model.bodies import meta, name_of
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
    service_traffic,
    validate_rows,
)
from app.model.expressions import kn_update_command
from app.model.gradual import annotation_changes, kn_annotation_flag, rollout_duration_of
from app.model.history import (
    HistoryEntry,
    OutsideChange,
    flagger_primary,
    outside_change,
    previous_split,
    trusted,
)
from app.model.objects import KubeObject
from app.model.previewing import Preview, preview
from app.model.timestamps import parse_time
from app.model.traffic import TRAFFIC_PATH, FieldError, TrafficTarget
from app.model.views import colour_index
from app.model.views.ages import human_duration

NO_COLOUR = 8
"""The colour of a row that routes nowhere yet (no revision chosen)."""


@dataclass(frozen=True)
class Loaded:
    """One Knative Service and what the editor needs beside it, as read from the cache."""

    namespace: str
    service: KubeObject
    choices: tuple[RevisionChoice, ...]
    """Every revision of the namespace (another Service's revision is refused by name)."""
    route: KubeObject | None
    virtualservices: tuple[KubeObject, ...]
    history: tuple[HistoryEntry, ...]
    placeholders: tuple[KubeObject, ...] = ()
    """The Kubernetes Services labelled with the Route: a visibility label on one keeps that tag
    cluster-local, which the preview must know."""
    now: datetime | None = None
    """When it was loaded (the history's "3m ago" counts from here); None: times are shown as stored."""

    @property
    def name(self) -> str:
        return name_of(self.service)

    @property
    def resource_version(self) -> str:
        return str(meta(self.service).get("resourceVersion") or "")

    @property
    def generation(self) -> int:
        return generation_of(self.service)

    @property
    def uid(self) -> str:
        return uid_of(self.service)

    @property
    def traffic(self) -> list[TrafficTarget]:
        return service_traffic(self.service)

    @property
    def own_choices(self) -> list[RevisionChoice]:
        return [c for c in self.choices if c.service == self.name]

    @property
    def rollout_duration(self) -> str:
        """The Service's `serving.knative.dev/rollout-duration` as Knative reads it ("" for none)."""
        return rollout_duration_of(meta(self.service).get("annotations") or {})[1]

    def predict(
        self,
        after: Sequence[TrafficTarget],
        resource_version: str,
        annotations: Mapping[str, str | None] | None = None,
    ) -> Preview:
        """What the split `after` would make of this Service's Route and VirtualServices (sends nothing)."""
        return preview(
            namespace=self.namespace,
            service=self.name,
            resource_version=resource_version,
            before=self.traffic,
            after=after,
            choices=self.choices,
            route=self.route,
            virtualservices=self.virtualservices,
            placeholders=self.placeholders,
            annotations=annotations,
        )


def generation_of(service: KubeObject) -> int:
    value = meta(service).get("generation")
    return value if isinstance(value, int) else 0


def uid_of(service: KubeObject) -> str:
    return str(meta(service).get("uid") or "")


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

    after_apply: bool = False
    """Shown right after an apply: the page catches up with the cluster's reaction at once."""
    kn_command: str | None = None
    """The `kn service update` that would make the same change (None while the draft is invalid)."""
    now: datetime | None = None
    rollout: str = ""
    """The rollout duration field's value (as typed, or the Service's)."""
    rollout_base: str = ""
    """The Service's rollout duration when the editor loaded it ("" for none)."""
    rollout_errors: tuple[str, ...] = ()
    """Knative's webhook messages about the typed duration."""

    @property
    def read_only(self) -> bool:
        return self.refusal is not None

    def ago(self, timestamp: str) -> str:
        """A history time relative to when the page was built: "45s ago", "3h12m ago"."""
        when = parse_time(timestamp)
        if when is None or self.now is None:
            return ""
        return f"{human_duration((self.now - when).total_seconds())} ago"

    @staticmethod
    def absolute(timestamp: str) -> str:
        """A history time as a person reads it: "2026-12-07 17:20:03 UTC"."""
        when = parse_time(timestamp)
        return when.strftime("%Y-%m-%d %H:%M:%S UTC") if when is not None else timestamp

    @property
    def can_apply(self) -> bool:
        return self.validation.ok and self.pending and not self.read_only


def fresh_form(loaded: Loaded, *, live: bool = False) -> EditorForm:
    """The form for the Service as loaded: its split, its version, no edits (`live`: the user's live
    mode carries over, as it must after a live apply)."""
    traffic = loaded.traffic
    return EditorForm(
        live=live,
        resource_version=loaded.resource_version,
        rows=rows_from_traffic(traffic),
        generation=loaded.generation,
        uid=loaded.uid,
        base=tuple(traffic),
        rollout=loaded.rollout_duration,
        rollout_base=loaded.rollout_duration,
    )


def build_view(
    loaded: Loaded,
    form: EditorForm,
    *,
    refusal: str | None,
    notice: Notice | None = None,
    conflict: ConflictView | None = None,
    stale: StaleView | None = None,
    problems: Mapping[int, str] | None = None,
) -> EditorView:
    """What the editor shows. A user who may not write (`refusal`) sees the Service's split as
    loaded, whatever the form says: the read-only editor has no inputs, so a posted split is never
    theirs to see. `problems` are row errors beyond Knative's (a typed percent the other rows cannot
    make room for): they are shown beside the row and refuse the apply like any error."""
    if refusal is not None:
        form = fresh_form(loaded)
        problems = None
    own = tuple(loaded.own_choices)
    latest = latest_ready(own, loaded.name)
    validation = validate_rows(form.rows, loaded.name, loaded.choices)
    if problems:
        extra = tuple(FieldError(text, (f"{TRAFFIC_PATH}[{i}].percent",)) for i, text in problems.items())
        validation = Validation(extra + validation.errors, validation.warnings)
    rollout = form.rollout_change
    rollout_errors = tuple(rollout.errors) if rollout is not None else ()
    if rollout_errors:
        validation = Validation(validation.errors + rollout_errors, validation.warnings)
    targets, parse_errors = rows_to_targets(form.rows)
    annotations = annotation_changes(rollout) if rollout is not None else None
    predicted = loaded.predict(targets, form.resource_version, annotations)
    kn = kn_update_command(loaded.name, loaded.namespace, form.base, targets)
    if rollout is not None:
        kn += f" {kn_annotation_flag(rollout)}"
    return EditorView(
        namespace=loaded.namespace,
        name=loaded.name,
        resource_version=form.resource_version,
        generation=form.generation,
        uid=form.uid,
        base=base_text(form.base),
        rows=row_views(loaded, form, latest, validation, predicted),
        choices=own,
        latest_ready=latest,
        validation=validation,
        total=None if parse_errors else sum(row.weight or 0 for row in form.rows),
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
        kn_command=kn if validation.ok and not parse_errors else None,
        now=loaded.now,
        rollout=form.rollout if form.rollout is not None else form.rollout_base,
        rollout_base=form.rollout_base,
        rollout_errors=tuple(e.message for e in rollout_errors),
    )


def row_views(
    loaded: Loaded, form: EditorForm, latest: str | None, validation: Validation, predicted: Preview
) -> tuple[RowView, ...]:
    """The form's rows as rendered, with the tag URLs the Route would give them (when it would not
    refuse the split)."""
    generations = {c.name: c.generation for c in loaded.choices}
    predictable = validation.ok and predicted.problem is None
    anchors: Sequence[int | None] = (
        form.anchor if len(form.anchor) == len(form.rows) else (None,) * len(form.rows)
    )
    views = []
    for index, (row, anchor) in enumerate(zip(form.rows, anchors, strict=True)):
        resolved = latest if row.floating else row.target or None
        entry = predicted.route_after[index] if predictable and index < len(predicted.route_after) else {}
        views.append(
            RowView(
                index=index,
                row=row,
                slider=min(max(row.weight or 0, 0), 100),
                resolved=resolved,
                url=str(entry["url"]) if entry.get("url") else None,
                colour=colour_index(resolved, generations.get(resolved)) if resolved else NO_COLOUR,
                errors=tuple(validation.for_row(index)),
                warnings=tuple(validation.warnings_for_row(index)),
                anchor=anchor,
            )
        )
    return tuple(views)


def changed_by(loaded: Loaded) -> str:
    """Who set the Service's current split: the tool outside Splitboard, or the last Splitboard user."""
    outside = outside_change(loaded.service, loaded.history)
    if outside is not None:
        return outside.who
    own = trusted(loaded.history)
    if own:
        return own[0].user or "someone using Splitboard"
    return "someone"
