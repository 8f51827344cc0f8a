"""What differs by kind when the store creates and updates objects, as kube-apiserver's per-kind
strategies decide: built-in defaults, and which kinds count spec changes in metadata.generation."""

from __future__ import annotations

from typing import Any

from app.sim.storage.resources import LEASES, NAMESPACES, PODS, ResourceType

# Metadata only the server sets: kept from the stored object on every update.
SYSTEM_METADATA = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
)


def default(rt: ResourceType, obj: dict[str, Any]) -> None:
    """The built-in defaults of the few core kinds whose defaults clients show."""
    if rt.key == NAMESPACES:
        spec = obj.setdefault("spec", {})
        spec.setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
    elif rt.key == "secrets" and not obj.get("type"):
        obj["type"] = "Opaque"
    elif rt.key == PODS:
        # The pod strategy starts every pod Pending, so watchers see a phase from the first event.
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}


def tracks_generation(rt: ResourceType) -> bool:
    """Custom resources and the workload kinds count spec changes in metadata.generation; core kinds
    such as ConfigMap, Service or Pod have no generation."""
    return rt.is_custom or rt.group in ("apps", "batch", "networking.k8s.io", "policy", "autoscaling")


def generation_body(obj: dict[str, Any]) -> dict[str, Any]:
    """The part of an object whose change bumps metadata.generation."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def drop_disabled_fields(rt: ResourceType, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Fields of a feature gate that is off, dropped by the kind's strategy (PrepareForCreate and
    PrepareForUpdate): after the field manager recorded them, so managedFields still name them.

    A Lease's coordinated-leader-election fields (`strategy`, `preferredHolder`; CoordinatedLeaderElection
    is beta and off by default in 1.37): on create always, on update unless the stored Lease already had
    them (k8s.io/kubernetes pkg/registry/coordination/lease/strategy.go)."""
    if rt.key != LEASES or not isinstance(new.get("spec"), dict):
        return
    before = ((old or {}).get("spec") or {}) if isinstance((old or {}).get("spec"), dict) else {}
    for field in ("strategy", "preferredHolder"):
        if before.get(field) is None:
            new["spec"].pop(field, None)
