"""A gradual rollout in progress, as the Service's row shows it: which revision is taking over, how
far it got, when the next step and the end are due.

The Route reconciler keeps the rollout's state in its KIngress's `networking.internal.knative.dev/
rollout` annotation (the revisions' shares and the step parameters, Unix nanoseconds: knative/serving
`pkg/reconciler/route/traffic/rollout.go`), and while traffic moves the Route's status.traffic lists,
for a latestRevision target, every revision of the rollout oldest first with its share of the moment
(`pkg/reconciler/route/traffic/traffic.go`, GetRevisionTrafficTargets). The annotation is read
when the KIngress is known; else the status alone shows the shares, without the timing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.model.bodies import Obj, as_text, maps, meta, part
from app.model.rollouts import KINGRESS_ROLLOUT_ANNOTATION, SECOND, ConfigurationRollout, read_rollout


@dataclass(frozen=True)
class RolloutProgress:
    """One target name's rollout (`tag` "" for the Route's split) while traffic moves."""

    tag: str
    candidate: str
    """The revision taking over (the configuration's latest ready one)."""
    percent: int
    """The candidate's share of the target now."""
    goal: int
    """The target's percent, which the candidate has once the rollout ends."""
    previous: tuple[tuple[str, int], ...]
    """The older revisions still serving, oldest first, with their shares."""
    next_step_in: int | None = None
    """Whole seconds until the next step (0: due now); None when unknown (no KIngress, or the first 1%
    is not yet ready so the step size is not known)."""
    ends_at: datetime | None = None
    """When the last step is due, if known."""
    step_size: int = 0

    @property
    def done_percent(self) -> int:
        """How far along, in percent of the way (for the progress bar)."""
        return 100 if self.goal <= 0 else min(100, self.percent * 100 // self.goal)


def _nanos(moment: datetime) -> int:
    return int(moment.timestamp()) * SECOND + moment.microsecond * 1000


def _from_annotation(configuration: ConfigurationRollout, now: datetime) -> RolloutProgress:
    *older, newest = configuration.revisions
    params = configuration.step_params
    next_in: int | None = None
    ends: datetime | None = None
    if params.step_size > 0 and params.next_step_time > 0:
        next_in = max(0, math.ceil((params.next_step_time - _nanos(now)) / SECOND))
        steps = math.ceil((configuration.percent - newest.percent) / params.step_size)
        last = params.next_step_time + max(0, steps - 1) * params.step_duration
        ends = datetime.fromtimestamp(last / SECOND, UTC)
    return RolloutProgress(
        tag=configuration.tag,
        candidate=newest.revision_name,
        percent=newest.percent,
        goal=configuration.percent,
        previous=tuple((r.revision_name, r.percent) for r in older),
        next_step_in=next_in,
        ends_at=ends,
        step_size=params.step_size,
    )


def _from_status(route: Obj) -> list[RolloutProgress]:
    """Rollouts seen in status.traffic: a tag whose latestRevision entries name several revisions."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for entry in maps(part(route, "status").get("traffic")):
        if entry.get("latestRevision") is True and as_text(entry.get("revisionName")):
            groups.setdefault(as_text(entry.get("tag")), []).append(entry)
    found = []
    for tag, entries in groups.items():
        if len({as_text(e.get("revisionName")) for e in entries}) < 2:
            continue
        *older, newest = entries
        found.append(
            RolloutProgress(
                tag=tag,
                candidate=as_text(newest.get("revisionName")),
                percent=int(newest.get("percent") or 0),
                goal=sum(int(e.get("percent") or 0) for e in entries),
                previous=tuple((as_text(e.get("revisionName")), int(e.get("percent") or 0)) for e in older),
            )
        )
    return found


def rollout_progress(route: Obj | None, kingress: Obj | None, now: datetime) -> tuple[RolloutProgress, ...]:
    """The rollouts moving traffic on a Route now, the Route's own split first, then by tag (a tag's
    left out when it moves just as the Route's split does).

    The KIngress's annotation is used when it shows a rollout in progress; else the Route's status
    (when the KIngress is not cached, or its annotation was lost or edited by hand)."""
    rollouts: list[RolloutProgress] = []
    if kingress is not None:
        state = read_rollout(
            as_text((meta(kingress).get("annotations") or {}).get(KINGRESS_ROLLOUT_ANNOTATION))
        )
        if state is not None:
            rollouts = [_from_annotation(c, now) for c in state.configurations if not c.done]
    if not rollouts and route is not None:
        rollouts = _from_status(route)
    # A tag on the only target rolls out exactly as the Route's split does: one line says it.
    own = {(r.candidate, r.percent, r.goal, r.previous) for r in rollouts if not r.tag}
    rollouts = [r for r in rollouts if not r.tag or (r.candidate, r.percent, r.goal, r.previous) not in own]
    return tuple(sorted(rollouts, key=lambda r: r.tag))
