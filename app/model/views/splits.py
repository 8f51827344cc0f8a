"""Traffic splits as views: spec and status targets, whether they differ, and each revision's share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.model.bodies import Obj, as_text, maps, part
from app.model.views.colours import PALETTE_SIZE, colour_of


@dataclass(frozen=True)
class TargetView:
    """One traffic target as the Route's spec or status lists it."""

    tag: str
    revision: str
    """The revision name; empty for a spec target that follows the latest revision."""
    percent: int
    latest_revision: bool
    url: str
    colour: int


def traffic_targets(entries: Any, colours: Mapping[str, int]) -> tuple[TargetView, ...]:
    """The traffic list of a spec or status as views (a missing percent counts as 0, as in Knative)."""
    targets = []
    for entry in maps(entries):
        revision = as_text(entry.get("revisionName"))
        latest = entry.get("latestRevision")
        targets.append(
            TargetView(
                tag=as_text(entry.get("tag")),
                revision=revision,
                percent=int(entry.get("percent") or 0),
                latest_revision=bool(latest) if latest is not None else not revision,
                url=as_text(entry.get("url")),
                colour=colour_of(colours, revision) if revision else PALETTE_SIZE,
            )
        )
    return tuple(targets)


def traffic_differs(spec: Sequence[TargetView], status: Sequence[TargetView]) -> bool:
    """Whether the status does not (yet) serve the split the spec asks for.

    A spec target following the latest revision matches any status target flagged latestRevision.
    """
    if len(spec) != len(status):
        return True
    for want, have in zip(spec, status, strict=True):
        if (want.tag, want.percent, want.latest_revision) != (have.tag, have.percent, have.latest_revision):
            return True
        if not want.latest_revision and want.revision != have.revision:
            return True
    return False


@dataclass(frozen=True)
class RevisionTraffic:
    """What the Routes send to one revision: summed percent and the tags naming it."""

    percent: int
    tags: tuple[str, ...]


def traffic_by_revision(routes: Iterable[Obj]) -> dict[str, RevisionTraffic]:
    """From the Routes' status.traffic (what is served), the share and tags of each revision."""
    percents: dict[str, int] = {}
    tags: dict[str, list[str]] = {}
    for route in routes:
        for entry in maps(part(route, "status").get("traffic")):
            revision = as_text(entry.get("revisionName"))
            if not revision:
                continue
            percents[revision] = percents.get(revision, 0) + int(entry.get("percent") or 0)
            tag = as_text(entry.get("tag"))
            if tag:
                tags.setdefault(revision, []).append(tag)
    return {rev: RevisionTraffic(pct, tuple(tags.get(rev, ()))) for rev, pct in percents.items()}
