"""The dashboard served by uvicorn from a thread on a port-0 socket: every suite's test server.

Binding the socket first leaves no race for a free port; the test reads the app's state directly.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.kube.reflecting import ReflectorOptions
from app.settings import Settings
from app.web.app import build_app
from app.web.serving import Server

FAST_RETRIES = ReflectorOptions(backoff_initial=0.05, backoff_max=0.3)
"""Reconnect quickly after the cluster comes back, so banner tests stay short."""


@dataclass
class Dashboard:
    """A served dashboard: its URL, the app, and the cache and client it reads the cluster with."""

    url: str
    app: FastAPI
    cache: ClusterCache
    api_client: ApiClient
    server: uvicorn.Server


@contextmanager
def serve(
    api_client: ApiClient,
    settings: Settings | None = None,
    *,
    options: ReflectorOptions = FAST_RETRIES,
    lifespan: bool = False,
) -> Iterator[Dashboard]:
    """The dashboard over `api_client` with `settings` (default: Settings()), served from a thread.

    `lifespan=True` runs the app's startup and shutdown (the demo's probe registry closes at shutdown).
    The caller owns `api_client`; the cache is started here and stopped after the server.
    """
    cache = ClusterCache(api_client, sync_timeout=5.0, options=options)
    cache.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        app = build_app(settings or Settings(), cache, api_client)
        config = uvicorn.Config(
            app, log_level="warning", timeout_graceful_shutdown=2, lifespan="on" if lifespan else "off"
        )
        server = Server(config, app)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="dashboard", daemon=True
        )
        thread.start()
        try:
            while not server.started:
                if not thread.is_alive():
                    raise RuntimeError("the dashboard server did not start")
                thread.join(0.01)
            host, port = sock.getsockname()
            yield Dashboard(f"http://{host}:{port}", app, cache, api_client, server)
        finally:
            server.should_exit = True
            thread.join(10)
    finally:
        sock.close()
        cache.stop()
