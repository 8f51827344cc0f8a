"""The traffic history of a Service, kept where the cluster keeps it: Kubernetes Events.

Every change Splitboard applies is recorded as an Event on the Service (reason `TrafficChanged`) whose
message reads `Traffic changed by <user>: <old split> -> <new split>` in `describe_split`'s words, which
read back exactly, so any entry can be restored later and `kubectl describe` shows the same text.
Changes made by others (kubectl, GitOps, Flagger) have no such Event: they are recognised because the
Service's split differs from the last one Splitboard recorded.

Anyone allowed to create Events can write one that looks like Splitboard's, naming any user. So an entry
is trusted only when it was written under Splitboard's own name (its source, reporting component and
field manager) and carries a signature the dashboard verifies: an HMAC over the change (the Service's
namespace, name and UID, the old and new split, the user and the time) with the dashboard's history
key. Every other entry is listed as an outside change and never offered to undo or roll back to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.model.bodies import Obj, meta, name_of
from app.model.editing import service_traffic
from app.model.expressions import LATEST_REF
from app.model.patches import describe_split, splits_equal
from app.model.traffic import TrafficTarget

REASON = "TrafficChanged"
COMPONENT = "splitboard"
"""Splitboard's field manager and Event source: `spec.traffic` last written by another manager was
changed outside Splitboard."""
USER_ANNOTATION = "splitboard.dev/user"
"""Where `app.kube.writing.record_event` puts the acting user."""
SIGNATURE_ANNOTATION = "splitboard.dev/signature"
"""The HMAC (hex SHA-256) over the change, made with the dashboard's history key."""
FLAGGER_ANNOTATION = "flagger.app/primary-revision"


ROLLOUT_LINE = "Rollout duration: "
"""The second line of a change that also set or cleared `serving.knative.dev/rollout-duration`."""


def change_message(
    old: Sequence[TrafficTarget],
    new: Sequence[TrafficTarget],
    user: str | None,
    rollout: tuple[str, str] | None = None,
) -> str:
    """The Event's message: `Traffic changed by alice: <old split> -> <new split>`, and when the change
    also moved the rollout duration (`rollout`: before and after, "" for none) a second line
    `Rollout duration: none -> 4s`."""
    who = f" by {user}" if user else ""
    text = f"Traffic changed{who}: {describe_split(old)} -> {describe_split(new)}"
    if rollout is not None:
        text += f"\n{ROLLOUT_LINE}{rollout[0] or 'none'} -> {rollout[1] or 'none'}"
    return text


def parse_rollout(message: str) -> tuple[str, str] | None:
    """The rollout duration change of a `change_message` (before, after; "" for none), if it has one."""
    lines = message.split("\n")
    if len(lines) != 2 or not lines[1].startswith(ROLLOUT_LINE) or lines[1].count(" -> ") != 1:
        return None
    before, after = lines[1][len(ROLLOUT_LINE) :].split(" -> ")
    return ("" if before == "none" else before), ("" if after == "none" else after)


def _parse_target(text: str) -> TrafficTarget | None:
    """One `describe_target` item back: `[tag ]<revision|@latest> <n>%`."""
    words = text.split(" ")
    if len(words) not in (2, 3) or not words[-1].endswith("%") or not words[-1][:-1].isdigit():
        return None
    tag, label = (words[0], words[1]) if len(words) == 3 else (None, words[0])
    percent = int(words[-1][:-1])
    if label == LATEST_REF:
        return TrafficTarget(tag=tag, latest_revision=True, percent=percent)
    return TrafficTarget(tag=tag, revision_name=label, latest_revision=False, percent=percent)


def parse_split(text: str) -> tuple[TrafficTarget, ...] | None:
    """The inverse of `describe_split` (names and tags hold no spaces or commas); None if not one."""
    if text == describe_split([]):
        return ()
    targets = [_parse_target(item) for item in text.split(", ")]
    return None if any(t is None for t in targets) else tuple(t for t in targets if t is not None)


def parse_change(
    message: str, user: str | None
) -> tuple[tuple[TrafficTarget, ...], tuple[TrafficTarget, ...]] | None:
    """The (old, new) splits of a `change_message`, None when the message is not one."""
    prefix = f"Traffic changed by {user}: " if user else "Traffic changed: "
    message, _, rest = message.partition("\n")
    if rest and parse_rollout(f"{message}\n{rest}") is None:
        return None
    if not message.startswith(prefix) or message.count(" -> ") != 1:
        return None
    old_text, new_text = message[len(prefix) :].split(" -> ")
    old, new = parse_split(old_text), parse_split(new_text)
    return None if old is None or new is None else (old, new)


@dataclass(frozen=True)
class SignedChange:
    """What a history signature covers: which Service (by UID too), the change, who and when."""

    namespace: str
    name: str
    uid: str
    old: tuple[TrafficTarget, ...]
    new: tuple[TrafficTarget, ...]
    user: str | None
    time: str
    rollout: tuple[str, str] | None = None
    """The rollout duration before and after, when the change moved it (signed too)."""

    def signature(self, key: bytes) -> str:
        """The HMAC-SHA256 (hex) of the change with `key`."""
        fields = [self.namespace, self.name, self.uid, describe_split(self.old), describe_split(self.new)]
        extra = [*self.rollout] if self.rollout is not None else []
        text = json.dumps([*fields, self.user or "", self.time, *extra], separators=(",", ":"))
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    def verifies(self, key: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.signature(key), signature)


@dataclass(frozen=True)
class HistoryEntry:
    """One TrafficChanged Event read back: a change Splitboard applied, or one made to look so."""

    event: str
    time: str
    user: str | None
    old: tuple[TrafficTarget, ...]
    new: tuple[TrafficTarget, ...]
    message: str
    distrust: str | None = None
    """None for Splitboard's own signed entry, else why it counts as an outside change."""
    writer: str | None = None
    """Who wrote the Event, as far as it tells (its reporting component, source or field manager)."""
    rollout: tuple[str, str] | None = None
    """The rollout duration before and after ("" for none), when the change moved it."""

    @property
    def trusted(self) -> bool:
        return self.distrust is None

    @property
    def old_text(self) -> str:
        return describe_split(self.old)

    @property
    def new_text(self) -> str:
        return describe_split(self.new)


def _time(event: Obj) -> str:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        if event.get(key):
            return str(event[key])
    return str(meta(event).get("creationTimestamp") or "")


def _sort_key(event: Obj) -> tuple[str, int]:
    version = str(meta(event).get("resourceVersion") or "")
    return _time(event), int(version) if version.isdigit() else 0


def _managers(event: Obj) -> set[str]:
    entries = meta(event).get("managedFields") or []
    return {str(e.get("manager") or "") for e in entries if isinstance(e, Mapping)}


def event_writer(event: Obj) -> str | None:
    """Who wrote the Event, as far as it tells: a field manager other than Splitboard (the API server
    records it, from the writer's fieldManager or user agent), else its reporting component or source."""
    others = sorted(_managers(event) - {COMPONENT, ""})
    if others:
        return others[0]
    source = event.get("source") or {}
    component = source.get("component") if isinstance(source, Mapping) else ""
    named = event.get("reportingComponent") or component
    return str(named) if named else None


def _claims_splitboard(event: Obj) -> bool:
    source = event.get("source") or {}
    return (
        isinstance(source, Mapping)
        and source.get("component") == COMPONENT
        and event.get("reportingComponent") == COMPONENT
        and str(event.get("reportingInstance") or "").startswith(COMPONENT)
    )


def why_untrusted(event: Obj, change: SignedChange, uid: str | None, key: bytes) -> str | None:
    """Why this history Event is not Splitboard's own record of `change` (None when it is): written under
    another name, unsigned, signed with another key or over other content, or about an earlier
    Service of the same name (`uid`: the Service's now; None when unknown)."""
    writer = event_writer(event)
    if not _claims_splitboard(event) or not _managers(event) <= {COMPONENT}:
        return f"written by {writer}, not by Splitboard" if writer else "not written by Splitboard"
    signature = str((meta(event).get("annotations") or {}).get(SIGNATURE_ANNOTATION) or "")
    if not signature:
        return "not signed by Splitboard"
    if not change.verifies(key, signature):
        return "its signature does not match (another Splitboard's key, or altered)"
    if uid is not None and change.uid != uid:
        return f"recorded for an earlier Service named {change.name}"
    return None


def _entry(event: Obj, namespace: str, service: str, uid: str | None, key: bytes) -> HistoryEntry | None:
    user = (meta(event).get("annotations") or {}).get(USER_ANNOTATION) or None
    message = str(event.get("message") or "")
    change = parse_change(message, user)
    if change is None:
        return None
    involved = event.get("involvedObject") or {}
    rollout = parse_rollout(message)
    signed = SignedChange(
        namespace, service, str(involved.get("uid") or ""), change[0], change[1], user, _time(event), rollout
    )
    return HistoryEntry(
        event=name_of(event),
        time=signed.time,
        user=user,
        old=change[0],
        new=change[1],
        message=message,
        distrust=why_untrusted(event, signed, uid, key),
        writer=event_writer(event),
        rollout=rollout,
    )


def history(
    events: Sequence[Obj], service: str, *, key: bytes, namespace: str = "", uid: str | None = None
) -> list[HistoryEntry]:
    """The TrafficChanged entries about Knative Service `service` (in `namespace`, with `uid` now),
    newest first, each trusted or not (see `why_untrusted`, with the history `key`). Events whose message
    is not a change as Splitboard words it (other tools', or damaged) are skipped."""
    entries: list[HistoryEntry] = []
    for event in sorted(events, key=_sort_key, reverse=True):
        involved = event.get("involvedObject") or {}
        if event.get("reason") != REASON or involved.get("name") != service:
            continue
        api_version = str(involved.get("apiVersion", ""))
        if involved.get("kind") != "Service" or not api_version.startswith("serving.knative.dev/"):
            continue
        where = namespace or str(involved.get("namespace") or meta(event).get("namespace") or "")
        entry = _entry(event, where, service, uid, key)
        if entry is not None:
            entries.append(entry)
    return entries


def trusted(entries: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """Splitboard's own signed entries: the only ones undo, roll back and change detection go by."""
    return [e for e in entries if e.trusted]


def find_entry(entries: Sequence[HistoryEntry], event: str) -> HistoryEntry | None:
    return next((e for e in entries if e.event == event), None)


def previous_split(
    current: Sequence[TrafficTarget], entries: Sequence[HistoryEntry]
) -> tuple[TrafficTarget, ...]:
    """What "roll back" restores: the split before Splitboard's last change, or that change itself
    when someone else has changed the split since. Empty without trusted history (an outside entry
    is never restored, whatever it claims)."""
    own = trusted(entries)
    if not own:
        return ()
    last = own[0]
    return last.old if splits_equal(current, last.new) else last.new


@dataclass(frozen=True)
class OutsideChange:
    """The Service's split was set outside Splitboard; `who` as well as the cluster tells."""

    who: str
    detail: str
    time: str = ""
    """When, as far as the cluster tells (the managedFields entry that last wrote spec.traffic)."""
    split: str = ""
    """The split it set (the Service's now)."""
    before: str = ""
    """The split it replaced, when known (the last one Splitboard applied)."""
    writer: str = ""
    """Who, as the history line reads: `kubectl (field manager kubectl-patch)`; else `who`."""


def traffic_write(service: Obj) -> tuple[str, str] | None:
    """The field manager that last wrote `spec.traffic` and when (server-side managedFields), if
    recorded."""
    latest: tuple[str, str] | None = None
    for entry in meta(service).get("managedFields") or []:
        if not isinstance(entry, Mapping):
            continue
        spec = (entry.get("fieldsV1") or {}).get("f:spec") or {}
        if isinstance(spec, Mapping) and "f:traffic" in spec:
            when = str(entry.get("time") or "")
            if latest is None or when >= latest[0]:
                latest = (when, str(entry.get("manager") or ""))
    return (latest[1], latest[0]) if latest and latest[1] else None


def traffic_manager(service: Obj) -> str | None:
    """The field manager that last wrote `spec.traffic` (server-side managedFields), if recorded."""
    found = traffic_write(service)
    return found[0] if found else None


def describe_manager(manager: str) -> str:
    """A field manager as a person reads it in the history: kubectl's managers
    (`kubectl-client-side-apply`, `kubectl-edit`, `kubectl-patch`, ...) say which kubectl command wrote."""
    if manager == "kubectl" or manager.startswith("kubectl-"):
        return f"kubectl (field manager {manager})"
    return f"field manager {manager}"


def flagger_primary(service: Obj) -> str | None:
    """Flagger's primary revision when Flagger manages this Service's traffic."""
    value = (meta(service).get("annotations") or {}).get(FLAGGER_ANNOTATION)
    return str(value) if value else None


def outside_change(service: Obj, entries: Sequence[HistoryEntry]) -> OutsideChange | None:
    """Whether the Service's current split is not the last one Splitboard applied, and by whom.

    Without any recorded entry nothing can be told apart, unless Flagger or a field manager says so.
    Only Splitboard's own signed entries count as what it applied."""
    entries = trusted(entries)
    current = service_traffic(service)
    if entries and splits_equal(current, entries[0].new):
        return None
    now = describe_split(current)
    before = entries[0].new_text if entries else ""
    primary = flagger_primary(service)
    write = traffic_write(service)
    manager, when = write if write else (None, "")
    if primary:
        return OutsideChange("Flagger", f"{FLAGGER_ANNOTATION}: {primary}", when, now, before)
    if manager and manager != COMPONENT:
        detail = f"field manager of spec.traffic: {manager}"
        return OutsideChange(manager, detail, when, now, before, describe_manager(manager))
    if entries:
        return OutsideChange("someone outside Splitboard", f"now: {now}", when, now, before)
    return None
