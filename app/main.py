"""create_app: the dashboard for a cluster, built from Settings (nothing happens at import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.kube.caching import ClusterCache
from app.kube.config import close_api_client, load_api_client
from app.settings import Settings
from app.web.app import build_app


def create_app(settings: Settings) -> FastAPI:
    """The dashboard app; it owns its API client and watch cache, started and stopped by the lifespan.

    Discovery is not required to succeed here: a cluster that is down, or lacks Knative or Istio,
    still gets a dashboard that says so, and the cache rediscovers kinds as they appear.
    """
    api_client = load_api_client(settings.kubeconfig, settings.context, settings.in_cluster)
    cache = ClusterCache(api_client, namespaces=settings.namespaces, idle_seconds=settings.idle_seconds)
    app = build_app(settings, cache, api_client)
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        cache.start()
        try:
            async with previous(app_):
                yield
        finally:
            cache.stop()
            close_api_client(api_client)

    app.router.lifespan_context = lifespan
    return app
