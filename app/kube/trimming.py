"""What the cache keeps: which objects (a field selector the server filters by) and, of each, what
client-go's informer transform (`SetTransform`) would keep, stripped of what no reader needs before
the object is stored.

Of the Events, only the history's (reason `TrafficChanged`, app.model.history) are read by anything:
every other Event (a controller's "Created ..." and the like, a third of a wide cluster's objects and
most of its churn) is neither listed nor watched. No page shows Events otherwise.

A cached object costs about as much again in `metadata.managedFields` as in everything else, and
nothing shows managedFields (the YAML pages drop them). Only the history reads them:
- a Knative Service's, for who last wrote `spec.traffic` and when: kept whole;
- an Event's, for the field managers that wrote it: each entry keeps its manager, operation and time.
Every other kind is cached without them.

Then the object's equal parts are shared with every other cached object's (app.kube.sharing): the
same keys, namespaces, label maps, owner references, conditions and routes repeat across tens of
thousands of objects, and each decoded JSON document (a list page, a watch event) would otherwise hold
its own copies.

So the cache holds every field the API server sent but managedFields, which no page shows: the YAML
pages read their objects from the cache and show what the server holds.
"""

from __future__ import annotations

from typing import Any

from app.kube.resources import Resource
from app.kube.sharing import SharedValues
from app.model.history import REASON
from app.model.objects import KubeObject

SELECTED = {("", "events"): f"reason={REASON}"}
"""Kinds (group, plural) of which only what a field selector selects is cached."""

KEEP_MANAGED_FIELDS = frozenset({("serving.knative.dev", "services")})
"""Kinds (group, plural) cached with their managedFields whole: the history reads who wrote what."""
MANAGERS_ONLY = frozenset({("", "events"), ("events.k8s.io", "events")})
"""Kinds cached with each managedFields entry reduced to `MANAGER_KEYS`."""
MANAGER_KEYS = ("manager", "operation", "time")


def field_selector(resource: Resource) -> str:
    """The field selector the cache lists and watches `resource` with ("": everything)."""
    return SELECTED.get((resource.group, resource.plural), "")


def trim(resource: Resource, shared: SharedValues, obj: KubeObject) -> KubeObject:
    """The object as the cache keeps it: a new dict (`obj`, fresh from the decoder, is not changed)
    whose parts equal to other objects' are theirs (`shared`)."""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        kind = (resource.group, resource.plural)
        if kind not in KEEP_MANAGED_FIELDS:
            metadata = {key: value for key, value in metadata.items() if key != "managedFields"}
            entries = obj["metadata"]["managedFields"]
            if kind in MANAGERS_ONLY and isinstance(entries, list):
                metadata["managedFields"] = [_managers_only(entry) for entry in entries]
            obj = {**obj, "metadata": metadata}
    kept: KubeObject = shared.share(obj)
    return kept


def _managers_only(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {key: entry[key] for key in MANAGER_KEYS if key in entry}
