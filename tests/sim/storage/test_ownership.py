"""Field ownership in the store: managedFields per write, server-side apply's conflicts and removals.

The rules are structured-merge-diff's (sigs.k8s.io/structured-merge-diff/v6 merge/update.go) and
the API server's field manager (k8s.io/apimachinery/pkg/util/managedfields/internal); the messages
are conflict.go's."""

from __future__ import annotations

from typing import Any

import pytest

from app.sim.storage.errors import ApiError
from app.sim.storage.ownership import Writer
from app.sim.storage.resources import ResourceType, default_registry
from app.sim.storage.store import Store

NS = "labs-1"


@pytest.fixture
def store() -> Store:
    s = Store(default_registry(), history_limit=50)
    s.create(s.registry.get("namespaces"), None, {"metadata": {"name": NS}})
    return s


@pytest.fixture
def cm(store: Store) -> ResourceType:
    return store.registry.get("configmaps")


def update(manager: str, version: str = "v1", subresource: str = "") -> Writer:
    return Writer(manager, version, subresource=subresource)


def apply(manager: str, force: bool = False) -> Writer:
    return Writer(manager, "v1", apply=True, force=force)


def config(**data: str) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "demo"}}
    return body | ({"data": data} if data else {})


def owners(obj: dict[str, Any]) -> dict[tuple[str, str], Any]:
    return {(e["manager"], e["operation"]): e["fieldsV1"] for e in obj["metadata"]["managedFields"]}


def test_a_create_owns_every_field_it_set(store: Store) -> None:
    deployments = store.registry.get("deployments.apps")
    body = {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "x", "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    created = store.create(deployments, NS, body, writer=update("kubectl-create", "apps/v1"))
    (entry,) = created["metadata"]["managedFields"]
    assert {k: v for k, v in entry.items() if k != "fieldsV1"} == {
        "manager": "kubectl-create",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "time": created["metadata"]["creationTimestamp"],
        "fieldsType": "FieldsV1",
    }
    # Structs every Deployment holds (spec, template) carry no "."; maps and list items the write
    # added do; a LabelSelector is atomic; containers and ports are keyed lists.
    container: dict[str, Any] = {".": {}, "f:name": {}, "f:image": {}}
    container["f:ports"] = {
        ".": {},
        'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}, "f:protocol": {}},
    }
    fields = entry["fieldsV1"]
    assert fields["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}
    spec = fields["f:spec"]
    assert spec["f:replicas"] == {} and spec["f:selector"] == {}
    assert spec["f:template"]["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}
    owned = spec["f:template"]["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert {k: v for k, v in owned.items() if k in container} == container
    # The defaults the API server fills in on create belong to the creator too (as scheme defaults do;
    # the create-deployment differential case agrees with a real server on the whole entry).
    assert "f:strategy" in spec and "f:imagePullPolicy" in owned


def test_an_update_takes_the_fields_it_changes_and_merges_into_its_entry(
    store: Store, cm: ResourceType
) -> None:
    store.create(cm, NS, config(color="blue", size="L"), writer=update("creator"))
    store.patch(cm, NS, "demo", {"data": {"color": "red"}}, "merge", writer=update("kubectl-patch"))
    patched = store.patch(
        cm, NS, "demo", {"data": {"shape": "round"}}, "merge", writer=update("kubectl-patch")
    )
    assert owners(patched) == {
        ("creator", "Update"): {"f:data": {".": {}, "f:size": {}}},
        ("kubectl-patch", "Update"): {"f:data": {"f:color": {}, "f:shape": {}}},
    }


def test_a_status_write_owns_status_under_its_subresource(store: Store) -> None:
    ksvc = store.registry.get("services.serving.knative.dev")
    body = {"metadata": {"name": "demo"}, "spec": {"traffic": [{"latestRevision": True, "percent": 100}]}}
    store.create(ksvc, NS, body, writer=update("splitboard", "serving.knative.dev/v1"))
    status = {"status": {"url": "http://demo"}}
    writer = update("controller", "serving.knative.dev/v1", "status")
    written = store.patch(ksvc, NS, "demo", status, "merge", subresource="status", writer=writer)
    entries = {
        (e["manager"], e.get("subresource")): e["fieldsV1"] for e in written["metadata"]["managedFields"]
    }
    assert entries == {
        ("splitboard", None): {"f:spec": {".": {}, "f:traffic": {}}},
        ("controller", "status"): {"f:status": {".": {}, "f:url": {}}},
    }


def test_apply_conflicts_with_another_managers_field_unless_forced(store: Store, cm: ResourceType) -> None:
    store.patch(cm, NS, "demo", config(color="blue"), "apply", writer=apply("first"))
    with pytest.raises(ApiError) as refused:
        store.patch(cm, NS, "demo", config(color="red"), "apply", writer=apply("second"))
    assert (refused.value.code, refused.value.reason) == (409, "Conflict")
    assert refused.value.message == 'Apply failed with 1 conflict: conflict with "first": .data.color'
    assert refused.value.details == {
        "causes": [
            {"reason": "FieldManagerConflict", "message": 'conflict with "first"', "field": ".data.color"}
        ]
    }
    forced = store.patch(cm, NS, "demo", config(color="red"), "apply", writer=apply("second", force=True))
    assert forced["data"] == {"color": "red"}
    assert owners(forced) == {("second", "Apply"): {"f:data": {"f:color": {}}}}


def test_apply_conflicts_with_an_update_manager_naming_its_version(store: Store, cm: ResourceType) -> None:
    store.create(cm, NS, config(color="blue"), writer=update("kubectl-client-side-apply"))
    with pytest.raises(ApiError) as refused:
        store.patch(cm, NS, "demo", config(color="red"), "apply", writer=apply("other"))
    assert refused.value.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.color'
    )


def test_the_same_value_is_shared_and_a_dropped_field_is_removed_when_nobody_else_owns_it(
    store: Store, cm: ResourceType
) -> None:
    store.patch(cm, NS, "demo", config(color="blue", size="L"), "apply", writer=apply("a"))
    store.patch(cm, NS, "demo", config(color="blue"), "apply", writer=apply("b"))
    dropped = store.patch(cm, NS, "demo", config(), "apply", writer=apply("a"))
    assert dropped["data"] == {"color": "blue"}  # still b's
    assert owners(dropped) == {("b", "Apply"): {"f:data": {"f:color": {}}}}


def test_kubectl_server_side_apply_takes_over_its_client_side_fields(store: Store, cm: ResourceType) -> None:
    """lastappliedmanager.go: fields still as the last client-side apply left them are no conflict."""
    annotation = '{"apiVersion":"v1","data":{"color":"blue"},"kind":"ConfigMap","metadata":{"name":"demo"}}'
    body = config(color="blue") | {
        "metadata": {
            "name": "demo",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": annotation},
        }
    }
    store.create(cm, NS, body, writer=update("kubectl-client-side-apply"))
    applied = store.patch(cm, NS, "demo", config(color="red"), "apply", writer=apply("kubectl"))
    assert applied["data"] == {"color": "red"}
    with pytest.raises(ApiError):
        store.patch(cm, NS, "demo", config(color="green"), "apply", writer=apply("someone-else"))


def test_finalizers_are_owned_one_by_one_and_an_events_zero_fields_by_nobody(store: Store) -> None:
    """ObjectMeta's finalizers are `+listType=set` (apimachinery's types.go): each member is a `v:`
    field. An Event's type writes eventTime and the reporting fields even when zero, and the field
    manager compares a create with the zero object, so leaving them zero owns nothing."""
    held = {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}, "data": {"a": "1"}}
    made = store.create(store.registry.get("configmaps"), NS, held, writer=update("me"))
    fields = made["metadata"]["managedFields"][0]["fieldsV1"]
    assert fields["f:metadata"]["f:finalizers"] == {".": {}, 'v:"example.com/hold"': {}}
    event = {
        "metadata": {"name": "e"},
        "involvedObject": {"kind": "Pod", "name": "p"},
        "reason": "Seen",
    }
    made = store.create(store.registry.get("events"), NS, event, writer=update("me"))
    owned = made["metadata"]["managedFields"][0]["fieldsV1"]
    assert made["eventTime"] is None and made["reportingComponent"] == ""
    assert sorted(owned) == ["f:involvedObject", "f:reason"]
