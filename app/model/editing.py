"""The traffic editor's state, as pure data: form rows <-> traffic targets, validation per row, presets.

A row is what the editor shows for one traffic target: a revision (or the floating "latest revision"),
a tag, a percent as typed, and a lock. The web layer only parses a posted form into rows, calls the
functions here, and renders the result; every weight and every message comes from this module and the
ones it calls (`traffic` for Knative's webhook, `routing` for the Route reconciler, `rebalancing`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.model.bodies import labels_of, meta, name_of
from app.model.expressions import (
    LATEST_REF,
    apply_traffic_expression,
    parse_kn_flags,
    unknown_tag_revisions,
)
from app.model.gradual import DurationChange
from app.model.labels import SERVICE_LABEL
from app.model.patches import splits_equal
from app.model.rebalancing import distribute_evenly, limits, partners, rebalance
from app.model.routing import RevisionState, resolve_traffic
from app.model.traffic import (
    TRAFFIC_PATH,
    FieldError,
    TrafficTarget,
    default_traffic,
    go_quote,
    merge_errors,
    parse_traffic,
    validate_traffic,
)
from app.model.views import readiness, revision_generation

LATEST = LATEST_REF
"""The form's value for a floating target (kn's notation); a revision can never be named so."""
MAX_ROWS = 50
"""More targets than any editor needs; a form with more is refused, not truncated. The JSON API refuses
more as well (one limit for every way of sending a split)."""


_WHOLE = re.compile(r"[+-]?\d{1,9}")
_ROW_FIELD = re.compile(r"t(\d{1,3})\.(target|tag|percent|slider|prev|anchor|locked)")
_ERROR_PATH = re.compile(r"spec\.traffic(?:\[(\d+)\](?:\.(\w+))?|\.tag\[(\d+)\])")


# --- Rows -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One traffic target as the editor holds it; `percent` is the text as typed."""

    target: str = LATEST
    tag: str = ""
    percent: str = "0"
    locked: bool = False

    @property
    def floating(self) -> bool:
        return self.target == LATEST

    @property
    def weight(self) -> int | None:
        """The percent as a whole number, None when the text is not one."""
        text = self.percent.strip()
        return int(text) if _WHOLE.fullmatch(text) else None

    def with_weight(self, weight: int) -> Row:
        return replace(self, percent=str(weight))


def rows_from_traffic(traffic: Sequence[TrafficTarget]) -> tuple[Row, ...]:
    """Rows for a (stored, hence defaulted) traffic block. A floating target stays floating."""
    return tuple(
        Row(
            target=LATEST if target.floating else target.revision_name or "",
            tag=target.tag or "",
            percent=str(target.percent or 0),
        )
        for target in default_traffic(traffic)
    )


def service_traffic(service: Mapping[str, Any]) -> list[TrafficTarget]:
    """A Service's `spec.traffic` as Knative stores it (defaulted); unparseable entries become unset."""
    spec = service.get("spec")
    targets, _ = parse_traffic(spec.get("traffic") if isinstance(spec, Mapping) else None)
    return default_traffic(targets)


def _percent_error(index: int, text: str) -> FieldError:
    shown = go_quote(text.strip()) if text.strip() else "an empty field"
    return FieldError(f"{shown} is not a whole number of percent", (f"{TRAFFIC_PATH}[{index}].percent",))


def rows_to_targets(rows: Sequence[Row]) -> tuple[list[TrafficTarget], list[FieldError]]:
    """The traffic block the rows describe, and the percents that are not whole numbers.

    A pinned row always sends `latestRevision: false` and a floating one `latestRevision: true` without
    a revision: exactly what Knative's defaulting stores, so unchanged rows compare equal."""
    targets: list[TrafficTarget] = []
    errors: list[FieldError] = []
    for index, row in enumerate(rows):
        weight = row.weight
        if weight is None:
            errors.append(_percent_error(index, row.percent))
        targets.append(
            TrafficTarget(
                tag=row.tag.strip() or None,
                revision_name=None if row.floating else row.target.strip() or None,
                latest_revision=row.floating,
                percent=weight if weight is not None else 0,
            )
        )
    return targets, errors


# --- The posted form --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditorForm:
    """What one post of the editor carries."""

    resource_version: str
    rows: tuple[Row, ...]
    generation: int = 0
    """The Service's metadata.generation when the editor loaded it."""
    uid: str = ""
    """The Service's metadata.uid when the editor loaded it (a Service deleted and created again under
    the same name has another, though its generation may be the same)."""
    base: tuple[TrafficTarget, ...] = ()
    """The split the editor loaded (what "pending edits" are measured against; never sent)."""
    expression: str = ""
    live: bool = False
    moved: int | None = None
    """The row whose slider or number field triggered this post (live rebalancing), if any."""
    previous: tuple[int | None, ...] = ()
    """Each row's percent as last rendered (before this post's change)."""
    anchor: tuple[int, ...] = ()
    """The split when the current drag began (empty: no drag in progress)."""
    drag: int | None = None
    """The row being dragged since `anchor` was taken."""
    rollout: str | None = None
    """The rollout duration field as typed (None: the post has no such field, so it is left alone)."""
    rollout_base: str = ""
    """The Service's rollout duration when the editor loaded it ("" for none)."""

    @property
    def rollout_change(self) -> DurationChange | None:
        """The rollout duration to send: None unless the field differs from what was loaded."""
        if self.rollout is None or self.rollout.strip() == self.rollout_base:
            return None
        return DurationChange(self.rollout.strip())


class FormError(ValueError):
    """A post that is not an editor form at all (missing resourceVersion, too many rows)."""


def _chosen_percent(fields: Mapping[str, str], index: int, trigger: str | None) -> str:
    """Which of a row's two inputs holds the user's value.

    The field that triggered the post wins. Otherwise (a plain form post without JavaScript) the number
    field wins unless it still shows the value last rendered (`prev`) while the slider moved."""
    number = fields.get(f"t{index}.percent", "")
    slider = fields.get(f"t{index}.slider")
    if trigger == f"t{index}.slider" and slider is not None:
        return slider
    if trigger == f"t{index}.percent" or slider is None:
        return number
    prev = fields.get(f"t{index}.prev")
    return slider if number.strip() == (prev or "").strip() and slider != prev else number


def _whole(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def base_text(targets: Sequence[TrafficTarget]) -> str:
    """The loaded split as the form carries it (compact JSON)."""
    return json.dumps([t.to_dict() for t in targets], separators=(",", ":"))


def _base(text: str) -> tuple[TrafficTarget, ...]:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return ()
    targets, errors = parse_traffic(value)
    return () if errors else tuple(default_traffic(targets))


def has_pending_edits(form: EditorForm) -> bool:
    """Whether the rows differ from the split the editor loaded."""
    targets, errors = rows_to_targets(form.rows)
    return bool(errors) or not splits_equal(targets, form.base) or form.rollout_change is not None


def parse_form(fields: Mapping[str, str], trigger: str | None = None) -> EditorForm:
    """An `EditorForm` from posted fields (`rv`, `t<i>.target|tag|percent|slider|prev|anchor|locked`,
    `gen`, `uid`, `base`, `drag`, `expression`, `live`, `rollout`, `rollout_base`); `trigger` is the
    name of the input that caused the post (htmx sends it). Malformed hidden fields are ignored (no
    anchor, no drag), never trusted."""
    resource_version = fields.get("rv", "").strip()
    if not resource_version:
        raise FormError("the form does not say which version of the Service it edits (rv is missing)")
    indexes = sorted({int(m.group(1)) for key in fields if (m := _ROW_FIELD.fullmatch(key))})
    if len(indexes) > MAX_ROWS:
        raise FormError(f"a Service's editor has at most {MAX_ROWS} targets, this form has {len(indexes)}")
    rows = tuple(
        Row(
            target=fields.get(f"t{i}.target", LATEST).strip() or "",
            tag=fields.get(f"t{i}.tag", ""),
            percent=_chosen_percent(fields, i, trigger),
            locked=f"t{i}.locked" in fields,
        )
        for i in indexes
    )
    moved = None
    if trigger and (m := _ROW_FIELD.fullmatch(trigger)) and m.group(2) in {"slider", "percent"}:
        moved = indexes.index(int(m.group(1))) if int(m.group(1)) in indexes else None
    anchor = [_whole(fields.get(f"t{i}.anchor")) for i in indexes]
    drag = _whole(fields.get("drag"))
    return EditorForm(
        resource_version=resource_version,
        rows=rows,
        generation=_whole(fields.get("gen")) or 0,
        uid=fields.get("uid", "").strip(),
        base=_base(fields.get("base", "")),
        expression=fields.get("expression", ""),
        live="live" in fields,
        moved=moved,
        previous=tuple(_whole(fields.get(f"t{i}.prev")) for i in indexes),
        anchor=tuple(a for a in anchor if a is not None) if None not in anchor else (),
        drag=drag if drag is not None and 0 <= drag < len(rows) else None,
        rollout=fields.get("rollout"),
        rollout_base=fields.get("rollout_base", "").strip(),
    )


# --- Revisions the rows can point at ----------------------------------------------------------------


@dataclass(frozen=True)
class RevisionChoice:
    """A revision in the picker: its Ready status and why, and its configuration generation."""

    name: str
    service: str | None
    ready: str = "Unknown"
    reason: str = ""
    generation: int = 0
    created: str = ""

    @property
    def state(self) -> RevisionState:
        return RevisionState(self.name, self.service, self.ready)


def revision_choices(revisions: Sequence[Mapping[str, Any]]) -> list[RevisionChoice]:
    """Choices for the revisions of a namespace, newest first (configuration generation, then age)."""
    choices: list[RevisionChoice] = []
    for revision in revisions:
        state = readiness(revision)
        choices.append(
            RevisionChoice(
                name=name_of(revision),
                service=labels_of(revision).get(SERVICE_LABEL),
                ready=state.ready if state.ready in {"True", "False"} else "Unknown",
                reason=state.reason,
                generation=revision_generation(revision) or 0,
                created=str(meta(revision).get("creationTimestamp") or ""),
            )
        )
    return sorted(choices, key=lambda c: (c.generation, c.created, c.name), reverse=True)


def latest_ready(choices: Sequence[RevisionChoice], service: str) -> str | None:
    """The newest ready revision of `service`: where a floating target goes."""
    return next((c.name for c in choices if c.service == service and c.ready == "True"), None)


# --- Validation --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    """Knative's verdict on the rows plus the Route reconciler's, placed where the editor shows them."""

    errors: tuple[FieldError, ...]
    warnings: tuple[FieldError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_row(self, index: int) -> list[str]:
        """The error messages about row `index` (Knative's message; the row shows where)."""
        return [e.message for e in self.errors if index in error_rows(e)]

    def warnings_for_row(self, index: int) -> list[str]:
        return [w.message for w in self.warnings if index in error_rows(w)]

    @property
    def general(self) -> list[str]:
        """Errors about the block as a whole (the sum)."""
        return [str(e) for e in self.errors if not error_rows(e)]

    @property
    def text(self) -> str:
        """All errors as Knative would print them, one per line."""
        return "\n".join(str(e) for e in self.errors)


def error_rows(error: FieldError) -> set[int]:
    """The rows an error's paths point at (`spec.traffic[1].tag`, `spec.traffic.tag[1]`)."""
    rows: set[int] = set()
    for path in error.paths:
        if m := _ERROR_PATH.fullmatch(path):
            rows.add(int(m.group(1) or m.group(3)))
    return rows


def validate_targets(
    targets: Sequence[TrafficTarget],
    service: str,
    choices: Sequence[RevisionChoice],
    parse_errors: Sequence[FieldError] = (),
) -> Validation:
    """The webhook's validation (the very function the simulated cluster admits with), then the Route
    reconciler's verdict on each pinned revision: missing, owned by another Service or failed refuse the
    change (the Route would stop serving the new split); not yet ready only warns."""
    errors = list(parse_errors)
    webhook = validate_traffic(default_traffic(targets))
    if parse_errors:  # a sum over unreadable numbers would only confuse
        webhook = [e for e in webhook if e.paths != (TRAFFIC_PATH,)]
    errors += webhook
    warnings: list[FieldError] = []
    states = {c.name: c.state for c in choices}
    for index, target in enumerate(targets):
        if not target.revision_name or target.latest_revision:
            continue
        _, problem = resolve_traffic([target], owner_service=service, revisions=states, configurations={})
        if problem is None:
            continue
        found = FieldError(problem.message, (f"{TRAFFIC_PATH}[{index}].revisionName",))
        (warnings if problem.status == "Unknown" else errors).append(found)
    return Validation(tuple(merge_errors(errors)), tuple(merge_errors(warnings)))


def validate_rows(rows: Sequence[Row], service: str, choices: Sequence[RevisionChoice]) -> Validation:
    """`validate_targets` for the editor's rows (non-numbers reported beside their row)."""
    targets, parse_errors = rows_to_targets(rows)
    return validate_targets(targets, service, choices, parse_errors)


# --- Moving sliders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """The rows after a live move, with the drag's anchor to carry into the next post."""

    rows: tuple[Row, ...]
    anchor: tuple[int, ...]
    drag: int
    clamped: bool
    """The moved row could not take the value asked (locks, or no partner): its slider must snap back."""
    problem: str | None = None
    """Why a typed percent was not taken (shown beside its field; the rows are left as typed)."""


def _limit_problem(wanted: int, low: int, high: int, locked: bool) -> str:
    if locked:
        return "this row is locked: unlock it to change its percent"
    if low == high:
        return (
            f"{wanted}% cannot be set here: no other unlocked row carries traffic to give or take "
            f"(it stays at {low}%; set another row's percent, or use Evenly)"
        )
    return f"{wanted}% cannot be set here: between {low}% and {high}% (locked and 0% rows keep theirs)"


def move(form: EditorForm, *, typed: bool = False) -> Moved | None:
    """Rebalance after the user moved row `form.moved`: the other unlocked rows that carry traffic
    absorb the difference in proportion to the split when the drag began. None when there is nothing
    to rebalance (no moved row, or a percent that is not a whole number in 0..100: validation says which
    beside the field). A `typed` percent the others cannot make room for is not clamped behind the
    user's back: the rows stay as typed and `problem` says why."""
    index = form.moved
    if index is None:
        return None
    weights = [row.weight for row in form.rows]
    wanted = weights[index]
    before = form.previous[index] if len(form.previous) == len(form.rows) else None
    if wanted is None or any(w is None for j, w in enumerate(weights) if j != index):
        return None
    if typed and not 0 <= wanted <= 100:
        return None
    percents = [w or 0 for w in weights]
    percents[index] = before if before is not None else wanted
    same_drag = form.drag == index and len(form.anchor) == len(form.rows)
    anchor = list(form.anchor) if same_drag else percents
    locked = [row.locked for row in form.rows]
    low, high = limits(percents, locked, index, anchor=anchor)
    if typed and not low <= wanted <= high and (wanted != percents[index] or locked[index]):
        problem = _limit_problem(wanted, low, high, locked[index])
        return Moved(tuple(form.rows), tuple(anchor), index, True, problem)
    result = rebalance(percents, locked, index, wanted, anchor=anchor)
    rows = tuple(row.with_weight(w) for row, w in zip(form.rows, result, strict=True))
    return Moved(rows, tuple(anchor), index, result[index] != wanted)


# --- Whole-split actions ----------------------------------------------------------------------------


class ActionError(ValueError):
    """An editor action that cannot be done on these rows; the message says why."""


def _weights(rows: Sequence[Row]) -> list[int]:
    weights = [row.weight for row in rows]
    bad = [i for i, w in enumerate(weights) if w is None]
    if bad:
        raise ActionError(f"row {bad[0] + 1} has {rows[bad[0]].percent!r}, not a whole number of percent")
    return [w or 0 for w in weights]


def _set_weights(rows: Sequence[Row], weights: Sequence[int], *, unlock: bool = False) -> tuple[Row, ...]:
    return tuple(
        replace(row.with_weight(w), locked=False if unlock else row.locked)
        for row, w in zip(rows, weights, strict=True)
    )


def distribute(rows: Sequence[Row]) -> tuple[Row, ...]:
    """Evenly distribute: the unlocked rows that carry traffic share what the others leave (see
    `distribute_evenly`)."""
    return _set_weights(rows, distribute_evenly(_weights(rows), [r.locked for r in rows]))


def _check_index(rows: Sequence[Row], index: int) -> None:
    if not 0 <= index < len(rows):
        raise ActionError(f"there is no row {index + 1}")


def add_row(rows: Sequence[Row], target: str, tag: str = "") -> tuple[Row, ...]:
    """A new 0% row: tagged, it gives the revision its own URL without sending it any traffic."""
    if len(rows) >= MAX_ROWS:
        raise ActionError(f"a Service's editor has at most {MAX_ROWS} targets")
    if not target.strip():
        raise ActionError("choose a revision (or the latest revision) for the new target")
    return (*rows, Row(target=target.strip(), tag=tag.strip(), percent="0"))


def remove_row(rows: Sequence[Row], index: int) -> tuple[Row, ...]:
    """Drop a row; its percent goes to the other unlocked rows in proportion to their shares."""
    _check_index(rows, index)
    if len(rows) == 1:
        raise ActionError("a Service needs at least one traffic target")
    weights = _weights(rows)
    locked = [r.locked for r in rows]
    if weights[index] and not any(not lock for i, lock in enumerate(locked) if i != index):
        raise ActionError("unlock a row to take this target's traffic before removing it")
    unlocked = [*locked[:index], False, *locked[index + 1 :]]
    # Removing a row is asking for its traffic to go somewhere: to the rows that carry traffic, or,
    # when none does, to the 0% ones.
    into_zero = not partners(weights, unlocked, index)
    result = rebalance(weights, unlocked, index, 0, into_zero=into_zero)
    kept = _set_weights(rows, result)
    return kept[:index] + kept[index + 1 :]


def all_to(rows: Sequence[Row], index: int) -> tuple[Row, ...]:
    """100% to one row, 0% to the others; every row (and tag) stays."""
    _check_index(rows, index)
    return _set_weights(rows, [100 if i == index else 0 for i in range(len(rows))], unlock=True)


# --- Presets: stable and candidate ------------------------------------------------------------------


def candidate_revision(choices: Sequence[RevisionChoice], service: str) -> str | None:
    """The candidate: the Service's newest revision (highest configuration generation)."""
    return next((c.name for c in choices if c.service == service), None)


def _resolved(row: Row, latest: str | None) -> str | None:
    return latest if row.floating else row.target


@dataclass(frozen=True)
class Roles:
    """Which rows the presets move: the candidate's and the stable one's."""

    candidate: int
    stable: int | None
    rows: tuple[Row, ...]
    """The rows, with a 0% row for the candidate appended when none pointed at it."""


def roles(rows: Sequence[Row], choices: Sequence[RevisionChoice], service: str) -> Roles:
    """The candidate row points at the newest revision (pinned, else the floating row when the latest
    ready revision is the newest); the stable row is the other row with the most traffic that serves a
    different revision."""
    candidate = candidate_revision(choices, service)
    if candidate is None:
        raise ActionError(f"Service {service!r} has no revisions yet")
    latest = latest_ready(choices, service)
    weights = _weights(rows)
    index = next((i for i, r in enumerate(rows) if not r.floating and r.target == candidate), None)
    if index is None:
        index = next((i for i, r in enumerate(rows) if r.floating and latest == candidate), None)
    all_rows = tuple(rows)
    if index is None:
        all_rows = (*rows, Row(target=candidate, percent="0"))
        weights.append(0)
        index = len(rows)
    others = [i for i, r in enumerate(all_rows) if i != index and _resolved(r, latest) != candidate]
    stable = max(others, key=lambda i: (weights[i], -i)) if others else None
    return Roles(index, stable, all_rows)


def split_preset(
    rows: Sequence[Row], choices: Sequence[RevisionChoice], service: str, candidate_percent: int
) -> tuple[Row, ...]:
    """`candidate_percent` to the candidate, the rest to the stable row, 0% elsewhere (tags kept):
    50 for 50/50, 10 for a 90/10 canary, 100 to promote."""
    found = roles(rows, choices, service)
    if found.stable is None and candidate_percent < 100:
        raise ActionError(f"only one revision serves Service {service!r}: there is nothing to split with")
    weights = [0] * len(found.rows)
    weights[found.candidate] = candidate_percent
    if found.stable is not None:
        weights[found.stable] += 100 - candidate_percent
    return _set_weights(found.rows, weights, unlock=True)


PRESETS = {"half": 50, "canary": 10, "promote": 100}
"""Preset name -> the candidate's percent."""


def rollback_rows(previous: Sequence[TrafficTarget]) -> tuple[Row, ...]:
    """Rows for the previously applied split (from the history)."""
    if not previous:
        raise ActionError("there is no earlier split to roll back to")
    return rows_from_traffic(previous)


def apply_expression(
    rows: Sequence[Row], expression: str, choices: Sequence[RevisionChoice], service: str
) -> tuple[Row, ...]:
    """kn's traffic flags as `kn service update` takes them (`current=50,candidate=50,@latest=0` alone
    means --traffic, with kn's remainder rule; `--tag rev=name`, `--untag name`) applied to the rows; a
    floating row stays floating. Locks do not bind an expression."""
    if not expression.strip():
        raise ActionError("type a split such as current=90,candidate=10 (or --tag rev=name, --untag name)")
    flags, messages = parse_kn_flags(expression)
    if messages:
        raise ActionError("; ".join(messages))
    targets, errors = rows_to_targets(rows)
    if errors:
        raise ActionError(str(errors[0]))
    known = {c.name for c in choices if c.service == service}
    messages = unknown_tag_revisions(flags.tags, known)
    if messages:
        raise ActionError("; ".join(messages))
    result, messages = apply_traffic_expression(
        targets,
        flags.traffic,
        tags=flags.tags,
        untags=flags.untags,
        service_name=service,
        known_revisions=known,
        latest_ready_revision=latest_ready(choices, service),
    )
    if messages:
        raise ActionError("; ".join(messages))
    return rows_from_traffic(result)
