"""The networking views, pure: probe routes grouped out of a VirtualService, owner chains through the
ServerlessService and PodAutoscaler, the Endpoints behind each revision Service, and KIngress rows.

The objects are shaped as Knative writes them: VirtualService and KIngress specs come from
app.model.routing (the functions the simulator builds its objects with, checked against upstream in
tests/sim/knative/test_profiles.py); the owner and Endpoints shapes are spelled out here with their sources.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.model.labels import (
    INGRESS_CLASS_ANNOTATION,
    INGRESS_LABEL,
    ROUTE_LABEL,
    SERVICE_LABEL,
    SKS_LABEL,
)
from app.model.naming import external_host
from app.model.objects import NamespaceObjects
from app.model.profiles import CURRENT, KOURIER, SEED
from app.model.routing import (
    HASH_HEADER,
    KINGRESS_ROLLOUT_ANNOTATION,
    PROBE_OVERRIDE,
    ResolvedTarget,
    host_rules,
    kingress_spec,
    virtual_service_specs,
)
from app.model.views import (
    OwnerLink,
    kingress_view,
    namespace_overview,
    rollout_entries,
    service_backends,
    virtual_service_view,
)

NS = "labs-1"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
LAB = [
    ResolvedTarget("current", "customer-v3", 50, False),
    ResolvedTarget("candidate", "customer-v4", 50, False),
    ResolvedTarget("latest", "customer-v4", 0, True, "customer"),
]
"""The lab's `customer` split as the Route resolves it."""


def knative_object(
    api_version: str, kind: str, name: str, owner: dict[str, Any] | None = None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": NS,
        "uid": f"uid-{kind}-{name}",
        "labels": {SERVICE_LABEL: "customer"},
    }
    if owner is not None:
        metadata["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


# --- probe routes -------------------------------------------------------------------------------------


def test_probe_routes_are_told_apart_and_kept_aside_under_current() -> None:
    """net-istio `pkg/reconciler/ingress/resources/virtual_service.go` makes one http route per KIngress
    rule, and knative/networking `pkg/ingress/ingress.go` InsertProbe puts a probe copy before each,
    matching `K-Network-Hash: override`: customer-ingress gets 16 routes (local probe, local, external
    probe, external per target name), customer-mesh 8. The view keeps the 8 (4) real routes in their
    order and the probes aside, each still named by its index in `spec.http`."""
    ingress_spec, mesh_spec = virtual_service_specs("customer", NS, LAB, profile=CURRENT)
    ingress = {
        "metadata": {"name": "customer-ingress", "labels": {INGRESS_LABEL: "customer"}},
        "spec": ingress_spec,
    }
    view = virtual_service_view(ingress, {})
    assert len(ingress_spec["http"]) == 16
    assert [h.index for h in view.http] == [1, 3, 5, 7, 9, 11, 13, 15]
    assert [h.index for h in view.probes] == [0, 2, 4, 6, 8, 10, 12, 14]
    assert all(h.probe for h in view.probes) and not any(h.probe for h in view.http)
    for index in (0, 2):
        assert ingress_spec["http"][index]["match"][0]["headers"] == {HASH_HEADER: {"exact": PROBE_OVERRIDE}}
    # A probe carries exactly its route's matches and splits: nothing is lost by folding it.
    for probe, route in zip(view.probes, view.http, strict=True):
        assert probe.destinations == route.destinations
        assert [m.authority for m in probe.matches] == [m.authority for m in route.matches]
    assert view.ingress == "customer" and view.route == ""
    mesh = virtual_service_view({"metadata": {"name": "customer-mesh"}, "spec": mesh_spec}, {})
    assert (len(mesh.http), len(mesh.probes)) == (4, 4)


def test_the_seeds_routes_carry_the_hash_but_are_no_probes() -> None:
    """The seed's net-istio (before networking 0.18) added `K-Network-Hash` to every route and matched
    no header: one route per target name, none of them a probe."""
    ingress_spec, _ = virtual_service_specs("customer", NS, LAB, profile=SEED)
    assert all(HASH_HEADER in route["headers"]["request"]["add"] for route in ingress_spec["http"])
    view = virtual_service_view({"metadata": {"name": "customer"}, "spec": ingress_spec}, {})
    assert (len(view.http), view.probes) == (4, ())


# --- owner chains -------------------------------------------------------------------------------------


def revision_chain() -> dict[str, dict[str, Any]]:
    """Service <- Configuration <- Revision <- PodAutoscaler <- ServerlessService <- the revision's
    Services, as knative/serving makes them: `pkg/reconciler/revision/resources/pa.go` (the PA owned by
    the Revision), `pkg/reconciler/autoscaling/kpa/resources/sks.go` (the SKS owned by the PA) and
    `pkg/reconciler/serverlessservice/resources/services.go` (both Services owned by the SKS)."""
    ksvc = knative_object("serving.knative.dev/v1", "Service", "customer")
    config = knative_object("serving.knative.dev/v1", "Configuration", "customer", ksvc)
    revision = knative_object("serving.knative.dev/v1", "Revision", "customer-v3", config)
    pa = knative_object("autoscaling.internal.knative.dev/v1alpha1", "PodAutoscaler", "customer-v3", revision)
    sks = knative_object("networking.internal.knative.dev/v1alpha1", "ServerlessService", "customer-v3", pa)
    sks["spec"] = {"mode": "Proxy"}
    public = knative_object("v1", "Service", "customer-v3", sks)
    private = knative_object("v1", "Service", "customer-v3-private", sks)
    for service in (public, private):
        service["metadata"]["labels"][SKS_LABEL] = "customer-v3"
        service["spec"] = {"type": "ClusterIP", "clusterIP": "10.96.0.3"}
    return {
        "ksvc": ksvc,
        "config": config,
        "revision": revision,
        "pa": pa,
        "sks": sks,
        "public": public,
        "private": private,
    }


def test_revision_services_are_traced_through_the_serverless_service_and_pod_autoscaler() -> None:
    o = revision_chain()
    objects = NamespaceObjects(
        namespace=NS,
        services=(o["ksvc"],),
        configurations=(o["config"],),
        revisions=(o["revision"],),
        podautoscalers=(o["pa"],),
        serverlessservices=(o["sks"],),
        core_services=(o["public"], o["private"]),
    )
    rows = {r.name: r for r in namespace_overview(objects, NOW).core_services.rows}
    assert rows["customer-v3-private"].owners == (
        OwnerLink("ServerlessService", "customer-v3", "networking.internal.knative.dev/v1alpha1", True),
        OwnerLink("PodAutoscaler", "customer-v3", "autoscaling.internal.knative.dev/v1alpha1", True),
        OwnerLink("Revision", "customer-v3", "serving.knative.dev/v1", True),
        OwnerLink("Configuration", "customer", "serving.knative.dev/v1", True),
        OwnerLink("Service", "customer", "serving.knative.dev/v1", True),
    )
    # Without the PodAutoscalers in the cache (not served, or not readable) the chain stops there.
    cut = namespace_overview(
        NamespaceObjects(namespace=NS, serverlessservices=(o["sks"],), core_services=(o["public"],)), NOW
    ).core_services.rows[0]
    assert [(link.kind, link.found) for link in cut.owners] == [
        ("ServerlessService", True),
        ("PodAutoscaler", False),
    ]


# --- Endpoints ----------------------------------------------------------------------------------------


def endpoints(name: str, owner: dict[str, Any] | None, *addresses: dict[str, Any]) -> dict[str, Any]:
    body = knative_object("v1", "Endpoints", name, owner)
    body["subsets"] = (
        [{"addresses": list(addresses), "ports": [{"name": "http", "port": 8012}]}] if addresses else []
    )
    return body


def pod(name: str, ip: str) -> dict[str, Any]:
    body = knative_object("v1", "Pod", name)
    body["status"] = {"podIP": ip, "phase": "Running"}
    return body


def pod_address(name: str, ip: str) -> dict[str, Any]:
    return {"ip": ip, "targetRef": {"kind": "Pod", "name": name, "namespace": NS}}


def test_endpoints_say_whether_pods_or_the_activator_back_a_revision_service() -> None:
    """knative/serving `pkg/reconciler/serverlessservice/serverlessservice.go`: in Proxy mode the SKS
    copies the activator's Endpoints (pods in knative-serving) into the public Service's; in Serve mode
    the private Service's (the revision's pods). The private Service's come from the endpoints
    controller: the ready pods of its selector."""
    o = revision_chain()
    sks = {"customer-v3": o["sks"]}
    pods = [pod("customer-v3-deployment-a", "10.244.1.7")]
    activator = endpoints(
        "customer-v3",
        o["sks"],
        {
            "ip": "10.244.0.201",
            "targetRef": {"kind": "Pod", "name": "activator-6c9b", "namespace": "knative-serving"},
        },
        {"ip": "10.244.0.202"},
    )
    view = service_backends(o["public"], {"customer-v3": activator}, sks, pods)
    assert view is not None and (view.kind, view.mode) == ("activator", "Proxy")
    assert view.text == "activator (SKS in Proxy mode)"

    serving = endpoints("customer-v3", o["sks"], pod_address("customer-v3-deployment-a", "10.244.1.7"))
    o["sks"]["spec"] = {"mode": "Serve"}
    view = service_backends(o["public"], {"customer-v3": serving}, sks, pods)
    assert view is not None and (view.kind, view.text) == ("pods", "1 pod")
    assert [(a.pod, a.ip, a.ready) for a in view.addresses] == [
        ("customer-v3-deployment-a", "10.244.1.7", True)
    ]

    empty = endpoints("customer-v3-private", None)
    view = service_backends(o["private"], {"customer-v3-private": empty}, sks, [])
    assert view is not None and (view.kind, view.text) == ("none", "no ready endpoints")
    # A placeholder Service is an ExternalName: a DNS alias, which never has Endpoints.
    placeholder = {**o["public"], "spec": {"type": "ExternalName", "externalName": "x"}}
    assert service_backends(placeholder, {"customer-v3": serving}, sks, pods) is None
    assert service_backends(o["public"], {}, sks, pods) is None


# --- KIngress -----------------------------------------------------------------------------------------


def kingress(spec: dict[str, Any], annotations: dict[str, str]) -> dict[str, Any]:
    body = knative_object("networking.internal.knative.dev/v1alpha1", "Ingress", "customer")
    body["metadata"]["labels"][ROUTE_LABEL] = "customer"
    body["metadata"]["annotations"] = annotations
    body["spec"] = spec
    return body


def test_kingress_rows_give_hosts_visibility_splits_and_headers() -> None:
    """knative/serving `pkg/reconciler/route/resources/ingress.go`: per target name ("" first, then the
    tags sorted) the ClusterLocal rule, then one ExternalIP rule per external host (1.21+); splits name
    the revision's public Service on port 80 and append Knative-Serving-Namespace and -Revision."""
    spec = kingress_spec(NS, host_rules("customer", NS, LAB), CURRENT)
    rollout = json.dumps(
        {
            "configurations": [
                {
                    "configurationName": "customer",
                    "tag": "latest",
                    "percent": 100,
                    "revisions": [{"revisionName": "customer-v4", "percent": 100}],
                    "stepParams": {},
                }
            ]
        }
    )
    view = kingress_view(
        kingress(spec, {INGRESS_CLASS_ANNOTATION: KOURIER, KINGRESS_ROLLOUT_ANNOTATION: rollout}),
        {"customer-v3": 2},
    )
    assert (view.name, view.route, view.class_name) == ("customer", "customer", "Kourier")
    assert [r.visibility for r in view.rules] == ["ClusterLocal", "ExternalIP"] * 4
    first = view.rules[0]
    assert first.hosts == ("customer.labs-1", "customer.labs-1.svc", "customer.labs-1.svc.cluster.local")
    assert [(s.service, s.port, s.percent) for s in first.splits] == [
        ("customer-v3", "80", 50),
        ("customer-v4", "80", 50),
    ]
    assert first.splits[0].headers == (
        "Knative-Serving-Namespace: labs-1",
        "Knative-Serving-Revision: customer-v3",
    )
    assert first.splits[0].colour == 2
    assert [(r.hosts[0], [(s.service, s.percent) for s in r.splits]) for r in view.rules[4:6]] == [
        ("current-customer.labs-1", [("customer-v3", 100)]),
        (external_host("customer", NS, "current"), [("customer-v3", 100)]),
    ]
    (entry,) = view.rollout_entries
    assert (entry.configuration, entry.tag, entry.revisions) == (
        "customer",
        "latest",
        (("customer-v4", 100),),
    )


def test_a_rollout_annotation_with_nothing_floating_or_none_at_all() -> None:
    """`{}` is what the lab's Route writes when no floating target carries traffic; the seed's Knative
    (before 0.20) wrote no rollout annotation."""
    assert rollout_entries("{}") == () and rollout_entries("not json") == ()
    spec = kingress_spec(NS, host_rules("customer", NS, LAB), SEED)
    view = kingress_view(kingress(spec, {}), {})
    assert view.rollout is None and view.class_name == "default class"
    assert kingress_view(kingress(spec, {KINGRESS_ROLLOUT_ANNOTATION: "{}"}), {}).rollout == "{}"
