"""View models from hand-written objects shaped like the lab's (customer v3/v4 split 50/50)."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.model.objects import NamespaceObjects
from app.model.views import (
    HIDDEN,
    OwnerLink,
    RowMemo,
    colour_index,
    env_text,
    human_duration,
    namespace_overview,
    readiness,
    redacted,
    route_view,
    service_view,
    virtual_service_view,
)

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NS = "labs-1"


def stamp(seconds_ago: int) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def obj(
    kind: str,
    name: str,
    uid: str,
    *,
    owner: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
    **body: Any,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": NS,
        "uid": uid,
        "creationTimestamp": stamp(300),
        "labels": labels or {},
    }
    if owner is not None:
        metadata["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    return {"apiVersion": "v1", "kind": kind, "metadata": metadata, **body}


def cond(kind: str, status: str = "True", reason: str = "", message: str = "") -> dict[str, str]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": stamp(90),
    }


SPLIT = [
    {"tag": "current", "revisionName": "customer-v3", "percent": 50},
    {"tag": "candidate", "revisionName": "customer-v4", "percent": 50},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]
SERVED = [
    {
        "tag": "current",
        "revisionName": "customer-v3",
        "percent": 50,
        "latestRevision": False,
        "url": "http://current-customer.labs-1.example.com",
    },
    {
        "tag": "candidate",
        "revisionName": "customer-v4",
        "percent": 50,
        "latestRevision": False,
        "url": "http://candidate-customer.labs-1.example.com",
    },
    {
        "tag": "latest",
        "revisionName": "customer-v4",
        "percent": 0,
        "latestRevision": True,
        "url": "http://latest-customer.labs-1.example.com",
    },
]


def lab_objects() -> NamespaceObjects:
    ksvc = obj(
        "Service",
        "customer",
        "u-ksvc",
        spec={"traffic": SPLIT},
        status={
            "url": "http://customer.labs-1.example.com",
            "latestCreatedRevisionName": "customer-v4",
            "latestReadyRevisionName": "customer-v4",
            "traffic": SERVED,
            "conditions": [cond("ConfigurationsReady"), cond("Ready"), cond("RoutesReady")],
        },
    )
    ksvc["apiVersion"] = "serving.knative.dev/v1"
    config = obj(
        "Configuration", "customer", "u-cfg", owner=ksvc, labels={"serving.knative.dev/service": "customer"}
    )
    config["apiVersion"] = "serving.knative.dev/v1"
    route = obj(
        "Route",
        "customer",
        "u-route",
        owner=ksvc,
        labels={"serving.knative.dev/service": "customer"},
        spec={"traffic": SPLIT},
        status={
            "url": "http://customer.labs-1.example.com",
            "traffic": SERVED,
            "conditions": [cond("AllTrafficAssigned"), cond("Ready")],
        },
    )
    route["apiVersion"] = "serving.knative.dev/v1"
    revisions = []
    for gen, version in ((3, "v3"), (4, "v4")):
        rev = obj(
            "Revision",
            f"customer-{version}",
            f"u-rev{gen}",
            owner=config,
            labels={
                "serving.knative.dev/service": "customer",
                "serving.knative.dev/configuration": "customer",
                "serving.knative.dev/configurationGeneration": str(gen),
                "serving.knative.dev/routingState": "active",
            },
            spec={
                "containers": [
                    {
                        "image": "quay.io/dsanchor/customer:quarkus",
                        "env": [
                            {"name": "VERSION", "value": version},
                            {"name": "PASSWORD", "value": "not shown in the row"},
                        ],
                    }
                ]
            },
            status={
                "actualReplicas": 1,
                "desiredReplicas": 1,
                "conditions": [
                    cond("Active"),
                    cond("ContainerHealthy"),
                    cond("Ready"),
                    cond("ResourcesAvailable"),
                ],
            },
        )
        rev["apiVersion"] = "serving.knative.dev/v1"
        revisions.append(rev)
    old = obj(
        "Revision",
        "customer-v1",
        "u-rev1",
        owner=config,
        labels={
            "serving.knative.dev/service": "customer",
            "serving.knative.dev/configurationGeneration": "1",
            "serving.knative.dev/routingState": "reserve",
        },
        status={
            "conditions": [
                cond("Active", "False", "NoTraffic", "The target is not receiving traffic."),
                cond("Ready"),
            ]
        },
    )
    public = obj(
        "Service",
        "customer-v3",
        "u-pub3",
        owner=revisions[0],
        spec={
            "type": "ClusterIP",
            "clusterIP": "10.0.0.3",
            "ports": [{"name": "http", "port": 80, "targetPort": 8012, "protocol": "TCP"}],
        },
    )
    tag_svc = obj(
        "Service",
        "current-customer",
        "u-tag",
        owner=route,
        spec={
            "type": "ExternalName",
            "externalName": "knative-local-gateway.istio-system.svc.cluster.local",
            "ports": [{"name": "http2", "port": 80}],
        },
    )
    by_hand = obj("Service", "postgres", "u-pg", spec={"clusterIP": "10.0.0.9", "ports": [{"port": 5432}]})
    pod = obj(
        "Pod",
        "customer-v3-deployment-abc",
        "u-pod",
        labels={"serving.knative.dev/revision": "customer-v3", "serving.knative.dev/service": "customer"},
        status={
            "phase": "Running",
            "containerStatuses": [
                {"name": "user-container", "ready": True, "restartCount": 1},
                {"name": "queue-proxy", "ready": False, "restartCount": 0},
            ],
        },
    )
    vs = obj(
        "VirtualService",
        "customer-ingress",
        "u-vs",
        labels={"serving.knative.dev/route": "customer"},
        spec=LAB_VS_SPEC,
    )
    return NamespaceObjects(
        namespace=NS,
        services=(ksvc,),
        configurations=(config,),
        revisions=(old, *revisions),
        routes=(route,),
        virtualservices=(vs,),
        core_services=(public, tag_svc, by_hand),
        pods=(pod,),
    )


LAB_VS_SPEC: dict[str, Any] = {
    "gateways": ["knative-serving/cluster-local-gateway", "knative-serving/knative-ingress-gateway"],
    "hosts": ["customer.labs-1", "customer.labs-1.example.com"],
    "http": [
        {
            "match": [
                {
                    "authority": {"prefix": "customer.labs-1.example.com"},
                    "gateways": ["knative-serving/knative-ingress-gateway"],
                },
                {
                    "authority": {"prefix": "customer.labs-1"},
                    "gateways": ["knative-serving/cluster-local-gateway"],
                },
            ],
            "route": [
                {
                    "destination": {"host": "customer-v3.labs-1.svc.cluster.local", "port": {"number": 80}},
                    "headers": {"request": {"add": {"Knative-Serving-Revision": "customer-v3"}}},
                    "weight": 50,
                },
                {
                    "destination": {"host": "customer-v4.labs-1.svc.cluster.local", "port": {"number": 80}},
                    "headers": {"request": {"set": {"Knative-Serving-Revision": "customer-v4"}}},
                    "weight": 50,
                },
            ],
        }
    ],
}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (45, "45s"),
        (119, "119s"),
        (300, "5m"),
        (330, "5m30s"),
        (1500, "25m"),
        (3 * 3600 + 12 * 60, "3h12m"),
        (5 * 3600, "5h"),
        (20 * 3600, "20h"),
        (2 * 86400, "2d"),
        (3 * 86400 + 7200, "3d2h"),
        (30 * 86400, "30d"),
        (800 * 86400, "2y70d"),
        (3650 * 86400, "10y"),
    ],
)
def test_ages_read_like_kubectl(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_readiness_follows_kn_columns() -> None:
    failing = {"status": {"conditions": [cond("Active"), cond("Ready", "False", "RevisionMissing", "gone")]}}
    assert readiness(failing).conditions == "1 OK / 2"
    assert (readiness(failing).ready, readiness(failing).reason) == ("False", "RevisionMissing : gone")
    assert readiness({}).ready == "<unknown>"


def test_revision_rows_show_kn_columns_traffic_and_version() -> None:
    rows = {r.name: r for r in namespace_overview(lab_objects(), NOW).revisions}
    assert [r.name for r in namespace_overview(lab_objects(), NOW).revisions] == [
        "customer-v4",
        "customer-v3",
        "customer-v1",
    ]
    v4 = rows["customer-v4"]
    assert (v4.traffic, v4.tags, v4.generation, v4.conditions, v4.ready) == (
        "50%",
        ("candidate", "latest"),
        "4",
        "4 OK / 4",
        "True",
    )
    assert v4.versions == ("VERSION=v4",)
    assert (v4.actual_replicas, v4.desired_replicas, v4.routing_state, v4.age) == ("1", "1", "active", "5m")
    assert rows["customer-v1"].traffic == "" and rows["customer-v1"].actual_replicas == "-"
    assert rows["customer-v3"].colour != v4.colour


def test_env_secret_reference_shows_only_the_reference() -> None:
    env = {"name": "DB_VERSION", "valueFrom": {"secretKeyRef": {"name": "db", "key": "version"}}}
    assert env_text(env) == "DB_VERSION from secret db/version"


def test_service_row_bar_segments_follow_status_traffic() -> None:
    overview = namespace_overview(lab_objects(), NOW)
    (row,) = overview.services
    assert (row.latest_created, row.latest_ready, row.ready, row.reason) == (
        "customer-v4",
        "customer-v4",
        "True",
        "",
    )
    assert [(s.tag, s.revision, s.percent) for s in row.segments] == [
        (t["tag"], t["revisionName"], t["percent"]) for t in SERVED
    ]
    colours = {r.name: r.colour for r in overview.revisions}
    assert all(s.colour == colours[s.revision] for s in row.segments)


def test_route_spec_and_status_agree_until_status_lags() -> None:
    route = lab_objects().routes[0]
    assert not route_view(route, {}).differs
    missing = {
        **route,
        "spec": {"traffic": [{"revisionName": "customer-v9", "percent": 100}]},
        "status": {**route["status"], "conditions": [cond("Ready", "False", "RevisionMissing", "not found")]},
    }
    view = route_view(missing, {})
    assert view.differs and view.ready == "False" and view.reason.startswith("RevisionMissing")
    assert [t.revision for t in view.spec] == ["customer-v9"]


def test_virtual_service_lists_matches_and_weighted_destinations() -> None:
    vs = virtual_service_view(lab_objects().virtualservices[0], {"customer-v3": 3})
    assert vs.route == "customer" and len(vs.gateways) == 2
    (http,) = vs.http
    assert [(m.authority, m.gateways) for m in http.matches][1] == (
        "customer.labs-1",
        ("knative-serving/cluster-local-gateway",),
    )
    assert [(d.revision, d.weight, d.port, d.colour) for d in http.destinations] == [
        ("customer-v3", 50, "80", 3),
        ("customer-v4", 50, "80", colour_index("customer-v4", None)),
    ]


def test_kubernetes_services_trace_their_owners_back_to_the_knative_service() -> None:
    core_services = namespace_overview(lab_objects(), NOW).core_services
    rows = {r.name: r for r in core_services.rows}
    assert [(o.kind, o.name) for o in rows["customer-v3"].owners] == [
        ("Revision", "customer-v3"),
        ("Configuration", "customer"),
        ("Service", "customer"),
    ]
    assert rows["current-customer"].address == "knative-local-gateway.istio-system.svc.cluster.local"
    assert rows["customer-v3"].ports == ("http 80->8012/TCP",)
    assert rows["postgres"].owners == () and not rows["postgres"].generated
    assert core_services.generated == 2


def test_unresolved_owner_ends_the_chain() -> None:
    orphan = obj(
        "Service",
        "x",
        "u-x",
        owner={"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "t", "uid": "u-t"}},
    )
    rows = namespace_overview(NamespaceObjects(namespace=NS, core_services=(orphan,)), NOW).core_services.rows
    assert rows[0].owners == (OwnerLink("Thing", "t", "v1", False),)


def test_pods_group_by_revision_with_kubectl_columns() -> None:
    groups = {g.revision: g for g in namespace_overview(lab_objects(), NOW).pods}
    assert set(groups) == {"customer-v4", "customer-v3", "customer-v1"}
    (pod,) = groups["customer-v3"].pods
    assert (pod.status, pod.ready, pod.restarts) == ("Running", "1/2", 1)
    assert groups["customer-v4"].pods == ()


def test_service_view_narrows_to_one_service_and_its_generated_objects() -> None:
    view = service_view(lab_objects(), "customer", NOW)
    assert view is not None
    names = {(r.kind, r.name) for r in view.related}
    assert ("Service (core)", "customer-v3") in names and ("Service (core)", "postgres") not in names
    assert ("VirtualService", "customer-ingress") in names and ("Pod", "customer-v3-deployment-abc") in names
    assert {c.kind for c in view.conditions} == {"Service", "Configuration", "Route", "Revision"}
    assert view.sections.summary.revisions == 3
    assert service_view(lab_objects(), "nope", NOW) is None


def test_redacted_hides_secret_values_and_managed_fields() -> None:
    secret = {
        "kind": "Secret",
        "metadata": {"name": "s", "managedFields": [{}]},
        "data": {"password": "c2VjcmV0"},
    }
    shown = redacted(secret)
    assert shown["data"] == {"password": HIDDEN} and "managedFields" not in shown["metadata"]
    assert secret["data"] == {"password": "c2VjcmV0"}


def versioned(objects: NamespaceObjects, version: str = "1") -> NamespaceObjects:
    """The objects as a cache holds them: each with a resourceVersion."""
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(objects):
        group = getattr(objects, field.name)
        if isinstance(group, tuple) and all(isinstance(o, dict) for o in group):
            fields[field.name] = tuple(
                {**o, "metadata": {**o["metadata"], "resourceVersion": version}} for o in group
            )
    return dataclasses.replace(objects, **fields)


def test_kept_rows_equal_rows_built_again_and_a_change_builds_only_its_rows() -> None:
    memo = RowMemo()
    objects = versioned(lab_objects())
    assert namespace_overview(objects, NOW, memo) == namespace_overview(objects, NOW)
    # Every row of the lab (1 Service, 3 revisions, 1 Route, 1 VirtualService, 3 Kubernetes Services)
    # and the owner chains and backends of the Kubernetes Services.
    assert memo.built == {
        "service": 1,
        "revision": 3,
        "route": 1,
        "virtualservice": 1,
        "core_service": 3,
        "owner_path": 3,
        "backends": 3,
    }, memo.built

    memo.built.clear()
    later = NOW + timedelta(minutes=10)
    again = namespace_overview(objects, later, memo)
    assert again == namespace_overview(objects, later)  # the ages are as of `later`
    assert again.revisions[0].age == "15m"
    assert not memo.built, memo.built
    # The Route now serves 80/20: a new version of it, every other object as it was.
    route = copy.deepcopy(objects.routes[0])
    route["metadata"]["resourceVersion"] = "2"
    route["status"]["traffic"][0]["percent"], route["status"]["traffic"][1]["percent"] = 80, 20
    changed = dataclasses.replace(objects, routes=(route,))
    overview = namespace_overview(changed, NOW, memo)
    assert overview == namespace_overview(changed, NOW)
    assert [r.traffic for r in overview.revisions if r.traffic] == ["20%", "80%"]  # newest first
    # The Route's own row, its Service's (which shows a gradual rollout from the Route), the two
    # revisions whose share moved and the tag's Kubernetes Service, whose owner chain goes through the
    # Route; nothing else.
    assert memo.built == {
        "route": 1,
        "service": 1,
        "revision": 2,
        "core_service": 1,
        "owner_path": 1,
    }, memo.built


def test_a_kept_kubernetes_service_row_follows_its_endpoints_and_the_pods() -> None:
    memo = RowMemo()
    objects = versioned(lab_objects())
    public = objects.core_services[0]  # customer-v3, selecting the revision's pod
    pod = {**objects.pods[0], "status": {**objects.pods[0]["status"], "podIP": "10.1.0.7"}}
    endpoints = obj(
        "Endpoints",
        "customer-v3",
        "u-ep",
        subsets=[{"addresses": [{"ip": "10.1.0.7", "targetRef": {"kind": "Pod", "name": pod_name(pod)}}]}],
    )
    endpoints["metadata"]["resourceVersion"] = "1"
    served = dataclasses.replace(objects, pods=(pod,), endpoints=(endpoints,))
    first = {r.name: r.backends for r in namespace_overview(served, NOW, memo).core_services.rows}
    backends = first[name_of(public)]
    assert backends is not None and backends.kind == "pods"
    # Scaled to zero: the Endpoints now list the activator, the pod is gone.
    activator = copy.deepcopy(endpoints)
    activator["metadata"]["resourceVersion"] = "2"
    activator["subsets"] = [
        {"addresses": [{"ip": "10.9.9.9", "targetRef": {"kind": "Pod", "name": "activator-x"}}]}
    ]
    scaled = dataclasses.replace(objects, pods=(), endpoints=(activator,))
    memo.built.clear()
    overview = namespace_overview(scaled, NOW, memo)
    assert overview == namespace_overview(scaled, NOW)
    row = next(r for r in overview.core_services.rows if r.name == name_of(public))
    assert row.backends is not None and row.backends.kind == "activator"
    assert memo.built["backends"] >= 1 and memo.built["core_service"] >= 1, memo.built


def pod_name(pod: dict[str, Any]) -> str:
    return str(pod["metadata"]["name"])


def name_of(o: dict[str, Any]) -> str:
    return str(o["metadata"]["name"])
