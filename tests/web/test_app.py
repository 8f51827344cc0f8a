"""Building the app asks the cluster nothing: a dashboard starts while its cluster is down, and says so."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from app.sim.cluster import SimCluster
from tests.plugins.browser import run_async


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
