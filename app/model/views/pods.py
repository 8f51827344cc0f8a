"""Pods grouped by revision, with kubectl's STATUS, READY, RESTARTS and AGE."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from app.model.bodies import Obj, as_text, containers, labels_of, maps, meta, name_of, part
from app.model.labels import REVISION_LABEL, SERVICE_LABEL
from app.model.views.ages import age
from app.model.views.colours import PALETTE_SIZE, colour_of
from app.model.views.knative import revision_order


@dataclass(frozen=True)
class PodRow:
    """A pod with kubectl's STATUS, READY, RESTARTS and AGE."""

    name: str
    status: str
    ready: str
    restarts: int
    age: str
    created: str = ""
    """The creationTimestamp the age counts from: the page keeps ages current from it."""


@dataclass(frozen=True)
class PodGroup:
    """The pods of one revision (revision empty: pods of no revision)."""

    revision: str
    service: str
    colour: int
    pods: tuple[PodRow, ...]


def pod_status(pod: Obj) -> str:
    """kubectl's STATUS: Terminating, a waiting/terminated container reason, or the phase."""
    if meta(pod).get("deletionTimestamp"):
        return "Terminating"
    status = part(pod, "status")
    for container in maps(status.get("containerStatuses")):
        state = part(container, "state")
        for key in ("waiting", "terminated"):
            reason = part(state, key).get("reason")
            if reason:
                return as_text(reason)
    return as_text(status.get("reason") or status.get("phase") or "Unknown")


def pod_row(pod: Obj, now: datetime) -> PodRow:
    status = part(pod, "status")
    statuses = maps(status.get("containerStatuses"))
    total = len(statuses) or len(containers(pod))
    return PodRow(
        name=name_of(pod),
        status=pod_status(pod),
        ready=f"{sum(1 for c in statuses if c.get('ready'))}/{total}",
        restarts=sum(int(c.get("restartCount") or 0) for c in statuses),
        age=age(meta(pod).get("creationTimestamp"), now),
        created=as_text(meta(pod).get("creationTimestamp")),
    )


def pod_groups(
    pods: Iterable[Obj], revisions: Iterable[Obj], colours: Mapping[str, int], now: datetime
) -> tuple[PodGroup, ...]:
    """Pods by revision, in the revisions' order; a revision without pods gets an empty group."""
    by_revision: dict[str, list[Obj]] = {}
    for pod in pods:
        by_revision.setdefault(labels_of(pod).get(REVISION_LABEL, ""), []).append(pod)
    groups = []
    for revision in sorted(revisions, key=revision_order):
        name = name_of(revision)
        members = by_revision.pop(name, [])
        groups.append(_group(name, labels_of(revision).get(SERVICE_LABEL, ""), members, colours, now))
    for name in sorted(by_revision):
        members = by_revision[name]
        service = labels_of(members[0]).get(SERVICE_LABEL, "")
        groups.append(_group(name, service, members, colours, now))
    return tuple(groups)


def _group(
    revision: str, service: str, pods: list[Obj], colours: Mapping[str, int], now: datetime
) -> PodGroup:
    rows = tuple(pod_row(p, now) for p in sorted(pods, key=name_of))
    return PodGroup(revision, service, colour_of(colours, revision) if revision else PALETTE_SIZE, rows)
