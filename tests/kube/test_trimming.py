"""What the cache keeps of an object (app.kube.trimming), against what the API server holds.

Listed and watched: of the Events, only the history's (TrafficChanged), which is all the history reads.

Trimmed: managedFields of every kind nothing reads them of; an Event's entries down to who wrote and
when. Kept: a Knative Service's whole. Unchanged: everything else, and what users see of it (the YAML
page's body, the history's writers). The server's objects are read with a GET, the cache's through an
informer, on both backends for core kinds (the real API server records managedFields itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient

from app.kube.informing import Informer
from app.kube.requesting import request_json
from app.kube.resources import CORE_SERVICES, KNATIVE_SERVICES, Resource
from app.kube.writing import record_event
from app.model.history import REASON, event_writer, history, traffic_write
from app.model.views.objectpage import object_page, shown_kind
from tests.kube.helpers import CONFIGMAPS, FAST, put_configmap
from tests.plugins.sim import dashboard_client
from tests.support.waiting import wait_until

EVENTS = Resource("", "v1", "events", "Event")


@pytest.fixture
def informers() -> Iterator[list[Informer]]:
    started: list[Informer] = []
    yield started
    for informer in started:
        informer.stop()


def cached(informers: list[Informer], api: ApiClient, resource: Resource, namespace: str) -> Informer:
    informer = Informer(api, resource, namespace, options=FAST)
    informers.append(informer)
    informer.start()
    assert informer.wait_for_sync(10)
    return informer


def on_server(api: ApiClient, resource: Resource, namespace: str, name: str) -> dict[str, Any]:
    return request_json(api, "GET", resource.path(namespace, name))


def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return {**obj, "metadata": metadata}


def test_a_configmap_is_cached_without_managed_fields_and_otherwise_whole(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    put_configmap(admin_api, fresh_namespace, "listed", a="1")
    informer = cached(informers, admin_api, CONFIGMAPS, fresh_namespace)
    put_configmap(admin_api, fresh_namespace, "watched", b="2")  # reaches the cache by a watch event
    wait_until(lambda: informer.lister.get("watched") is not None)
    for name in ("listed", "watched"):
        server = on_server(admin_api, CONFIGMAPS, fresh_namespace, name)
        assert server["metadata"]["managedFields"]
        kept = informer.lister.get(name)
        assert kept is not None
        assert "managedFields" not in kept["metadata"]
        assert kept == without_managed_fields(server)


def test_cached_objects_share_their_repeated_strings(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    put_configmap(admin_api, fresh_namespace, "one", a="same value")
    informer = cached(informers, admin_api, CONFIGMAPS, fresh_namespace)
    put_configmap(admin_api, fresh_namespace, "two", a="same value")  # a separate watch event
    wait_until(lambda: informer.lister.get("two") is not None)
    one, two = informer.lister.get("one"), informer.lister.get("two")
    assert one is not None and two is not None
    assert one["metadata"]["namespace"] is two["metadata"]["namespace"]
    assert one["data"]["a"] is two["data"]["a"]
    assert next(iter(one["data"])) is next(iter(two["data"]))


def test_an_events_writers_are_kept_and_what_the_history_reads_is_unchanged(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    service = put_configmap(admin_api, fresh_namespace, "target", a="1")
    event = record_event(
        admin_api,
        fresh_namespace,
        service,
        "TrafficChanged",
        "70/30",
        action="Patch",
        user="alice",
        now=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
    )
    informer = cached(informers, admin_api, EVENTS, fresh_namespace)
    name = event["metadata"]["name"]
    server = on_server(admin_api, EVENTS, fresh_namespace, name)
    kept = informer.lister.get(name)
    assert kept is not None
    entries = server["metadata"]["managedFields"]
    assert entries and all("fieldsV1" in e for e in entries)
    assert kept["metadata"]["managedFields"] == [
        {k: e[k] for k in ("manager", "operation", "time") if k in e} for e in entries
    ]
    assert without_managed_fields(kept) == without_managed_fields(server)
    assert event_writer(kept) == event_writer(server)


def test_a_knative_service_keeps_its_managed_fields_for_the_history(
    knative_kubeconfig: Path, informers: list[Informer]
) -> None:
    with dashboard_client(knative_kubeconfig) as api:
        informer = cached(informers, api, KNATIVE_SERVICES, "labs-1")
        server = on_server(api, KNATIVE_SERVICES, "labs-1", "customer")
        kept = informer.lister.get("customer")
        assert kept is not None
        assert server["metadata"]["managedFields"]
        assert kept == server
        assert traffic_write(kept) == traffic_write(server)


def test_the_yaml_page_shows_the_same_body_from_the_cache_as_from_the_server(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    body = {
        "metadata": {
            "name": "web",
            "namespace": fresh_namespace,
            "labels": {"app": "web"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Service"}'},
        },
        "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}},
    }
    request_json(admin_api, "POST", CORE_SERVICES.path(fresh_namespace), body=body)
    informer = cached(informers, admin_api, CORE_SERVICES, fresh_namespace)
    kind = shown_kind("core_services")
    assert kind is not None
    kept = informer.lister.get("web")
    assert kept is not None
    server = on_server(admin_api, CORE_SERVICES, fresh_namespace, "web")
    assert object_page(fresh_namespace, kind, kept) == object_page(fresh_namespace, kind, server)


def test_only_the_historys_events_are_listed_and_watched_and_the_history_is_unchanged(
    admin_api: ApiClient, fresh_namespace: str, informers: list[Informer]
) -> None:
    target = put_configmap(admin_api, fresh_namespace, "target", a="1")
    target = {**target, "apiVersion": "serving.knative.dev/v1", "kind": "Service"}  # as the history asks

    def record(reason: str, message: str) -> str:
        event = record_event(
            admin_api, fresh_namespace, target, reason, message, action="Patch", user="alice"
        )
        return str(event["metadata"]["name"])

    listed = {record(REASON, "Traffic changed by alice: a 100% -> a 50%, b 50%"), record("Created", "made")}
    informer = cached(informers, admin_api, EVENTS, fresh_namespace)
    # The other reason first: when the history's arrives by the watch, so would it have.
    watched = {record("Pulled", "pulled"), record(REASON, "Traffic changed by alice: a 50%, b 50% -> b 100%")}
    every = request_json(admin_api, "GET", EVENTS.path(fresh_namespace))["items"]
    assert {e["metadata"]["name"] for e in every} >= listed | watched
    history_events = {e["metadata"]["name"] for e in every if e["reason"] == REASON}
    wait_until(lambda: {o["metadata"]["name"] for o in informer.lister.list()} == history_events)
    assert len(history_events) == 2
    key = b"history key"
    assert history(informer.lister.list(), "target", key=key) == history(every, "target", key=key)
    assert len(history(every, "target", key=key)) == 2
