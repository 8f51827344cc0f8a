"""The lab's objects reach the real API server as the simulator made them, and come back after a test."""

from __future__ import annotations

from typing import Any

import pytest

from app.kube.requesting import request_json
from tests.backends import Backend
from tests.backends.lab import LAB_NAMESPACE

SERVICE = f"/apis/serving.knative.dev/v1/namespaces/{LAB_NAMESPACE}/services/customer"


def kinds_and_names(api: Any, path: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in request_json(api, "GET", path)["items"])


def test_the_lab_holds_the_simulators_objects_with_their_statuses(lab: Backend) -> None:
    api = lab.client()
    ns = LAB_NAMESPACE
    assert kinds_and_names(api, f"/apis/serving.knative.dev/v1/namespaces/{ns}/services") == [
        "customer",
        "preference",
        "recommendation",
    ]
    assert "customer-v4" in kinds_and_names(api, f"/apis/serving.knative.dev/v1/namespaces/{ns}/revisions")
    service = request_json(api, "GET", SERVICE)
    assert [t.get("tag") for t in service["spec"]["traffic"]] == ["current", "candidate", "latest"]
    ready = {c["type"]: c["status"] for c in service["status"]["conditions"]}
    assert ready["Ready"] == "True"
    assert service["status"]["observedGeneration"] == service["metadata"]["generation"]
    # The generated Kubernetes Services keep their owners: the garbage collector left them alone.
    generated = request_json(api, "GET", f"/api/v1/namespaces/{ns}/services")["items"]
    assert len(generated) >= 10
    assert all(s["metadata"].get("ownerReferences") for s in generated)


@pytest.mark.parametrize("round", [1, 2])
def test_each_test_starts_from_the_lab_as_written(lab: Backend, round: int) -> None:
    """Two rounds: whatever the first changed, the second finds the lab's 50/50 split again."""
    api = lab.client()
    service = request_json(api, "GET", SERVICE)
    assert [t["percent"] for t in service["spec"]["traffic"]] == [50, 50, 0]
    # Putting the spec back moved the generation on; the status observes it, as a controller's would.
    assert service["status"]["observedGeneration"] == service["metadata"]["generation"]
    service["spec"]["traffic"] = [{"revisionName": "customer-v4", "percent": 100}]
    request_json(api, "PUT", SERVICE, body=service)
    event = {
        "metadata": {"name": f"extra-{round}"},
        "involvedObject": {"kind": "Service", "name": "customer", "namespace": LAB_NAMESPACE},
        "reason": "Test",
        "message": "left behind",
    }
    request_json(api, "POST", f"/api/v1/namespaces/{LAB_NAMESPACE}/events", body=event)
    names = kinds_and_names(api, f"/api/v1/namespaces/{LAB_NAMESPACE}/events")
    assert f"extra-{3 - round}" not in names


def test_revision_services_keep_knatives_owner_chain_on_the_server(lab: Backend) -> None:
    """Knative 1.23 makes a revision's Services through its ServerlessService, which its PodAutoscaler
    owns, which the Revision owns (serving pkg/reconciler/autoscaling/kpa, pkg/reconciler/revision/
    resources/pa.go): written through the API with remapped uids, the chain still resolves there."""
    api = lab.client()
    ns = LAB_NAMESPACE

    def owner(path: str) -> tuple[str, str]:
        (reference,) = request_json(api, "GET", path)["metadata"]["ownerReferences"]
        return reference["kind"], reference["name"]

    assert owner(f"/api/v1/namespaces/{ns}/services/customer-v3-private") == (
        "ServerlessService",
        "customer-v3",
    )
    sks = f"/apis/networking.internal.knative.dev/v1alpha1/namespaces/{ns}/serverlessservices/customer-v3"
    assert owner(sks) == ("PodAutoscaler", "customer-v3")
    pa = f"/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/{ns}/podautoscalers/customer-v3"
    assert owner(pa) == ("Revision", "customer-v3")
    assert "customer-v3-private" in kinds_and_names(api, f"/api/v1/namespaces/{ns}/endpoints")
