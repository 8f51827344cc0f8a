"""What the editor sends and says: the merge patch for a traffic change, its text and its preview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from app.model.expressions import LATEST_REF
from app.model.traffic import TrafficTarget, default_traffic


def traffic_patch(
    targets: Sequence[TrafficTarget],
    resource_version: str,
    annotations: Mapping[str, str | None] | None = None,
) -> dict[str, object]:
    """A JSON merge patch replacing the whole `spec.traffic`, conditional on `resource_version`, with
    `annotations` (None removes one) in the same write: a split and a rollout duration land together or
    not at all.

    Floating targets (latestRevision true, or unset without a revisionName) are written as
    `latestRevision: true` without a revisionName: the patch never pins them to a revision."""
    return service_patch(resource_version, targets, annotations)


def service_patch(
    resource_version: str,
    targets: Sequence[TrafficTarget] | None = None,
    annotations: Mapping[str, str | None] | None = None,
) -> dict[str, object]:
    """A JSON merge patch of a Knative Service's annotations (None removes one) and, unless `targets` is
    None, its whole `spec.traffic` (as `traffic_patch`), conditional on `resource_version`: a rollout
    plan's step and its progress land together or not at all."""
    if not resource_version:
        raise ValueError("a traffic patch needs the resourceVersion it was computed from")
    metadata: dict[str, object] = {"resourceVersion": resource_version}
    if annotations:
        metadata["annotations"] = dict(annotations)
    patch: dict[str, object] = {"metadata": metadata}
    if targets is not None:
        entries = [replace(t, latest_revision=True, revision_name=None) if t.floating else t for t in targets]
        patch["spec"] = {"traffic": [t.to_dict() for t in entries]}
    return patch


def target_label(target: TrafficTarget) -> str:
    """How a target is named in text: its revision, `@latest` when floating, else its configuration."""
    if target.floating:
        return LATEST_REF
    return target.revision_name or target.configuration_name or "?"


def describe_target(target: TrafficTarget) -> str:
    """`current customer-v3 50%` (the tag first when there is one)."""
    label = target_label(target)
    return f"{target.tag} {label} {target.percent or 0}%" if target.tag else f"{label} {target.percent or 0}%"


def describe_split(targets: Sequence[TrafficTarget]) -> str:
    """One line for history events, e.g.
    `current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%`."""
    return ", ".join(describe_target(t) for t in targets) if targets else "no traffic targets"


def _normal(targets: Sequence[TrafficTarget]) -> list[dict[str, object]]:
    """The block as the server would store it: defaulted, percents explicit."""
    return [replace(t, percent=t.percent or 0).to_dict() for t in default_traffic(targets)]


def splits_equal(a: Sequence[TrafficTarget], b: Sequence[TrafficTarget]) -> bool:
    """True when both blocks mean the same once defaulted (same targets, same order)."""
    return _normal(a) == _normal(b)


Change = Literal["added", "removed", "changed", "unchanged"]


@dataclass(frozen=True)
class TargetDiff:
    """One row of the editor's preview: a target now and after the change."""

    key: str
    before: TrafficTarget | None
    after: TrafficTarget | None

    @property
    def change(self) -> Change:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "unchanged" if _normal([self.before]) == _normal([self.after]) else "changed"

    @property
    def percent_before(self) -> int:
        return (self.before.percent or 0) if self.before else 0

    @property
    def percent_after(self) -> int:
        return (self.after.percent or 0) if self.after else 0


def _key(target: TrafficTarget) -> str:
    return f"tag:{target.tag}" if target.tag else f"target:{target_label(target)}"


def diff_traffic(before: Sequence[TrafficTarget], after: Sequence[TrafficTarget]) -> list[TargetDiff]:
    """Pair the targets of two blocks (by tag, else by revision or @latest): rows in the order of `after`,
    then the removed ones in the order of `before`."""
    unused = list(range(len(before)))
    rows: list[TargetDiff] = []
    for target in after:
        key = _key(target)
        match = next((i for i in unused if _key(before[i]) == key), None)
        if match is not None:
            unused.remove(match)
        rows.append(TargetDiff(key, None if match is None else before[match], target))
    rows.extend(TargetDiff(_key(before[i]), before[i], None) for i in unused)
    return rows
