"""What every request handler needs, built once by `build_app` and reached through a dependency."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.settings import Settings
from app.web.connection import ClusterConnection
from app.web.demo.probing import ProbeRegistry
from app.web.nslist.listing import NamespaceRows
from app.web.rendering import RenderQueue, SectionCache
from app.web.streams import EventStreams
from app.web.templating import Renderer


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dashboard:
    """The app's collaborators: the cluster connection, the renderer, the open event streams and the
    demo's traffic probes.

    `cache` and `api_client` are the connection's current ones: read them per use, never keep them
    (switching the kubeconfig context replaces both)."""

    settings: Settings
    connection: ClusterConnection
    renderer: Renderer
    streams: EventStreams = field(default_factory=lambda: EventStreams())
    clock: Callable[[], datetime] = utc_now
    history_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    """Signs the TrafficChanged Events this dashboard writes; only history it verifies is trusted."""
    probes: ProbeRegistry = field(default_factory=lambda: ProbeRegistry())
    """The traffic probes started from the demo page and API (closed at app shutdown)."""
    plan_namespaces: set[str] = field(default_factory=set)
    """Namespaces known to hold rollout plans: the plan runner looks at them every tick (a plan started
    here adds its namespace at once; the runner finds the others by listing Services now and then)."""
    sections: SectionCache = field(init=False)
    """The namespace pages' rendered sections, shared by page views and SSE streams."""
    namespace_list: NamespaceRows = field(init=False)
    """The namespace list's counts and rows, made once per change of each namespace."""
    renders: RenderQueue = field(init=False)
    """Namespace and Service page renders, a few at a time (settings.render_concurrency)."""

    def __post_init__(self) -> None:
        self.sections = SectionCache(lambda: self.cache, self.renderer, lambda: self.clock())
        self.namespace_list = NamespaceRows(lambda: self.cache, self.renderer)
        self.renders = RenderQueue(self.settings.render_concurrency)

    @property
    def cache(self) -> ClusterCache:
        return self.connection.cache

    @property
    def api_client(self) -> ApiClient:
        return self.connection.api_client


def get_dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


DashboardDep = Annotated[Dashboard, Depends(get_dashboard)]
