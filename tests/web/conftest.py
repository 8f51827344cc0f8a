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
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from app.kube.caching import ClusterCache
from app.kube.config import load_api_client
from app.kube.reflecting import ReflectorOptions
from app.settings import Settings
from app.web.app import build_app
from app.web.serving import Server

FAST_RETRIES = ReflectorOptions(backoff_initial=0.05, backoff_max=0.3)
"""Reconnect quickly after the cluster comes back, so banner tests stay short."""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/lib/chromium/chromium"
"""Debian's binary itself (the /usr/bin wrapper prints a harmless warning)."""


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
def served_dashboard(dashboard_api: ApiClient) -> Iterator[Dashboard]:
    """The dashboard on the simulated Knative cluster (labs scenario)."""
    with serve(dashboard_api) as dashboard:
        yield dashboard


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (git-ignored) for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
