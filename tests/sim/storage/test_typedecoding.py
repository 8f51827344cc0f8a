"""Built-in kinds are decoded into their Go types before anything else, as a real API server does.

Words from sigs.k8s.io/json internal/golang/encoding/json/decode.go (UnmarshalTypeError, the strict
field paths), k8s.io/apiserver pkg/endpoints/handlers/rest.go (transformDecodeError: "cannot be
handled as a") and patch.go (jsonPatcher.applyPatchToCurrentObject: a patched object that does not
decode is a 422 on the `patch` field quoting it); Go types from k8s.io/api v0.37.2 types.go.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.sim.storage.errors import ApiError
from app.sim.storage.resources import ResourceType
from app.sim.storage.store import Store
from app.sim.storage.typedecoding import patched_text
from app.sim.storage.validation import FieldChecks

IMAGE = "registry.example/hello:1"


def kind(store: Store, key: str) -> ResourceType:
    return store.registry.get(key)


def deployment(**spec: Any) -> dict[str, Any]:
    labels = {"app": "demo"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": IMAGE}]}}
    return {
        "metadata": {"name": "demo"},
        "spec": {"selector": {"matchLabels": labels}, "template": template} | spec,
    }


def refusal(store: Store, key: str, body: dict[str, Any], directive: str = "Warn") -> ApiError:
    with pytest.raises(ApiError) as caught:
        store.create(kind(store, key), "labs-1", body, checks=FieldChecks.of(directive, "CreateOptions"))
    return caught.value


@pytest.mark.parametrize(
    ("key", "body", "problem"),
    [
        (
            "configmaps",
            {"metadata": {"name": "demo"}, "data": "color=blue"},
            "json: cannot unmarshal string into Go struct field ConfigMap.data of type map[string]string",
        ),
        (
            "configmaps",
            {"metadata": {"name": "demo"}, "data": {"size": 3}},
            "json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
        ),
        (
            "deployments.apps",
            deployment(replicas="two"),
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "roles.rbac.authorization.k8s.io",
            {"metadata": {"name": "demo"}, "rules": "all"},
            "json: cannot unmarshal string into Go struct field Role.rules of type []v1.PolicyRule",
        ),
        (
            "secrets",
            {"metadata": {"name": "demo"}, "data": {"p": "not base64!"}},
            "illegal base64 data at input byte 3",
        ),
        (
            "services",
            {"metadata": {"name": "demo"}, "spec": {"ports": [{"port": "http"}]}},
            "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32",
        ),
        (
            "configmaps",
            {"metadata": {"name": "demo", "labels": {"n": 1}}},
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
        ),
    ],
)
def test_a_wrong_type_is_a_bad_request_in_the_go_decoders_words(
    store: Store, key: str, body: dict[str, Any], problem: str
) -> None:
    error = refusal(store, key, body)
    rt = kind(store, key)
    assert (error.code, error.reason) == (400, "BadRequest")
    assert error.message == f'{rt.kind} in version "v1" cannot be handled as a {rt.kind}: {problem}'
    assert store.find(rt, "labs-1", "demo") is None


def test_unknown_fields_deep_in_a_deployment_are_strict_errors_with_list_indexes(store: Store) -> None:
    body = deployment()
    body["spec"]["template"]["spec"]["containers"][0]["bogus"] = True
    error = refusal(store, "deployments.apps", body, "Strict")
    assert error.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].bogus"'
    )


def test_warn_drops_the_unknown_field_and_warns(store: Store) -> None:
    body = deployment()
    body["spec"]["template"]["spec"]["containers"][0]["bogus"] = True
    checks = FieldChecks.of("Warn", "CreateOptions")
    created = store.create(kind(store, "deployments.apps"), "labs-1", body, checks=checks)
    assert "bogus" not in created["spec"]["template"]["spec"]["containers"][0]
    assert checks.warnings == ['unknown field "spec.template.spec.containers[0].bogus"']


def test_the_clusters_own_writes_are_trusted(store: Store) -> None:
    created = store.create(
        kind(store, "configmaps"), "labs-1", {"metadata": {"name": "demo"}, "data": {"n": 3}}
    )
    assert created["data"] == {"n": 3}


def test_a_patch_whose_result_does_not_decode_is_invalid_quoting_the_patched_object(store: Store) -> None:
    rt = kind(store, "configmaps")
    checks = FieldChecks.of("", "CreateOptions")
    store.create(rt, "labs-1", {"metadata": {"name": "demo"}, "data": {"color": "blue"}}, checks=checks)
    with pytest.raises(ApiError) as caught:
        store.patch(
            rt, "labs-1", "demo", {"data": {"size": 3}}, "merge", checks=FieldChecks.of("", "PatchOptions")
        )
    error = caught.value
    assert (error.code, error.reason) == (422, "Invalid")
    quoted, problem = error.message.removeprefix(' "" is invalid: patch: Invalid value: ').rsplit(
        ": json: ", 1
    )
    assert problem == "cannot unmarshal number into Go struct field ConfigMap.data of type string"
    assert json.loads(json.loads(quoted))["data"] == {"color": "blue", "size": 3}
    assert store.get(rt, "labs-1", "demo")["data"] == {"color": "blue"}


def test_the_patched_text_keeps_go_field_order_where_the_patch_did_not_open_an_object() -> None:
    current = {
        "metadata": {"namespace": "n", "name": "demo", "uid": "u"},
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "data": {"size": 3, "color": "blue"},
    }
    text = patched_text("configmaps", current, {"data": {"size": 3}}, "merge")
    assert text == (
        '{"apiVersion":"v1","data":{"color":"blue","size":3},"kind":"ConfigMap",'
        '"metadata":{"name":"demo","namespace":"n","uid":"u"}}'
    )
    by_json_patch = patched_text(
        "configmaps", current, [{"op": "add", "path": "/data/size", "value": 3}], "json"
    )
    assert by_json_patch == text


def test_a_json_patch_that_removes_the_last_key_leaves_no_empty_map(store: Store) -> None:
    rt = kind(store, "configmaps")
    store.create(
        rt, "labs-1", {"metadata": {"name": "demo"}, "data": {"color": "blue"}}, checks=FieldChecks()
    )
    ops = [{"op": "remove", "path": "/data/color"}]
    patched = store.patch(rt, "labs-1", "demo", ops, "json", checks=FieldChecks.of("", "PatchOptions"))
    assert "data" not in patched


@pytest.mark.parametrize(
    ("ops", "directive", "message"),
    [
        (
            {"op": "add"},
            "",
            "error decoding patch: json: cannot unmarshal object into Go value of type "
            "[]handlers.jsonPatchOp",
        ),
        ({"op": "add"}, "Ignore", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (
            [{"op": 1}],
            "Strict",
            "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op "
            "of type string",
        ),
    ],
)
def test_a_json_patch_that_does_not_decode_is_a_bad_request(
    store: Store, ops: Any, directive: str, message: str
) -> None:
    rt = kind(store, "configmaps")
    store.create(rt, "labs-1", {"metadata": {"name": "demo"}})
    with pytest.raises(ApiError) as caught:
        store.patch(rt, "labs-1", "demo", ops, "json", checks=FieldChecks.of(directive, "PatchOptions"))
    assert (caught.value.code, caught.value.message) == (400, message)


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "remove", "path": "/data/nothing"}],
        [{"op": "test", "path": "/data/color", "value": "green"}],
        [{"op": "frobnicate", "path": "/data/color"}],
    ],
)
def test_a_json_patch_that_fails_to_apply_is_a_generic_422(store: Store, ops: Any) -> None:
    rt = kind(store, "configmaps")
    store.create(rt, "labs-1", {"metadata": {"name": "demo"}, "data": {"color": "blue"}})
    with pytest.raises(ApiError) as caught:
        store.patch(rt, "labs-1", "demo", ops, "json", checks=FieldChecks.of("", "PatchOptions"))
    assert caught.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "details": {},
        "code": 422,
    }
