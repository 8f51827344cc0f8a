"""Route resolution, rollouts and net-istio's VirtualServices against the lab's objects."""

from __future__ import annotations

from typing import Any

import pytest

from app.model.naming import DomainConfig
from app.model.routing import (
    ConfigurationState,
    ResolvedTarget,
    RevisionShare,
    RevisionState,
    host_rules,
    kingress_spec,
    placeholder_service_spec,
    resolve_traffic,
    revision_private_service_spec,
    route_service_names,
    route_traffic,
    status_traffic,
    virtual_service_specs,
)
from app.model.traffic import TrafficTarget, default_traffic

LAB_DOMAIN = "apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"
LAB = DomainConfig(domain=LAB_DOMAIN)
LAB_TRAFFIC = [
    TrafficTarget(tag="current", revision_name="customer-v3", percent=50),
    TrafficTarget(tag="candidate", revision_name="customer-v4", percent=50),
    TrafficTarget(tag="latest", latest_revision=True, percent=0),
]
REVISIONS = {
    "customer-v3": RevisionState("customer-v3", "customer", "True"),
    "customer-v4": RevisionState("customer-v4", "customer", "True"),
}
CONFIGS = {"customer": ConfigurationState("customer", latest_ready="customer-v4")}

# The lab text's VirtualService hosts, verbatim.
LAB_HOSTS = [
    f"{name}.labs-1{suffix}"
    for name in ("candidate-customer", "current-customer", "customer", "latest-customer")
    for suffix in ("", f".{LAB_DOMAIN}", ".svc", ".svc.cluster.local")
]


def lab_targets() -> list[ResolvedTarget]:
    spec = route_traffic("customer", default_traffic(LAB_TRAFFIC))
    targets, problem = resolve_traffic(
        spec, owner_service="customer", revisions=REVISIONS, configurations=CONFIGS
    )
    assert problem is None
    return targets


def test_route_spec_names_the_configuration_for_floating_targets() -> None:
    spec = route_traffic("customer", default_traffic(LAB_TRAFFIC))
    assert [t.to_dict() for t in spec][2] == {
        "tag": "latest",
        "configurationName": "customer",
        "latestRevision": True,
        "percent": 0,
    }


def test_status_traffic_resolves_latest_and_puts_urls_on_tags_only() -> None:
    assert status_traffic("customer", "labs-1", lab_targets(), LAB) == [
        {
            "tag": "current",
            "revisionName": "customer-v3",
            "latestRevision": False,
            "percent": 50,
            "url": f"http://current-customer.labs-1.{LAB_DOMAIN}",
        },
        {
            "tag": "candidate",
            "revisionName": "customer-v4",
            "latestRevision": False,
            "percent": 50,
            "url": f"http://candidate-customer.labs-1.{LAB_DOMAIN}",
        },
        {
            "tag": "latest",
            "revisionName": "customer-v4",
            "latestRevision": True,
            "percent": 0,
            "url": f"http://latest-customer.labs-1.{LAB_DOMAIN}",
        },
    ]
    untagged = status_traffic("customer", "labs-1", [ResolvedTarget(None, "customer-v4", 100, True)], LAB)
    assert untagged == [{"revisionName": "customer-v4", "latestRevision": True, "percent": 100}]


def _weights(route: dict[str, Any]) -> list[tuple[str, int]]:
    return [(d["destination"]["host"], d["weight"]) for d in route["route"]]


def test_ingress_virtual_service_matches_the_lab() -> None:
    """Today's net-istio (the default profile): per KIngress rule a probe route then the route; the
    goldens of every field are in test_profiles.py."""
    ingress, _ = virtual_service_specs("customer", "labs-1", lab_targets(), LAB)
    assert ingress["hosts"] == LAB_HOSTS
    assert ingress["gateways"] == [
        "knative-serving/knative-ingress-gateway",
        "knative-serving/knative-local-gateway",
    ]
    prefixes = [[m["authority"]["prefix"] for m in r["match"]] for r in ingress["http"]]
    assert prefixes == [
        [host]
        for name in ("customer", "candidate-customer", "current-customer", "latest-customer")
        for host in (f"{name}.labs-1",) * 2 + (f"{name}.labs-1.{LAB_DOMAIN}",) * 2
    ]
    v3, v4 = "customer-v3.labs-1.svc.cluster.local", "customer-v4.labs-1.svc.cluster.local"
    assert [_weights(r) for r in ingress["http"]][::4] == [
        [(v3, 50), (v4, 50)],
        [(v4, 100)],
        [(v3, 100)],
        [(v4, 100)],
    ]
    first = ingress["http"][1]
    assert first["retries"] == {}
    assert "timeout" not in first and "headers" not in first
    assert first["route"][0]["destination"]["port"] == {"number": 80}
    assert first["route"][0]["headers"] == {
        "request": {"set": {"Knative-Serving-Namespace": "labs-1", "Knative-Serving-Revision": "customer-v3"}}
    }
    probes = {r["headers"]["request"]["set"]["K-Network-Hash"] for r in ingress["http"][::2]}
    assert len(probes) == 1 and len(probes.pop()) == 64


def test_mesh_virtual_service_keeps_cluster_hosts_only() -> None:
    _, mesh = virtual_service_specs("customer", "labs-1", lab_targets(), LAB)
    assert mesh["gateways"] == ["mesh"]
    assert mesh["hosts"] == [h for h in LAB_HOSTS if LAB_DOMAIN not in h]
    assert [r["match"] for r in mesh["http"]][3] == [
        {"authority": {"prefix": "candidate-customer.labs-1"}, "gateways": ["mesh"]}
    ]


def test_zero_percent_targets_are_left_out_and_a_revision_is_merged() -> None:
    targets = [
        ResolvedTarget(None, "a-1", 30, False),
        ResolvedTarget(None, "a-2", 0, False),
        ResolvedTarget("x", "a-1", 70, False),
    ]
    default = host_rules("a", "ns", targets, LAB)[0]
    assert default.splits == (RevisionShare("a-1", 100),)


def test_cluster_local_routes_have_no_external_host_or_gateway() -> None:
    targets = [ResolvedTarget(None, "a-1", 100, True)]
    ingress, _ = virtual_service_specs("a", "ns", targets, LAB, cluster_local=True)
    assert ingress["gateways"] == ["knative-serving/knative-local-gateway"]
    assert ingress["hosts"] == ["a.ns", "a.ns.svc", "a.ns.svc.cluster.local"]
    rules = kingress_spec("ns", host_rules("a", "ns", targets, LAB, cluster_local=True))["rules"]
    assert [r["visibility"] for r in rules] == ["ClusterLocal"]


@pytest.mark.parametrize(
    ("spec", "revisions", "configs", "expected"),
    [
        (
            [TrafficTarget(revision_name="customer-v9", percent=100, latest_revision=False)],
            REVISIONS,
            CONFIGS,
            ("False", "RevisionMissing", 'Revision "customer-v9" referenced in traffic not found.'),
        ),
        (
            [TrafficTarget(revision_name="customer-v3", percent=100, latest_revision=False)],
            {"customer-v3": RevisionState("customer-v3", "customer", "Unknown")},
            CONFIGS,
            ("Unknown", "RevisionMissing", 'Revision "customer-v3" is not yet ready.'),
        ),
        (
            [TrafficTarget(revision_name="customer-v3", percent=100, latest_revision=False)],
            {"customer-v3": RevisionState("customer-v3", "customer", "False")},
            CONFIGS,
            ("False", "RevisionMissing", 'Revision "customer-v3" failed to become ready.'),
        ),
        (
            [TrafficTarget(revision_name="other-00001", percent=100, latest_revision=False)],
            {"other-00001": RevisionState("other-00001", "other", "True")},
            CONFIGS,
            (
                "False",
                "RevisionNotOwned",
                'Revision "other-00001" belongs to Service "other", not Service "customer".',
            ),
        ),
        (
            [TrafficTarget(configuration_name="customer", percent=100, latest_revision=True)],
            REVISIONS,
            {"customer": ConfigurationState("customer")},
            (
                "Unknown",
                "RevisionMissing",
                'Configuration "customer" is waiting for a Revision to become ready.',
            ),
        ),
    ],
)
def test_route_reconciler_problems(
    spec: list[TrafficTarget],
    revisions: dict[str, RevisionState],
    configs: dict[str, ConfigurationState],
    expected: tuple[str, str, str],
) -> None:
    targets, problem = resolve_traffic(
        spec, owner_service="customer", revisions=revisions, configurations=configs
    )
    assert targets == []
    assert problem is not None
    assert (problem.status, problem.reason, problem.message) == expected


def test_a_missing_target_is_reported_before_an_unready_one() -> None:
    # This used to expect the unready target: serving's traffic/errors.go counts a missing target as a
    # failure, and a failure replaces an earlier target error that is not one.
    spec = [
        TrafficTarget(revision_name="customer-v9", percent=50, latest_revision=False),
        TrafficTarget(revision_name="customer-v3", percent=50, latest_revision=False),
    ]
    revisions = {"customer-v3": RevisionState("customer-v3", "customer", "Unknown")}
    _, problem = resolve_traffic(spec, owner_service="customer", revisions=revisions, configurations=CONFIGS)
    assert problem is not None
    assert problem.message == 'Revision "customer-v9" referenced in traffic not found.'


def test_kubernetes_service_names_and_specs() -> None:
    assert route_service_names("customer", ["latest", "current", "candidate"]) == [
        "customer",
        "candidate-customer",
        "current-customer",
        "latest-customer",
    ]
    spec = placeholder_service_spec()
    assert spec["externalName"] == "knative-local-gateway.istio-system.svc.cluster.local"
    assert spec["ports"][0]["name"] == "http2" and spec["ports"][0]["port"] == 80
    private = revision_private_service_spec("uid-of-customer-v3")
    assert private["selector"] == {"serving.knative.dev/revisionUID": "uid-of-customer-v3"}
    assert {p["port"] for p in private["ports"]} == {80, 443, 9090, 9091, 8012}
