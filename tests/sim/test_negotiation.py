"""Content negotiation and request bodies: Table, PartialObjectMetadata, YAML, protobuf, bad media types."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from app.sim.cluster import SimCluster
from tests.sim.helpers import ksvc_body

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
PARTIAL = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
SERVICES = "/apis/serving.knative.dev/v1/namespaces/default/services"


def call(
    cluster: SimCluster, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(cluster.url + path, data=body or None, method=method)
    for name, value in {**cluster.admin_headers, **headers}.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=5, context=cluster.client_context()) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_table_rows_with_and_without_objects(sim_cluster: SimCluster) -> None:
    ksvc = sim_cluster.registry.get("services.serving.knative.dev")
    sim_cluster.store.create(ksvc, "default", ksvc_body())
    code, table = call(sim_cluster, "GET", SERVICES, Accept=TABLE)
    assert code == 200 and table["kind"] == "Table"
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert "spec" not in table["rows"][0]["object"]
    code, table = call(sim_cluster, "GET", SERVICES + "?includeObject=Object", Accept=TABLE)
    assert table["rows"][0]["object"]["spec"]["traffic"] == [{"percent": 100, "latestRevision": True}]
    code, single = call(sim_cluster, "GET", SERVICES + "/customer?includeObject=None", Accept=TABLE)
    assert single["kind"] == "Table" and len(single["rows"]) == 1 and "object" not in single["rows"][0]


def test_partial_object_metadata(sim_cluster: SimCluster) -> None:
    ksvc = sim_cluster.registry.get("services.serving.knative.dev")
    sim_cluster.store.create(ksvc, "default", ksvc_body())
    code, listing = call(sim_cluster, "GET", SERVICES, Accept=PARTIAL)
    assert (code, listing["kind"]) == (200, "PartialObjectMetadataList")
    assert listing["items"][0]["metadata"]["name"] == "customer"
    assert "spec" not in listing["items"][0]


def test_yaml_body_and_refused_media_types(sim_cluster: SimCluster) -> None:
    yaml_body = b"apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: from-yaml\nspec: {}\n"
    code, created = call(sim_cluster, "POST", SERVICES, yaml_body, Content_Type="application/yaml")
    assert (code, created["metadata"]["name"]) == (201, "from-yaml")
    code, status = call(sim_cluster, "POST", SERVICES, b"<xml/>", Content_Type="application/xml")
    assert (code, status["reason"]) == (415, "UnsupportedMediaType")
    code, status = call(sim_cluster, "PATCH", SERVICES + "/from-yaml", b"{}", Content_Type="text/plain")
    assert (code, status["reason"]) == (415, "UnsupportedMediaType")
    code, status = call(sim_cluster, "POST", SERVICES, b"{not json", Content_Type="application/json")
    assert (code, status["reason"]) == (400, "BadRequest")


def test_body_must_match_the_url(sim_cluster: SimCluster) -> None:
    wrong_version = json.dumps(ksvc_body(api_version="serving.knative.dev/v1alpha1")).encode()
    code, status = call(sim_cluster, "POST", SERVICES, wrong_version, Content_Type="application/json")
    assert (code, status["message"]) == (
        400,
        "the API version in the data (serving.knative.dev/v1alpha1) does not match the expected API "
        "version (serving.knative.dev/v1)",
    )
    other_name = json.dumps(ksvc_body("other")).encode()
    code, status = call(
        sim_cluster, "PUT", SERVICES + "/customer", other_name, Content_Type="application/json"
    )
    assert (code, status["message"]) == (
        400,
        "the name of the object (other) does not match the name on the URL (customer)",
    )


def test_apply_patch_needs_a_field_manager(sim_cluster: SimCluster) -> None:
    body = b"apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: applied\nspec: {}\n"
    patch_type = "application/apply-patch+yaml"
    code, status = call(sim_cluster, "PATCH", SERVICES + "/applied", body, Content_Type=patch_type)
    # An invalid PatchOptions (k8s.io/apimachinery pkg/apis/meta/v1/validation, ValidatePatchOptions).
    assert (code, status["reason"]) == (422, "Invalid")
    code, created = call(
        sim_cluster, "PATCH", SERVICES + "/applied?fieldManager=test", body, Content_Type=patch_type
    )
    assert (code, created["metadata"]["name"]) == (201, "applied")


def test_cluster_scoped_kind_under_a_namespace_is_not_found(sim_cluster: SimCluster) -> None:
    code, status = call(sim_cluster, "GET", "/api/v1/namespaces/default/namespaces")
    assert (code, status["reason"]) == (404, "NotFound")
    code, status = call(sim_cluster, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    assert (code, status["reason"]) == (405, "MethodNotAllowed")


def test_writes_are_recorded_under_the_field_manager_or_the_user_agent(sim_cluster: SimCluster) -> None:
    """managerOrUserAgent (k8s.io/apiserver endpoints/handlers/rest.go): the fieldManager parameter,
    else the User-Agent up to its first "/"; the entry names the request's group/version."""
    body = json.dumps({"metadata": {"name": "by-agent"}, "data": {"a": "1"}}).encode()
    configmaps = "/api/v1/namespaces/default/configmaps"
    json_type = "application/json"
    code, created = call(
        sim_cluster, "POST", configmaps, body, Content_Type=json_type, User_Agent="my-tool/1.2 (linux)"
    )
    assert code == 201
    (entry,) = created["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["apiVersion"]) == ("my-tool", "Update", "v1")
    assert entry["fieldsV1"] == {"f:data": {".": {}, "f:a": {}}}
    patch = json.dumps({"data": {"a": "2"}}).encode()
    merge = "application/merge-patch+json"
    code, patched = call(
        sim_cluster, "PATCH", configmaps + "/by-agent?fieldManager=editor", patch, Content_Type=merge
    )
    assert [(e["manager"], e["fieldsV1"]) for e in patched["metadata"]["managedFields"]] == [
        ("editor", {"f:data": {"f:a": {}}}),
        ("my-tool", {"f:data": {}}),  # still owns the map itself: a leaf now
    ]
