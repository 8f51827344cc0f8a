"""Field validation of the built-in kinds a client writes, in a real API server's words.

Rules and texts from k8s.io/kubernetes pkg/apis/core/validation/validation.go (validateService,
validateServicePort), events.go (legacyValidateEvent), pkg/apis/apps/validation/validation.go
(ValidateDeploymentSpec, ValidatePodTemplateSpecForReplicaSet), pkg/apis/rbac/validation/validation.go
(ValidatePolicyRule) and k8s.io/apimachinery pkg/apis/meta/v1/validation (ValidateLabels) with
pkg/api/validate/content/kube.go (IsLabelValue).
"""

from __future__ import annotations

from typing import Any

import pytest

from app.sim.storage.errors import ApiError
from app.sim.storage.store import Store
from app.sim.storage.validation import FieldChecks

IMAGE = "registry.example/hello:1"
RBAC = "rbac.authorization.k8s.io"


def deployment(**spec: Any) -> dict[str, Any]:
    labels = {"app": "demo"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": IMAGE}]}}
    body: dict[str, Any] = {"selector": {"matchLabels": labels}, "template": template}
    return {"metadata": {"name": "demo"}, "spec": body | spec}


def refused(store: Store, key: str, body: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        store.create(store.registry.get(key), "labs-1", body, checks=FieldChecks.of("", "CreateOptions"))
    assert (caught.value.code, caught.value.reason) == (422, "Invalid")
    return caught.value


def test_a_label_value_must_be_a_label(store: Store) -> None:
    error = refused(store, "configmaps", {"metadata": {"name": "demo", "labels": {"app": "-x-"}}})
    assert error.message == (
        'ConfigMap "demo" is invalid: metadata.labels: Invalid value: "-x-": a valid label must be an '
        "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
        "an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation "
        "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    )
    assert error.details is not None
    assert error.details["causes"][0]["field"] == "metadata.labels"


def test_a_deployment_needs_a_selector_that_matches_its_template(store: Store) -> None:
    body = deployment()
    del body["spec"]["selector"]
    error = refused(store, "deployments.apps", body)
    assert error.message == (
        'Deployment.apps "demo" is invalid: [spec.selector: Required value, spec.template.metadata.labels: '
        'Invalid value: {"app":"demo"}: `selector` does not match template `labels`]'
    )
    mismatch = deployment()
    mismatch["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    assert refused(store, "deployments.apps", mismatch).message == (
        'Deployment.apps "demo" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: '
        "`selector` does not match template `labels`"
    )


def test_a_container_needs_an_image(store: Store) -> None:
    body = deployment()
    body["spec"]["template"]["spec"]["containers"] = [{"name": "app"}]
    assert refused(store, "deployments.apps", body).message == (
        'Deployment.apps "demo" is invalid: spec.template.spec.containers[0].image: Required value'
    )


def test_a_service_needs_ports_in_range_and_named_when_several(store: Store) -> None:
    selector = {"selector": {"app": "demo"}}
    assert refused(store, "services", {"metadata": {"name": "demo"}, "spec": selector}).message == (
        'Service "demo" is invalid: spec.ports: Required value'
    )
    far = {"metadata": {"name": "demo"}, "spec": {"ports": [{"port": 70000}]}}
    assert refused(store, "services", far).message == (
        'Service "demo" is invalid: [spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, '
        "inclusive, spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive]"
    )
    two = {"metadata": {"name": "demo"}, "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 81}]}}
    assert refused(store, "services", two).message == (
        'Service "demo" is invalid: spec.ports[1].name: Required value'
    )


def test_a_rule_needs_verbs(store: Store) -> None:
    body = {"metadata": {"name": "demo"}, "rules": [{"apiGroups": [""], "resources": ["pods"]}]}
    error = refused(store, f"roles.{RBAC}", body)
    assert error.message == (f'Role.{RBAC} "demo" is invalid: rules[0].verbs: Required value')


def test_an_event_lives_in_its_objects_namespace(store: Store) -> None:
    body = {"metadata": {"name": "demo"}, "involvedObject": {"kind": "ConfigMap", "namespace": "elsewhere"}}
    assert refused(store, "events", body).message == (
        'Event "demo" is invalid: involvedObject.namespace: Invalid value: "elsewhere": '
        "does not match event.namespace"
    )


def test_the_clusters_own_writes_are_not_checked(store: Store) -> None:
    body = {"metadata": {"name": "demo", "labels": {"app": "-x-"}}}
    assert store.create(store.registry.get("configmaps"), "labs-1", body)["metadata"]["labels"] == {
        "app": "-x-"
    }


def test_names_follow_the_1_37_rules(store: Store) -> None:
    """k8s.io/apimachinery pkg/api/validate/content/dns.go (IsDNS1123Label: a subdomain-shaped label
    "must not contain dots"), pkg/api/validation/generic.go (maskTrailingDash for generateName) and
    k8s.io/kubernetes pkg/apis/core/validation/validation.go (a Service name is a DNS-1123 label)."""
    service = {"metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}}
    created = store.create(store.registry.get("services"), "labs-1", service, checks=FieldChecks())
    assert created["metadata"]["name"] == "1web"
    with pytest.raises(ApiError) as caught:
        store.create(
            store.registry.get("namespaces"), None, {"metadata": {"name": "a.b"}}, checks=FieldChecks()
        )
    assert (
        caught.value.message
        == 'Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots'
    )
    with pytest.raises(ApiError) as caught:
        store.create(store.registry.get("configmaps"), "labs-1", {"metadata": {"generateName": "Gen_"}})
    assert caught.value.details is not None
    fields = [cause["field"] for cause in caught.value.details["causes"]]
    assert fields == ["metadata.generateName", "metadata.name"]
    made = store.create(store.registry.get("configmaps"), "labs-1", {"metadata": {"generateName": "gen-"}})
    assert made["metadata"]["name"].startswith("gen-")


def test_a_core_events_metadata_is_not_validated(store: Store) -> None:
    """k8s.io/kubernetes pkg/apis/core/validation/events.go: ValidateEventCreate runs only the legacy
    checks for v1 Events, not ValidateObjectMeta (a client's generateName "customer." is fine)."""
    body = {
        "metadata": {"generateName": "customer.", "labels": {"app": "-x-"}},
        "involvedObject": {"kind": "ConfigMap", "namespace": "labs-1"},
    }
    created = store.create(store.registry.get("events"), "labs-1", body, checks=FieldChecks())
    assert created["metadata"]["name"].startswith("customer.")
