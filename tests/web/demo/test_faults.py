"""The demo page's "inject faults" control and its JSON API: the sim.splitboard.dev/faults annotation set
through the Kubernetes API, refused in the cluster's words, and offered only with fault injection on."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from kubernetes.client import ApiClient, CustomObjectsApi

from app.kube.config import load_api_client
from app.model.faults import FAULTS_ANNOTATION
from app.settings import Settings
from tests.support.serving import Dashboard, serve
from tests.web.demo.conftest import API_TOKEN, NAMESPACE, DemoCluster
from tests.web.editor.test_api import grant

HTMX = {"HX-Request": "true"}
API = f"/api/namespaces/{NAMESPACE}/services/customer/revisions"


@pytest.fixture
def faults_dashboard(demo_cluster: DemoCluster, demo_api: ApiClient) -> Iterator[Dashboard]:
    settings = Settings(ingress_url=demo_cluster.ingress_url, auth_token=API_TOKEN, fault_injection=True)
    with serve(demo_api, settings, lifespan=True) as dashboard:
        yield dashboard


def client(dashboard: Dashboard) -> httpx.Client:
    return httpx.Client(base_url=dashboard.url, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"})


def annotation(api: ApiClient, revision: str) -> str | None:
    found = cast(
        dict[str, Any],
        CustomObjectsApi(api).get_namespaced_custom_object(
            "serving.knative.dev", "v1", NAMESPACE, "revisions", revision
        ),
    )
    value = (found["metadata"].get("annotations") or {}).get(FAULTS_ANNOTATION)
    return value if isinstance(value, str) else None


def test_the_form_sets_and_clears_a_revision_s_faults(
    faults_dashboard: Dashboard, demo_api: ApiClient
) -> None:
    page_path = f"/namespaces/{NAMESPACE}/services/customer"
    with client(faults_dashboard) as http:
        page = http.get(f"{page_path}/demo").text
        assert 'id="faults"' in page and '<option value="customer-v4">' in page
        answer = http.post(
            f"{page_path}/faults",
            data={"revision": "customer-v4", "errorPercent": "50", "delayMs": "800"},
            headers=HTMX,
        )
        assert answer.status_code == 200
        assert "customer-v4: 50% of answers fail with 503, every answer waits 800 ms." in answer.text
        assert json.loads(annotation(demo_api, "customer-v4") or "") == {"errorRate": 0.5, "delayMs": 800.0}
        assert annotation(demo_api, "customer-v3") is None

        # bad input: a clear message, nothing changed
        bad = http.post(
            f"{page_path}/faults", data={"revision": "customer-v4", "errorPercent": "150"}, headers=HTMX
        )
        assert (
            'data-status="400"' in bad.text and "the error percent must be from 0 to 100, got 150" in bad.text
        )
        unknown = http.post(
            f"{page_path}/faults", data={"revision": "nope", "errorPercent": "5"}, headers=HTMX
        )
        assert (
            'data-status="404"' in unknown.text
            and "Service 'customer' has no revision 'nope'." in html.unescape(unknown.text)
        )
        assert json.loads(annotation(demo_api, "customer-v4") or "") == {"errorRate": 0.5, "delayMs": 800.0}

        # a plain form goes back to the page
        plain = http.post(f"{page_path}/faults", data={"revision": "customer-v4", "clear": "1"})
        assert plain.status_code == 303 and plain.headers["location"].endswith("/demo#faults")
        assert annotation(demo_api, "customer-v4") is None


def test_the_json_api(faults_dashboard: Dashboard, demo_api: ApiClient) -> None:
    with client(faults_dashboard) as http:
        put = http.put(f"{API}/customer-v4/faults", json={"errorRate": 1, "status": 500})
        assert put.status_code == 200, put.text
        assert put.json() == {
            "revision": "customer-v4",
            "annotation": FAULTS_ANNOTATION,
            "faults": {"errorRate": 1, "delayMs": 0.0, "status": 500},
        }
        assert json.loads(annotation(demo_api, "customer-v4") or "") == {
            "errorRate": 1,
            "delayMs": 0.0,
            "status": 500,
        }
        bad = http.put(f"{API}/customer-v4/faults", json={"errorRate": 1, "delay": 5})
        assert bad.status_code == 400 and "unknown fields: delay" in bad.text
        assert http.delete(f"{API}/customer-v4/faults").json()["faults"] is None
        assert annotation(demo_api, "customer-v4") is None
        assert (
            "/api/namespaces/{namespace}/services/{name}/revisions/{revision}/faults"
            in (http.get("/openapi.json").json()["paths"])
        )


def test_off_unless_enabled(token_dashboard: Dashboard, demo_api: ApiClient) -> None:
    with client(token_dashboard) as http:
        assert 'id="faults"' not in http.get(f"/namespaces/{NAMESPACE}/services/customer/demo").text
        put = http.put(f"{API}/customer-v4/faults", json={"errorRate": 1})
        assert put.status_code == 404
        assert "SPLITBOARD_FAULT_INJECTION=true" in put.text
    assert annotation(demo_api, "customer-v4") is None


def test_a_cluster_that_refuses_the_patch_is_quoted(demo_cluster: DemoCluster, tmp_path: Path) -> None:
    cluster = demo_cluster.cluster
    grant(cluster, "watcher", ["get", "list", "watch"])
    cluster.add_token("watcher-token", "watcher")
    kubeconfig = cluster.write_kubeconfig(tmp_path / "watcher", token="watcher-token", user="watcher")
    settings = Settings(ingress_url=demo_cluster.ingress_url, auth_token=API_TOKEN, fault_injection=True)
    with load_api_client(kubeconfig) as api, serve(api, settings) as dashboard, client(dashboard) as http:
        put = http.put(f"{API}/customer-v4/faults", json={"errorRate": 1})
    assert put.status_code == 403
    assert "The cluster refused to annotate customer-v4: Forbidden: " in put.text
    assert 'User \\"watcher\\" cannot patch resource \\"revisions\\"' in put.text
