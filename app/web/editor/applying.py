"""The traffic editor's dealings with the cluster: what it loads, and how a change is sent and recorded.

Blocking (the cache may wait for a first list; writes are HTTP calls): call from a worker thread.
Every write is a conditional merge patch of `spec.traffic` (app.kube.writing); nothing is sent when the
model's validation refuses the split, and a refusal by the cluster changes nothing. A patch whose answer
is lost (timed out, connection dropped) may still have landed: the Service is read back before any
outcome is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from app.kube import errors
from app.kube.errors import ApiError, Unreachable
from app.kube.requesting import request_json
from app.kube.resources import KNATIVE_SERVICES
from app.kube.writing import patch_traffic, record_event
from app.model.bodies import labels_of, meta, name_of
from app.model.editing import Validation, revision_choices, service_traffic, validate_targets
from app.model.editor_view import Loaded, generation_of, uid_of
from app.model.gradual import DurationChange, annotation_changes, rollout_duration_of
from app.model.history import (
    REASON,
    SIGNATURE_ANNOTATION,
    HistoryEntry,
    SignedChange,
    change_message,
    history,
)
from app.model.labels import ROUTE_LABEL
from app.model.objects import KubeObject
from app.model.patches import describe_split, splits_equal
from app.model.rollouts import ROLLOUT_DURATION_ANNOTATION
from app.model.timestamps import rfc3339
from app.model.traffic import TrafficTarget
from app.web.dashboard import Dashboard
from app.web.loading import NoSuchKnativeService, namespace_objects

ACTION = "ChangeTraffic"


def load(dashboard: Dashboard, namespace: str, name: str) -> Loaded:
    """The Service `name` and its revisions, Route, VirtualServices and history (LoadError 404 if none)."""
    objects = namespace_objects(dashboard, namespace)
    service = next((s for s in objects.services if name_of(s) == name), None)
    if not objects.knative or service is None:
        raise NoSuchKnativeService(namespace, name)
    return Loaded(
        namespace=namespace,
        service=service,
        choices=tuple(revision_choices(objects.revisions)),
        route=next((r for r in objects.routes if name_of(r) == name), None),
        virtualservices=objects.virtualservices,
        history=tuple(
            history(objects.events, name, key=dashboard.history_key, namespace=namespace, uid=uid_of(service))
        ),
        placeholders=tuple(s for s in objects.core_services if labels_of(s).get(ROUTE_LABEL) == name),
        now=dashboard.clock(),
    )


def fetch_service(dashboard: Dashboard, namespace: str, name: str) -> KubeObject:
    """The Service as the API server has it now (not the cache): for a conflict, what really changed."""
    return request_json(dashboard.api_client, "GET", KNATIVE_SERVICES.path(namespace, name))


# --- Outcomes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """The cluster took the change (or, for a dry run, would take it)."""

    service: KubeObject
    old: tuple[TrafficTarget, ...]
    new: tuple[TrafficTarget, ...]
    dry_run: bool
    event: KubeObject | None = None
    """The TrafficChanged Event recorded (None for a dry run or when recording failed)."""
    entry: HistoryEntry | None = None
    """That Event as a (signed, trusted) history entry."""
    warning: str | None = None
    """Why the change was applied but not recorded in the history."""
    read_back: bool = False
    """The cluster's answer was lost; reading the Service back showed the change in place."""
    rollout: tuple[str, str] | None = None
    """The rollout duration before and after ("" for none) when the change moved it."""

    @property
    def event_name(self) -> str | None:
        return name_of(self.event) if self.event is not None else None

    def after(self, loaded: Loaded) -> Loaded:
        """What the editor shows next: the patched Service, and the new entry on top of the history
        (the cache may not have seen the Event yet: "Undo" must undo this change, not the one before)."""
        known = {e.event for e in loaded.history}
        fresh = (self.entry,) if self.entry is not None and self.entry.event not in known else ()
        return replace(loaded, service=self.service, history=fresh + loaded.history)


@dataclass(frozen=True)
class Invalid:
    """The model refused the split: nothing was sent."""

    validation: Validation


@dataclass(frozen=True)
class Conflict:
    """The Service changed since the editor loaded it (409): nothing was overwritten."""

    error: ApiError
    theirs: KubeObject | None
    """The Service now (None if it could not be read either)."""


@dataclass(frozen=True)
class Refused:
    """The cluster refused the change (400 from a webhook, 403, 422...): shown verbatim, nothing changed."""

    error: ApiError


@dataclass(frozen=True)
class Unchanged:
    """The split asked for is the one the Service already has: nothing to send."""


@dataclass(frozen=True)
class Unanswered:
    """The patch got no answer (timed out, connection dropped) and reading the Service back shows it did
    not take effect, or could not be read at all (`now` None: whether it landed is unknown)."""

    error: ApiError
    now: KubeObject | None
    sent_version: str

    @property
    def message(self) -> str:
        said = f"The cluster did not answer the change ({self.error.reason}: {self.error.message})."
        if self.now is None:
            return f"{said} Nor could the Service be read back: whether it was applied is unknown. Reload."
        split = describe_split(service_traffic(self.now))
        version = str(meta(self.now).get("resourceVersion") or "")
        if version == self.sent_version:
            return f"{said} Read back, the Service is unchanged (still {split}): not applied so far."
        return f"{said} Read back, the Service has another split ({split}): not applied."


Outcome = Applied | Invalid | Conflict | Refused | Unchanged | Unanswered


def patch_outcome(outcome: Outcome) -> str:
    """The outcome's label in the patch metrics (app.web.observability.PATCH_OUTCOMES): the cluster
    refusing the request (4xx) is `refused`; failing to answer it (5xx, no connection) is `error`."""
    if isinstance(outcome, Applied):
        return "applied"
    if isinstance(outcome, Invalid):
        return "invalid"
    if isinstance(outcome, Conflict):
        return "conflict"
    if isinstance(outcome, Unchanged):
        return "unchanged"
    if isinstance(outcome, Unanswered):
        return "error"
    return "refused" if 400 <= outcome.error.code < 500 else "error"


@dataclass(frozen=True)
class Precondition:
    """What the editor loaded: the Service's resourceVersion, generation and UID then."""

    resource_version: str
    generation: int = field(default=0)
    uid: str = ""
    """Empty when the caller did not say (then only the exact resourceVersion is accepted)."""
    rollout_duration: str | None = None
    """The rollout duration the editor loaded ("" for none; None: not known, so a change of it is
    sent only on the exact resourceVersion). An annotation is metadata, whose change leaves the
    generation as it was: this is what tells the editor's duration is still the Service's."""


def same_spec(service: KubeObject, wanted: Precondition) -> bool:
    """Whether `service` still has the spec the editor loaded: the same resourceVersion, or the same
    object (UID) at the same generation (only the status moved since, as the controllers do after
    every change). A Service deleted and created again starts over at generation 1: the same
    generation then says nothing about the spec, which is why the UID must match too."""
    if wanted.uid and uid_of(service) != wanted.uid:
        return False
    if str(meta(service).get("resourceVersion") or "") == wanted.resource_version:
        return True
    if wanted.rollout_duration is not None and duration_of(service) != wanted.rollout_duration:
        return False
    same_object = bool(wanted.uid)
    return same_object and wanted.generation > 0 and generation_of(service) == wanted.generation


def change_traffic(
    dashboard: Dashboard,
    loaded: Loaded,
    wanted: Precondition,
    targets: Sequence[TrafficTarget],
    *,
    user: str | None,
    dry_run: bool = False,
    rollout: DurationChange | None = None,
) -> Outcome:
    """Validate, then send the merge patch conditional on the version whose spec the editor loaded;
    record a TrafficChanged Event on success. `rollout` (None: leave it) sets or clears the Service's
    rollout duration in the same patch, validated as Knative's webhook would first.

    The cache is tried first; when it lags (or only the status moved meanwhile) the server's current
    object is read once and used if its spec is still the one loaded. Anything else is a Conflict."""
    validation = validate_targets(targets, loaded.name, loaded.choices)
    if rollout is not None and rollout.errors:
        validation = replace(validation, errors=(*validation.errors, *rollout.errors))
    if not validation.ok:
        return Invalid(validation)
    if rollout is not None and wanted.rollout_duration is None:
        wanted = replace(wanted, generation=0)  # whether the duration moved meanwhile is unknown
    service = loaded.service
    for attempt in ("cache", "server"):
        try:
            if attempt == "server":
                service = fetch_service(dashboard, loaded.namespace, loaded.name)
            if not same_spec(service, wanted):
                if attempt == "cache":
                    continue
                stale = _stale_message(loaded.name, service, wanted)
                return Conflict(errors.Conflict(409, "Conflict", stale), service)
            old = tuple(service_traffic(service))
            moved = _moved(service, rollout)
            if splits_equal(old, targets) and moved is None and not dry_run:
                return Unchanged()
            answer = _patch(dashboard, loaded, service, targets, dry_run=dry_run, rollout=moved)
        except _LostAnswer as lost:
            return _read_back(dashboard, loaded.namespace, service, targets, user, lost.error, moved)
        except errors.Conflict as error:
            if attempt == "cache":
                continue
            return _conflict(dashboard, loaded, error)
        except ApiError as error:
            return Refused(error)
        new = tuple(service_traffic(answer))
        change = _rollout_change(service, answer) if moved is not None else None
        if dry_run:
            return Applied(answer, old, new, dry_run=True, rollout=change)
        return record_change(dashboard, loaded.namespace, answer, old, new, user, change)
    raise AssertionError("unreachable: the server attempt always returns")


def duration_of(service: KubeObject) -> str:
    """The Service's rollout duration annotation as Knative reads it ("" for none)."""
    return rollout_duration_of(meta(service).get("annotations") or {})[1]


def _moved(service: KubeObject, rollout: DurationChange | None) -> DurationChange | None:
    """The rollout duration change to send: None when none was asked for or it is already in place
    (under the canonical key: an older spelling is replaced)."""
    if rollout is None:
        return None
    annotations = meta(service).get("annotations") or {}
    key, value = rollout_duration_of(annotations)
    in_place = value == rollout.value and (not value or key == ROLLOUT_DURATION_ANNOTATION)
    return None if in_place else rollout


def _rollout_change(before: KubeObject, after: KubeObject) -> tuple[str, str]:
    return duration_of(before), duration_of(after)


class _LostAnswer(Exception):
    """The patch was sent but its answer lost: it may have landed."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


def _patch(
    dashboard: Dashboard,
    loaded: Loaded,
    service: KubeObject,
    targets: Sequence[TrafficTarget],
    *,
    dry_run: bool,
    rollout: DurationChange | None = None,
) -> KubeObject:
    """The patch conditional on `service`'s resourceVersion; _LostAnswer when a real write's answer is
    lost (no answer in time, connection dropped, or the API server's own 504 Timeout)."""
    version = str(meta(service).get("resourceVersion") or "")
    try:
        return patch_traffic(
            dashboard.api_client,
            loaded.namespace,
            loaded.name,
            list(targets),
            version,
            annotations=annotation_changes(rollout) if rollout is not None else None,
            dry_run=dry_run,
            timeout=dashboard.settings.write_timeout_seconds,
        )
    except ApiError as error:
        if not dry_run and isinstance(error, Unreachable | errors.Timeout):
            raise _LostAnswer(error) from error
        raise


def _conflict(dashboard: Dashboard, loaded: Loaded, error: ApiError) -> Conflict:
    try:
        theirs: KubeObject | None = fetch_service(dashboard, loaded.namespace, loaded.name)
    except ApiError:
        theirs = None
    return Conflict(error, theirs)


def _stale_message(name: str, now: KubeObject, wanted: Precondition) -> str:
    if wanted.uid and uid_of(now) != wanted.uid:
        return (
            f'The Service "{name}" was deleted and created again since you loaded it (UID {wanted.uid}, '
            f"now {uid_of(now)}): your change was meant for the old one. Load it again and review the split."
        )
    stale = (
        f'Operation cannot be fulfilled on services.serving.knative.dev "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    if not wanted.uid and wanted.generation and generation_of(now) == wanted.generation:
        return f"{stale} (give the uid read with resourceVersion to accept a newer status at this generation)"
    return stale


def _read_back(
    dashboard: Dashboard,
    namespace: str,
    before: KubeObject,
    targets: Sequence[TrafficTarget],
    user: str | None,
    error: ApiError,
    rollout: DurationChange | None = None,
) -> Outcome:
    """The outcome of a patch whose answer was lost, from the Service as the cluster has it now: the
    split sent is in place (same object) means applied, and it is recorded like any other change."""
    sent_version = str(meta(before).get("resourceVersion") or "")
    try:
        now = fetch_service(dashboard, namespace, name_of(before))
    except ApiError:
        return Unanswered(error, None, sent_version)
    landed = uid_of(now) == uid_of(before) and splits_equal(service_traffic(now), targets)
    landed = landed and (rollout is None or duration_of(now) == rollout.value)
    if not landed or str(meta(now).get("resourceVersion") or "") == sent_version:
        return Unanswered(error, now, sent_version)
    old = tuple(service_traffic(before))
    change = _rollout_change(before, now) if rollout is not None else None
    applied = record_change(dashboard, namespace, now, old, tuple(service_traffic(now)), user, change)
    return replace(applied, read_back=True)


def record_change(
    dashboard: Dashboard,
    namespace: str,
    service: KubeObject,
    old: tuple[TrafficTarget, ...],
    new: tuple[TrafficTarget, ...],
    user: str | None,
    rollout: tuple[str, str] | None = None,
) -> Applied:
    """Record the applied change as a TrafficChanged Event, signed with the dashboard's history key (the
    editor's changes and a rollout plan's steps alike; a rollout duration it moved too, `rollout`, goes into
    the message and the signature)."""
    now = dashboard.clock()
    change = SignedChange(namespace, name_of(service), uid_of(service), old, new, user, rfc3339(now), rollout)
    try:
        event = record_event(
            dashboard.api_client,
            namespace,
            service,
            REASON,
            change_message(old, new, user, rollout),
            action=ACTION,
            user=user,
            now=now,
            annotations={SIGNATURE_ANNOTATION: change.signature(dashboard.history_key)},
        )
    except ApiError as error:
        warning = f"The change is not in the history: {error}"
        return Applied(service, old, new, False, warning=warning, rollout=rollout)
    key, uid = dashboard.history_key, uid_of(service)
    entries = history([event], name_of(service), key=key, namespace=namespace, uid=uid)
    entry = entries[0] if entries else None
    return Applied(service, old, new, False, event=event, entry=entry, rollout=rollout)


def refusal_status(error: ApiError) -> int:
    """The HTTP status to answer a refusal with: the cluster's own, or 502 when it is not an error's."""
    return error.code if 400 <= error.code < 600 else 502


def status_body(error: ApiError) -> dict[str, Any]:
    """The server's Status as it answered (verbatim), or one built from the error's fields."""
    if error.status is not None:
        return dict(error.status)
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": error.code,
        "reason": error.reason,
        "message": error.message,
    }
