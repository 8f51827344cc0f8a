"""The official kubernetes client against the simulated API server: every verb and error, as real."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import urllib3
from kubernetes import client, watch
from kubernetes.client import ApiException

from app.sim.cluster import SimCluster
from tests.plugins.sim import official_client
from tests.sim.helpers import GROUP, NS, PLURAL, VERSION, ksvc_body, status_of


@pytest.fixture
def custom(kube_api: Any) -> Any:
    return client.CustomObjectsApi(kube_api)


@pytest.fixture
def core(kube_api: Any) -> Any:
    return client.CoreV1Api(kube_api)


def create(custom: Any, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    created: dict[str, Any] = custom.create_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, body, **kwargs
    )
    return created


def get(custom: Any, name: str = "customer") -> dict[str, Any]:
    found: dict[str, Any] = custom.get_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, name)
    return found


def names(listing: dict[str, Any]) -> list[str]:
    return [item["metadata"]["name"] for item in listing["items"]]


def failure(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    return status_of(caught.value)


def test_crud_round_trip_and_version_views(custom: Any) -> None:
    created = create(custom, ksvc_body())
    assert created["metadata"]["generation"] == 1
    assert created["metadata"]["resourceVersion"].isdigit()
    old = custom.get_namespaced_custom_object(GROUP, "v1alpha1", NS, PLURAL, "customer")
    assert old["apiVersion"] == "serving.knative.dev/v1alpha1"
    assert old["metadata"]["uid"] == created["metadata"]["uid"]
    created["spec"]["traffic"][0]["tag"] = "current"
    replaced = custom.replace_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "customer", created)
    assert replaced["metadata"]["generation"] == 2
    listing = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)
    assert listing["kind"] == "ServiceList" and names(listing) == ["customer"]
    gone = custom.delete_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "customer")
    # Removed at once: a Success Status names it, as the generic registry's finalizeDelete answers.
    assert (gone["kind"], gone["status"], gone["details"]["name"]) == ("Status", "Success", "customer")
    assert gone["details"]["uid"] == created["metadata"]["uid"]
    assert names(custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)) == []


def test_not_found_status(custom: Any) -> None:
    status = failure(custom.get_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, "x")
    assert status["reason"] == "NotFound"
    assert status["message"] == 'services.serving.knative.dev "x" not found'
    assert status["details"] == {"name": "x", "group": GROUP, "kind": "services"}


def test_already_exists_and_conflict(custom: Any) -> None:
    first = create(custom, ksvc_body())
    status = failure(create, custom, ksvc_body())
    assert (status["code"], status["reason"]) == (409, "AlreadyExists")
    assert status["message"] == 'services.serving.knative.dev "customer" already exists'
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "customer", {"metadata": {"labels": {"a": "b"}}}
    )
    status = failure(custom.replace_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, "customer", first)
    assert (status["code"], status["reason"]) == (409, "Conflict")
    assert status["message"] == (
        'Operation cannot be fulfilled on services.serving.knative.dev "customer": '
        "the object has been modified; please apply your changes to the latest version and try again"
    )
    stale = {"metadata": {"resourceVersion": first["metadata"]["resourceVersion"]}, "spec": {"traffic": []}}
    status = failure(custom.patch_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, "customer", stale)
    assert status["reason"] == "Conflict"


def test_bad_requests_and_invalid_names(custom: Any) -> None:
    elsewhere = ksvc_body(namespace="kube-system")
    status = failure(create, custom, elsewhere)
    assert (status["code"], status["reason"]) == (400, "BadRequest")
    assert (
        status["message"]
        == "the namespace of the provided object does not match the namespace sent on the request"
    )
    status = failure(create, custom, ksvc_body("Not_Valid"))
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert status["message"].startswith(
        'Service.serving.knative.dev "Not_Valid" is invalid: metadata.name: Invalid value'
    )
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    status = failure(custom.create_namespaced_custom_object, GROUP, VERSION, "missing", PLURAL, ksvc_body())
    assert (status["code"], status["message"]) == (404, 'namespaces "missing" not found')


def test_generate_name(custom: Any) -> None:
    body = ksvc_body("")
    body["metadata"] = {"generateName": "load-"}
    created = create(custom, body)
    assert created["metadata"]["name"].startswith("load-") and len(created["metadata"]["name"]) == 10


def test_selectors(custom: Any) -> None:
    for name, tier in (("a", "web"), ("b", "api"), ("c", None)):
        labels = {"tier": tier} if tier else {}
        create(custom, ksvc_body(name, labels=labels))

    def selected(**kwargs: Any) -> list[str]:
        return names(custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, **kwargs))

    assert selected(label_selector="tier=web") == ["a"]
    assert selected(label_selector="tier==api") == ["b"]
    assert selected(label_selector="tier!=web") == ["b", "c"]
    assert selected(label_selector="tier in (web,api)") == ["a", "b"]
    assert selected(label_selector="tier notin (web)") == ["b", "c"]
    assert selected(label_selector="tier") == ["a", "b"]
    assert selected(label_selector="!tier") == ["c"]
    assert selected(field_selector="metadata.name=b") == ["b"]
    assert selected(field_selector="metadata.name!=b,metadata.namespace=default") == ["a", "c"]
    status = failure(
        custom.list_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, field_selector="spec.x=1"
    )
    assert (status["code"], status["message"]) == (400, "field label not supported: spec.x")


def test_pagination_and_expired_continue(custom: Any, sim_cluster: SimCluster) -> None:
    for i in range(5):
        create(custom, ksvc_body(f"s{i}"))
    first = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, limit=2)
    assert names(first) == ["s0", "s1"] and first["metadata"]["remainingItemCount"] == 3
    second = custom.list_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, limit=2, _continue=first["metadata"]["continue"]
    )
    assert names(second) == ["s2", "s3"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    last = custom.list_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, limit=2, _continue=second["metadata"]["continue"]
    )
    assert names(last) == ["s4"] and "continue" not in last["metadata"]
    create(custom, ksvc_body("s5"))
    sim_cluster.faults.compact()
    status = failure(
        custom.list_namespaced_custom_object,
        GROUP,
        VERSION,
        NS,
        PLURAL,
        limit=2,
        _continue=first["metadata"]["continue"],
    )
    assert (status["code"], status["reason"]) == (410, "Expired")


def test_status_subresource(custom: Any) -> None:
    create(custom, ksvc_body())
    patched = custom.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        NS,
        PLURAL,
        "customer",
        {"status": {"url": "http://customer"}, "spec": {"traffic": []}},
    )
    assert patched["status"] == {"url": "http://customer"}
    assert patched["spec"]["traffic"] == [{"percent": 100, "latestRevision": True}]
    main = custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        NS,
        PLURAL,
        "customer",
        {"status": {"url": "ignored"}, "spec": {"traffic": [{"percent": 100}]}},
    )
    assert main["status"] == {"url": "http://customer"} and main["metadata"]["generation"] == 2


def test_dry_run_everywhere(custom: Any, sim_cluster: SimCluster) -> None:
    created = create(custom, ksvc_body())
    rv = sim_cluster.store.resource_version
    assert create(custom, ksvc_body("other"), dry_run="All")["metadata"]["name"] == "other"
    answer = custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        NS,
        PLURAL,
        "customer",
        {"spec": {"traffic": [{"percent": 100, "tag": "x"}]}},
        dry_run="All",
    )
    assert answer["spec"]["traffic"][0]["tag"] == "x"
    custom.delete_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "customer", dry_run="All")
    assert get(custom) == created
    assert sim_cluster.store.resource_version == rv
    status = failure(create, custom, ksvc_body("bad"), dry_run="Some")
    assert (status["code"], status["details"]["kind"]) == (422, "CreateOptions")


def test_json_patch_and_strategic_refusal(custom: Any) -> None:
    create(custom, ksvc_body())
    ops = [
        {"op": "test", "path": "/spec/traffic/0/percent", "value": 100},
        {"op": "add", "path": "/spec/traffic/0/tag", "value": "t"},
    ]
    patched = custom.patch_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "customer", ops, _content_type="application/json-patch+json"
    )
    assert patched["spec"]["traffic"][0]["tag"] == "t"
    failing = [{"op": "test", "path": "/spec/traffic/0/percent", "value": 5}]
    status = failure(
        custom.patch_namespaced_custom_object,
        GROUP,
        VERSION,
        NS,
        PLURAL,
        "customer",
        failing,
        _content_type="application/json-patch+json",
    )
    assert (status["code"], status["reason"]) == (422, "Invalid")
    status = failure(
        custom.patch_namespaced_custom_object,
        GROUP,
        VERSION,
        NS,
        PLURAL,
        "customer",
        {"spec": {}},
        _content_type="application/strategic-merge-patch+json",
    )
    assert (status["code"], status["reason"]) == (415, "UnsupportedMediaType")


def test_strategic_merge_patch_on_core_kinds(core: Any) -> None:
    pod = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app", "image": "a", "env": [{"name": "A", "value": "1"}]}]},
    }
    core.create_namespaced_pod(NS, pod)
    patch = {"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "2"}]}]}}
    patched = core.patch_namespaced_pod(
        "p", NS, patch, _content_type="application/strategic-merge-patch+json"
    )
    # A new entry leads the merged list (strategicpatch normalizeElementOrder), as on a real server.
    assert [(e.name, e.value) for e in patched.spec.containers[0].env] == [("B", "2"), ("A", "1")]
    assert patched.spec.containers[0].image == "a"


def test_finalizers_then_deletion(custom: Any) -> None:
    create(custom, ksvc_body(finalizers=["serving.knative.dev/protect"]))
    marked = custom.delete_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "customer")
    assert marked["metadata"]["deletionTimestamp"].endswith("Z")
    assert get(custom)["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "customer", {"metadata": {"finalizers": None}}
    )
    assert failure(get, custom)["reason"] == "NotFound"


def test_garbage_collection_of_dependents(custom: Any, core: Any) -> None:
    owner = create(custom, ksvc_body())
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": "Service",
        "name": "customer",
        "uid": owner["metadata"]["uid"],
    }
    route = custom.create_namespaced_custom_object(
        GROUP, VERSION, NS, "routes", {"metadata": {"name": "customer", "ownerReferences": [ref]}, "spec": {}}
    )
    route_ref = {
        "apiVersion": owner["apiVersion"],
        "kind": "Route",
        "name": "customer",
        "uid": route["metadata"]["uid"],
    }
    core.create_namespaced_service(
        NS,
        {"metadata": {"name": "customer", "ownerReferences": [route_ref]}, "spec": {"ports": [{"port": 80}]}},
    )
    core.create_namespaced_config_map(NS, {"metadata": {"name": "kept"}})
    custom.delete_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "customer", propagation_policy="Background"
    )
    assert names(custom.list_namespaced_custom_object(GROUP, VERSION, NS, "routes")) == []
    assert core.list_namespaced_service(NS).items == []
    assert [cm.metadata.name for cm in core.list_namespaced_config_map(NS).items if cm.metadata] == ["kept"]


def test_delete_collection(custom: Any) -> None:
    for name in ("a", "b", "c"):
        create(custom, ksvc_body(name, labels={"batch": "x" if name != "c" else "y"}))
    deleted = custom.delete_collection_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, label_selector="batch=x"
    )
    assert names(deleted) == ["a", "b"]
    assert names(custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)) == ["c"]


def test_table_output(kube_api: Any, custom: Any) -> None:
    create(custom, ksvc_body())
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    response = kube_api.call_api(
        *kube_api.param_serialize(
            "GET",
            f"/apis/{GROUP}/{VERSION}/namespaces/{NS}/{PLURAL}",
            header_params={"Accept": accept},
            auth_settings=["BearerToken"],
        )
    )
    response.read()
    table = response.response.json()
    assert table["kind"] == "Table"
    assert table["columnDefinitions"][0]["name"] == "Name"
    assert table["rows"][0]["cells"][0] == "customer"


def test_unknown_path_and_method(kube_api: Any) -> None:
    for method, path, code, reason in (
        ("GET", "/apis/nothing.example.com/v1/things", 404, "NotFound"),
        ("GET", "/nowhere", 404, "NotFound"),
        ("POST", f"/apis/{GROUP}/{VERSION}/namespaces/{NS}/{PLURAL}/customer", 405, "MethodNotAllowed"),
    ):
        response = kube_api.call_api(
            *kube_api.param_serialize(
                method, path, body={} if method == "POST" else None, auth_settings=["BearerToken"]
            )
        )
        response.read()
        body = response.response.json()
        assert (response.status, body["kind"], body["reason"], body["code"]) == (code, "Status", reason, code)


def test_forbidden_by_rbac(sim_cluster: SimCluster, custom: Any, tmp_path: Path) -> None:
    create(custom, ksvc_body())
    rbac: Any = client.RbacAuthorizationV1Api(custom.api_client)
    rule = {"apiGroups": [GROUP], "resources": [PLURAL], "verbs": ["get", "list", "watch"]}
    rbac.create_namespaced_role(NS, {"metadata": {"name": "viewer"}, "rules": [rule]})
    subject = {"kind": "User", "name": "viv", "apiGroup": "rbac.authorization.k8s.io"}
    role_ref = {"kind": "Role", "name": "viewer", "apiGroup": "rbac.authorization.k8s.io"}
    rbac.create_namespaced_role_binding(
        NS, {"metadata": {"name": "viv"}, "subjects": [subject], "roleRef": role_ref}
    )
    sim_cluster.add_token("viv-token", "viv")
    path = sim_cluster.write_kubeconfig(tmp_path / "viv", token="viv-token", user="viv")
    with official_client(path) as api:
        viewer: Any = client.CustomObjectsApi(api)
        assert get(viewer)["metadata"]["name"] == "customer"
        status = failure(
            viewer.patch_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, "customer", {"spec": {}}
        )
        assert (status["code"], status["reason"]) == (403, "Forbidden")
        assert status["message"] == (
            'services.serving.knative.dev "customer" is forbidden: User "viv" cannot patch resource '
            '"services" in API group "serving.knative.dev" in the namespace "default"'
        )
        authorization: Any = client.AuthorizationV1Api(api)
        review = authorization.create_self_subject_access_review(
            {
                "spec": {
                    "resourceAttributes": {
                        "verb": "patch",
                        "group": GROUP,
                        "resource": PLURAL,
                        "namespace": NS,
                    }
                }
            }
        )
        assert review.status is not None and review.status.allowed is False


# --- watch ---------------------------------------------------------------------------------------


def watch_stream(func: Any, *args: Any, **kwargs: Any) -> Any:
    """kubernetes.watch.Watch().stream (untyped upstream)."""
    return watch.Watch().stream(func, *args, **kwargs)  # type: ignore[no-untyped-call]


def stream(custom: Any, **kwargs: Any) -> Any:
    return watch_stream(custom.list_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, **kwargs)


def take(events: Any, count: int) -> list[tuple[str, str]]:
    """The first `count` events' (type, name); then the stream is closed."""
    seen = []
    for event in events:
        seen.append((event["type"], event["object"]["metadata"]["name"]))
        if len(seen) == count:
            events.close()
    return seen


def test_watch_from_zero_then_live(custom: Any) -> None:
    create(custom, ksvc_body("a"))
    seen: list[tuple[str, str]] = []
    for event in stream(custom, timeout_seconds=5):
        seen.append((event["type"], event["object"]["metadata"]["name"]))
        if len(seen) == 1:
            create(custom, ksvc_body("b"))
            custom.delete_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "a")
        if len(seen) == 3:
            break
    assert seen == [("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a")]


def test_watch_from_a_resource_version_and_resume(custom: Any) -> None:
    rv = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)["metadata"]["resourceVersion"]
    create(custom, ksvc_body("a"))
    create(custom, ksvc_body("b"))
    assert take(stream(custom, resource_version=rv, timeout_seconds=5), 2) == [("ADDED", "a"), ("ADDED", "b")]
    last_rv = get(custom, "b")["metadata"]["resourceVersion"]
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "a", {"metadata": {"labels": {"x": "y"}}}
    )
    assert take(stream(custom, resource_version=last_rv, timeout_seconds=5), 1) == [("MODIFIED", "a")]


def test_bookmarks_carry_only_the_resource_version(custom: Any) -> None:
    rv = create(custom, ksvc_body("a"))["metadata"]["resourceVersion"]
    events = stream(custom, resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=5)
    first = next(events)
    events.close()
    assert first["type"] == "BOOKMARK"
    bookmark = {"kind": "Service", "apiVersion": f"{GROUP}/{VERSION}", "metadata": {"resourceVersion": rv}}
    assert first["raw_object"] == bookmark


def test_a_bookmark_ends_a_timed_out_watch(custom: Any, sim_cluster: SimCluster) -> None:
    sim_cluster.bookmark_interval = 60
    sim_cluster.restart()
    rv = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)["metadata"]["resourceVersion"]
    events = list(stream(custom, resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=1))
    assert [e["type"] for e in events] == ["BOOKMARK"]


def test_watch_after_compaction_raises_410(custom: Any, sim_cluster: SimCluster) -> None:
    rv = create(custom, ksvc_body("a"))["metadata"]["resourceVersion"]
    create(custom, ksvc_body("b"))
    sim_cluster.faults.compact()
    with pytest.raises(ApiException) as caught:
        list(stream(custom, resource_version=rv, timeout_seconds=5))
    assert caught.value.status == 410


def test_label_selector_watch_sees_an_object_leave(custom: Any) -> None:
    create(custom, ksvc_body("a", labels={"app": "a"}))
    seen = []
    for event in stream(custom, label_selector="app=a", timeout_seconds=5):
        seen.append(event["type"])
        if len(seen) == 1:
            relabel = {"metadata": {"labels": {"app": "b"}}}
            custom.patch_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "a", relabel)
        else:
            break
    assert seen == ["ADDED", "DELETED"]


def test_watch_across_namespaces(custom: Any, core: Any) -> None:
    core.create_namespace({"metadata": {"name": "labs-1"}})
    custom.create_namespaced_custom_object(GROUP, VERSION, "labs-1", PLURAL, ksvc_body("x"))
    create(custom, ksvc_body("y"))
    events = watch_stream(custom.list_cluster_custom_object, GROUP, VERSION, PLURAL, timeout_seconds=5)
    found = [next(events)["object"]["metadata"]["namespace"] for _ in range(2)]
    events.close()
    assert found == ["default", "labs-1"]


# --- faults, restart, persistence ----------------------------------------------------------------


def test_fail_next_requests(custom: Any, sim_cluster: SimCluster) -> None:
    sim_cluster.faults.fail_next(2)
    for _ in range(2):
        status = failure(custom.list_namespaced_custom_object, GROUP, VERSION, NS, PLURAL)
        assert (status["code"], status["reason"]) == (500, "InternalError")
    assert custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)["items"] == []


def test_latency(custom: Any, sim_cluster: SimCluster) -> None:
    sim_cluster.faults.set_latency(0.2)
    started = time.monotonic()
    custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)
    assert time.monotonic() - started >= 0.2
    sim_cluster.faults.set_latency(0)


@pytest.mark.parametrize("fault", ["late", "dropped"])
def test_a_write_whose_answer_is_late_or_dropped_still_lands(
    custom: Any, sim_cluster: SimCluster, fault: str
) -> None:
    create(custom, ksvc_body())
    if fault == "late":
        sim_cluster.faults.delay_next_answers(1.0)
    else:
        sim_cluster.faults.drop_next_answers()
    patch = {"metadata": {"annotations": {"landed": "yes"}}}
    with pytest.raises((urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ProtocolError)):
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, NS, PLURAL, "customer", patch, _request_timeout=0.2
        )
    assert get(custom)["metadata"]["annotations"]["landed"] == "yes"
    assert get(custom)["metadata"]["name"] == "customer"  # only the patch was held: reads answer at once


def test_dropped_watch_events(custom: Any, sim_cluster: SimCluster) -> None:
    rv = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)["metadata"]["resourceVersion"]
    create(custom, ksvc_body("a"))
    create(custom, ksvc_body("b"))
    sim_cluster.faults.drop_next_watch_events(1)
    assert take(stream(custom, resource_version=rv, timeout_seconds=5), 1) == [("ADDED", "b")]


def test_end_watches(custom: Any, sim_cluster: SimCluster) -> None:
    create(custom, ksvc_body("a"))
    started = time.monotonic()
    for event in stream(custom, timeout_seconds=10):
        assert event["type"] == "ADDED"
        sim_cluster.faults.end_watches()
    assert time.monotonic() - started < 3


def test_restart_keeps_the_store_and_the_port(custom: Any, sim_cluster: SimCluster) -> None:
    created = create(custom, ksvc_body())
    port = sim_cluster.port
    sim_cluster.restart()
    assert sim_cluster.port == port
    assert get(custom) == created
    sim_cluster.stop()
    with pytest.raises(Exception, match=r"Connection refused|Max retries"):
        custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, _request_timeout=2)
    sim_cluster.start()
    assert get(custom) == created


def test_stop_ends_open_watches_promptly(custom: Any, sim_cluster: SimCluster) -> None:
    create(custom, ksvc_body("a"))
    started = time.monotonic()
    for _ in stream(custom, timeout_seconds=30):
        sim_cluster.stop()
    assert time.monotonic() - started < 3
    sim_cluster.start()


def test_state_file_survives_a_new_cluster(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with SimCluster(state_file=state) as first:
        ns = first.registry.get("services.serving.knative.dev")
        created = first.store.create(ns, "default", ksvc_body())
    with SimCluster(state_file=state) as second:
        assert second.store.get(ns, "default", "customer") == created
        assert second.store.resource_version >= int(created["metadata"]["resourceVersion"])
