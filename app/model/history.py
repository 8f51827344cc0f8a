"""The traffic history of a Service, kept where the cluster keeps it: Kubernetes Events.

Every change Splitboard applies is recorded as an Event on the Service (reason `TrafficChanged`) whose
message reads `old -> new` and whose annotations carry both splits as JSON, so any entry can be
restored later. Changes made by others (kubectl, GitOps, Flagger) have no such Event: they are
recognised because the Service's split differs from the last one Splitboard recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.model.editing import service_traffic
from app.model.patches import describe_split, splits_equal
from app.model.traffic import TrafficTarget, parse_traffic
from app.model.views import meta, name_of

REASON = "TrafficChanged"
COMPONENT = "splitboard"
OLD_ANNOTATION = "splitboard.dev/old-traffic"
NEW_ANNOTATION = "splitboard.dev/new-traffic"
USER_ANNOTATION = "splitboard.dev/user"
VERSION_ANNOTATION = "splitboard.dev/resource-version"
FLAGGER_ANNOTATION = "flagger.app/primary-revision"

Obj = Mapping[str, Any]


def change_message(old: Sequence[TrafficTarget], new: Sequence[TrafficTarget], user: str | None) -> str:
    """The Event's message: `Traffic changed by alice: <old split> -> <new split>`."""
    who = f" by {user}" if user else ""
    return f"Traffic changed{who}: {describe_split(old)} -> {describe_split(new)}"


def _json(targets: Sequence[TrafficTarget]) -> str:
    return json.dumps([t.to_dict() for t in targets], separators=(",", ":"))


def change_annotations(
    old: Sequence[TrafficTarget], new: Sequence[TrafficTarget], user: str | None, resource_version: str
) -> dict[str, str]:
    """The Event's annotations: both splits as JSON, the acting user, the Service's version after."""
    annotations = {
        OLD_ANNOTATION: _json(old),
        NEW_ANNOTATION: _json(new),
        VERSION_ANNOTATION: resource_version,
    }
    if user:
        annotations[USER_ANNOTATION] = user
    return annotations


@dataclass(frozen=True)
class HistoryEntry:
    """One change Splitboard applied, read back from its Event."""

    event: str
    time: str
    user: str | None
    old: tuple[TrafficTarget, ...]
    new: tuple[TrafficTarget, ...]
    resource_version: str
    message: str

    @property
    def old_text(self) -> str:
        return describe_split(self.old)

    @property
    def new_text(self) -> str:
        return describe_split(self.new)


def _split(raw: str | None) -> tuple[TrafficTarget, ...] | None:
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    targets, errors = parse_traffic(value)
    return None if errors or not isinstance(value, list) else tuple(targets)


def _time(event: Obj) -> str:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        if event.get(key):
            return str(event[key])
    return str(meta(event).get("creationTimestamp") or "")


def _sort_key(event: Obj) -> tuple[str, int]:
    version = str(meta(event).get("resourceVersion") or "")
    return _time(event), int(version) if version.isdigit() else 0


def history(events: Sequence[Obj], service: str) -> list[HistoryEntry]:
    """The TrafficChanged entries Splitboard recorded on Knative Service `service`, newest first.
    Events that do not carry both splits (other tools', or damaged) are skipped."""
    entries: list[HistoryEntry] = []
    for event in sorted(events, key=_sort_key, reverse=True):
        involved = event.get("involvedObject") or {}
        if event.get("reason") != REASON or involved.get("name") != service:
            continue
        api_version = str(involved.get("apiVersion", ""))
        if involved.get("kind") != "Service" or not api_version.startswith("serving.knative.dev/"):
            continue
        annotations = meta(event).get("annotations") or {}
        old, new = _split(annotations.get(OLD_ANNOTATION)), _split(annotations.get(NEW_ANNOTATION))
        if old is None or new is None:
            continue
        entries.append(
            HistoryEntry(
                event=name_of(event),
                time=_time(event),
                user=annotations.get(USER_ANNOTATION),
                old=old,
                new=new,
                resource_version=str(annotations.get(VERSION_ANNOTATION) or ""),
                message=str(event.get("message") or ""),
            )
        )
    return entries


def find_entry(entries: Sequence[HistoryEntry], event: str) -> HistoryEntry | None:
    return next((e for e in entries if e.event == event), None)


def previous_split(
    current: Sequence[TrafficTarget], entries: Sequence[HistoryEntry]
) -> tuple[TrafficTarget, ...]:
    """What "roll back" restores: the split before Splitboard's last change, or that change itself
    when someone else has changed the split since. Empty without history."""
    if not entries:
        return ()
    last = entries[0]
    return last.old if splits_equal(current, last.new) else last.new


@dataclass(frozen=True)
class OutsideChange:
    """The Service's split was set outside Splitboard; `who` as well as the cluster tells."""

    who: str
    detail: str


def traffic_manager(service: Obj) -> str | None:
    """The field manager that last wrote `spec.traffic` (server-side managedFields), if recorded."""
    latest: tuple[str, str] | None = None
    for entry in meta(service).get("managedFields") or []:
        if not isinstance(entry, Mapping):
            continue
        spec = (entry.get("fieldsV1") or {}).get("f:spec") or {}
        if isinstance(spec, Mapping) and "f:traffic" in spec:
            when = str(entry.get("time") or "")
            if latest is None or when >= latest[0]:
                latest = (when, str(entry.get("manager") or ""))
    return latest[1] if latest and latest[1] else None


def flagger_primary(service: Obj) -> str | None:
    """Flagger's primary revision when Flagger manages this Service's traffic."""
    value = (meta(service).get("annotations") or {}).get(FLAGGER_ANNOTATION)
    return str(value) if value else None


def outside_change(service: Obj, entries: Sequence[HistoryEntry]) -> OutsideChange | None:
    """Whether the Service's current split is not the last one Splitboard applied, and by whom.

    Without any recorded entry nothing can be told apart, unless Flagger or a field manager says so."""
    current = service_traffic(service)
    if entries and splits_equal(current, entries[0].new):
        return None
    primary = flagger_primary(service)
    manager = traffic_manager(service)
    if primary:
        return OutsideChange("Flagger", f"{FLAGGER_ANNOTATION}: {primary}")
    if manager and manager != COMPONENT:
        return OutsideChange(manager, f"field manager of spec.traffic: {manager}")
    if entries:
        return OutsideChange("someone outside Splitboard", f"now: {describe_split(current)}")
    return None
