"""The lab scenario with the Knative control plane and the workloads together: what the lab's curl
commands and `oc get` show, including the Revision side of scale to zero."""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.sim.building import KnativeCluster, SimSettings, build_cluster
from app.sim.workloads.assembling import Workloads
from tests.plugins.sim import official_client
from tests.sim.workloads.conftest import GRACE, TEST_SETTINGS
from tests.support.builders import knative_service
from tests.support.waiting import eventually

DOMAIN = "apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"
NAMESPACE = "labs-1"


@pytest.fixture
def lab() -> Iterator[tuple[KnativeCluster, Workloads]]:
    settings = SimSettings(revision_ready_delay=0.0, retry_delay=0.01)
    cluster = build_cluster(scenario="labs", settings=settings, workloads=TEST_SETTINGS)
    assert cluster.workloads is not None
    with cluster:
        yield cluster, cluster.workloads


@pytest.fixture
def api(lab: tuple[KnativeCluster, Workloads], tmp_path: Any) -> Iterator[Any]:
    with official_client(lab[0].write_kubeconfig(tmp_path / "kubeconfig")) as client:
        yield client


def _revision(api: Any, name: str) -> dict[str, Any]:
    from kubernetes import client

    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "serving.knative.dev", "v1", NAMESPACE, "revisions", name
    )
    assert isinstance(found, dict)
    return found


def _condition(revision: dict[str, Any], kind: str) -> dict[str, str]:
    found: dict[str, str] = next(c for c in revision["status"]["conditions"] if c["type"] == kind)
    return found


def _replicas(revision: dict[str, Any]) -> int | None:
    value = revision["status"].get("actualReplicas")
    return value if isinstance(value, int) else None


def _get(url: str, host: str) -> httpx.Response:
    return httpx.get(url + "/", headers={"Host": host}, timeout=10)


def test_an_unused_revision_shows_no_traffic_and_zero_replicas(
    lab: tuple[KnativeCluster, Workloads], api: Any
) -> None:
    def scaled_to_zero() -> bool:
        revision = _revision(api, "customer-v3")
        return _replicas(revision) == 0 and _condition(revision, "Active")["status"] == "False"

    eventually(scaled_to_zero, timeout=GRACE + 5)
    revision = _revision(api, "customer-v3")
    active = _condition(revision, "Active")
    assert (active["reason"], active["message"]) == ("NoTraffic", "The target is not receiving traffic.")
    assert _condition(revision, "Ready")["status"] == "True"
    assert revision["status"]["desiredReplicas"] == 0


def test_the_labs_curl_gets_the_chain_and_wakes_the_revision(
    lab: tuple[KnativeCluster, Workloads], api: Any
) -> None:
    from kubernetes import client

    _, workloads = lab
    deployments = client.AppsV1Api(api)
    eventually(
        lambda: _condition(_revision(api, "customer-v4"), "Active").get("reason") == "NoTraffic",
        timeout=GRACE + 5,
    )
    assert deployments.read_namespaced_deployment("customer-v4-deployment", NAMESPACE).spec.replicas == 0
    candidate = f"candidate-customer.{NAMESPACE}.{DOMAIN}"
    response = _get(workloads.ingress_url, candidate)
    assert response.status_code == 200
    pod = r"customer-v4-deployment-[a-z0-9]+-[a-z0-9]{5}"
    assert re.fullmatch(rf"customer => preference => recommendation v4 from '{pod}': 1\n", response.text)
    assert response.headers["Knative-Serving-Revision"] == "customer-v4"

    def active() -> bool:
        _get(workloads.ingress_url, candidate)  # keep the load on, as the lab's loop does
        revision = _revision(api, "customer-v4")
        return _replicas(revision) == 1 and _condition(revision, "Active")["status"] == "True"

    eventually(active)


def test_the_lab_split_and_a_traffic_change(lab: tuple[KnativeCluster, Workloads], api: Any) -> None:
    from kubernetes import client

    _, workloads = lab
    with httpx.Client(base_url=workloads.ingress_url, timeout=10) as http:
        hits = Counter(
            http.get("/", headers={"Host": f"customer.{NAMESPACE}.{DOMAIN}"}).headers[
                "Knative-Serving-Revision"
            ]
            for _ in range(200)
        )
    assert abs(hits["customer-v3"] - 100) <= 4 * math.sqrt(200 * 0.25)
    assert hits["customer-v3"] + hits["customer-v4"] == 200
    traffic = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 100},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 0},
    ]
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        "serving.knative.dev", "v1", NAMESPACE, "services", "customer", {"spec": {"traffic": traffic}}
    )

    def all_to_v3() -> bool:
        revisions = {
            _get(workloads.ingress_url, f"customer.{NAMESPACE}").headers["Knative-Serving-Revision"]
            for _ in range(30)
        }
        return revisions == {"customer-v3"}

    eventually(all_to_v3)


def test_min_scale_holds_while_routed_and_is_ignored_once_in_reserve(
    lab: tuple[KnativeCluster, Workloads], api: Any
) -> None:
    from kubernetes import client

    custom = client.CustomObjectsApi(api)

    def service(revision: str) -> dict[str, Any]:
        scaled = {"autoscaling.knative.dev/min-scale": "1"}
        return knative_service(
            "hello", image="quay.io/lab/hello:1", template={"name": revision, "annotations": scaled}
        )

    def pods(revision: str) -> int:
        selector = f"serving.knative.dev/revision={revision}"
        return len(client.CoreV1Api(api).list_namespaced_pod(NAMESPACE, label_selector=selector).items)

    custom.create_namespaced_custom_object(
        "serving.knative.dev", "v1", NAMESPACE, "services", service("hello-v1")
    )
    eventually(lambda: pods("hello-v1") == 1)
    custom.patch_namespaced_custom_object(
        "serving.knative.dev", "v1", NAMESPACE, "services", "hello", {"spec": service("hello-v2")["spec"]}
    )
    eventually(lambda: pods("hello-v2") == 1)
    eventually(
        lambda: pods("hello-v1") == 0, timeout=GRACE + 5, message="the reserve revision scales to zero"
    )
    assert _revision(api, "hello-v1")["metadata"]["labels"]["serving.knative.dev/routingState"] == "reserve"
    time.sleep(GRACE * 1.5)
    assert pods("hello-v2") == 1, "min-scale keeps the routed revision up past the grace period"
