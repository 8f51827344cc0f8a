"""What the cluster holds in one namespace, as the dashboard's pages see it (a snapshot, pure data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

KubeObject: TypeAlias = dict[str, Any]
"""A Kubernetes object as the API sends it (JSON). Objects from a cache are read-only: copy to change."""


@dataclass(frozen=True)
class NamespaceObjects:
    """A snapshot of the watched kinds in `namespace`, each tuple sorted by name.

    The dicts are shared with the cache and must not be modified.
    """

    namespace: str
    services: tuple[KubeObject, ...] = ()
    """Knative Services."""
    configurations: tuple[KubeObject, ...] = ()
    revisions: tuple[KubeObject, ...] = ()
    routes: tuple[KubeObject, ...] = ()
    virtualservices: tuple[KubeObject, ...] = ()
    core_services: tuple[KubeObject, ...] = ()
    """Core (Kubernetes) Services."""
    pods: tuple[KubeObject, ...] = ()
    events: tuple[KubeObject, ...] = ()
    ingresses: tuple[KubeObject, ...] = ()
    """Knative's internal Ingresses (networking.internal.knative.dev): the KIngresses."""
    serverlessservices: tuple[KubeObject, ...] = ()
    """Knative's ServerlessServices: they own a revision's Kubernetes Services and public Endpoints."""
    podautoscalers: tuple[KubeObject, ...] = ()
    """Knative's PodAutoscalers: owned by a Revision, they own its ServerlessService."""
    endpoints: tuple[KubeObject, ...] = ()
    """Core Endpoints: which pod (or activator) IPs back each Kubernetes Service."""
    knative: bool = True
    """False when the cluster does not serve Knative Serving: pages say so instead of showing nothing."""
    istio: bool = True
    """False when the cluster does not serve Istio VirtualServices."""
    complete: bool = True
    """False when some kinds had not finished their first list in time (the tuples may lack objects)."""
    problems: tuple[str, ...] = ()
    """Why some kinds are missing or stale, e.g. "pods: 403 Forbidden: ..."; empty when all is well."""
    unreadable: tuple[str, ...] = ()
    """Detail kinds (ServerlessServices, PodAutoscalers, Endpoints) the dashboard may not read: the
    pages show less (owner chains stop early, no backends) and say so quietly."""
    connected: bool = True
    """False while the API server cannot be reached for this namespace's kinds: the tuples are what
    the dashboard last saw."""
    stale: bool = False
    """True while a watch is known to have missed changes and its kind is being listed again."""
    observed_at: datetime | None = None
    """When the tuples were last known to equal the cluster's state: now while every watch is live,
    else the last answer from the server (None: never answered)."""
