"""Discovery of Knative, Istio and KIngress kinds against clusters that serve more or less of them.

The full cluster is both backends' (the real one serves the real Knative and Istio CRDs); the clusters
that serve fewer or older kinds are simulators built for one test, as the session's real cluster keeps
every CRD it was started with."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from kubernetes.client import ApiClient

from app.kube.resources import KNATIVE_SERVICES, Discovery, Resource, discover, virtual_services
from app.sim.cluster import SimCluster
from app.sim.storage.resources import ResourceRegistry, ResourceType, default_registry
from tests.plugins.sim import dashboard_client


def discover_with(tmp_path: Path, keep: Callable[[ResourceType], ResourceType | None]) -> Discovery:
    """Discovery on a cluster whose registry holds `keep(rt)` for each default kind (None drops it)."""
    kept = (keep(rt) for rt in default_registry().all())
    with (
        SimCluster(registry=ResourceRegistry(rt for rt in kept if rt is not None)) as cluster,
        dashboard_client(cluster.write_kubeconfig(tmp_path / "kubeconfig")) as client,
    ):
        return discover(client)


def test_full_cluster_prefers_istio_v1(admin_api: ApiClient) -> None:
    found = discover(admin_api)
    assert found == Discovery(
        serving_version="v1",
        istio_version="v1",
        kingress_version="v1alpha1",
        serverless_service_version="v1alpha1",
        pod_autoscaler_version="v1alpha1",
    )
    assert found.knative and found.istio and found.complete
    kinds = found.namespace_resources()
    assert list(kinds) == [
        "services",
        "configurations",
        "revisions",
        "routes",
        "virtualservices",
        "ingresses",
        "serverlessservices",
        "podautoscalers",
        "core_services",
        "endpoints",
        "pods",
        "events",
    ]
    assert kinds["services"] == KNATIVE_SERVICES and kinds["virtualservices"] == virtual_services("v1")
    assert kinds["core_services"] == Resource("", "v1", "services", "Service")


def test_older_istio_is_found_at_v1beta1(tmp_path: Path) -> None:
    def older_istio(rt: ResourceType) -> ResourceType:
        if rt.group == "networking.istio.io":
            return dataclasses.replace(rt, versions=("v1beta1", "v1alpha3"))
        return rt

    assert discover_with(tmp_path, older_istio).istio_version == "v1beta1"


def test_cluster_without_knative_and_istio_is_flagged(tmp_path: Path) -> None:
    def core_only(rt: ResourceType) -> ResourceType | None:
        return None if rt.group.endswith(("knative.dev", "istio.io")) else rt

    found = discover_with(tmp_path, core_only)
    assert found == Discovery(serving_version=None, istio_version=None, kingress_version=None)
    assert not found.knative and not found.istio
    assert list(found.namespace_resources()) == ["core_services", "endpoints", "pods", "events"]


def test_resource_paths() -> None:
    assert KNATIVE_SERVICES.path("labs-1", "customer") == (
        "/apis/serving.knative.dev/v1/namespaces/labs-1/services/customer"
    )
    assert KNATIVE_SERVICES.path() == "/apis/serving.knative.dev/v1/services"
    assert Resource("", "v1", "namespaces", "Namespace", namespaced=False).path("x", "labs-1") == (
        "/api/v1/namespaces/labs-1"
    )
    assert virtual_services("v1beta1").api_version == "networking.istio.io/v1beta1"


def test_knative_with_kourier_serves_no_virtual_services_but_the_rest(tmp_path: Path) -> None:
    """Knative with Kourier (as OpenShift Serverless ships it): no networking.istio.io at all, while the
    KIngress, ServerlessService and PodAutoscaler kinds are served; the cache then watches no
    VirtualServices, so their absence costs no request and no error."""

    def without_istio(rt: ResourceType) -> ResourceType | None:
        return None if rt.group == "networking.istio.io" else rt

    found = discover_with(tmp_path, without_istio)
    assert found.knative and not found.istio and not found.complete
    assert (found.kingress_version, found.serverless_service_version, found.pod_autoscaler_version) == (
        "v1alpha1",
        "v1alpha1",
        "v1alpha1",
    )
    kinds = found.namespace_resources()
    assert "virtualservices" not in kinds
    assert {"ingresses", "serverlessservices", "podautoscalers", "endpoints"} <= set(kinds)
