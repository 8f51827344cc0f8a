"""ListWatch on its own: paginated lists and the raw watch stream, on the simulator and a real API server.

The last test is the real server's alone: it pins down when a real watch cache sends BOOKMARKs, which
the simulator (bookmarks every 0.2 s at the store's resourceVersion) does not imitate.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from kubernetes.client import ApiClient

from app.kube.config import close_api_client, load_api_client
from app.kube.watching import ListWatch, WatchEvent
from tests.backends import Backend
from tests.kube.helpers import CONFIGMAPS, names, put_configmap, put_secret


def test_a_paginated_list_returns_every_item_at_one_resource_version(
    admin_api: ApiClient, fresh_namespace: str
) -> None:
    written = [put_configmap(admin_api, fresh_namespace, f"cm-{i}", k="1") for i in range(5)]
    listed = ListWatch(admin_api, CONFIGMAPS, fresh_namespace, page_size=2).list()
    assert names(listed.items) == [f"cm-{i}" for i in range(5)]
    # One list is one consistent read: its resourceVersion covers the last write it shows.
    assert int(listed.resource_version) >= int(written[-1]["metadata"]["resourceVersion"])
    assert {(o["apiVersion"], o["kind"]) for o in listed.items} == {("v1", "ConfigMap")}


def test_listing_versions_pages_through_keys_and_versions_alone(
    admin_api: ApiClient, fresh_namespace: str
) -> None:
    """What a watch check compares, without keeping the objects; with a field selector too."""
    for i in range(5):
        put_configmap(admin_api, fresh_namespace, f"cm-{i}", k="1")
    list_watch = ListWatch(admin_api, CONFIGMAPS, fresh_namespace, page_size=2)
    listed, versions = list_watch.list(), list_watch.list_versions()
    assert versions.versions == {
        f"{fresh_namespace}/{o['metadata']['name']}": o["metadata"]["resourceVersion"] for o in listed.items
    }
    assert len(versions.versions) == 5
    assert int(versions.resource_version) >= max(int(v) for v in versions.versions.values())
    selected = ListWatch(
        admin_api, CONFIGMAPS, fresh_namespace, page_size=2, field_selector="metadata.name=cm-3"
    )
    assert names(selected.list().items) == ["cm-3"]
    assert list(selected.list_versions().versions) == [f"{fresh_namespace}/cm-3"]


def test_a_listed_page_is_decoded_and_kept_under_the_shared_decoding_lock(
    admin_api: ApiClient, fresh_namespace: str
) -> None:
    """Informers of one cache share the lock, so one decoded page at a time is in memory."""
    for i in range(3):
        put_configmap(admin_api, fresh_namespace, f"cm-{i}", k="1")
    decoding = threading.Lock()
    held: list[bool] = []

    def keep(obj: dict[str, Any]) -> dict[str, Any]:
        held.append(decoding.locked())
        return obj

    list_watch = ListWatch(
        admin_api, CONFIGMAPS, fresh_namespace, page_size=2, transform=keep, decoding=decoding
    )
    assert len(list_watch.list().items) == 3
    assert held == [True, True, True]
    assert not decoding.locked()  # not held between pages nor after


def test_a_watch_streams_events_until_the_server_ends_it(admin_api: ApiClient, fresh_namespace: str) -> None:
    list_watch = ListWatch(admin_api, CONFIGMAPS, fresh_namespace)
    stream = list_watch.watch(list_watch.list().resource_version, timeout_seconds=1)
    started = time.monotonic()
    events = stream.events()
    put_configmap(admin_api, fresh_namespace, "a", k="1")
    first = next(event for event in events if event.type != "BOOKMARK")
    assert (first.type, first.object["metadata"]["name"]) == ("ADDED", "a")
    assert all(event.type == "BOOKMARK" for event in events)  # then the server ends it after 1 s
    assert time.monotonic() - started < 5.0


def watch_for(list_watch: ListWatch, resource_version: str, seconds: int) -> list[tuple[float, WatchEvent]]:
    """Every event of one watch the server ends after `seconds`, with when it came (seconds after opening)."""
    stream = list_watch.watch(resource_version, seconds)
    opened = time.monotonic()
    return [(time.monotonic() - opened, event) for event in stream.events()]


@pytest.mark.real
def test_the_real_watch_cache_bookmarks_only_a_resource_version_it_has_seen(real_backend: Backend) -> None:
    """What a real kube-apiserver (etcd with its default settings) sends as BOOKMARKs, measured:

    - The watch cache of a kind moves on with that kind's events, and with etcd's progress notifications;
      it sends a watcher a BOOKMARK about 2 s before the watch's `timeoutSeconds` deadline, and only when
      the resourceVersion it would carry is newer than the watcher's. Writes of other kinds alone reach
      no ConfigMap watcher: no BOOKMARK at all.
    - A consistent list of the kind (resourceVersion "", from any client, in any namespace) makes the
      server ask etcd for a progress notification to catch its cache up; from then on the BOOKMARK
      carries a resourceVersion past the other kinds' writes.
    """
    api = load_api_client(real_backend.kubeconfig())
    try:
        watched, other = real_backend.namespace(), real_backend.namespace()
        list_watch = ListWatch(api, CONFIGMAPS, watched)
        quiet = []
        # etcd also notifies progress on its own every 10 minutes (its default): should one fall into a
        # window it brings a BOOKMARK; it cannot fall into two windows in a row.
        for attempt in range(2):
            listed = list_watch.list().resource_version
            put_secret(api, watched, f"quiet-{attempt}")
            quiet = watch_for(list_watch, listed, 2)
            if not quiet:
                break
        assert quiet == [], "BOOKMARKs came although the ConfigMap watch cache had nothing newer"

        listed = list_watch.list().resource_version
        stream = list_watch.watch(listed, 4)
        opened = time.monotonic()
        secret = put_secret(api, watched, "moved")["metadata"]["resourceVersion"]
        nudged = ListWatch(api, CONFIGMAPS, other).list().resource_version  # another client's list
        assert int(nudged) >= int(secret) > int(listed)
        seen = [(time.monotonic() - opened, event) for event in stream.events()]
        assert seen, "no BOOKMARK after a consistent list caught the watch cache up"
        assert {event.type for _, event in seen} == {"BOOKMARK"}
        assert all(int(event.object["metadata"]["resourceVersion"]) >= int(nudged) for _, event in seen)
        # Sent about 2 s before the 4 s deadline (the cache's bookmark timer ticks every 1 s +-25 %).
        assert 0.5 <= seen[0][0] <= 3.5, seen
    finally:
        close_api_client(api)
