"""Checks a real API server makes on every write: unknown fields and fieldValidation, custom resources'
schema types and required fields, immutable fields, namespaces that may not be deleted.

Words come from k8s.io/apiserver pkg/endpoints/handlers (create.go, patch.go, rest.go),
k8s.io/apiextensions-apiserver pkg/apiserver/validation/validation.go with kube-openapi's
pkg/validation/errors/schema.go, k8s.io/kubernetes pkg/apis/core/validation/validation.go and
k8s.io/apiserver pkg/admission/plugin/namespace/lifecycle/admission.go.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from app.sim.cluster import SimCluster
from app.sim.storage.errors import ApiError
from app.sim.storage.resources import ResourceType
from app.sim.storage.store import Store
from app.sim.storage.validation import FieldChecks
from tests.plugins.sim import Kubectl

KSVC_KEY = "services.serving.knative.dev"
IMAGE = "registry.example/hello:1"


@pytest.fixture
def ksvc(store: Store) -> ResourceType:
    return store.registry.get(KSVC_KEY)


def service(name: str = "demo", **spec: Any) -> dict[str, Any]:
    template = {"spec": {"containers": [{"image": IMAGE}]}}
    return {"metadata": {"name": name}, "spec": {"template": template, **spec}}


def refused(code: int, reason: str) -> Any:
    return pytest.raises(ApiError, check=lambda e: (e.code, e.reason) == (code, reason))


def test_strict_refuses_unknown_fields_with_the_decoders_words(store: Store, ksvc: ResourceType) -> None:
    body = service(bogus=1)
    body["spec"]["template"]["spec"]["containers"][0]["extra"] = "x"
    with refused(400, "BadRequest") as caught:
        store.create(ksvc, "labs-1", body, checks=FieldChecks.of("Strict", "CreateOptions"))
    assert caught.value.message == (
        'Service in version "v1" cannot be handled as a Service: strict decoding error: '
        'unknown field "spec.bogus", unknown field "spec.template.spec.containers[0].extra"'
    )
    assert store.find(ksvc, "labs-1", "demo") is None


def test_warn_is_the_default_and_stores_the_object_pruned(store: Store, ksvc: ResourceType) -> None:
    checks = FieldChecks.of(None, "CreateOptions")
    created = store.create(ksvc, "labs-1", service(bogus=1), checks=checks)
    assert "bogus" not in created["spec"]
    assert checks.warnings == ['unknown field "spec.bogus"']


def test_ignore_prunes_silently_and_template_metadata_keeps_unknown_fields(
    store: Store, ksvc: ResourceType
) -> None:
    body = service(bogus=1)
    body["spec"]["template"]["metadata"] = {"generateName": "kept-", "labels": {"a": "b"}}
    checks = FieldChecks.of("Ignore", "CreateOptions")
    created = store.create(ksvc, "labs-1", body, checks=checks)
    assert "bogus" not in created["spec"] and checks.warnings == []
    assert created["spec"]["template"]["metadata"] == {"generateName": "kept-", "labels": {"a": "b"}}


def test_a_strict_patch_is_refused_on_the_patch_field(store: Store, ksvc: ResourceType) -> None:
    store.create(ksvc, "labs-1", service())
    with refused(422, "Invalid") as caught:
        store.patch(
            ksvc,
            "labs-1",
            "demo",
            {"spec": {"bogus": 1}},
            "merge",
            checks=FieldChecks.of("Strict", "PatchOptions"),
        )
    assert caught.value.message.startswith(' "" is invalid: patch: Invalid value: "{')
    assert caught.value.message.endswith('strict decoding error: unknown field "spec.bogus"')


def test_an_unknown_field_validation_value_is_refused() -> None:
    with refused(422, "Invalid") as caught:
        FieldChecks.of("Loose", "CreateOptions")
    assert caught.value.message == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": '
        'supported values: "", "Ignore", "Strict", "Warn"'
    )


def test_configmaps_lose_unknown_top_level_fields(store: Store) -> None:
    configmaps = store.registry.get("configmaps")
    checks = FieldChecks.of("Warn", "CreateOptions")
    body = {"metadata": {"name": "c"}, "data": {"a": "1"}, "bogus": "x"}
    created = store.create(configmaps, "labs-1", body, checks=checks)
    assert "bogus" not in created and created["data"] == {"a": "1"}
    assert checks.warnings == ['unknown field "bogus"']


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"traffic": [{"percent": "fifty"}]},
            'spec.traffic[0].percent: Invalid value: "string": '
            'spec.traffic[0].percent in body must be of type integer: "string"',
        ),
        (
            {"traffic": {"percent": 100}},
            'spec.traffic: Invalid value: "object": spec.traffic in body must be of type array: "object"',
        ),
        ({"template": {"spec": {}}}, "spec.template.spec.containers: Required value"),
    ],
    ids=["wrong-type", "not-a-list", "required"],
)
def test_schema_errors_are_invalid_with_the_real_words(
    store: Store, ksvc: ResourceType, spec: dict[str, Any], message: str
) -> None:
    body = {"metadata": {"name": "demo"}, "spec": spec}
    with refused(422, "Invalid") as caught:
        store.create(ksvc, "labs-1", body, checks=FieldChecks.of(None, "CreateOptions"))
    assert caught.value.message == f'Service.serving.knative.dev "demo" is invalid: {message}'


def test_type_errors_name_their_reason(store: Store, ksvc: ResourceType) -> None:
    with refused(422, "Invalid") as caught:
        store.create(ksvc, "labs-1", service(traffic=[{"percent": "x"}]), checks=FieldChecks())
    assert caught.value.details is not None
    assert [c["reason"] for c in caught.value.details["causes"]] == ["FieldValueTypeInvalid"]


def test_the_clusters_own_writes_are_not_pruned(store: Store, ksvc: ResourceType) -> None:
    created = store.create(ksvc, "labs-1", service(bogus=1))
    assert created["spec"]["bogus"] == 1


def test_an_immutable_configmap_keeps_its_data(store: Store) -> None:
    configmaps = store.registry.get("configmaps")
    store.create(configmaps, "labs-1", {"metadata": {"name": "c"}, "data": {"a": "1"}, "immutable": True})
    with refused(422, "Invalid") as caught:
        store.patch(configmaps, "labs-1", "c", {"data": {"a": "2"}}, "merge")
    assert caught.value.message == (
        'ConfigMap "c" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )
    labelled = store.patch(configmaps, "labs-1", "c", {"metadata": {"labels": {"x": "y"}}}, "merge")
    assert labelled["metadata"]["labels"] == {"x": "y"}


def test_an_immutable_secrets_data_cannot_change_through_string_data(store: Store) -> None:
    """stringData is folded into data by the v1 conversion, before ValidateSecretUpdate compares
    the data (k8s.io/kubernetes pkg/apis/core/v1/conversion.go, core/validation/validation.go)."""
    secrets = store.registry.get("secrets")
    body = {"metadata": {"name": "s"}, "stringData": {"password": "s3cret"}, "immutable": True}
    store.create(secrets, "labs-1", body)
    with refused(422, "Invalid") as caught:
        store.patch(secrets, "labs-1", "s", {"stringData": {"password": "new"}}, "merge")
    assert caught.value.message == (
        'Secret "s" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )


def test_a_deployments_selector_and_a_secrets_type_do_not_change(store: Store) -> None:
    deployments = store.registry.get("deployments.apps")
    selector = {"matchLabels": {"app": "d"}}
    template = {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "c", "image": IMAGE}]}}
    store.create(
        deployments,
        "labs-1",
        {"metadata": {"name": "d"}, "spec": {"selector": selector, "template": template}},
    )
    with refused(422, "Invalid") as caught:
        moved = {
            "selector": {"matchLabels": {"app": "e"}},
            "template": {"metadata": {"labels": {"app": "e"}}},
        }
        store.patch(deployments, "labs-1", "d", {"spec": moved}, "merge")
    assert caught.value.message == (
        'Deployment.apps "d" is invalid: '
        'spec.selector: Invalid value: {"matchLabels":{"app":"e"}}: field is immutable'
    )
    secrets = store.registry.get("secrets")
    store.create(secrets, "labs-1", {"metadata": {"name": "s"}})
    with refused(422, "Invalid") as caught:
        store.patch(secrets, "labs-1", "s", {"type": "kubernetes.io/basic-auth"}, "merge")
    assert caught.value.message == (
        'Secret "s" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable'
    )


def test_a_service_keeps_its_cluster_ip(store: Store) -> None:
    services = store.registry.get("services")
    spec = {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80}]}
    store.create(services, "labs-1", {"metadata": {"name": "web"}, "spec": spec})
    with refused(422, "Invalid") as caught:
        store.patch(
            services,
            "labs-1",
            "web",
            {"spec": {"clusterIP": "10.96.0.11", "clusterIPs": ["10.96.0.11"]}},
            "merge",
        )
    assert caught.value.message == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set'
    )
    replaced = store.update(
        services, "labs-1", "web", {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 81}]}}
    )
    assert replaced["spec"]["clusterIP"] == "10.96.0.10"


def test_metadata_uid_is_immutable(store: Store) -> None:
    configmaps = store.registry.get("configmaps")
    store.create(configmaps, "labs-1", {"metadata": {"name": "c"}})
    with refused(422, "Invalid") as caught:
        store.patch(configmaps, "labs-1", "c", {"metadata": {"uid": "0000"}}, "merge")
    assert (
        caught.value.message
        == 'ConfigMap "c" is invalid: metadata.uid: Invalid value: "0000": field is immutable'
    )


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_the_clusters_own_namespaces_cannot_be_deleted(store: Store, name: str) -> None:
    namespaces = store.registry.get("namespaces")
    with refused(403, "Forbidden") as caught:
        store.delete(namespaces, None, name)
    assert caught.value.message == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    assert store.find(namespaces, None, name) is not None
    store.delete(namespaces, None, "labs-1")


def _post(cluster: SimCluster, path: str, body: dict[str, Any]) -> tuple[int, list[str], dict[str, Any]]:
    headers = {"Content-Type": "application/json", **cluster.admin_headers}
    request = urllib.request.Request(cluster.url + path, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10, context=cluster.client_context()) as answer:
            return answer.status, answer.headers.get_all("Warning") or [], json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_all("Warning") or [], json.loads(error.read())


def test_the_api_server_sends_each_unknown_field_as_a_warning_header(sim_cluster: SimCluster) -> None:
    path = "/apis/serving.knative.dev/v1/namespaces/default/services"
    body = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", **service(bogus=1)}
    status, warnings, created = _post(sim_cluster, path, body)
    assert status == 201 and "bogus" not in created["spec"]
    assert warnings == ['299 - "unknown field \\"spec.bogus\\""']
    status, _, answer = _post(
        sim_cluster, path + "?fieldValidation=Strict", {**body, "metadata": {"name": "b"}}
    )
    assert (status, answer["reason"]) == (400, "BadRequest")


def test_kubectl_shows_the_warning_and_the_strict_refusal(kubectl: Kubectl) -> None:
    manifest = json.dumps({"apiVersion": "serving.knative.dev/v1", "kind": "Service", **service(bogus=1)})
    strict = kubectl("create", "-n", "default", "-f", "-", input=manifest, check=False)
    assert strict.returncode == 1
    assert 'strict decoding error: unknown field "spec.bogus"' in strict.stderr
    warned = kubectl("create", "--validate=warn", "-n", "default", "-f", "-", input=manifest)
    assert 'Warning: unknown field "spec.bogus"' in warned.stderr


def test_kubectl_explain_reads_the_traffic_fields(kubectl: Kubectl) -> None:
    explained = kubectl("explain", "ksvc.spec.traffic").stdout
    assert "FIELD: traffic <[]Object>" in explained
    assert "Traffic specifies how to distribute traffic over a collection of" in explained
    assert "percent\t<integer>" in explained and "LatestRevision may be optionally provided" in explained


def test_a_refusal_still_warns_of_the_fields_it_pruned(sim_cluster: SimCluster) -> None:
    """A map where the schema wants a list loses its keys to pruning, then fails the type check."""
    path = "/apis/serving.knative.dev/v1/namespaces/default/routes"
    body = {"apiVersion": "serving.knative.dev/v1", "kind": "Route", "metadata": {"name": "r"}}
    status, warnings, answer = _post(sim_cluster, path, {**body, "spec": {"traffic": {"percent": 100}}})
    assert (status, answer["reason"]) == (422, "Invalid")
    assert warnings == ['299 - "unknown field \\"spec.traffic.percent\\""']
