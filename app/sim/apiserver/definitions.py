"""CustomResourceDefinitions: the registry's custom kinds shown as the objects a real cluster keeps.

On a real cluster Knative's and Istio's kinds exist because their CRDs were installed, and clients read
those CRDs to learn the kinds (lightkube's `load_in_cluster_generic_resources`, `kubectl get crd`). The
simulator's kinds are fixed when the cluster is built, so its definitions are made from the registry on
each read and are read-only: get and list answer them; a watch from no resourceVersion (or 0) starts
with them as ADDED events, as a real watch starts with what exists, and sees no change after.

The schema of each version keeps unknown fields: the simulator does not validate custom resources
against a structural schema, and a definition must not claim that it does.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.sim.storage import errors
from app.sim.storage.resources import ResourceRegistry, ResourceType
from app.sim.storage.selectors import FieldSelector, LabelSelector
from app.sim.storage.watching import Watcher, WatchEvent

CRDS = "customresourcedefinitions.apiextensions.k8s.io"
"""The registry key of the definitions themselves."""
GENERATION_RV = "1"
"""The resourceVersion every definition shows: they were there before any object was written."""


def custom_kinds(registry: ResourceRegistry) -> list[ResourceType]:
    """The kinds a real cluster gets from a CustomResourceDefinition, in registration order."""
    return [rt for rt in registry.all() if rt.is_custom]


def definition(rt: ResourceType, *, created: str) -> dict[str, Any]:
    """The CustomResourceDefinition (apiextensions.k8s.io/v1) of `rt`, established and accepted."""
    names: dict[str, Any] = {
        "plural": rt.plural,
        "singular": rt.singular,
        "kind": rt.kind,
        "listKind": f"{rt.kind}List",
    }
    if rt.short_names:
        names["shortNames"] = list(rt.short_names)
    if rt.categories:
        names["categories"] = list(rt.categories)
    # The preferred version is the stored one, as in Knative's and Istio's own CRDs.
    storage = rt.preferred_version
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": rt.key,
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"splitboard-sim/{rt.key}")),
            "resourceVersion": GENERATION_RV,
            "generation": 1,
            "creationTimestamp": created,
        },
        "spec": {
            "group": rt.group,
            "names": names,
            "scope": "Namespaced" if rt.namespaced else "Cluster",
            "versions": [_version(rt, version, storage) for version in rt.versions],
            "conversion": {"strategy": "None"},
        },
        "status": {
            "conditions": [
                _condition("NamesAccepted", "NoConflicts", "no conflicts found", created),
                _condition(
                    "Established", "InitialNamesAccepted", "the initial names have been accepted", created
                ),
            ],
            "acceptedNames": names,
            "storedVersions": [storage],
        },
    }


def find(registry: ResourceRegistry, name: str, *, created: str) -> dict[str, Any]:
    """The definition called `name` (its kind's key); NotFound as a real server says it."""
    rt = next((rt for rt in custom_kinds(registry) if rt.key == name), None)
    if rt is None:
        raise errors.not_found(registry.get(CRDS), name)
    return definition(rt, created=created)


def select(
    registry: ResourceRegistry, *, created: str, label_selector: str = "", field_selector: str = ""
) -> list[dict[str, Any]]:
    """Every definition matching the selectors, sorted by name as a list answers them."""
    labels = LabelSelector.parse(label_selector)
    fields = FieldSelector.parse(field_selector, CRDS) if field_selector else None
    found = sorted(
        (definition(rt, created=created) for rt in custom_kinds(registry)),
        key=lambda d: str(d["metadata"]["name"]),
    )
    return [
        d
        for d in found
        if labels.matches(d["metadata"].get("labels")) and (fields is None or fields.matches(d))
    ]


def announce(registry: ResourceRegistry, watcher: Watcher, *, created: str) -> None:
    """Start a watch from no resourceVersion with every definition it selects, as ADDED events."""
    rt = registry.get(CRDS)
    for found in select(registry, created=created):
        watcher.offer(WatchEvent("ADDED", found, int(GENERATION_RV), rt))


def _version(rt: ResourceType, version: str, storage: str) -> dict[str, Any]:
    served: dict[str, Any] = {
        "name": version,
        "served": True,
        "storage": version == storage,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }
    if "status" in rt.subresources:
        served["subresources"] = {"status": {}}
    columns = [
        {
            "name": c.name,
            "type": c.type,
            "jsonPath": c.json_path,
            **({"description": c.description} if c.description else {}),
            **({"priority": c.priority} if c.priority else {}),
        }
        for c in rt.printer_columns
        if c.json_path and c.json_path not in (".metadata.name", ".metadata.creationTimestamp")
    ]
    if columns:
        served["additionalPrinterColumns"] = columns
    return served


def _condition(kind: str, reason: str, message: str, when: str) -> dict[str, str]:
    return {"type": kind, "status": "True", "lastTransitionTime": when, "reason": reason, "message": message}
