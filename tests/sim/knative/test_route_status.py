"""The Route reconciler's verdicts (accepted objects whose traffic cannot be served), as the Route and
the Service report them through the API."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from app.model.naming import DomainConfig
from app.sim.building import KnativeCluster, build_cluster
from app.sim.client import Client
from app.sim.knative.kinds import Kinds
from app.sim.knative.services import reconcile_service, traffic_migrated
from app.sim.knative.writing import Context
from app.sim.storage.resources import default_registry
from app.sim.storage.store import Store
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import official_client
from tests.sim.knative.reading import condition, knative, patch_service

LAB_TRAFFIC = ["current", "candidate", "latest"]


def _tags(obj: dict[str, Any]) -> list[str]:
    return [t.get("tag", "") for t in obj["status"]["traffic"]]


def _verdict(api: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return knative(api, "routes", "customer"), knative(api, "services", "customer")


def test_a_missing_revision_keeps_the_previous_traffic(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    patch_service(knative_api, {"spec": {"traffic": [{"revisionName": "customer-v9", "percent": 100}]}})
    assert knative_cluster.settle()
    route, ksvc = _verdict(knative_api)
    expected = ("False", "RevisionMissing", 'Revision "customer-v9" referenced in traffic not found.')
    assert condition(route, "AllTrafficAssigned") == expected
    assert condition(route, "Ready") == expected
    assert condition(ksvc, "RoutesReady") == expected
    assert condition(ksvc, "Ready") == expected
    assert _tags(route) == LAB_TRAFFIC
    assert _tags(ksvc) == LAB_TRAFFIC
    assert route["status"]["observedGeneration"] == route["metadata"]["generation"]


def test_a_revision_of_another_service_is_not_owned(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    patch_service(knative_api, {"spec": {"traffic": [{"revisionName": "preference-v1", "percent": 100}]}})
    assert knative_cluster.settle()
    route, ksvc = _verdict(knative_api)
    message = 'Revision "preference-v1" belongs to Service "preference", not Service "customer".'
    assert condition(route, "AllTrafficAssigned") == ("False", "RevisionNotOwned", message)
    assert condition(ksvc, "RoutesReady") == ("False", "RevisionNotOwned", message)


def test_a_failed_revision(knative_cluster: KnativeCluster, knative_api: Any) -> None:
    template = {
        "metadata": {"name": "customer-v5"},
        "spec": {"containers": [{"image": "registry.example.invalid/customer:v5"}]},
    }
    traffic = [{"revisionName": "customer-v5", "percent": 100}]
    patch_service(knative_api, {"spec": {"template": template, "traffic": traffic}})
    assert knative_cluster.settle()
    revision = knative(knative_api, "revisions", "customer-v5")
    status, reason, message = condition(revision, "Ready")
    assert (status, reason) == ("False", "ContainerMissing")
    assert 'Unable to fetch image "registry.example.invalid/customer:v5"' in message
    route, ksvc = _verdict(knative_api)
    failed = ("False", "RevisionMissing", 'Revision "customer-v5" failed to become ready.')
    assert condition(route, "AllTrafficAssigned") == failed
    assert condition(ksvc, "ConfigurationsReady")[:2] == ("False", "RevisionFailed")
    assert ksvc["status"]["latestCreatedRevisionName"] == "customer-v5"
    assert ksvc["status"]["latestReadyRevisionName"] == "customer-v4"


@pytest.fixture
def slow_api(tmp_path: Path) -> Iterator[tuple[KnativeCluster, Any]]:
    """A cluster whose revisions take a minute to become ready."""
    settings = dataclasses.replace(TEST_SETTINGS, revision_ready_delay=60.0)
    with (
        build_cluster(scenario=None, settings=settings) as cluster,
        official_client(cluster.write_kubeconfig(tmp_path / "kc")) as api,
    ):
        client.CoreV1Api(api).create_namespace(
            client.V1Namespace(metadata=client.V1ObjectMeta(name="labs-1"))
        )
        yield cluster, api


def test_a_revision_not_yet_ready(slow_api: tuple[KnativeCluster, Any]) -> None:
    cluster, api = slow_api
    body = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "customer"},
        "spec": {
            "template": {
                "metadata": {"name": "customer-v1"},
                "spec": {"containers": [{"image": "quay.io/dsanchor/customer:quarkus"}]},
            },
            "traffic": [{"tag": "current", "revisionName": "customer-v1", "percent": 100}],
        },
    }
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        "serving.knative.dev", "v1", "labs-1", "services", body
    )
    assert cluster.settle()
    revision = knative(api, "revisions", "customer-v1")
    assert condition(revision, "Ready") == ("Unknown", "Deploying", "")
    # Created active, not pending: the Service's Configuration is routed (`serving.knative.dev/routes`)
    # before its revision exists, and configuration/resources/revision.go hands that on.
    assert revision["metadata"]["labels"]["serving.knative.dev/routingState"] == "active"
    route, ksvc = _verdict(api)
    unknown = ("Unknown", "RevisionMissing", 'Revision "customer-v1" is not yet ready.')
    assert condition(route, "AllTrafficAssigned") == unknown
    assert condition(ksvc, "RoutesReady") == unknown
    assert condition(ksvc, "ConfigurationsReady")[0] == "Unknown"
    assert "traffic" not in route["status"]
    assert route["status"]["url"].startswith("http://customer.labs-1.")


def _route(spec: list[dict[str, Any]], status: list[dict[str, Any]]) -> dict[str, Any]:
    return {"spec": {"traffic": spec}, "status": {"traffic": status}}


def test_traffic_not_yet_migrated_to_the_latest_revision() -> None:
    config = {"metadata": {"name": "customer"}, "status": {"latestReadyRevisionName": "customer-00002"}}
    spec = [{"configurationName": "customer", "latestRevision": True, "percent": 100}]
    old = [{"revisionName": "customer-00001", "latestRevision": True, "percent": 100}]
    new = [{"revisionName": "customer-00002", "latestRevision": True, "percent": 100}]
    assert not traffic_migrated(_route(spec, old), config)
    assert traffic_migrated(_route(spec, new), config)
    assert not traffic_migrated(_route(spec, []), config)


def test_the_service_reports_traffic_not_migrated_while_the_route_catches_up() -> None:
    """The window between a new ready revision and the Route's update is too short to catch through
    the API, so this drives the Service reconciler by hand over a store holding that moment."""
    store = Store(default_registry())
    kinds = Kinds.of(store.registry)
    ctx = Context(Client(store), kinds, TEST_SETTINGS, DomainConfig(), defer=lambda key, seconds: None)
    store.create(kinds.namespace, None, {"metadata": {"name": "labs-1"}})
    template = {"spec": {"containers": [{"image": "quay.io/dsanchor/preference:quarkus"}]}}
    ksvc = {"metadata": {"name": "preference", "namespace": "labs-1"}, "spec": {"template": template}}
    store.create(kinds.ksvc, "labs-1", ksvc)
    reconcile_service(ctx, "labs-1", "preference")
    ready = [{"type": "Ready", "status": "True"}]
    config = store.get(kinds.configuration, "labs-1", "preference")
    config["status"] = {
        "observedGeneration": 1,
        "latestReadyRevisionName": "preference-00002",
        "conditions": ready,
    }
    store.update(kinds.configuration, "labs-1", "preference", config, subresource="status")
    route = store.get(kinds.route, "labs-1", "preference")
    stale = [{"revisionName": "preference-00001", "latestRevision": True, "percent": 100}]
    route["status"] = {"observedGeneration": 1, "traffic": stale, "conditions": ready}
    store.update(kinds.route, "labs-1", "preference", route, subresource="status")
    reconcile_service(ctx, "labs-1", "preference")
    got = store.get(kinds.ksvc, "labs-1", "preference")
    expected = ("Unknown", "TrafficNotMigrated", "Traffic is not yet migrated to the latest revision.")
    assert condition(got, "RoutesReady") == expected
    assert condition(got, "Ready") == expected
