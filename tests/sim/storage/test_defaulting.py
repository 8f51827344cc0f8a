"""The built-in kinds' defaults, as k8s.io/kubernetes pkg/apis/core/v1/defaults.go, apps/v1/defaults.go
and the Service storage's allocator (pkg/registry/core/service/storage/alloc.go) give them."""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

import pytest

from app.sim.storage.defaulting import SERVICE_CIDR, image_tag
from app.sim.storage.errors import ApiError
from app.sim.storage.resources import default_registry
from app.sim.storage.store import Store


@pytest.fixture
def store() -> Store:
    s = Store(default_registry(), history_limit=50)
    s.create(s.registry.get("namespaces"), None, {"metadata": {"name": "labs-1"}})
    return s


def make(store: Store, key: str, body: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
    rt = store.registry.get(key)
    return store.create(rt, "labs-1" if rt.namespaced else None, body, dry_run=dry_run)


def svc(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}], **spec}}


def test_a_service_gets_its_type_address_family_and_status(store: Store) -> None:
    created = make(store, "services", svc("web", selector={"app": "web"}))
    spec = created["spec"]
    assert ipaddress.ip_address(spec["clusterIP"]) in SERVICE_CIDR
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert {k: v for k, v in spec.items() if k not in ("clusterIP", "clusterIPs")} == {
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "selector": {"app": "web"},
        "type": "ClusterIP",
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
    }
    assert created["status"] == {"loadBalancer": {}}


def test_service_addresses_are_unique_and_kept_by_updates(store: Store) -> None:
    rt = store.registry.get("services")
    ips = {make(store, "services", svc(f"s{i}"))["spec"]["clusterIP"] for i in range(40)}
    assert len(ips) == 40
    before = store.get(rt, "labs-1", "s1")
    updated = store.update(rt, "labs-1", "s1", svc("s1", selector={"app": "x"}))
    assert updated["spec"]["clusterIP"] == before["spec"]["clusterIP"]
    assert updated["spec"]["ipFamilies"] == ["IPv4"]


def test_a_requested_address_must_be_in_range_and_free(store: Store) -> None:
    taken = make(store, "services", svc("a"))["spec"]["clusterIP"]
    with pytest.raises(ApiError, match="provided IP is already allocated"):
        make(store, "services", svc("b", clusterIP=taken))
    with pytest.raises(ApiError, match="is not in the valid range"):
        make(store, "services", svc("c", clusterIP="192.168.0.1"))
    # A dry run shows an address without taking it.
    shown = make(store, "services", svc("d"), dry_run=True)["spec"]["clusterIP"]
    assert make(store, "services", svc("d"))["spec"]["clusterIP"] == shown


def test_headless_and_external_name_services(store: Store) -> None:
    headless = make(store, "services", svc("h", clusterIP="None", selector={"app": "h"}))["spec"]
    assert (headless["clusterIPs"], headless["ipFamilyPolicy"], headless["ipFamilies"]) == (
        ["None"],
        "SingleStack",
        ["IPv4"],
    )
    bare = make(store, "services", svc("hb", clusterIP="None"))["spec"]
    assert (bare["ipFamilyPolicy"], bare["ipFamilies"]) == ("RequireDualStack", ["IPv4", "IPv6"])
    external = make(store, "services", svc("x", type="ExternalName", externalName="example.com"))
    assert external["spec"] == {
        "type": "ExternalName",
        "externalName": "example.com",
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "sessionAffinity": "None",
    }
    assert external["status"] == {"loadBalancer": {}}


def test_a_namespace_is_labelled_with_its_name_on_every_write(store: Store) -> None:
    rt = store.registry.get("namespaces")
    created = store.get(rt, None, "labs-1")
    assert created["metadata"]["labels"] == {"kubernetes.io/metadata.name": "labs-1"}
    assert created["spec"] == {"finalizers": ["kubernetes"]}
    patched = store.patch(rt, None, "labs-1", {"metadata": {"labels": None}}, "merge")
    assert patched["metadata"]["labels"] == {"kubernetes.io/metadata.name": "labs-1"}


def test_a_deployment_and_its_pod_template_are_defaulted(store: Store) -> None:
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "a", "image": "nginx:1.27"}, {"name": "b", "image": "nginx"}]
                },
            },
        },
    }
    spec = make(store, "deployments.apps", body)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    pod = spec["template"]["spec"]
    assert {k: v for k, v in pod.items() if k != "containers"} == {
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
    }
    assert [c["imagePullPolicy"] for c in pod["containers"]] == ["IfNotPresent", "Always"]
    assert pod["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    assert pod["containers"][0]["terminationMessagePolicy"] == "File"
    assert pod["containers"][0]["resources"] == {}


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("nginx", "latest"),
        ("nginx:1.2", "1.2"),
        ("registry:5000/team/app", "latest"),
        ("registry:5000/team/app:v2", "v2"),
        ("nginx@sha256:" + "a" * 64, ""),
    ],
)
def test_image_tags_are_read_as_kubernetes_reads_them(image: str, tag: str) -> None:
    assert image_tag(image) == tag


def test_secret_string_data_is_folded_into_data(store: Store) -> None:
    body = {"metadata": {"name": "s"}, "data": {"a": "eA=="}, "stringData": {"b": "s3cret"}}
    created = make(store, "secrets", body)
    assert "stringData" not in created
    assert created["data"] == {"a": "eA==", "b": base64.b64encode(b"s3cret").decode()}
    assert created["type"] == "Opaque"


def test_an_event_shows_its_unset_times_and_reporters(store: Store) -> None:
    body = {"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "R"}
    created = make(store, "events", body)
    assert [created[k] for k in ("eventTime", "firstTimestamp", "lastTimestamp")] == [None, None, None]
    assert (created["reportingComponent"], created["reportingInstance"]) == ("", "")


def test_a_service_address_may_not_change_once_set(store: Store) -> None:
    rt = store.registry.get("services")
    make(store, "services", svc("web"))
    for ip in ("10.96.0.99", "None"):
        with pytest.raises(ApiError, match=r"spec.clusterIPs\[0\]: Invalid value: .*: may not change once"):
            store.patch(rt, "labs-1", "web", {"spec": {"clusterIP": ip, "clusterIPs": [ip]}}, "merge")
