"""Switching kubeconfig contexts at run time: a kubeconfig naming two simulated clusters (the lab, and
a bare cluster), the app from create_app, switched through the JSON API and in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from app.main import create_app
from app.settings import Settings
from app.sim.building import KnativeCluster
from app.sim.cluster import SimCluster
from app.web.serving import Server
from tests.plugins.browser import screenshot
from tests.support.guarded import page_token
from tests.support.serving import serve_app


def renamed(kubeconfig: dict[str, Any], name: str) -> dict[str, Any]:
    """The kubeconfig's one cluster, user and context, all called `name`."""
    cluster, user = kubeconfig["clusters"][0], kubeconfig["users"][0]
    return {
        "clusters": [{**cluster, "name": name}],
        "users": [{**user, "name": name}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}],
    }


@pytest.fixture
def two_contexts(knative_cluster: KnativeCluster, sim_cluster: SimCluster, tmp_path: Path) -> Path:
    """A kubeconfig with contexts `labs` (current) and `bare`."""
    parts = [renamed(knative_cluster.kubeconfig(), "labs"), renamed(sim_cluster.kubeconfig(), "bare")]
    merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "current-context": "labs"}
    for key in ("clusters", "users", "contexts"):
        merged[key] = [entry for part in parts for entry in part[key]]
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(merged), encoding="utf-8")
    return path


@dataclass
class Switching:
    url: str
    app: FastAPI
    client: httpx.Client

    def switch(self, context: str) -> httpx.Response:
        token = page_token(self.client.get("/login").text)
        return self.client.post("/api/contexts", json={"context": context}, headers={"X-CSRF-Token": token})

    def namespaces(self) -> list[str]:
        return [summary["namespace"] for summary in self.client.get("/api/namespaces").json()]


@contextmanager
def serve(settings: Settings) -> Iterator[Switching]:
    """create_app(settings) served, its connection started and stopped as its lifespan would."""
    app = create_app(settings)
    connection = app.state.dashboard.connection
    connection.start()
    try:
        with (
            serve_app(app, lambda config: Server(config, app)) as url,
            httpx.Client(base_url=url, timeout=10) as client,
        ):
            yield Switching(url, app, client)
    finally:
        connection.stop()


@pytest.fixture
def switching(two_contexts: Path) -> Iterator[Switching]:
    with serve(Settings(kubeconfig=two_contexts)) as served:
        yield served


def test_the_api_lists_contexts_and_switches_between_them(switching: Switching) -> None:
    assert switching.client.get("/api/contexts").json() == {
        "current": "labs",
        "contexts": ["labs", "bare"],
        "switchable": True,
    }
    assert "labs-1" in switching.namespaces()
    answer = switching.switch("bare")
    assert answer.status_code == 200, answer.text
    assert answer.json()["current"] == "bare"
    namespaces = switching.namespaces()
    assert "default" in namespaces and "labs-1" not in namespaces
    assert switching.client.get("/namespaces/labs-1").status_code == 404
    assert switching.switch("labs").json()["current"] == "labs"
    assert "labs-1" in switching.namespaces()


def test_an_unknown_context_is_refused_and_changes_nothing(switching: Switching) -> None:
    before = switching.app.state.dashboard.connection.cluster
    answer = switching.switch("staging")
    assert answer.status_code == 404
    assert answer.json() == {
        "code": 404,
        "reason": "NotFound",
        "message": "no context 'staging' in the kubeconfig; its contexts: labs, bare",
    }
    assert switching.app.state.dashboard.connection.cluster is before
    assert switching.client.get("/api/contexts").json()["current"] == "labs"
    assert "labs-1" in switching.namespaces()
    token = page_token(switching.client.get("/login").text)
    form = switching.client.post("/contexts", data={"context": "staging", "csrf_token": token})
    assert form.status_code == 404
    assert "no context &#39;staging&#39; in the kubeconfig" in form.text


def test_a_visitor_without_an_identity_may_not_switch(two_contexts: Path) -> None:
    settings = Settings(
        kubeconfig=two_contexts, host="0.0.0.0", allowed_hosts=("127.0.0.1",), auth_token="sesame"
    )
    with serve(settings) as served:
        answer = served.switch("bare")
        assert answer.status_code == 401
        assert answer.text.startswith("Sign in first")
        assert (
            served.client.get("/api/contexts", headers={"Authorization": "Bearer sesame"}).json()["current"]
            == "labs"
        )
        signed = served.client.post(
            "/api/contexts", json={"context": "bare"}, headers={"Authorization": "Bearer sesame"}
        )
        assert signed.status_code == 200, signed.text


@pytest.mark.browser
def test_switching_in_the_browser_shows_the_other_clusters_namespaces(
    switching: Switching, page: Page
) -> None:
    watcher = page.context.new_page()  # an open page whose live stream must learn of the switch
    watcher.goto(switching.url + "/namespaces/labs-1")
    expect(watcher.locator("#content")).to_have_attribute("data-live", "open")
    page.goto(switching.url + "/")
    expect(page.locator("tr[data-name='labs-1']")).to_be_visible()
    expect(page.locator("#context-select")).to_have_value("labs")
    page.select_option("#context-select", "bare")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_url(switching.url + "/")
    expect(page.locator("tr[data-name='default']")).to_be_visible()
    expect(page.locator("tr[data-name='labs-1']")).to_have_count(0)
    expect(page.locator("#context-select")).to_have_value("bare")
    expect(watcher.locator("[data-connection='switched']")).to_contain_text("bare")
    screenshot(page, "context-switched")
    screenshot(watcher, "context-switched-banner")
    watcher.close()
