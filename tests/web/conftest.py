"""Web fixtures: the dashboard served by uvicorn on the simulated Knative cluster, and a real browser."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.kube.config import load_api_client
from app.kube.reflecting import ReflectorOptions
from app.settings import Settings
from app.web.app import build_app
from app.web.serving import Server
from tests.plugins.browser import screenshot

__all__ = ["FAST_RETRIES", "Dashboard", "screenshot", "serve"]

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


@pytest.fixture
def dashboard_api(knative_kubeconfig: Path) -> Iterator[ApiClient]:
    """The dashboard's own API client (tests read and change the cluster with a separate one)."""
    with load_api_client(knative_kubeconfig) as client:
        yield client


@contextmanager
def serve(api_client: ApiClient) -> Iterator[Dashboard]:
    """The dashboard over `api_client`, served by uvicorn from a thread on a port-0 socket."""
    cache = ClusterCache(api_client, sync_timeout=5.0, options=FAST_RETRIES)
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


@pytest.fixture
def served_dashboard(dashboard_api: ApiClient) -> Iterator[Dashboard]:
    """The dashboard on the simulated Knative cluster (labs scenario)."""
    with serve(dashboard_api) as dashboard:
        yield dashboard
