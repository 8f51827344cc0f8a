"""Traffic patches and audit Events against the simulated Knative cluster (admission included)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.writing import patch_traffic, record_event
from app.model.traffic import TrafficTarget
from app.sim.building import KnativeCluster
from tests.plugins.sim import dashboard_client

SPLIT = [
    {"tag": "current", "revisionName": "customer-v3", "percent": 70},
    {"tag": "candidate", "revisionName": "customer-v4", "percent": 30},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]
DEFAULTED = [{**t, "latestRevision": t.get("latestRevision", False)} for t in SPLIT]
"""SPLIT after Knative's defaulting (a missing latestRevision becomes revisionName == "")."""


@pytest.fixture
def kapi(knative_kubeconfig: Path) -> Iterator[ApiClient]:
    with dashboard_client(knative_kubeconfig) as client:
        yield client


def stored(cluster: KnativeCluster, name: str = "customer") -> dict[str, Any]:
    rt = cluster.store.registry.get("services.serving.knative.dev")
    return cluster.store.get(rt, "labs-1", name)


def test_patch_replaces_the_traffic_block(knative_cluster: KnativeCluster, kapi: ApiClient) -> None:
    before = stored(knative_cluster)
    answer = patch_traffic(kapi, "labs-1", "customer", SPLIT, before["metadata"]["resourceVersion"])
    assert answer["spec"]["traffic"] == DEFAULTED
    after = stored(knative_cluster)
    assert after["spec"]["traffic"] == DEFAULTED
    assert int(after["metadata"]["resourceVersion"]) >= int(answer["metadata"]["resourceVersion"])
    assert answer["metadata"]["resourceVersion"] != before["metadata"]["resourceVersion"]
    assert after["spec"]["template"] == before["spec"]["template"]


def test_targets_are_accepted_too(knative_cluster: KnativeCluster, kapi: ApiClient) -> None:
    targets = [TrafficTarget(revision_name="customer-v4", percent=100)]
    rv = stored(knative_cluster)["metadata"]["resourceVersion"]
    patch_traffic(kapi, "labs-1", "customer", targets, rv)
    assert stored(knative_cluster)["spec"]["traffic"] == [
        {"revisionName": "customer-v4", "latestRevision": False, "percent": 100}
    ]


def test_stale_resource_version_is_a_conflict_and_changes_nothing(
    knative_cluster: KnativeCluster, kapi: ApiClient
) -> None:
    before = stored(knative_cluster)
    stale = str(int(before["metadata"]["resourceVersion"]) - 1)
    with pytest.raises(ApiError) as caught:
        patch_traffic(kapi, "labs-1", "customer", SPLIT, stale)
    assert (caught.value.code, caught.value.reason) == (409, "Conflict")
    assert "the object has been modified" in caught.value.message
    assert caught.value.status is not None and caught.value.status["kind"] == "Status"
    assert stored(knative_cluster) == before


def test_dry_run_answers_the_result_and_stores_nothing(
    knative_cluster: KnativeCluster, kapi: ApiClient
) -> None:
    before = stored(knative_cluster)
    answer = patch_traffic(
        kapi, "labs-1", "customer", SPLIT, before["metadata"]["resourceVersion"], dry_run=True
    )
    assert answer["spec"]["traffic"] == DEFAULTED
    assert stored(knative_cluster) == before


def test_the_webhooks_refusal_surfaces_verbatim(knative_cluster: KnativeCluster, kapi: ApiClient) -> None:
    before = stored(knative_cluster)
    bad = [{"revisionName": "customer-v3", "percent": 90}]
    with pytest.raises(ApiError) as caught:
        patch_traffic(kapi, "labs-1", "customer", bad, before["metadata"]["resourceVersion"])
    assert caught.value.code == 422
    assert caught.value.message == (
        'admission webhook "validation.webhook.serving.knative.dev" denied the request: '
        "validation failed: Traffic targets sum to 90, want 100: spec.traffic"
    )
    assert stored(knative_cluster) == before


def test_malformed_traffic_is_refused_before_sending(
    knative_cluster: KnativeCluster, kapi: ApiClient
) -> None:
    before = stored(knative_cluster)
    rv = before["metadata"]["resourceVersion"]
    with pytest.raises(ValueError, match="percent"):
        patch_traffic(kapi, "labs-1", "customer", [{"percent": "most"}], rv)
    with pytest.raises(ValueError, match="resourceVersion"):
        patch_traffic(kapi, "labs-1", "customer", SPLIT, "")
    assert stored(knative_cluster) == before


def test_record_event_creates_a_core_event_on_the_object(
    knative_cluster: KnativeCluster, kapi: ApiClient
) -> None:
    service = stored(knative_cluster)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    event = record_event(
        kapi, "labs-1", service, "TrafficChanged", "70/30", action="Patch", user="alice", now=now
    )
    assert event["metadata"]["name"].startswith("customer.")
    involved = event["involvedObject"]
    assert involved["kind"] == "Service" and involved["apiVersion"] == "serving.knative.dev/v1"
    assert (involved["name"], involved["uid"]) == ("customer", service["metadata"]["uid"])
    events = knative_cluster.store.list(knative_cluster.store.registry.get("events"), "labs-1")[0]
    mine = [e for e in events if e["reason"] == "TrafficChanged"]
    assert len(mine) == 1
    assert mine[0]["message"] == "70/30" and mine[0]["lastTimestamp"] == "2026-11-30T09:00:00Z"
    assert mine[0]["metadata"]["annotations"] == {"splitboard.dev/user": "alice"}
