"""Bodies the simulated API server cannot decode, refused in a real kube-apiserver's words.

Sources: k8s.io/apiserver pkg/endpoints/handlers/create.go and rest.go (transformDecodeError,
summarizeData), patch.go (applyJSPatch, applyPatcher), k8s.io/apimachinery
runtime/serializer/json/meta.go (SimpleMetaFactory.Interpret), conversion/converter.go ("unknown
conversion"), util/managedfields/internal/versioncheck.go and structuredmerge.go, go-yaml v2's
parser errors (decode.go, parser.fail) and Go's encoding/json syntax errors.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.sim.cluster import SimCluster
from tests.support.simhttp import as_admin, connect

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
APPLY = "application/apply-patch+yaml"


def send(cluster: SimCluster, method: str, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
    connection = connect(cluster)
    try:
        headers = as_admin(cluster, {"Accept": "application/json", "Content-Type": content_type})
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def create(cluster: SimCluster, body: bytes) -> tuple[int, str]:
    status, answer = send(cluster, "POST", CONFIGMAPS, body, "application/json")
    return status, answer.get("message", "")


UNRECOGNIZED = "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; "


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {',
            UNRECOGNIZED
            + 'json parse error: unexpected end of JSON input ({"apiVersion": "v1", "kind": " ...)',
        ),
        (b"", UNRECOGNIZED + "json parse error: unexpected end of JSON input (<empty>)"),
        (
            b'[{"kind": "ConfigMap"}]',
            UNRECOGNIZED + "json parse error: json: cannot unmarshal array into Go value of type struct { "
            'APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } '
            "(5b7b226b696e64223a2022436f6e6669674d6170227d5d)",
        ),
        (
            json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "demo"}}).encode(),
            'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to '
            "(core.ConfigMap): unknown conversion",
        ),
    ],
)
def test_a_create_body_that_does_not_decode(sim_cluster: SimCluster, body: bytes, message: str) -> None:
    assert create(sim_cluster, body) == (400, message)


def test_a_malformed_merge_patch_is_an_invalid_json_patch(sim_cluster: SimCluster) -> None:
    create(sim_cluster, json.dumps({"metadata": {"name": "demo"}}).encode())
    status, answer = send(
        sim_cluster, "PATCH", f"{CONFIGMAPS}/demo", b"{not json", "application/merge-patch+json"
    )
    assert (status, answer["message"]) == (400, "invalid JSON patch")


def test_a_version_of_a_built_in_group_that_is_not_served_has_no_go_type(sim_cluster: SimCluster) -> None:
    body = json.dumps({"apiVersion": "v2", "kind": "ConfigMap", "metadata": {"name": "demo"}}).encode()
    assert create(sim_cluster, body) == (
        400,
        'ConfigMap in version "v2" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for '
        'version "v2" in scheme "pkg/runtime/scheme.go:111"',
    )


def apply(cluster: SimCluster, body: str, query: str = "?fieldManager=a") -> tuple[int, Any]:
    return send(cluster, "PATCH", f"{CONFIGMAPS}/demo{query}", body.encode(), APPLY)


def test_an_apply_needs_a_field_manager(sim_cluster: SimCluster) -> None:
    status, answer = apply(sim_cluster, "kind: ConfigMap", query="")
    assert status == 422
    assert (
        answer["message"]
        == 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    )
    assert answer["details"] == {
        "group": "meta.k8s.io",
        "kind": "PatchOptions",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value: is required for apply patch",
                "field": "fieldManager",
            }
        ],
    }


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            "kind: [unclosed",
            400,
            "error encoding patch: yaml: line 1: did not find expected ',' or ']'",
        ),
        (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: demo\n",
            400,
            "invalid object type: /v1, Kind=Secret",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
            400,
            "the name of the object (other) does not match the name on the URL (demo)",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\nbogus: x\n",
            500,
            "failed to create typed patch object (/demo; /v1, Kind=ConfigMap): "
            ".bogus: field not declared in schema",
        ),
    ],
)
def test_an_apply_body_refused(sim_cluster: SimCluster, body: str, code: int, message: str) -> None:
    status, answer = apply(sim_cluster, body)
    assert (status, answer["message"]) == (code, message)
    status, _ = send(sim_cluster, "GET", f"{CONFIGMAPS}/demo", b"", "application/json")
    assert status == 404


DUPLICATED = (
    b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"demo"},"data":{"a":"1"},"data":{"b":"2"}}'
)


def test_a_repeated_key_is_a_strict_error(sim_cluster: SimCluster) -> None:
    status, answer = send(
        sim_cluster, "POST", CONFIGMAPS + "?fieldValidation=Strict", DUPLICATED, "application/json"
    )
    assert (status, answer["message"]) == (
        400,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
        'strict decoding error: duplicate field "data"',
    )


def test_a_repeated_object_is_merged_with_a_warning(sim_cluster: SimCluster) -> None:
    connection = connect(sim_cluster)
    try:
        connection.request(
            "POST", CONFIGMAPS, DUPLICATED, as_admin(sim_cluster, {"Content-Type": "application/json"})
        )
        response = connection.getresponse()
        created = json.loads(response.read())
        warning = response.getheader("Warning")
    finally:
        connection.close()
    assert created["data"] == {"a": "1", "b": "2"}
    assert warning == '299 - "duplicate field \\"data\\""'
