"""Knative's webhook through the API server: every message its traffic validation gives, exact, with HTTP 400
BadRequest as Knative's webhook answers through a real API server (knative.dev/pkg webhook/admission.go),
through the official client and through kubectl; a refused change changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from app.sim.building import KnativeCluster
from tests.plugins.sim import Kubectl
from tests.sim.knative.reading import knative, patch_service

PREFIX = 'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: '
DNS1035 = (
    "invalid value: not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric "
    "characters or '-', start with an alphabetic character, and end with an alphanumeric character "
    "(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]: "
    "spec.traffic.tag[0]"
)
CASES: list[tuple[str, list[dict[str, Any]], str]] = [
    (
        "sum",
        [{"revisionName": "customer-v3", "percent": 50}, {"revisionName": "customer-v4", "percent": 40}],
        "Traffic targets sum to 90, want 100: spec.traffic",
    ),
    (
        "range",
        [{"revisionName": "customer-v3", "percent": 101}, {"revisionName": "customer-v4", "percent": -1}],
        "expected 0 <= -1 <= 100: spec.traffic[1].percent\nexpected 0 <= 101 <= 100: spec.traffic[0].percent",
    ),
    (
        "latest-with-name",
        [{"revisionName": "customer-v1", "latestRevision": True, "percent": 100}],
        'may not set revisionName "customer-v1" when latestRevision is true: spec.traffic[0].latestRevision',
    ),
    (
        "pinned-without-name",
        [{"latestRevision": False, "percent": 100}],
        'may not set revisionName "" when latestRevision is false: spec.traffic[0].latestRevision',
    ),
    (
        "tag-twice",
        [
            {"tag": "current", "revisionName": "customer-v3", "percent": 50},
            {"tag": "current", "revisionName": "customer-v4", "percent": 50},
        ],
        'Multiple definitions for "current": spec.traffic[0].tag, spec.traffic[1].tag',
    ),
    ("bad-tag", [{"tag": "Bad_Tag", "revisionName": "customer-v3", "percent": 100}], DNS1035),
    (
        "configuration-name",
        [{"configurationName": "customer", "percent": 100}],
        "must not set the field(s): spec.traffic[0].configurationName",
    ),
]


def _refusal(error: ApiException) -> str:
    assert error.status == 400
    body = json.loads(error.body or "{}")
    assert body["reason"] == "BadRequest"
    message: str = body["message"]
    return message


@pytest.mark.parametrize(("traffic", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_api_refuses_bad_traffic_with_knatives_message(
    knative_cluster: KnativeCluster, knative_api: Any, traffic: list[dict[str, Any]], message: str
) -> None:
    before = knative(knative_api, "services", "customer")
    with pytest.raises(ApiException) as refused:
        patch_service(knative_api, {"spec": {"traffic": traffic}})
    assert _refusal(refused.value) == PREFIX + message
    after = knative(knative_api, "services", "customer")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


@pytest.mark.parametrize(("traffic", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kubectl_shows_knatives_message(
    knative_kubectl: Kubectl, traffic: list[dict[str, Any]], message: str
) -> None:
    patch = json.dumps({"spec": {"traffic": traffic}})
    result = knative_kubectl(
        "patch", "ksvc", "customer", "-n", "labs-1", "--type=merge", "-p", patch, check=False
    )
    assert result.returncode != 0
    assert PREFIX + message in result.stderr


def test_creating_a_service_with_bad_traffic_is_refused(knative_kubectl: Kubectl, knative_api: Any) -> None:
    manifest = {
        "apiVersion": "serving.knative.dev/v1alpha1",
        "kind": "Service",
        "metadata": {"name": "extra", "namespace": "labs-1"},
        "spec": {
            "template": {"spec": {"containers": [{"image": "quay.io/dsanchor/customer:quarkus"}]}},
            "traffic": [{"latestRevision": True, "percent": 90}],
        },
    }
    result = knative_kubectl("apply", "-f", "-", input=json.dumps(manifest), check=False)
    assert result.returncode != 0
    assert PREFIX + "Traffic targets sum to 90, want 100: spec.traffic" in result.stderr
    listed = knative_kubectl("get", "ksvc", "-n", "labs-1", "-o", "name").stdout.split()
    assert "service.serving.knative.dev/extra" not in listed


def test_defaulting_fills_traffic_and_the_template(
    knative_cluster: KnativeCluster, knative_kubectl: Kubectl
) -> None:
    manifest = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "plain", "namespace": "labs-1"},
        "spec": {"template": {"spec": {"containers": [{"image": "quay.io/dsanchor/customer:quarkus"}]}}},
    }
    knative_kubectl("apply", "-f", "-", input=json.dumps(manifest))
    stored = json.loads(knative_kubectl("get", "ksvc", "plain", "-n", "labs-1", "-o", "json").stdout)
    assert stored["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]
    template = stored["spec"]["template"]["spec"]
    assert (
        template["containers"][0]["name"],
        template["timeoutSeconds"],
        template["containerConcurrency"],
    ) == (
        "user-container",
        300,
        0,
    )
    assert knative_cluster.settle()
    revisions = knative_kubectl(
        "get",
        "revisions",
        "-n",
        "labs-1",
        "-l",
        "serving.knative.dev/service=plain",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ).stdout
    assert revisions == "plain-00001"


def test_a_byo_name_needs_the_service_prefix(knative_api: Any) -> None:
    template = {
        "metadata": {"name": "v5"},
        "spec": {"containers": [{"image": "quay.io/dsanchor/customer:v5"}]},
    }
    with pytest.raises(ApiException) as refused:
        patch_service(knative_api, {"spec": {"template": template}})
    assert (
        _refusal(refused.value)
        == PREFIX + 'invalid value: "v5" must have prefix "customer-": spec.template.metadata.name'
    )


def test_a_changed_template_needs_a_new_byo_name(knative_api: Any, knative_kubectl: Kubectl) -> None:
    env = [{"name": "VERSION", "value": "v5"}]
    ksvc = knative(knative_api, "services", "customer")
    containers = ksvc["spec"]["template"]["spec"]["containers"]
    containers[0]["env"] = env
    with pytest.raises(ApiException) as refused:
        patch_service(knative_api, {"spec": {"template": {"spec": {"containers": containers}}}})
    message = _refusal(refused.value)
    assert message.startswith(
        PREFIX + "Saw the following changes without a name change (-old +new): spec.template.metadata.name\n"
    )
    assert '-: "v4"' in message and '+: "v5"' in message


GREETER = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: greeter, namespace: labs-1}
spec:
  template:
    spec:
      containers: [{image: "quay.io/example/greeter:v1", env: [{name: GREETING, value: "%s"}]}]
"""


def test_the_webhook_records_the_requesting_user(knative_kubectl: Kubectl) -> None:
    def annotations() -> dict[str, str]:
        service = json.loads(knative_kubectl("get", "ksvc", "greeter", "-n", "labs-1", "-o", "json").stdout)
        found = service["metadata"]["annotations"]
        return {key.rpartition("/")[2]: found[key] for key in found if key.startswith("serving.knative.dev/")}

    admin = ("--as-group", "system:masters")  # users who may do anything, by their own names
    knative_kubectl("apply", "-f", "-", "--as", "alice", *admin, input=GREETER % "hello")
    assert annotations() == {"creator": "alice", "lastModifier": "alice"}
    knative_kubectl("label", "ksvc", "greeter", "-n", "labs-1", "team=a", "--as", "carol", *admin)
    assert annotations()["lastModifier"] == "alice", "only a change of spec is a modification"
    knative_kubectl("apply", "-f", "-", "--as", "bob", *admin, input=GREETER % "hi")
    assert annotations() == {"creator": "alice", "lastModifier": "bob"}


def test_a_revisions_spec_cannot_change_but_its_labels_can(knative_kubectl: Kubectl) -> None:
    """knative/serving pkg/apis/serving/v1/revision_validation.go: a Revision is an immutable snapshot."""
    name = knative_kubectl("get", "revisions", "-n", "labs-1", "-o", "name").stdout.split()[0]
    patch = json.dumps({"spec": {"containerConcurrency": 7}})
    result = knative_kubectl("patch", name, "-n", "labs-1", "--type=merge", "-p", patch, check=False)
    assert result.returncode != 0
    assert "Error from server (BadRequest)" in result.stderr
    assert PREFIX + "Immutable fields changed (-old +new): spec\n" in result.stderr
    assert "{v1.RevisionSpec}.containerConcurrency:" in result.stderr
    labelled = json.dumps({"metadata": {"labels": {"checked": "yes"}}})
    knative_kubectl("patch", name, "-n", "labs-1", "--type=merge", "-p", labelled)
