"""Owner chains: who generated an object, following ownerReferences by uid through the namespace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.model.bodies import Obj, as_text, maps, meta
from app.model.objects import NamespaceObjects


@dataclass(frozen=True)
class OwnerLink:
    """One step up an ownerReferences chain; `found`: the owner is in the namespace's cache."""

    kind: str
    name: str
    api_version: str
    found: bool


def controller_ref(obj: Obj) -> Mapping[str, Any] | None:
    refs = maps(meta(obj).get("ownerReferences"))
    return next((r for r in refs if r.get("controller")), refs[0] if refs else None)


def owner_steps(obj: Obj, by_uid: Mapping[str, Obj]) -> list[tuple[Mapping[str, Any], Obj | None]]:
    """Each controller reference above an object with the owner it resolves to (None: not cached)."""
    steps: list[tuple[Mapping[str, Any], Obj | None]] = []
    seen: set[str] = set()
    current: Obj | None = obj
    while current is not None:
        ref = controller_ref(current)
        if ref is None:
            break
        uid = as_text(ref.get("uid"))
        current = by_uid.get(uid) if uid not in seen else None
        seen.add(uid)
        steps.append((ref, current))
    return steps


def owner_chain(obj: Obj, by_uid: Mapping[str, Obj]) -> tuple[OwnerLink, ...]:
    """The controllers above an object, nearest first, following ownerReferences by uid."""
    return tuple(
        OwnerLink(
            as_text(ref.get("kind")),
            as_text(ref.get("name")),
            as_text(ref.get("apiVersion")),
            owner is not None,
        )
        for ref, owner in owner_steps(obj, by_uid)
    )


def index_by_uid(objects: NamespaceObjects) -> dict[str, Obj]:
    """Every cached object of the namespace by uid, for owner chains."""
    return {
        as_text(meta(obj).get("uid")): obj
        for group in _all_groups(objects)
        for obj in group
        if meta(obj).get("uid")
    }


def _all_groups(objects: NamespaceObjects) -> tuple[tuple[dict[str, Any], ...], ...]:
    return (
        objects.services,
        objects.configurations,
        objects.revisions,
        objects.routes,
        objects.virtualservices,
        objects.core_services,
        objects.pods,
        objects.ingresses,
        objects.serverlessservices,
        objects.podautoscalers,
        objects.endpoints,
    )
