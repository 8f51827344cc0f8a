"""Building and serving the app: building asks the cluster nothing (a dashboard starts while its
cluster is down, and says so); the test server takes settings and runs the lifespan when asked."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI
from kubernetes.client import ApiClient
from uvicorn.lifespan.on import LifespanOn

from app.main import create_app
from app.settings import Settings
from app.sim.cluster import SimCluster
from tests.plugins.browser import run_async
from tests.support.serving import serve


async def _front_page(app: FastAPI) -> httpx.Response:
    """GET / with the app's lifespan running (it starts and stops the cache and closes the client)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get("/")


def test_the_dashboard_builds_and_serves_while_the_cluster_is_down(tmp_path: Path) -> None:
    with SimCluster() as cluster:
        kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    app = create_app(Settings(kubeconfig=kubeconfig))  # the cluster has stopped: nothing to ask yet
    page = run_async(_front_page(app))
    assert page.status_code == 200
    assert 'data-connection="lost"' in page.text


def test_the_test_server_uses_the_settings_given_and_runs_the_lifespan_when_asked(
    dashboard_api: ApiClient,
) -> None:
    settings = Settings(auth_token="t0ken")
    with serve(dashboard_api, settings, lifespan=True) as dashboard:
        assert dashboard.app.state.dashboard.settings is settings
        lifespan = dashboard.server.lifespan
        assert isinstance(lifespan, LifespanOn) and lifespan.startup_event.is_set()
        refused = httpx.post(f"{dashboard.url}/api/namespaces/labs-1/services/customer/traffic", json={})
    assert refused.status_code in (401, 403)  # the token setting guards writes
    assert lifespan.shutdown_event.is_set()
    with serve(dashboard_api) as dashboard:
        assert not isinstance(dashboard.server.lifespan, LifespanOn)
