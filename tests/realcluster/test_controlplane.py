"""The real control plane is set up as a real cluster is: TLS, tokens, RBAC, controllers, the real CRDs."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes.client import ApiClient, AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException

from tests.backends import Backend
from tests.realcluster.controlplane import RealCluster
from tests.support.waiting import wait_until


def get(cluster: RealCluster, path: str, token: str | None) -> tuple[int, dict[str, Any]]:
    context = ssl.create_default_context(cafile=str(cluster.ca_file))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{cluster.url}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.real
def test_reports_the_release_it_was_built_from(real_cluster: RealCluster) -> None:
    status, version = get(real_cluster, "/version", real_cluster.tokens["admin"])
    assert status == 200
    assert (version["gitVersion"], version["major"], version["minor"]) == ("v1.37.2", "1", "37")


@pytest.mark.real
def test_serves_tls_from_its_own_ca_only(real_cluster: RealCluster) -> None:
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(real_cluster.url + "/version", context=ssl.create_default_context(), timeout=5)


@pytest.mark.real
def test_unknown_tokens_are_unauthorized_and_anonymous_users_forbidden(real_cluster: RealCluster) -> None:
    status, body = get(real_cluster, "/api/v1/namespaces", "not-a-token")
    assert (status, body["reason"]) == (401, "Unauthorized")
    status, body = get(real_cluster, "/api/v1/namespaces", None)
    assert (status, body["reason"]) == (403, "Forbidden")
    assert 'User "system:anonymous" cannot list resource "namespaces"' in body["message"]


def test_a_limited_user_has_no_rights_until_granted(backend: Backend) -> None:
    namespace = backend.namespace()
    viewer: Any = CoreV1Api(backend.client("viewer"))
    with pytest.raises(ApiException) as denied:
        viewer.list_namespaced_config_map(namespace)
    assert denied.value.status == 403


@pytest.mark.real
def test_knative_and_istio_kinds_are_served_from_their_real_crds(real_cluster: RealCluster) -> None:
    admin = real_cluster.tokens["admin"]
    served = {}
    for group_version in (
        "serving.knative.dev/v1",
        "networking.internal.knative.dev/v1alpha1",
        "autoscaling.internal.knative.dev/v1alpha1",
        "networking.istio.io/v1",
    ):
        status, listing = get(real_cluster, f"/apis/{group_version}", admin)
        assert status == 200, group_version
        served[group_version] = {r["name"] for r in listing["resources"] if "/" not in r["name"]}
    assert served["serving.knative.dev/v1"] == {"services", "configurations", "revisions", "routes"}
    assert {"ingresses", "serverlessservices", "certificates"} <= served[
        "networking.internal.knative.dev/v1alpha1"
    ]
    assert {"podautoscalers", "metrics"} <= served["autoscaling.internal.knative.dev/v1alpha1"]
    assert {"virtualservices", "gateways", "destinationrules"} <= served["networking.istio.io/v1"]
    # The real schema is enforced: a traffic percent must be an integer.
    status, crd = get(
        real_cluster,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/services.serving.knative.dev",
        admin,
    )
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    traffic = schema["properties"]["spec"]["properties"]["traffic"]["items"]["properties"]
    assert traffic["percent"]["type"] == "integer"


def test_owners_deletion_collects_their_dependents(backend: Backend) -> None:
    core: Any = CoreV1Api(backend.client())
    namespace = backend.namespace()
    owner = core.create_namespaced_config_map(namespace, {"metadata": {"name": "owner"}})
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
    core.create_namespaced_config_map(
        namespace, {"metadata": {"name": "child", "ownerReferences": [reference]}}
    )
    core.delete_namespaced_config_map("owner", namespace)

    def child_gone() -> bool:
        return "child" not in {c.metadata.name for c in core.list_namespaced_config_map(namespace).items}

    assert wait_until(child_gone, 30)


@pytest.mark.real
def test_deployments_make_pods_that_stay_pending_without_a_kubelet(real_backend: Backend) -> None:
    api: ApiClient = real_backend.client()
    namespace = real_backend.namespace()
    core: Any = CoreV1Api(api)
    labels = {"app": "web"}
    deployment = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "x"}]},
            },
        },
    }
    apps: Any = AppsV1Api(api)
    apps.create_namespaced_deployment(namespace, deployment)
    assert wait_until(lambda: len(core.list_namespaced_pod(namespace).items) == 2, 30)
    assert all(p.status.phase == "Pending" for p in core.list_namespaced_pod(namespace).items)


def test_namespaces_are_deleted_with_their_contents(backend: Backend) -> None:
    core: Any = CoreV1Api(backend.client())
    namespace = backend.namespace()
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "inside"}})
    core.delete_namespace(namespace)
    start = time.monotonic()

    def gone() -> bool:
        try:
            core.read_namespace(namespace)
        except ApiException as exc:
            return bool(exc.status == 404)
        return False

    assert wait_until(gone, 60), f"namespace still there after {time.monotonic() - start:.0f} s"
