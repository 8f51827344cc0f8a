"""Resilience fixtures: the dashboard served by uvicorn over the labs cluster, healing fast, and a record
of every log line at ERROR or above (from the app, the cache's threads and uvicorn alike)."""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.kube.config import close_api_client, load_api_client
from app.kube.reflecting import ReflectorOptions
from app.settings import Settings
from app.web.app import build_app
from app.web.serving import Server
from tests.web.conftest import Dashboard

FAST = ReflectorOptions(backoff_initial=0.05, backoff_max=0.3, relist_period=None)
"""Retry within tenths of a second, never relist on a timer."""
HEALING = dataclasses.replace(FAST, relist_period=1.0)
"""Also relist every second, so a lost watch event heals within the test."""
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
"""uvicorn's loggers do not propagate to the root logger: each gets the handler."""


class ErrorLog(logging.Handler):
    """Keeps every record at ERROR or above."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records]


@pytest.fixture
def resilient_api(knative_kubeconfig: Path) -> Iterator[ApiClient]:
    client = load_api_client(knative_kubeconfig)
    try:
        yield client
    finally:
        close_api_client(client)


@contextmanager
def serve(api_client: ApiClient, options: ReflectorOptions) -> Iterator[Dashboard]:
    """The dashboard over `api_client` (writes open on loopback), served by uvicorn from a thread."""
    cache = ClusterCache(api_client, sync_timeout=5.0, options=options)
    cache.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    app = build_app(Settings(), cache, api_client, cache.discovery())
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
def resilient_dashboard(resilient_api: ApiClient) -> Iterator[Dashboard]:
    """The dashboard over the labs cluster, retrying fast, with no periodic relist (what heals is the
    reflector's reaction to each fault)."""
    with serve(resilient_api, FAST) as dashboard:
        yield dashboard


@pytest.fixture
def relisting_dashboard(resilient_api: ApiClient) -> Iterator[Dashboard]:
    """The same, relisting every second (what heals a lost watch event)."""
    with serve(resilient_api, HEALING) as dashboard:
        yield dashboard


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    """Every ERROR logged while the test runs. Request it after the dashboard fixture: uvicorn
    configures its loggers when the server is built."""
    handler = ErrorLog()
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield handler
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
