"""create_app: the dashboard for a cluster, built from Settings (nothing happens at import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.settings import Settings
from app.web.app import build_connected_app
from app.web.connection import ClusterConnection


def create_app(settings: Settings) -> FastAPI:
    """The dashboard app; it owns its cluster connection (API client and watch cache, replaced when
    the kubeconfig context is switched), started and stopped by the lifespan.

    Discovery is not required to succeed here: a cluster that is down, or lacks Knative or Istio,
    still gets a dashboard that says so, and the cache rediscovers kinds as they appear.
    """
    connection = ClusterConnection.from_settings(settings)
    app = build_connected_app(settings, connection)
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        connection.start()
        try:
            async with previous(app_):
                yield
        finally:
            connection.stop()

    app.router.lifespan_context = lifespan
    return app
