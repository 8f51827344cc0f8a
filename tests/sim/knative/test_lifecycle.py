"""Changes over time: BYO names, tag removal, revision deletion, generated names, gradual rollouts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from app.sim.building import KnativeCluster
from tests.plugins.sim import Kubectl
from tests.sim.knative.reading import (
    condition,
    core_service_names,
    custom_object,
    knative,
    names,
    patch_service,
)

V4_TEMPLATE_AS_V3 = {"metadata": {"name": "customer-v3"}}


@pytest.fixture
def knative_profile() -> str:
    """These behaviours are today's Knative's (net-istio's `<route>-ingress` naming among them)."""
    return "current"


def test_a_byo_name_taken_by_another_revision(knative_cluster: KnativeCluster, knative_api: Any) -> None:
    # The v4 template under the old name: the webhook accepts it (the name changed), the name is taken.
    patch_service(knative_api, {"spec": {"template": V4_TEMPLATE_AS_V3}})
    assert knative_cluster.settle()
    ksvc = knative(knative_api, "services", "customer")
    message = (
        'The revision name "customer-v3" is taken by a conflicting Revision, so traffic will not be migrated'
    )
    assert condition(ksvc, "RoutesReady") == ("False", "RevisionNameTaken", message)
    assert condition(ksvc, "Ready")[0] == "False"
    assert names(knative_api, "serving.knative.dev", "v1", "revisions")[:2] == ["customer-v3", "customer-v4"]
    assert (
        knative(knative_api, "revisions", "customer-v3")["metadata"]["labels"][
            "serving.knative.dev/configurationGeneration"
        ]
        == "1"
    )


def test_generated_revision_names_follow_the_generation(
    knative_cluster: KnativeCluster, knative_kubectl: Kubectl
) -> None:
    manifest: dict[str, Any] = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "hello", "namespace": "labs-1"},
        "spec": {"template": {"spec": {"containers": [{"image": "ghcr.io/knative/helloworld-go:1"}]}}},
    }
    knative_kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert knative_cluster.settle()
    manifest["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/knative/helloworld-go:2"
    knative_kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert knative_cluster.settle()
    listed = knative_kubectl(
        "get",
        "rev",
        "-n",
        "labs-1",
        "-l",
        "serving.knative.dev/service=hello",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name}="
        "{.metadata.labels.serving\\.knative\\.dev/routingState} {end}",
    ).stdout.split()
    assert listed == ["hello-00001=reserve", "hello-00002=active"]


def test_removing_a_tag_removes_its_service_and_routes(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    traffic = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 50},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 50},
    ]
    patch_service(knative_api, {"spec": {"traffic": traffic}})
    assert knative_cluster.settle()
    assert "latest-customer" not in core_service_names(knative_api)
    assert {"customer", "current-customer", "candidate-customer"} <= set(core_service_names(knative_api))
    vs = custom_object(knative_api, "networking.istio.io", "v1beta1", "virtualservices", "customer-ingress")
    # Three names left, each with a cluster-local and an external KIngress rule, each rule a probe
    # route and a route in net-istio: 12; the mesh VirtualService has the cluster-local rules only.
    assert len(vs["spec"]["http"]) == 12
    assert not [h for h in vs["spec"]["hosts"] if h.startswith("latest-")]
    mesh = custom_object(knative_api, "networking.istio.io", "v1", "virtualservices", "customer-mesh")
    assert len(mesh["spec"]["http"]) == 6


def test_deleting_a_revision_cleans_up_what_it_owned(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    patch_service(knative_api, {"spec": {"traffic": [{"latestRevision": True, "percent": 100}]}})
    assert knative_cluster.settle()
    v3 = knative(knative_api, "revisions", "customer-v3")
    assert v3["metadata"]["labels"]["serving.knative.dev/routingState"] == "reserve"
    client.CustomObjectsApi(knative_api).delete_namespaced_custom_object(
        "serving.knative.dev", "v1", "labs-1", "revisions", "customer-v3"
    )
    assert knative_cluster.settle()
    services = core_service_names(knative_api)
    assert "customer-v3" not in services and "customer-v3-private" not in services
    assert "customer-v4" in services
    found = client.AppsV1Api(knative_api).list_namespaced_deployment("labs-1").items
    deployments = [d.metadata.name for d in found if d.metadata is not None]
    assert "customer-v3-deployment" not in deployments and "customer-v4-deployment" in deployments
    assert condition(knative(knative_api, "services", "customer"), "Ready")[0] == "True"


def test_a_gradual_rollout_moves_traffic_in_steps(knative_cluster: KnativeCluster, knative_api: Any) -> None:
    from kubernetes import watch

    service = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "roll", "annotations": {"serving.knative.dev/rollout-duration": "5s"}},
        "spec": {"template": {"spec": {"containers": [{"image": "ghcr.io/knative/helloworld-go:1"}]}}},
    }
    custom = client.CustomObjectsApi(knative_api)
    custom.create_namespaced_custom_object("serving.knative.dev", "v1", "labs-1", "services", service)
    assert knative_cluster.settle()
    start = knative(knative_api, "routes", "roll")["metadata"]["resourceVersion"]
    template = {"spec": {"containers": [{"image": "ghcr.io/knative/helloworld-go:2"}]}}
    patch_service(knative_api, {"spec": {"template": template}}, name="roll")
    splits: list[dict[str, int]] = []
    reasons: set[str] = set()
    events = watch.Watch().stream(  # type: ignore[no-untyped-call]
        custom.list_namespaced_custom_object,
        "serving.knative.dev",
        "v1",
        "labs-1",
        "routes",
        field_selector="metadata.name=roll",
        resource_version=start,
        timeout_seconds=5,
    )
    for event in events:
        route = event["object"]
        split = {t["revisionName"]: t["percent"] for t in route.get("status", {}).get("traffic", [])}
        if event["type"] == "BOOKMARK" or not split or (splits and split == splits[-1]):
            continue
        splits.append(split)
        reasons.add(condition(route, "Ready")[1])
        if split == {"roll-00002": 100}:
            break
    events.close()  # ends the watch request
    # The Route may or may not change before the rollout starts (its labels can settle first).
    if splits[0] == {"roll-00001": 100}:
        splits.pop(0)
    assert splits[0] == {"roll-00001": 99, "roll-00002": 1}
    assert splits[-1] == {"roll-00002": 100}
    # At least one step between the first 1% and the end (test_rollout_goldens has the exact steps).
    assert len(splits) >= 3, splits
    assert all(sum(s.values()) == 100 for s in splits)
    news = [s.get("roll-00002", 0) for s in splits]
    assert news == sorted(news)
    assert "RolloutInProgress" in reasons
    assert knative_cluster.settle()
    assert condition(knative(knative_api, "routes", "roll"), "Ready") == ("True", "", "")


def test_a_cluster_local_service_gets_local_urls_only(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    service = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "inner", "labels": {"networking.knative.dev/visibility": "cluster-local"}},
        "spec": {"template": {"spec": {"containers": [{"image": "ghcr.io/knative/helloworld-go:1"}]}}},
    }
    client.CustomObjectsApi(knative_api).create_namespaced_custom_object(
        "serving.knative.dev", "v1", "labs-1", "services", service
    )
    assert knative_cluster.settle()
    assert (
        knative(knative_api, "services", "inner")["status"]["url"] == "http://inner.labs-1.svc.cluster.local"
    )
    vs = custom_object(knative_api, "networking.istio.io", "v1beta1", "virtualservices", "inner-ingress")
    assert vs["spec"]["gateways"] == ["knative-serving/knative-local-gateway"]
    assert vs["spec"]["hosts"] == ["inner.labs-1", "inner.labs-1.svc", "inner.labs-1.svc.cluster.local"]
    route = knative(knative_api, "routes", "inner")
    # serving's route.go says "TLS is not enabled for cluster-local" only when external-domain-tls is
    # on; with it off (the default) every route, cluster-local ones too, gets the external message.
    assert condition(route, "CertificateProvisioned") == (
        "True",
        "TLSNotEnabled",
        "external-domain-tls is not enabled",
    )


def test_deleting_a_service_deletes_everything_it_made(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    client.CustomObjectsApi(knative_api).delete_namespaced_custom_object(
        "serving.knative.dev", "v1", "labs-1", "services", "customer"
    )
    assert knative_cluster.settle()
    assert not [n for n in core_service_names(knative_api) if "customer" in n]
    assert not [n for n in names(knative_api, "serving.knative.dev", "v1", "revisions") if "customer" in n]
    vs = names(knative_api, "networking.istio.io", "v1", "virtualservices")
    assert not [n for n in vs if n.startswith("customer")]
    assert names(knative_api, "networking.internal.knative.dev", "v1alpha1", "ingresses") == [
        "preference",
        "recommendation",
    ]


def test_a_route_of_its_own_routes_any_revision(knative_cluster: KnativeCluster, knative_api: Any) -> None:
    custom = client.CustomObjectsApi(knative_api)
    route = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Route",
        "metadata": {"name": "direct"},
        "spec": {"traffic": [{"revisionName": "customer-v3", "percent": 100, "tag": "old"}]},
    }
    custom.create_namespaced_custom_object("serving.knative.dev", "v1", "labs-1", "routes", route)
    assert knative_cluster.settle()
    got = knative(knative_api, "routes", "direct")
    assert condition(got, "Ready") == ("True", "", "")
    assert got["status"]["traffic"][0]["url"].startswith("http://old-direct.labs-1.")
    assert {"direct", "old-direct"} <= set(core_service_names(knative_api))
    assert "direct-ingress" in names(knative_api, "networking.istio.io", "v1", "virtualservices")
    v3 = knative(knative_api, "revisions", "customer-v3")["metadata"]
    assert v3["annotations"]["serving.knative.dev/routes"] == "customer,direct"
    custom.delete_namespaced_custom_object("serving.knative.dev", "v1", "labs-1", "routes", "direct")
    assert knative_cluster.settle()
    v3 = knative(knative_api, "revisions", "customer-v3")["metadata"]
    assert v3["annotations"]["serving.knative.dev/routes"] == "customer"
    assert v3["labels"]["serving.knative.dev/routingState"] == "active"
    assert "old-direct" not in core_service_names(knative_api)


def test_a_route_of_its_own_is_validated_too(knative_api: Any) -> None:
    from kubernetes.client.exceptions import ApiException

    route = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Route",
        "metadata": {"name": "direct"},
        "spec": {
            "traffic": [{"revisionName": "customer-v3", "configurationName": "customer", "percent": 100}]
        },
    }
    try:
        client.CustomObjectsApi(knative_api).create_namespaced_custom_object(
            "serving.knative.dev", "v1", "labs-1", "routes", route
        )
    except ApiException as error:
        assert error.status == 400
        assert (
            "expected exactly one, got both: spec.traffic[0].configurationName, spec.traffic[0].revisionName"
            in (error.body or "")
        )
    else:
        raise AssertionError("the webhook accepted a target naming both a revision and a configuration")
