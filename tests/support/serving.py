"""The dashboard served by uvicorn from a thread on a port-0 socket: every suite's test server.

Binding the socket first leaves no race for a free port; the test reads the app's state directly.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.kube.reflecting import ReflectorOptions
from app.settings import Settings
from app.web.app import build_app
from app.web.serving import Server

FAST_RETRIES = ReflectorOptions(backoff_initial=0.05, backoff_max=0.3)
"""Reconnect quickly after the cluster comes back, so banner tests stay short."""
FAST = dataclasses.replace(FAST_RETRIES, relist_period=None)
"""Retry within tenths of a second, never relist on a timer: what heals is the reaction to each fault."""
HEALING = dataclasses.replace(FAST, relist_period=1.0)
"""Also relist every second, so a lost watch event heals within the test."""


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
    routers: Sequence[APIRouter] = (),
    **cache_options: Any,
) -> Iterator[Dashboard]:
    """The dashboard over `api_client` with `settings` (default: Settings()), served from a thread.

    `lifespan=True` runs the app's startup and shutdown (the demo's probe registry closes at shutdown);
    `routers` are test-only routes added to the app; `cache_options` go to the ClusterCache (check and
    reconnect periods, idle time). The caller owns `api_client`; the cache is started here and stopped
    after the server.
    """
    cache = ClusterCache(api_client, sync_timeout=5.0, options=options, **cache_options)
    cache.start()
    try:
        app = build_app(settings or Settings(), cache, api_client)
        for router in routers:
            app.include_router(router)
        server = Server(app_config(app, lifespan=lifespan), app)
        with run_server(server) as url:
            yield Dashboard(url, app, cache, api_client, server)
    finally:
        cache.stop()


def app_config(app: FastAPI, *, lifespan: bool = False) -> uvicorn.Config:
    """uvicorn's settings for a test server: quiet, quick to stop, and (as `splitboard serve`) no
    proxy-header rewriting: the app judges forwarded headers itself."""
    return uvicorn.Config(
        app,
        log_level="warning",
        timeout_graceful_shutdown=2,
        lifespan="on" if lifespan else "off",
        proxy_headers=False,
    )


@contextmanager
def run_server(server: uvicorn.Server) -> Iterator[str]:
    """Run `server` from a thread on a port-0 socket of 127.0.0.1 until the block ends; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="test-server", daemon=True
        )
        thread.start()
        try:
            while not server.started:
                if not thread.is_alive():
                    raise RuntimeError("the test server did not start")
                thread.join(0.01)
            host, port = sock.getsockname()
            yield f"http://{host}:{port}"
        finally:
            server.should_exit = True
            thread.join(10)
    finally:
        sock.close()


@contextmanager
def serve_app(
    app: FastAPI, server_class: Callable[[uvicorn.Config], uvicorn.Server] = uvicorn.Server
) -> Iterator[str]:
    """Serve any `app` (built by the test) from a thread; yields its URL."""
    with run_server(server_class(app_config(app))) as url:
        yield url
