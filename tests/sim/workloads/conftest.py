"""A bare simulated cluster running the workload controllers with short delays, and helpers that
create what the Knative reconciler would (a Revision, its Deployment, a route's VirtualServices)
through the official client, so these tests need nothing but the store, the server and our code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from kubernetes.client.exceptions import ApiException

from app.model.naming import DomainConfig, ingress_virtual_service_name, mesh_virtual_service_name
from app.model.routing import ResolvedTarget, virtual_service_specs
from app.sim.cluster import SimCluster
from app.sim.ingress.gateway import IngressServer
from app.sim.knative.revisions import desired_deployment
from app.sim.workloads.assembling import Workloads as WorkloadsController
from app.sim.workloads.settings import WorkloadSettings
from tests.plugins.knative import FAST_WORKLOADS

NAMESPACE = "labs-1"
DOMAIN = DomainConfig(domain="apps.example.com")
GRACE = 0.6
TEST_SETTINGS = replace(FAST_WORKLOADS, scale_to_zero_grace=GRACE, request_seconds=1.0, request_timeout=1.0)


@dataclass
class Workloads:
    """The controllers under test and the official clients that judge them."""

    cluster: SimCluster
    ingress: IngressServer
    api: Any  # kubernetes.client.ApiClient

    @property
    def core(self) -> Any:
        from kubernetes import client

        return client.CoreV1Api(self.api)

    @property
    def apps(self) -> Any:
        from kubernetes import client

        return client.AppsV1Api(self.api)

    @property
    def custom(self) -> Any:
        from kubernetes import client

        return client.CustomObjectsApi(self.api)

    def revision(
        self,
        name: str,
        *,
        service: str = "customer",
        version: str = "v1",
        annotations: dict[str, str] | None = None,
        routing_state: str = "active",
    ) -> dict[str, Any]:
        """Create a Revision and its Deployment as the reconciler does; the created Revision."""
        body = {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Revision",
            "metadata": {
                "name": name,
                "namespace": NAMESPACE,
                "labels": {
                    "serving.knative.dev/service": service,
                    "serving.knative.dev/configuration": service,
                    "serving.knative.dev/routingState": routing_state,
                },
                "annotations": annotations or {},
            },
            "spec": {
                "containers": [
                    {
                        "name": "user-container",
                        "image": f"quay.io/lab/{service}:quarkus",
                        "env": [{"name": "VERSION", "value": version}],
                    }
                ],
                "timeoutSeconds": 300,
            },
        }
        created: dict[str, Any] = self.custom.create_namespaced_custom_object(
            "serving.knative.dev", "v1", NAMESPACE, "revisions", body
        )
        self.apps.create_namespaced_deployment(NAMESPACE, desired_deployment(created))
        return created

    def route(self, name: str, targets: list[ResolvedTarget]) -> None:
        """Create (or replace) the route's two VirtualServices as net-istio writes them."""
        ingress, mesh = virtual_service_specs(name, NAMESPACE, targets, DOMAIN)
        for vs_name, spec in (
            (ingress_virtual_service_name(name), ingress),
            (mesh_virtual_service_name(name), mesh),
        ):
            body = {
                "apiVersion": "networking.istio.io/v1",
                "kind": "VirtualService",
                "metadata": {"name": vs_name, "namespace": NAMESPACE},
                "spec": spec,
            }
            try:
                self.custom.create_namespaced_custom_object(
                    "networking.istio.io", "v1", NAMESPACE, "virtualservices", body
                )
            except ApiException as error:
                if error.status != 409:
                    raise
                self.custom.patch_namespaced_custom_object(
                    "networking.istio.io", "v1", NAMESPACE, "virtualservices", vs_name, {"spec": spec}
                )

    def pods(self, revision: str) -> list[Any]:
        """The revision's pods, through the official client."""
        selector = f"serving.knative.dev/revision={revision}"
        return list(self.core.list_namespaced_pod(NAMESPACE, label_selector=selector).items)

    def replicas(self, revision: str) -> int:
        return int(self.apps.read_namespaced_deployment(f"{revision}-deployment", NAMESPACE).spec.replicas)

    def get(self, host: str, client: httpx.Client | None = None) -> httpx.Response:
        """A request to the ingress with this Host header (curl -H "Host: ..." http://127.0.0.1:PORT/)."""
        if client is not None:
            return client.get("/", headers={"Host": host})
        return httpx.get(self.ingress.url + "/", headers={"Host": host}, timeout=10)


def target(revision: str, percent: int, tag: str | None = None) -> ResolvedTarget:
    return ResolvedTarget(tag=tag, revision_name=revision, percent=percent, latest_revision=False)


def host(route: str, tag: str | None = None) -> str:
    prefix = f"{tag}-{route}" if tag else route
    return f"{prefix}.{NAMESPACE}.{DOMAIN.domain}"


@pytest.fixture
def workloads(sim_cluster: SimCluster, kube_api: Any) -> Iterator[Workloads]:
    yield from _workloads(sim_cluster, kube_api, TEST_SETTINGS)


@pytest.fixture
def patient_workloads(sim_cluster: SimCluster, kube_api: Any) -> Iterator[Workloads]:
    """Requests wait 30 s for a ready pod: anything answered sooner was not answered by the timeout."""
    yield from _workloads(sim_cluster, kube_api, replace(TEST_SETTINGS, request_timeout=30.0))


def _workloads(sim_cluster: SimCluster, kube_api: Any, settings: WorkloadSettings) -> Iterator[Workloads]:
    running = WorkloadsController(settings)
    sim_cluster.add_controller(running)
    from kubernetes import client

    client.CoreV1Api(kube_api).create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=NAMESPACE))
    )
    yield Workloads(sim_cluster, running.ingress, kube_api)
