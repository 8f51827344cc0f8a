"""The dashboard served by uvicorn from a thread over a simulated cluster, with chosen reflector timings
(tests/web's `serve` with the cache's options passed in)."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.kube.reflecting import ReflectorOptions
from app.settings import Settings
from app.web.app import build_app
from app.web.serving import Server
from tests.web.conftest import Dashboard

FAST = ReflectorOptions(backoff_initial=0.05, backoff_max=0.3, relist_period=None)
"""Retry within tenths of a second, never relist on a timer."""
HEALING = dataclasses.replace(FAST, relist_period=1.0)
"""Also relist every second, so a lost watch event heals within the test."""


@contextmanager
def serve(api_client: ApiClient, options: ReflectorOptions, **cache_options: Any) -> Iterator[Dashboard]:
    """The dashboard over `api_client` (writes open on loopback), served by uvicorn from a thread;
    `cache_options` go to the ClusterCache (check and reconnect periods, idle time)."""
    cache = ClusterCache(api_client, sync_timeout=5.0, options=options, **cache_options)
    cache.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    app = build_app(Settings(), cache, api_client)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="off")
    server = Server(config, app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="dashboard", daemon=True)
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
        sock.close()
        cache.stop()
