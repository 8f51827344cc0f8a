"""Server-side Tables: column definitions and the cells of every kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.sim.apiserver.cells import format_label_selector
from app.sim.apiserver.tables import columns, print_value, to_table
from app.sim.storage.resources import default_registry

NOW = datetime(2026, 11, 30, 9, 0, 0, tzinfo=UTC)
CREATED = "2026-11-30T08:55:00Z"  # five minutes before NOW


def meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "labs", "creationTimestamp": CREATED, **extra}


def table(key: str, objects: list[dict[str, Any]], version: str = "v1", **options: Any) -> dict[str, Any]:
    rt = default_registry().get(key)
    options.setdefault("list_meta", {"resourceVersion": "42"})
    return to_table(rt, version, objects, now=NOW, **options)


def cells(key: str, obj: dict[str, Any], version: str = "v1") -> list[Any]:
    rows = table(key, [obj], version)["rows"]
    assert len(rows) == 1
    result: list[Any] = rows[0]["cells"]
    return result


def headers(key: str) -> list[str]:
    version = default_registry().get(key).versions[0]
    return [c["name"] for c in table(key, [], version)["columnDefinitions"] if c["priority"] == 0]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("services.serving.knative.dev", ["Name", "URL", "LatestCreated", "LatestReady", "Ready", "Reason"]),
        ("configurations.serving.knative.dev", ["Name", "LatestCreated", "LatestReady", "Ready", "Reason"]),
        (
            "revisions.serving.knative.dev",
            ["Name", "Config Name", "Generation", "Ready", "Reason", "Actual Replicas", "Desired Replicas"],
        ),
        ("routes.serving.knative.dev", ["Name", "URL", "Ready", "Reason"]),
        ("ingresses.networking.internal.knative.dev", ["Name", "Ready", "Reason"]),
        ("virtualservices.networking.istio.io", ["Name", "Gateways", "Hosts", "Age"]),
        ("services", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]),
        ("pods", ["Name", "Ready", "Status", "Restarts", "Age"]),
        ("namespaces", ["Name", "Status", "Age"]),
        ("deployments.apps", ["Name", "Ready", "Up-to-date", "Available", "Age"]),
        ("events", ["Last Seen", "Type", "Reason", "Object", "Message"]),
        ("endpoints", ["Name", "Endpoints", "Age"]),
    ],
)
def test_column_headers_are_the_real_ones(key: str, expected: list[str]) -> None:
    assert headers(key) == expected


def test_every_row_has_a_cell_per_column() -> None:
    reg = default_registry()
    for rt in reg.all():
        if "list" not in rt.verbs:
            continue
        result = to_table(rt, rt.versions[0], [{"metadata": meta("x")}], list_meta={}, now=NOW)
        assert len(result["rows"][0]["cells"]) == len(columns(rt)), rt.key


def test_table_envelope_and_column_definition_fields() -> None:
    result = table(
        "routes.serving.knative.dev", [], list_meta={"resourceVersion": "7", "continue": "", "x": 1}
    )
    assert result["kind"] == "Table" and result["apiVersion"] == "meta.k8s.io/v1"
    assert result["metadata"] == {"resourceVersion": "7", "continue": ""}
    assert result["rows"] == []
    name = result["columnDefinitions"][0]
    assert set(name) == {"name", "type", "format", "description", "priority"}
    assert name["format"] == "name" and name["type"] == "string"


def test_knative_service_cells_come_from_the_crd_jsonpaths() -> None:
    ksvc = {
        "metadata": meta("customer"),
        "status": {
            "url": "http://customer.labs.example.com",
            "latestCreatedRevisionName": "customer-v4",
            "latestReadyRevisionName": "customer-v3",
            "conditions": [
                {"type": "ConfigurationsReady", "status": "False", "reason": "RevisionFailed"},
                {"type": "Ready", "status": "False", "reason": "RevisionMissing"},
            ],
        },
    }
    assert cells("services.serving.knative.dev", ksvc, "v1alpha1") == [
        "customer",
        "http://customer.labs.example.com",
        "customer-v4",
        "customer-v3",
        "False",
        "RevisionMissing",
    ]


def test_absent_values_are_null_cells() -> None:
    assert cells("routes.serving.knative.dev", {"metadata": meta("fresh")}) == ["fresh", None, None, None]


def test_revision_cells_read_labels_and_integers() -> None:
    revision = {
        "metadata": meta(
            "customer-00002",
            labels={
                "serving.knative.dev/configuration": "customer",
                "serving.knative.dev/configurationGeneration": "2",
            },
        ),
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "actualReplicas": 1,
            "desiredReplicas": 1,
        },
    }
    assert cells("revisions.serving.knative.dev", revision) == [
        "customer-00002",
        "customer",
        "2",
        "True",
        None,
        1,
        1,
    ]


def test_virtual_service_lists_print_as_json_and_dates_as_ages() -> None:
    vs = {
        "metadata": meta("customer-ingress"),
        "spec": {"gateways": ["knative-serving/knative-ingress-gateway", "mesh"], "hosts": ["customer.labs"]},
    }
    assert cells("virtualservices.networking.istio.io", vs, "v1alpha3") == [
        "customer-ingress",
        '["knative-serving/knative-ingress-gateway","mesh"]',
        '["customer.labs"]',
        "5m",
    ]


def test_print_value_matches_go_formatting() -> None:
    assert print_value(True) == "true"
    assert print_value(3) == "3"
    assert print_value(2.0) == "2"
    assert print_value(2.5) == "2.5"
    assert print_value({"b": 1, "a": "<x>"}) == '{"a":"\\u003cx\\u003e","b":1}'


@pytest.mark.parametrize(
    ("spec", "status", "expected"),
    [
        (
            {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.12",
                "clusterIPs": ["10.96.0.12"],
                "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443}],
                "selector": {"b": "2", "a": "1"},
            },
            {},
            ["ClusterIP", "10.96.0.12", "<none>", "80/TCP,443/TCP", "5m", "a=1,b=2"],
        ),
        (
            {
                "type": "ExternalName",
                "externalName": "knative-local-gateway.istio-system.svc.cluster.local",
                "ports": [{"name": "http2", "port": 80}],
            },
            {},
            [
                "ExternalName",
                "<none>",
                "knative-local-gateway.istio-system.svc.cluster.local",
                "80/TCP",
                "5m",
                "<none>",
            ],
        ),
        (
            {"type": "NodePort", "clusterIP": "10.96.0.9", "ports": [{"port": 80, "nodePort": 30080}]},
            {},
            ["NodePort", "10.96.0.9", "<none>", "80:30080/TCP", "5m", "<none>"],
        ),
        (
            {"type": "LoadBalancer", "clusterIP": "10.96.0.7", "ports": []},
            {"loadBalancer": {"ingress": [{"ip": "172.18.0.10"}]}},
            ["LoadBalancer", "10.96.0.7", "172.18.0.10", "<none>", "5m", "<none>"],
        ),
        (
            {"type": "LoadBalancer", "clusterIP": "10.96.0.7"},
            {},
            ["LoadBalancer", "10.96.0.7", "<pending>", "<none>", "5m", "<none>"],
        ),
    ],
)
def test_service_cells(spec: dict[str, Any], status: dict[str, Any], expected: list[Any]) -> None:
    assert cells("services", {"metadata": meta("svc"), "spec": spec, "status": status}) == ["svc", *expected]


def test_pod_cells() -> None:
    pod = {
        "metadata": meta("customer-v3-deployment-5d9f-abcde"),
        "spec": {"containers": [{"name": "user-container"}, {"name": "queue-proxy"}], "nodeName": "sim-node"},
        "status": {
            "phase": "Running",
            "podIP": "10.244.0.5",
            "podIPs": [{"ip": "10.244.0.5"}],
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {
                    "name": "user-container",
                    "ready": True,
                    "restartCount": 1,
                    "state": {"running": {}},
                    "lastState": {"terminated": {"finishedAt": "2026-11-30T08:58:00Z", "exitCode": 1}},
                },
                {"name": "queue-proxy", "ready": True, "restartCount": 0, "state": {"running": {}}},
            ],
        },
    }
    assert cells("pods", pod) == [
        "customer-v3-deployment-5d9f-abcde",
        "2/2",
        "Running",
        "1 (2m ago)",
        "5m",
        "10.244.0.5",
        "sim-node",
        "<none>",
        "<none>",
    ]


@pytest.mark.parametrize(
    ("state", "deleting", "expected_status", "expected_ready"),
    [
        ({"waiting": {"reason": "ContainerCreating"}}, False, "ContainerCreating", "0/1"),
        ({"terminated": {"reason": "Completed", "exitCode": 0}}, False, "Completed", "0/1"),
        ({"terminated": {"exitCode": 137, "signal": 9}}, False, "Signal:9", "0/1"),
        ({"terminated": {"exitCode": 2}}, False, "ExitCode:2", "0/1"),
        ({"running": {}}, True, "Terminating", "1/1"),
    ],
)
def test_pod_status(state: dict[str, Any], deleting: bool, expected_status: str, expected_ready: str) -> None:
    metadata = meta("p", deletionTimestamp=CREATED) if deleting else meta("p")
    pod = {
        "metadata": metadata,
        "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": True, "state": state}]},
    }
    row = cells("pods", pod)
    assert (row[1], row[2], row[3]) == (expected_ready, expected_status, "0")


def test_namespace_and_deployment_cells() -> None:
    namespace = {"metadata": meta("labs"), "status": {"phase": "Active"}}
    assert cells("namespaces", namespace) == ["labs", "Active", "5m"]
    deployment = {
        "metadata": meta("customer-v3-deployment"),
        "spec": {
            "replicas": 2,
            "selector": {
                "matchLabels": {"serving.knative.dev/revisionUID": "u1"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}],
            },
            "template": {
                "spec": {
                    "containers": [
                        {"name": "user-container", "image": "quay.io/x:1"},
                        {"name": "queue-proxy", "image": "queue:1"},
                    ]
                }
            },
        },
        "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1},
    }
    assert cells("deployments.apps", deployment) == [
        "customer-v3-deployment",
        "1/2",
        2,
        1,
        "5m",
        "user-container,queue-proxy",
        "quay.io/x:1,queue:1",
        "serving.knative.dev/revisionUID=u1,tier in (api,web)",
    ]


def test_event_cells() -> None:
    event = {
        "metadata": meta("customer.17a"),
        "type": "Normal",
        "reason": "Created",
        "message": 'Created Configuration "customer"\n',
        "involvedObject": {"kind": "Service", "name": "customer"},
        "source": {"component": "service-controller"},
        "firstTimestamp": "2026-11-30T08:00:00Z",
        "lastTimestamp": "2026-11-30T08:59:30Z",
        "count": 3,
    }
    assert cells("events", event) == [
        "30s",
        "Normal",
        "Created",
        "service/customer",
        "",
        "service-controller",
        'Created Configuration "customer"',
        "60m",
        3,
        "customer.17a",
    ]


def test_endpoints_cells_show_three_then_count_the_rest() -> None:
    endpoints = {
        "metadata": meta("customer"),
        "subsets": [{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 6)], "ports": [{"port": 8012}]}],
    }
    assert cells("endpoints", endpoints) == [
        "customer",
        "10.0.0.1:8012,10.0.0.2:8012,10.0.0.3:8012 + 2 more...",
        "5m",
    ]
    assert cells("endpoints", {"metadata": meta("empty")}) == ["empty", "<none>", "5m"]


def test_small_core_kinds() -> None:
    assert cells("configmaps", {"metadata": meta("c"), "data": {"a": "1", "b": "2"}}) == ["c", 2, "5m"]
    assert cells("secrets", {"metadata": meta("s"), "data": {"a": "MQ=="}}) == ["s", "Opaque", 1, "5m"]
    assert cells("serviceaccounts", {"metadata": meta("default")}) == ["default", 0, "5m"]
    assert cells("roles.rbac.authorization.k8s.io", {"metadata": meta("reader")}) == ["reader", CREATED]
    binding = {
        "metadata": meta("splitboard"),
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "ServiceAccount", "name": "splitboard", "namespace": "labs"},
            {"kind": "User", "name": "alice"},
            {"kind": "Group", "name": "devs"},
        ],
    }
    assert cells("rolebindings.rbac.authorization.k8s.io", binding) == [
        "splitboard",
        "ClusterRole/view",
        "5m",
        "alice",
        "devs",
        "labs/splitboard",
    ]


def test_include_object_modes() -> None:
    route = {"apiVersion": "serving.knative.dev/v1", "kind": "Route", "metadata": meta("r"), "spec": {}}
    metadata_row = table("routes.serving.knative.dev", [route])["rows"][0]
    assert metadata_row["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": route["metadata"],
    }
    assert table("routes.serving.knative.dev", [route], include_object="Object")["rows"][0]["object"] == route
    assert "object" not in table("routes.serving.knative.dev", [route], include_object="None")["rows"][0]


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="includeObject"):
        table("routes.serving.knative.dev", [], include_object="Everything")
    with pytest.raises(ValueError, match="not served"):
        table("routes.serving.knative.dev", [], version="v2")


def test_label_selectors_print_sorted_by_key() -> None:
    selector = {
        "matchLabels": {"b": "1"},
        "matchExpressions": [
            {"key": "c", "operator": "Exists"},
            {"key": "a", "operator": "DoesNotExist"},
            {"key": "d", "operator": "NotIn", "values": ["y", "x"]},
        ],
    }
    assert format_label_selector(selector) == "!a,b=1,c,d notin (x,y)"
    assert format_label_selector({}) == ""


@pytest.mark.parametrize(
    ("key", "types"),
    [
        # k8s.io/kubernetes pkg/printers/internalversion/printers.go declares counts as strings...
        ("configmaps", {"Name": "string", "Data": "string", "Age": "string"}),
        ("secrets", {"Type": "string", "Data": "string"}),
        ("deployments.apps", {"Ready": "string", "Up-to-date": "string", "Available": "string"}),
        # ...and kinds without a printer get k8s.io/apiserver registry/rest/table.go's default columns.
        ("roles.rbac.authorization.k8s.io", {"Name": "string", "Created At": "date"}),
        ("clusterroles.rbac.authorization.k8s.io", {"Name": "string", "Created At": "date"}),
    ],
)
def test_column_types_are_the_real_servers(key: str, types: dict[str, str]) -> None:
    declared = {column["name"]: column["type"] for column in table(key, [])["columnDefinitions"]}
    assert {name: declared[name] for name in types} == types
