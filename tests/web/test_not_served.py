"""A cluster that serves neither Knative nor Istio: pages say so instead of failing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from kubernetes.client import CoreV1Api, V1Namespace, V1ObjectMeta, V1Service, V1ServicePort, V1ServiceSpec

from app.kube.config import load_api_client
from app.sim.cluster import SimCluster
from app.sim.storage.resources import ResourceRegistry, default_registry
from tests.support.serving import Dashboard, serve
from tests.web.markup import row_names, section

OPTIONAL_GROUPS = ("serving.knative.dev", "networking.istio.io", "networking.internal.knative.dev")


@pytest.fixture
def bare_dashboard(tmp_path: Path) -> Iterator[Dashboard]:
    registry = ResourceRegistry(rt for rt in default_registry().all() if rt.group not in OPTIONAL_GROUPS)
    with SimCluster(registry=registry) as cluster:
        kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
        with load_api_client(kubeconfig) as api:
            core = CoreV1Api(api)
            core.create_namespace(V1Namespace(metadata=V1ObjectMeta(name="plain")))
            port = V1ServicePort(port=5432)
            core.create_namespaced_service(
                "plain", V1Service(metadata=V1ObjectMeta(name="postgres"), spec=V1ServiceSpec(ports=[port]))
            )
            with serve(api) as dashboard:
                yield dashboard


def test_namespace_page_says_knative_and_istio_are_not_served(bare_dashboard: Dashboard) -> None:
    with httpx.Client(base_url=bare_dashboard.url, timeout=10) as client:
        page = client.get("/namespaces/plain")
        service = client.get("/namespaces/plain/services/customer")
        api = client.get("/api/namespaces/plain").json()
    assert page.status_code == 200
    assert "does not serve Knative Serving" in section(page.text, "services")
    assert "does not serve Istio VirtualServices" in section(page.text, "virtualservices")
    assert row_names(section(page.text, "core_services")) == ["postgres"]
    assert service.status_code == 404 and "does not serve Knative Serving" in service.text
    assert api["knative"] is False and api["istio"] is False
