"""The reconcilers' shared state and their writes: create or update only what differs.

Every write compares the desired object with the stored one first, so a reconcile that changes
nothing writes nothing and reconciles settle instead of feeding each other events.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.model.naming import DomainConfig
from app.model.profiles import CURRENT, KnativeProfile
from app.model.timestamps import rfc3339
from app.sim.client import Client, Lister
from app.sim.knative.kinds import Kinds
from app.sim.knative.settings import SimSettings
from app.sim.storage.copying import clone
from app.sim.storage.defaulting import apply_defaults
from app.sim.storage.errors import NotFound
from app.sim.storage.resources import ResourceType

Key = tuple[str, str, str]  # (kind, namespace, name)


@dataclass
class Context:
    """What every reconcile function works with."""

    client: Client
    kinds: Kinds
    settings: SimSettings
    domain: DomainConfig
    defer: Callable[[Hashable, float], None]
    """Reconcile a key again after so many seconds."""
    clock: Callable[[], float] = time.time
    profile: KnativeProfile = CURRENT
    """The Knative release whose shapes the reconcilers write."""
    first_seen: dict[str, float] = field(default_factory=dict)
    """Revision uid -> when this control plane first saw it (clock seconds)."""
    epoch: float | None = None
    """When the rollout clock starts running `settings.time_scale` times faster than `clock` (clock
    seconds; None: when this context is made). The controller keeps one for all its contexts so the
    rollout clock never runs backwards across a stop and start."""

    def __post_init__(self) -> None:
        if self.epoch is None:
            self.epoch = self.clock()

    @property
    def lister(self) -> Lister:
        """Shared, read-only reads of the cluster's objects."""
        return self.client.lister

    def now(self) -> float:
        """Wall-clock seconds."""
        return self.clock()

    def knative_now(self) -> int:
        """Now on the rollout clock, in Unix nanoseconds as Knative stamps its step parameters."""
        assert self.epoch is not None
        elapsed = (self.clock() - self.epoch) * self.settings.time_scale
        return int((self.epoch + elapsed) * 1e9)

    def wall_delay(self, knative_nanoseconds: int) -> float:
        """Wall-clock seconds until so many nanoseconds have passed on the rollout clock."""
        return knative_nanoseconds / 1e9 / self.settings.time_scale

    def timestamp(self) -> str:
        """Now in Kubernetes' timestamp format."""
        return rfc3339(datetime.fromtimestamp(self.clock(), UTC))


def _merged(have: dict[str, str] | None, want: dict[str, str | None] | None) -> dict[str, str]:
    """Stored labels (or annotations) with the desired ones set; a desired None removes a key."""
    return _with(have or {}, want or {})


def _spec(
    rt: ResourceType, current: dict[str, Any], desired: dict[str, Any], preserve: tuple[str, ...]
) -> Any:
    """The spec to store: the desired one, with the `preserve` fields as currently stored, and the
    API server's defaults (what it allocated kept), so a desired spec equal to the stored one but for
    what the server fills in writes nothing."""
    spec = desired.get("spec")
    have = current.get("spec")
    if not isinstance(spec, dict) or not isinstance(have, dict):
        return spec
    spec = {**clone(spec), **{key: have[key] for key in preserve if key in have}}
    shaped = {"metadata": clone(current["metadata"]), "spec": spec}
    apply_defaults(rt, shaped, current)
    return shaped["spec"]


def ensure(
    ctx: Context, rt: ResourceType, desired: dict[str, Any], *, preserve: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Create `desired`, or update the stored object where it differs: labels and annotations merged
    (a None value removes a key), owner references and spec replaced, except the spec fields named
    in `preserve`, which keep their stored values (another controller owns them)."""
    meta = desired["metadata"]
    current = ctx.lister.get(rt, meta["namespace"], meta["name"])
    if current is None:
        body = clone(desired)
        for key in ("labels", "annotations"):
            body["metadata"][key] = _merged(None, meta.get(key))
        return record_created(ctx, ctx.client.create(rt, meta["namespace"], body))
    have = current["metadata"]
    merged = {key: _merged(have.get(key), meta.get(key)) for key in ("labels", "annotations")}
    refs = meta.get("ownerReferences") or have.get("ownerReferences") or []
    spec = _spec(rt, current, desired, preserve)
    unchanged = (
        all(merged[key] == (have.get(key) or {}) for key in merged)
        and refs == (have.get("ownerReferences") or [])
        and ("spec" not in desired or spec == current.get("spec"))
    )
    if unchanged:
        return current
    body = clone(current)
    body["metadata"].update(merged)
    if refs:
        body["metadata"]["ownerReferences"] = clone(refs)
    if "spec" in desired:
        body["spec"] = clone(spec)
    return ctx.client.update(rt, meta["namespace"], meta["name"], body)


def write_status(
    ctx: Context, rt: ResourceType, current: dict[str, Any], status: dict[str, Any]
) -> dict[str, Any]:
    """Write `status` through the status subresource unless it is already stored."""
    if current.get("status") == status:
        return current
    body = clone(current)
    body["status"] = status
    meta = body["metadata"]
    return ctx.client.update(rt, meta.get("namespace"), meta["name"], body, subresource="status")


def relabel(
    ctx: Context,
    rt: ResourceType,
    current: dict[str, Any],
    labels: dict[str, str | None],
    annotations: dict[str, str | None],
) -> dict[str, Any]:
    """Set (or, for None, remove) labels and annotations, writing only when something changes."""
    meta = current["metadata"]
    new_labels = _with(meta.get("labels") or {}, labels)
    new_annotations = _with(meta.get("annotations") or {}, annotations)
    if new_labels == (meta.get("labels") or {}) and new_annotations == (meta.get("annotations") or {}):
        return current
    body = clone(current)
    body["metadata"]["labels"] = new_labels
    body["metadata"]["annotations"] = new_annotations
    return ctx.client.update(rt, meta.get("namespace"), meta["name"], body)


def _with(base: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def delete_quietly(ctx: Context, rt: ResourceType, namespace: str, name: str) -> None:
    """Delete an object that may already be gone."""
    with contextlib.suppress(NotFound):
        ctx.client.delete(rt, namespace, name)


# The controller that reports creating each kind, as Knative's and net-istio's reconcilers do.
_REPORTED = {
    "Configuration": "service-controller",
    "Route": "service-controller",
    "Revision": "configuration-controller",
    "Ingress": "route-controller",
    "VirtualService": "istio-ingress-controller",
    "PodAutoscaler": "revision-controller",
    "ServerlessService": "kpa-class-podautoscaler-controller",
}


def record_created(ctx: Context, created: dict[str, Any]) -> dict[str, Any]:
    """Record the Event a Knative controller emits on its owner when it creates `created` (for the
    kinds it reports); `created` is returned."""
    component = _REPORTED.get(created["kind"])
    refs = created["metadata"].get("ownerReferences") or []
    if component is None or not refs:
        return created
    owner, namespace, now = refs[0], created["metadata"]["namespace"], ctx.timestamp()
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{owner['name']}.{uuid.uuid4().hex[:16]}", "namespace": namespace},
        "involvedObject": {
            "apiVersion": owner["apiVersion"],
            "kind": owner["kind"],
            "name": owner["name"],
            "namespace": namespace,
            "uid": owner["uid"],
        },
        "reason": "Created",
        "message": f'Created {created["kind"]} "{created["metadata"]["name"]}"',
        "type": "Normal",
        "source": {"component": component},
        "reportingComponent": component,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }
    ctx.client.create(ctx.kinds.event, namespace, event)
    return created
