"""OpenAPI documents: what kubectl apply looks up in them."""

from __future__ import annotations

from typing import Any

import pytest

from app.sim.apiserver.openapi import (
    PATCH_TYPES,
    group_version_paths,
    openapi_v2,
    openapi_v2_protobuf,
    openapi_v3_index,
    openapi_v3_path,
    schema_name,
)
from app.sim.storage.resources import default_registry


def document(path: str) -> dict[str, Any]:
    found = openapi_v3_path(default_registry(), path)
    assert found is not None
    return found


def patch_operation(doc: dict[str, Any], gvk: dict[str, str]) -> dict[str, Any]:
    """The PATCH operation for a GVK, found the way kubectl's QueryParamVerifierV3 finds it."""
    for item in doc["paths"].values():
        patch = item.get("patch")
        if patch and patch["x-kubernetes-group-version-kind"] == gvk:
            result: dict[str, Any] = patch
            return result
    raise AssertionError(f"no PATCH operation for {gvk}")


def test_index_points_at_every_group_version() -> None:
    index = openapi_v3_index(default_registry())
    assert set(index["paths"]) == set(group_version_paths(default_registry()))
    assert {
        "api/v1",
        "apis/apps/v1",
        "apis/serving.knative.dev/v1alpha1",
        "apis/networking.istio.io/v1alpha3",
    } <= set(index["paths"])
    url = index["paths"]["apis/serving.knative.dev/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/serving.knative.dev/v1?hash=")
    assert document(url.removeprefix("/openapi/v3/"))["info"]["title"] == "Kubernetes"


@pytest.mark.parametrize(
    ("path", "group", "version", "kind"),
    [
        ("api/v1", "", "v1", "Service"),
        ("api/v1", "", "v1", "Namespace"),
        ("api/v1", "", "v1", "ServiceAccount"),
        ("apis/apps/v1", "apps", "v1", "Deployment"),
        ("apis/rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
        ("apis/serving.knative.dev/v1", "serving.knative.dev", "v1", "Service"),
        ("apis/serving.knative.dev/v1alpha1", "serving.knative.dev", "v1alpha1", "Service"),
        ("apis/networking.istio.io/v1beta1", "networking.istio.io", "v1beta1", "VirtualService"),
    ],
)
def test_patch_operations_accept_field_validation(path: str, group: str, version: str, kind: str) -> None:
    doc = document(path)
    patch = patch_operation(doc, {"group": group, "version": version, "kind": kind})
    assert "fieldValidation" in {p["name"] for p in patch["parameters"] if p["in"] == "query"}
    assert tuple(patch["requestBody"]["content"]) == PATCH_TYPES


def test_schemas_carry_the_gvk_and_object_meta() -> None:
    reg = default_registry()
    ksvc = reg.get("services.serving.knative.dev")
    doc = document("apis/serving.knative.dev/v1alpha1")
    schema = doc["components"]["schemas"][schema_name(ksvc, "v1alpha1")]
    assert schema_name(ksvc, "v1alpha1") == "dev.knative.serving.v1alpha1.Service"
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "serving.knative.dev", "version": "v1alpha1", "kind": "Service"}
    ]
    ref = schema["properties"]["metadata"]["allOf"][0]["$ref"]
    assert ref.removeprefix("#/components/schemas/") in doc["components"]["schemas"]
    # The spec is published from the schema facts (pruned as on a real server); the status is left open.
    spec = schema["properties"]["spec"]
    assert "x-kubernetes-preserve-unknown-fields" not in spec
    assert spec["properties"]["traffic"]["items"]["properties"]["percent"]["type"] == "integer"
    assert schema["properties"]["status"]["x-kubernetes-preserve-unknown-fields"] is True


def test_core_schemas_name_strategic_merge_keys() -> None:
    doc = document("apis/apps/v1")
    deployment = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    containers = deployment["properties"]["spec"]["properties"]["template"]["properties"]["spec"][
        "properties"
    ]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert (
        schema_name(default_registry().get("roles.rbac.authorization.k8s.io"), "v1")
        == "io.k8s.api.rbac.v1.Role"
    )


def test_every_reference_resolves() -> None:
    for path in group_version_paths(default_registry()):
        doc = document(path)
        schemas = doc["components"]["schemas"]
        for ref in _refs(doc):
            assert ref.removeprefix("#/components/schemas/") in schemas, (path, ref)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


@pytest.mark.parametrize(
    "path", ["apis/serving.knative.dev/v1beta1", "apis/example.com/v1", "api", "apis/x/y/z"]
)
def test_unknown_paths_are_none(path: str) -> None:
    assert openapi_v3_path(default_registry(), path) is None


def test_v2_json_uses_definitions() -> None:
    doc = openapi_v2(default_registry())
    assert doc["swagger"] == "2.0"
    assert "io.k8s.api.core.v1.Service" in doc["definitions"]
    assert "#/components/" not in str(doc)


def _read_fields(data: bytes) -> dict[int, bytes]:
    """Decode length-delimited protobuf fields (all this document uses)."""
    fields: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        key, i = _read_varint(data, i)
        assert key & 7 == 2
        length, i = _read_varint(data, i)
        fields[key >> 3] = data[i : i + length]
        i += length
    return fields


def _read_varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i, shift = i + 1, shift + 7
        if not byte & 0x80:
            return value, i


def test_v2_protobuf_is_a_gnostic_document_header() -> None:
    fields = _read_fields(openapi_v2_protobuf(default_registry()))
    assert fields[1] == b"2.0"
    info = _read_fields(fields[2])
    assert info == {1: b"Kubernetes", 2: b"v1.32.4"}


def test_configmap_fields_carry_their_go_doc_comments() -> None:
    """`kubectl explain configmap.data` prints the field's description, the Go doc comment of
    k8s.io/api core/v1 types.go (ConfigMap.Data) as the real server publishes it."""
    schemas = document("api/v1")["components"]["schemas"]
    configmap = schemas["io.k8s.api.core.v1.ConfigMap"]["properties"]
    assert configmap["data"]["description"].startswith("Data contains the configuration data. Each key must")
    assert configmap["binaryData"]["additionalProperties"] == {"type": "string", "format": "byte"}
