"""The lab's own descriptor applied with kubectl: everything Knative and net-istio make of it."""

from __future__ import annotations

import time
from typing import Any

from app.sim.building import KnativeCluster
from tests.plugins.sim import Kubectl
from tests.sim.knative.conftest import DATA
from tests.sim.knative.reading import condition, core_service_names, custom_object, knative, names
from tests.support.builders import LAB_DOMAIN

ISTIO = ("networking.istio.io", "v1alpha3", "virtualservices")
"""The lab's Istio served VirtualServices at v1alpha3 only (the `seed` profile)."""


def _apply_lab(cluster: KnativeCluster, kubectl: Kubectl) -> str:
    descriptor = (DATA / "customer-traffic-split.yml").read_text(encoding="utf-8")
    result = kubectl("apply", "-n", "labs-1", "-f", "-", input=descriptor)
    assert cluster.settle()
    return result.stdout


def test_applying_the_traffic_split_creates_the_second_revision(
    v3_cluster: KnativeCluster, v3_kubectl: Kubectl, v3_api: Any
) -> None:
    assert names(v3_api, "serving.knative.dev", "v1", "revisions") == ["customer-v3", "preference-v1"]
    assert _apply_lab(v3_cluster, v3_kubectl).strip() == "service.serving.knative.dev/customer configured"
    assert names(v3_api, "serving.knative.dev", "v1", "revisions") == [
        "customer-v3",
        "customer-v4",
        "preference-v1",
    ]
    v4 = knative(v3_api, "revisions", "customer-v4")
    labels = v4["metadata"]["labels"]
    assert labels["serving.knative.dev/configurationGeneration"] == "2"
    assert labels["serving.knative.dev/routingState"] == "active"
    assert v4["spec"]["containers"][0]["name"] == "user-container"
    assert v4["spec"]["timeoutSeconds"] == 300
    assert condition(v4, "Ready")[0] == "True"
    ksvc = knative(v3_api, "services", "customer", version="v1alpha1")
    assert ksvc["apiVersion"] == "serving.knative.dev/v1alpha1"
    assert ksvc["status"]["latestReadyRevisionName"] == "customer-v4"
    assert condition(ksvc, "Ready") == ("True", "", "")


def test_kubernetes_services_appear_that_nobody_created(
    v3_cluster: KnativeCluster, v3_kubectl: Kubectl, v3_api: Any
) -> None:
    _apply_lab(v3_cluster, v3_kubectl)
    customer = [n for n in core_service_names(v3_api) if "customer" in n]
    assert customer == [
        "candidate-customer",
        "current-customer",
        "customer",
        "customer-v3",
        "customer-v3-private",
        "customer-v4",
        "customer-v4-private",
        "latest-customer",
    ]
    out = v3_kubectl(
        "get", "services", "-n", "labs-1", "current-customer", "-o", "jsonpath={.spec.externalName}"
    )
    assert out.stdout == "knative-local-gateway.istio-system.svc.cluster.local"


def test_route_and_tag_urls(v3_cluster: KnativeCluster, v3_kubectl: Kubectl, v3_api: Any) -> None:
    _apply_lab(v3_cluster, v3_kubectl)
    route = knative(v3_api, "routes", "customer")
    assert route["status"]["url"] == f"http://customer.labs-1.{LAB_DOMAIN}"
    assert route["status"]["address"]["url"] == "http://customer.labs-1.svc.cluster.local"
    assert [
        (t.get("tag"), t["revisionName"], t["percent"], t.get("url")) for t in route["status"]["traffic"]
    ] == [
        ("current", "customer-v3", 50, f"http://current-customer.labs-1.{LAB_DOMAIN}"),
        ("candidate", "customer-v4", 50, f"http://candidate-customer.labs-1.{LAB_DOMAIN}"),
        ("latest", "customer-v4", 0, f"http://latest-customer.labs-1.{LAB_DOMAIN}"),
    ]
    assert [
        condition(route, t)[0] for t in ("AllTrafficAssigned", "IngressReady", "CertificateProvisioned")
    ] == ["True"] * 3
    listed = v3_kubectl("get", "ksvc", "customer", "-n", "labs-1", "-o", "jsonpath={.status.url}").stdout
    assert listed == f"http://customer.labs-1.{LAB_DOMAIN}"


def test_virtual_service_has_one_route_per_tag_plus_the_default(
    v3_cluster: KnativeCluster, v3_kubectl: Kubectl, v3_api: Any
) -> None:
    _apply_lab(v3_cluster, v3_kubectl)
    # The lab's Knative named the gateways' VirtualService after the route (`customer`).
    assert [n for n in names(v3_api, *ISTIO) if n.startswith("customer")] == [
        "customer",
        "customer-mesh",
    ]
    vs = custom_object(v3_api, *ISTIO, "customer")
    hosts = [
        f"{name}.labs-1{suffix}"
        for name in ("candidate-customer", "current-customer", "customer", "latest-customer")
        for suffix in ("", f".{LAB_DOMAIN}", ".svc", ".svc.cluster.local")
    ]
    assert vs["spec"]["hosts"] == hosts
    routes = [
        (
            [m["authority"]["prefix"] for m in http["match"]],
            [(d["destination"]["host"].split(".")[0], d["weight"]) for d in http["route"]],
        )
        for http in vs["spec"]["http"]
    ]
    assert routes == [
        ([f"customer.labs-1.{LAB_DOMAIN}", "customer.labs-1"], [("customer-v3", 50), ("customer-v4", 50)]),
        ([f"candidate-customer.labs-1.{LAB_DOMAIN}", "candidate-customer.labs-1"], [("customer-v4", 100)]),
        ([f"current-customer.labs-1.{LAB_DOMAIN}", "current-customer.labs-1"], [("customer-v3", 100)]),
        ([f"latest-customer.labs-1.{LAB_DOMAIN}", "latest-customer.labs-1"], [("customer-v4", 100)]),
    ]
    for version in ("v1alpha3",):
        old = v3_kubectl(
            "get",
            f"virtualservices.{version}.networking.istio.io",
            "customer-mesh",
            "-n",
            "labs-1",
            "-o",
            "jsonpath={.spec.gateways}",
        )
        assert old.stdout == '["mesh"]'


def test_the_labs_scenario_is_the_lab_after_the_split(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    assert names(knative_api, "serving.knative.dev", "v1", "services") == [
        "customer",
        "preference",
        "recommendation",
    ]
    revisions = names(knative_api, "serving.knative.dev", "v1", "revisions")
    assert revisions == [
        "customer-v3",
        "customer-v4",
        "preference-v1",
        "recommendation-v1",
        "recommendation-v2",
    ]
    ksvc = knative(knative_api, "services", "customer")
    assert [(t.get("tag"), t["percent"]) for t in ksvc["status"]["traffic"]] == [
        ("current", 50),
        ("candidate", 50),
        ("latest", 0),
    ]
    # The lab's listing: customer, customer-mesh, preference, preference-mesh, ...
    assert names(knative_api, *ISTIO) == [
        f"{s}{kind}" for s in ("customer", "preference", "recommendation") for kind in ("", "-mesh")
    ]


def test_the_control_plane_rests_when_nothing_changes(knative_cluster: KnativeCluster) -> None:
    assert knative_cluster.settle()
    before = knative_cluster.store.resource_version
    knative_cluster.stop()  # a restart replays every object to the reconciler: it must write nothing
    knative_cluster.start()
    assert knative_cluster.settle()
    time.sleep(0.2)
    assert knative_cluster.settle()
    assert knative_cluster.store.resource_version == before


def test_the_controllers_record_what_they_create(v3_cluster: KnativeCluster, v3_kubectl: Kubectl) -> None:
    _apply_lab(v3_cluster, v3_kubectl)
    out = v3_kubectl(
        "get",
        "events",
        "-n",
        "labs-1",
        "-o",
        "jsonpath={range .items[*]}{.involvedObject.kind}/{.involvedObject.name}: {.message}{'\\n'}{end}",
    ).stdout.splitlines()
    for line in (
        'Service/customer: Created Configuration "customer"',
        'Service/customer: Created Route "customer"',
        'Configuration/customer: Created Revision "customer-v3"',
        'Configuration/customer: Created Revision "customer-v4"',
        'Route/customer: Created Ingress "customer"',
        'Ingress/customer: Created VirtualService "customer"',
        'Ingress/customer: Created VirtualService "customer-mesh"',
    ):
        assert line in out
