"""Traffic patches and audit Events against the lab, on the simulator (Knative's reconciler and admission
webhook run there) and on a real API server (the lab written as data: no Knative controller or webhook).

test_the_webhooks_refusal_surfaces_verbatim runs on the simulator alone: the real cluster has no Knative
webhook to refuse anything, so only the simulator can show that its message reaches the caller verbatim.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.requesting import request_json
from app.kube.resources import EVENTS, KNATIVE_SERVICES
from app.kube.writing import patch_traffic, record_event
from app.model.traffic import TrafficTarget
from tests.backends import Backend
from tests.plugins.sim import dashboard_client

SPLIT = [
    {"tag": "current", "revisionName": "customer-v3", "percent": 70},
    {"tag": "candidate", "revisionName": "customer-v4", "percent": 30},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]


def as_stored(lab: Backend, traffic: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the server keeps of a traffic block: Knative's defaulting webhook (on the simulator) makes
    every missing latestRevision false; the real cluster has no webhook and keeps the block as sent."""
    if lab.sim is None:
        return traffic
    return [{**t, "latestRevision": t.get("latestRevision", False)} for t in traffic]


@pytest.fixture
def kapi(lab: Backend) -> Iterator[ApiClient]:
    with dashboard_client(lab.kubeconfig()) as client:
        yield client


def stored(api: ApiClient, name: str = "customer") -> dict[str, Any]:
    return request_json(api, "GET", KNATIVE_SERVICES.path("labs-1", name))


def test_patch_replaces_the_traffic_block(lab: Backend, kapi: ApiClient) -> None:
    before = stored(kapi)
    assert before["spec"]["traffic"] != SPLIT
    answer = patch_traffic(kapi, "labs-1", "customer", SPLIT, before["metadata"]["resourceVersion"])
    assert answer["spec"]["traffic"] == as_stored(lab, SPLIT)
    after = stored(kapi)
    assert after["spec"]["traffic"] == as_stored(lab, SPLIT)
    assert int(after["metadata"]["resourceVersion"]) >= int(answer["metadata"]["resourceVersion"])
    assert answer["metadata"]["resourceVersion"] != before["metadata"]["resourceVersion"]
    assert after["spec"]["template"] == before["spec"]["template"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1


def test_targets_are_accepted_too(lab: Backend, kapi: ApiClient) -> None:
    targets = [TrafficTarget(revision_name="customer-v4", percent=100)]
    rv = stored(kapi)["metadata"]["resourceVersion"]
    patch_traffic(kapi, "labs-1", "customer", targets, rv)
    expected = as_stored(lab, [{"revisionName": "customer-v4", "percent": 100}])
    assert stored(kapi)["spec"]["traffic"] == expected


def test_stale_resource_version_is_a_conflict_and_changes_nothing(kapi: ApiClient) -> None:
    before = stored(kapi)
    stale = str(int(before["metadata"]["resourceVersion"]) - 1)
    with pytest.raises(ApiError) as caught:
        patch_traffic(kapi, "labs-1", "customer", SPLIT, stale)
    assert (caught.value.code, caught.value.reason) == (409, "Conflict")
    assert "the object has been modified" in caught.value.message
    assert caught.value.status is not None and caught.value.status["kind"] == "Status"
    assert stored(kapi) == before


def test_a_patch_computed_before_someone_elses_change_is_a_conflict(kapi: ApiClient) -> None:
    """The resourceVersion precondition protects a change made in between, whoever made it."""
    seen = stored(kapi)
    theirs = [{"revisionName": "customer-v4", "percent": 100}]
    patch_traffic(kapi, "labs-1", "customer", theirs, seen["metadata"]["resourceVersion"])
    with pytest.raises(ApiError) as caught:
        patch_traffic(kapi, "labs-1", "customer", SPLIT, seen["metadata"]["resourceVersion"])
    assert caught.value.code == 409
    assert [t["percent"] for t in stored(kapi)["spec"]["traffic"]] == [100]


def test_dry_run_answers_the_result_and_stores_nothing(lab: Backend, kapi: ApiClient) -> None:
    before = stored(kapi)
    answer = patch_traffic(
        kapi, "labs-1", "customer", SPLIT, before["metadata"]["resourceVersion"], dry_run=True
    )
    assert answer["spec"]["traffic"] == as_stored(lab, SPLIT)
    assert stored(kapi) == before


def test_the_webhooks_refusal_surfaces_verbatim(knative_kubeconfig: Path) -> None:
    with dashboard_client(knative_kubeconfig) as api:
        before = stored(api)
        bad = [{"revisionName": "customer-v3", "percent": 90}]
        with pytest.raises(ApiError) as caught:
            patch_traffic(api, "labs-1", "customer", bad, before["metadata"]["resourceVersion"])
        assert caught.value.code == 400
        assert caught.value.message == (
            'admission webhook "validation.webhook.serving.knative.dev" denied the request: '
            "validation failed: Traffic targets sum to 90, want 100: spec.traffic"
        )
        assert stored(api) == before


def test_malformed_traffic_is_refused_before_sending(kapi: ApiClient) -> None:
    before = stored(kapi)
    rv = before["metadata"]["resourceVersion"]
    with pytest.raises(ValueError, match="percent"):
        patch_traffic(kapi, "labs-1", "customer", [{"percent": "most"}], rv)
    with pytest.raises(ValueError, match="resourceVersion"):
        patch_traffic(kapi, "labs-1", "customer", SPLIT, "")
    assert stored(kapi) == before


def test_record_event_creates_a_core_event_on_the_object(kapi: ApiClient) -> None:
    service = stored(kapi)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    event = record_event(
        kapi, "labs-1", service, "TrafficChanged", "70/30", action="Patch", user="alice", now=now
    )
    assert event["metadata"]["name"].startswith("customer.")
    involved = event["involvedObject"]
    assert involved["kind"] == "Service" and involved["apiVersion"] == "serving.knative.dev/v1"
    assert (involved["name"], involved["uid"]) == ("customer", service["metadata"]["uid"])
    events = request_json(kapi, "GET", EVENTS.path("labs-1"))["items"]
    mine = [e for e in events if e["reason"] == "TrafficChanged"]
    assert len(mine) == 1
    assert mine[0]["message"] == "70/30" and mine[0]["lastTimestamp"] == "2026-11-30T09:00:00Z"
    assert mine[0]["metadata"]["annotations"] == {"splitboard.dev/user": "alice"}
