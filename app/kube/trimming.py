"""What the cache keeps of an object: client-go's informer transform (`SetTransform`), which strips
what no reader needs before the object is stored.

A cached object costs about as much again in `metadata.managedFields` as in everything else, and
nothing shows managedFields (the YAML pages drop them). Only the history reads them:
- a Knative Service's, for who last wrote `spec.traffic` and when: kept whole;
- an Event's, for the field managers that wrote it: each entry keeps its manager, operation and time.
Every other kind is cached without them.

Then every key and short string value is interned: the same keys, namespaces, kinds, label values and
API versions repeat across tens of thousands of objects, and each decoded JSON document (a list page,
a watch event) would otherwise hold its own copies.
"""

from __future__ import annotations

import sys
from typing import Any

from app.kube.resources import Resource
from app.model.objects import KubeObject

KEEP_MANAGED_FIELDS = frozenset({("serving.knative.dev", "services")})
"""Kinds (group, plural) cached with their managedFields whole: the history reads who wrote what."""
MANAGERS_ONLY = frozenset({("", "events"), ("events.k8s.io", "events")})
"""Kinds cached with each managedFields entry reduced to `MANAGER_KEYS`."""
MANAGER_KEYS = ("manager", "operation", "time")
INTERN_MAX = 256
"""Longer strings (messages, certificates, last-applied JSON) are seldom repeated: not interned."""


def trim(resource: Resource, obj: KubeObject) -> KubeObject:
    """The object as the cache keeps it: a new dict (`obj`, fresh from the decoder, is not changed)."""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        kind = (resource.group, resource.plural)
        if kind not in KEEP_MANAGED_FIELDS:
            metadata = {key: value for key, value in metadata.items() if key != "managedFields"}
            entries = obj["metadata"]["managedFields"]
            if kind in MANAGERS_ONLY and isinstance(entries, list):
                metadata["managedFields"] = [_managers_only(entry) for entry in entries]
            obj = {**obj, "metadata": metadata}
    kept: KubeObject = _interned(obj)
    return kept


def _managers_only(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {key: entry[key] for key in MANAGER_KEYS if key in entry}


def _interned(value: Any) -> Any:
    """A copy of decoded JSON whose keys and short strings are interned (shared, not duplicated)."""
    if isinstance(value, dict):
        return {sys.intern(key): _interned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_interned(item) for item in value]
    if type(value) is str and len(value) <= INTERN_MAX:
        return sys.intern(value)
    return value
