"""The Store's registry rules: metadata, preconditions, status, finalizers, GC, watch and admission."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.sim.storage.admission import Requester
from app.sim.storage.errors import ApiError
from app.sim.storage.resources import ResourceType, default_registry
from app.sim.storage.store import Store
from tests.support.builders import knative_service

KSVC_KEY = "services.serving.knative.dev"


@pytest.fixture
def store() -> Store:
    s = Store(default_registry(), history_limit=50)
    s.create(s.registry.get("namespaces"), None, {"metadata": {"name": "labs-1"}})
    return s


@pytest.fixture
def ksvc(store: Store) -> ResourceType:
    return store.registry.get(KSVC_KEY)


def service(name: str = "customer") -> dict[str, Any]:
    """A Knative Service body without a namespace: the store takes it from the request's path."""
    return knative_service(name, namespace=None, image="x", labels={"app": name})


def expect_error(code: int, reason: str) -> Any:
    return pytest.raises(ApiError, check=lambda e: (e.code, e.reason) == (code, reason))


def test_create_fills_system_metadata_and_drops_status(store: Store, ksvc: ResourceType) -> None:
    before = store.resource_version
    body = service() | {"status": {"url": "x"}}
    created = store.create(ksvc, "labs-1", body)
    meta = created["metadata"]
    assert meta["namespace"] == "labs-1"
    assert meta["resourceVersion"] == str(before + 1)
    assert meta["generation"] == 1
    assert len(meta["uid"]) == 36
    assert meta["creationTimestamp"].endswith("Z")
    assert "status" not in created
    assert store.get(ksvc, "labs-1", "customer") == created


def test_a_new_pod_starts_pending_whatever_status_it_was_sent_with(store: Store) -> None:
    pods = store.registry.get("pods")
    body = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    created = store.create(pods, "labs-1", body | {"status": {"phase": "Running"}})
    assert created["status"]["phase"] == "Pending"
    with store.watch(pods, "labs-1") as watcher:
        event = watcher.next(1)
    assert event is not None
    assert event.object["status"]["phase"] == "Pending"


def test_reads_are_copies(store: Store, ksvc: ResourceType) -> None:
    store.create(ksvc, "labs-1", service())
    got = store.get(ksvc, "labs-1", "customer")
    got["spec"]["template"] = "broken"
    items, _ = store.list(ksvc, "labs-1")
    items[0]["metadata"]["name"] = "broken"
    assert store.get(ksvc, "labs-1", "customer")["spec"]["template"] != "broken"
    assert store.list(ksvc)[0][0]["metadata"]["name"] == "customer"


def test_find_answers_none_where_get_answers_not_found(store: Store, ksvc: ResourceType) -> None:
    assert store.find(ksvc, "labs-1", "customer") is None
    with expect_error(404, "NotFound"):
        store.get(ksvc, "labs-1", "customer")
    created = store.create(ksvc, "labs-1", service())
    assert store.find(ksvc, "labs-1", "customer") == created
    stored = store.find(ksvc, "labs-1", "customer", copy=False)
    assert stored is not None and stored is store.find(ksvc, "labs-1", "customer", copy=False)


def test_create_errors(store: Store, ksvc: ResourceType) -> None:
    store.create(ksvc, "labs-1", service())
    with expect_error(409, "AlreadyExists") as caught:
        store.create(ksvc, "labs-1", service())
    assert caught.value.message == 'services.serving.knative.dev "customer" already exists'
    with expect_error(404, "NotFound") as caught:
        store.create(ksvc, "nowhere", service())
    assert caught.value.message == 'namespaces "nowhere" not found'
    with expect_error(422, "Invalid") as caught:
        store.create(ksvc, "labs-1", service("Bad_Name"))
    assert caught.value.details is not None
    assert caught.value.details["causes"][0]["field"] == "metadata.name"
    with expect_error(400, "BadRequest"):
        store.create(ksvc, "labs-1", service() | {"metadata": {"name": "x", "namespace": "other"}})


def test_generate_name(store: Store, ksvc: ResourceType) -> None:
    created = store.create(ksvc, "labs-1", {"metadata": {"generateName": "load-"}, "spec": {}})
    assert created["metadata"]["name"].startswith("load-")
    assert len(created["metadata"]["name"]) == len("load-") + 5


def test_update_conflict_and_generation(store: Store, ksvc: ResourceType) -> None:
    created = store.create(ksvc, "labs-1", service())
    changed = created | {"spec": {"traffic": [{"percent": 100}]}}
    updated = store.update(ksvc, "labs-1", "customer", changed)
    assert updated["metadata"]["generation"] == 2
    with expect_error(409, "Conflict") as caught:
        store.update(ksvc, "labs-1", "customer", changed)
    assert caught.value.message == (
        'Operation cannot be fulfilled on services.serving.knative.dev "customer": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    labelled = updated | {"metadata": updated["metadata"] | {"labels": {"a": "b"}}}
    assert store.update(ksvc, "labs-1", "customer", labelled)["metadata"]["generation"] == 2


def test_no_op_update_keeps_the_resource_version(store: Store, ksvc: ResourceType) -> None:
    created = store.create(ksvc, "labs-1", service())
    assert store.update(ksvc, "labs-1", "customer", created) == created


def test_status_subresource_separates_spec_and_status(store: Store, ksvc: ResourceType) -> None:
    created = store.create(ksvc, "labs-1", service())
    with_status = store.update(
        ksvc, "labs-1", "customer", created | {"status": {"url": "u"}}, subresource="status"
    )
    assert with_status["status"] == {"url": "u"}
    assert with_status["metadata"]["generation"] == 1
    spec_write = with_status | {"status": {"url": "ignored"}, "spec": {"x": 1}}
    after = store.update(ksvc, "labs-1", "customer", spec_write)
    assert after["status"] == {"url": "u"} and after["spec"] == {"x": 1}
    status_write = after | {"spec": {"x": 2}, "status": {"url": "v"}}
    final = store.update(ksvc, "labs-1", "customer", status_write, subresource="status")
    assert final["spec"] == {"x": 1} and final["status"] == {"url": "v"}


def test_patch_types_and_precondition(store: Store, ksvc: ResourceType) -> None:
    created = store.create(ksvc, "labs-1", service())
    rv = created["metadata"]["resourceVersion"]
    merged = store.patch(ksvc, "labs-1", "customer", {"spec": {"traffic": [{"percent": 100}]}}, "merge")
    assert merged["spec"]["traffic"] == [{"percent": 100}]
    with expect_error(409, "Conflict"):
        store.patch(ksvc, "labs-1", "customer", {"metadata": {"resourceVersion": rv}, "spec": {}}, "merge")
    ops = [{"op": "replace", "path": "/spec/traffic/0/percent", "value": 50}]
    assert store.patch(ksvc, "labs-1", "customer", ops, "json")["spec"]["traffic"] == [{"percent": 50}]
    with expect_error(415, "UnsupportedMediaType"):
        store.patch(ksvc, "labs-1", "customer", {"spec": {}}, "strategic")
    with expect_error(422, "Invalid"):
        store.patch(ksvc, "labs-1", "customer", [{"op": "test", "path": "/spec", "value": 1}], "json")
    with expect_error(404, "NotFound"):
        store.patch(ksvc, "labs-1", "nobody", {}, "merge")


def test_dry_run_stores_nothing(store: Store, ksvc: ResourceType) -> None:
    rv = store.resource_version
    store.create(ksvc, "labs-1", service(), dry_run=True)
    with expect_error(404, "NotFound"):
        store.get(ksvc, "labs-1", "customer")
    created = store.create(ksvc, "labs-1", service())
    store.patch(ksvc, "labs-1", "customer", {"spec": {"x": 1}}, "merge", dry_run=True)
    store.delete(ksvc, "labs-1", "customer", dry_run=True)
    assert store.get(ksvc, "labs-1", "customer") == created
    assert store.resource_version == rv + 1


def test_finalizers_hold_deletion(store: Store, ksvc: ResourceType) -> None:
    store.create(ksvc, "labs-1", service() | {"metadata": {"name": "customer", "finalizers": ["f"]}})
    marked = store.delete(ksvc, "labs-1", "customer")
    assert marked["metadata"]["deletionTimestamp"]
    assert store.get(ksvc, "labs-1", "customer")["metadata"]["deletionTimestamp"]
    with expect_error(422, "Invalid"):
        store.patch(ksvc, "labs-1", "customer", {"metadata": {"finalizers": ["f", "g"]}}, "merge")
    store.patch(ksvc, "labs-1", "customer", {"metadata": {"finalizers": None}}, "merge")
    with expect_error(404, "NotFound"):
        store.get(ksvc, "labs-1", "customer")


def owned(name: str, owner: dict[str, Any]) -> dict[str, Any]:
    ref = {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"]}
    return {"metadata": {"name": name, "ownerReferences": [ref | {"uid": owner["metadata"]["uid"]}]}}


def test_garbage_collection_cascades(store: Store, ksvc: ResourceType) -> None:
    routes, pods = store.registry.get("routes.serving.knative.dev"), store.registry.get("pods")
    owner = store.create(ksvc, "labs-1", service())
    route = store.create(routes, "labs-1", owned("customer", owner))
    store.create(pods, "labs-1", owned("grandchild", route))
    kept = store.create(pods, "labs-1", {"metadata": {"name": "unrelated"}})
    store.delete(ksvc, "labs-1", "customer")
    assert store.list(routes)[0] == []
    assert [p["metadata"]["name"] for p in store.list(pods)[0]] == [kept["metadata"]["name"]]


def test_orphan_propagation_strips_owner_references(store: Store, ksvc: ResourceType) -> None:
    routes = store.registry.get("routes.serving.knative.dev")
    owner = store.create(ksvc, "labs-1", service())
    store.create(routes, "labs-1", owned("customer", owner))
    store.delete(ksvc, "labs-1", "customer", propagation="Orphan")
    assert "ownerReferences" not in store.get(routes, "labs-1", "customer")["metadata"]


def test_deleting_a_namespace_deletes_its_objects(store: Store, ksvc: ResourceType) -> None:
    routes = store.registry.get("routes.serving.knative.dev")
    owner = store.create(ksvc, "labs-1", service())
    store.create(routes, "labs-1", owned("customer", owner))
    store.delete(store.registry.get("namespaces"), None, "labs-1")
    assert store.list(ksvc)[0] == [] and store.list(routes)[0] == []
    with expect_error(404, "NotFound"):
        store.get(store.registry.get("namespaces"), None, "labs-1")


def test_a_finalizer_keeps_its_namespace_terminating(store: Store, ksvc: ResourceType) -> None:
    namespaces = store.registry.get("namespaces")
    store.create(ksvc, "labs-1", service() | {"metadata": {"name": "customer", "finalizers": ["f"]}})
    store.create(ksvc, "labs-1", service("other"))
    terminating = store.delete(namespaces, None, "labs-1")
    assert terminating["status"] == {"phase": "Terminating"}
    assert [s["metadata"]["name"] for s in store.list(ksvc)[0]] == ["customer"]
    with expect_error(403, "Forbidden") as caught:
        store.create(ksvc, "labs-1", service("late"))
    assert caught.value.message == (
        "unable to create new content in namespace labs-1 because it is being terminated"
    )
    store.patch(ksvc, "labs-1", "customer", {"metadata": {"finalizers": []}}, "merge")
    with expect_error(404, "NotFound"):
        store.get(namespaces, None, "labs-1")


def test_watch_from_zero_then_live(store: Store, ksvc: ResourceType) -> None:
    store.create(ksvc, "labs-1", service("a"))
    with store.watch(ksvc, "labs-1") as watcher:
        first = watcher.next(1)
        assert first is not None and (first.type, first.object["metadata"]["name"]) == ("ADDED", "a")
        store.create(ksvc, "labs-1", service("b"))
        store.delete(ksvc, "labs-1", "a")
        seen = [watcher.next(1), watcher.next(1)]
        assert [(e.type, e.object["metadata"]["name"]) for e in seen if e] == [
            ("ADDED", "b"),
            ("DELETED", "a"),
        ]
        assert watcher.next(0.01) is None


def test_watch_replays_from_a_resource_version(store: Store, ksvc: ResourceType) -> None:
    a = store.create(ksvc, "labs-1", service("a"))
    store.create(ksvc, "labs-1", service("b"))
    with store.watch(ksvc, since=int(a["metadata"]["resourceVersion"])) as watcher:
        event = watcher.next(1)
        assert event is not None and event.object["metadata"]["name"] == "b"


def test_watch_from_a_compacted_version_is_expired(store: Store, ksvc: ResourceType) -> None:
    a = store.create(ksvc, "labs-1", service("a"))
    store.create(ksvc, "labs-1", service("b"))
    store.compact()
    since = int(a["metadata"]["resourceVersion"])
    with expect_error(410, "Expired") as caught:
        store.watch(ksvc, since=since)
    assert caught.value.message == f"too old resource version: {since} ({store.resource_version})"


def test_history_is_bounded(store: Store, ksvc: ResourceType) -> None:
    first = store.create(ksvc, "labs-1", service("first"))
    for i in range(60):
        store.create(ksvc, "labs-1", service(f"s{i}"))
    with expect_error(410, "Expired"):
        store.watch(ksvc, since=int(first["metadata"]["resourceVersion"]))


def test_object_leaving_a_label_selector_is_deleted_for_that_watch(store: Store, ksvc: ResourceType) -> None:
    store.create(ksvc, "labs-1", service("a"))
    with store.watch(ksvc, label_selector="app=a") as watcher:
        assert watcher.next(1) is not None
        store.patch(ksvc, "labs-1", "a", {"metadata": {"labels": {"app": "z"}}}, "merge")
        left = watcher.next(1)
        assert left is not None and left.type == "DELETED"
        assert left.object["metadata"]["labels"] == {"app": "a"}
        store.patch(ksvc, "labs-1", "a", {"metadata": {"labels": {"app": "a"}}}, "merge")
        back = watcher.next(1)
        assert back is not None and back.type == "ADDED"


def test_closed_watcher_returns_promptly(store: Store, ksvc: ResourceType) -> None:
    watcher = store.watch(ksvc)
    watcher.close()
    started = time.monotonic()
    assert watcher.next(5) is None
    assert time.monotonic() - started < 1


class Webhook:
    name = "validation.webhook.serving.knative.dev"

    def mutate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new.setdefault("spec", {}).setdefault("traffic", [{"percent": 100, "latestRevision": True}])

    def validate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        total = sum(t.get("percent", 0) for t in new["spec"]["traffic"])
        return [] if total == 100 else [f"Traffic targets sum to {total}, want 100: spec.traffic"]


def test_admission_mutates_and_rejects(store: Store, ksvc: ResourceType) -> None:
    store.add_admission(KSVC_KEY, Webhook())
    created = store.create(ksvc, "labs-1", service())
    assert created["spec"]["traffic"] == [{"percent": 100, "latestRevision": True}]
    with expect_error(400, "BadRequest") as caught:
        store.patch(ksvc, "labs-1", "customer", {"spec": {"traffic": [{"percent": 90}]}}, "merge")
    assert caught.value.message == (
        'admission webhook "validation.webhook.serving.knative.dev" denied the request: '
        "validation failed: Traffic targets sum to 90, want 100: spec.traffic"
    )


class Recorder:
    """A webhook told who writes (the keyword `requester`)."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[tuple[str, Requester | None]] = []

    def mutate(
        self,
        operation: str,
        new: dict[str, Any],
        old: dict[str, Any] | None,
        *,
        requester: Requester | None = None,
    ) -> None:
        self.seen.append((operation, requester))

    def validate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        return []


def test_admission_is_told_the_requester_when_it_asks(store: Store, ksvc: ResourceType) -> None:
    recorder = Recorder()
    store.add_admission(KSVC_KEY, Webhook())  # declares no requester: still called as before
    store.add_admission(KSVC_KEY, recorder)
    alice = Requester("alice", ("team-a",))
    created = store.create(ksvc, "labs-1", service(), requester=alice)
    assert created["spec"]["traffic"] == [{"percent": 100, "latestRevision": True}]
    store.patch(ksvc, "labs-1", "customer", {"metadata": {"labels": {"a": "b"}}}, "merge")
    assert recorder.seen == [("CREATE", alice), ("UPDATE", None)]


def test_list_of_two_thousand_is_fast(store: Store) -> None:
    pods = store.registry.get("pods")
    for i in range(2000):
        store.create(pods, "labs-1", {"metadata": {"name": f"p{i}", "labels": {"i": str(i % 2)}}, "spec": {}})
    started = time.thread_time()  # CPU time: other processes on a busy machine do not count
    items, _ = store.list(pods, "labs-1", label_selector="i=1", copy=False)
    assert len(items) == 1000
    assert time.thread_time() - started < 0.05


def test_dump_and_load_round_trip(store: Store, ksvc: ResourceType) -> None:
    created = store.create(ksvc, "labs-1", service())
    copy = Store(default_registry())
    copy.load(store.dump())
    assert copy.get(ksvc, "labs-1", "customer") == created
    assert copy.resource_version == store.resource_version


def test_kinds_learned_later_are_stored(store: Store) -> None:
    widgets = ResourceType("example.com", ("v1",), "Widget", "widgets", "widget")
    store.registry.add(widgets)
    created = store.create(widgets, "labs-1", {"metadata": {"name": "w"}})
    assert store.list(widgets)[0] == [created]


def test_delete_collection_survives_garbage_collection_within_it(store: Store) -> None:
    pods = store.registry.get("pods")
    parent = store.create(pods, "labs-1", {"metadata": {"name": "a-parent"}, "spec": {}})
    store.create(pods, "labs-1", owned("b-child", parent))
    deleted = store.delete_collection(pods, "labs-1")
    assert [obj["metadata"]["name"] for obj in deleted] == ["a-parent"]
    assert store.list(pods)[0] == []


def test_foreground_deletes_dependents_before_the_owner(store: Store, ksvc: ResourceType) -> None:
    """The owner is first marked (the generic registry's foregroundDeletion finalizer), then its
    dependents go, then the garbage collector drops the finalizer and the owner goes."""
    routes = store.registry.get("routes.serving.knative.dev")
    owner = store.create(ksvc, "labs-1", service())
    store.create(routes, "labs-1", owned("customer", owner))
    with store.watch(None, "labs-1", since=store.resource_version) as watcher:
        answer = store.delete(ksvc, "labs-1", "customer", propagation="Foreground")
        events = [watcher.next(1) for _ in range(4)]
    assert answer["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert answer["metadata"]["deletionTimestamp"]
    assert answer["metadata"]["generation"] == 2
    seen = [(e.type, e.rt.key) for e in events if e is not None]
    assert seen == [
        ("MODIFIED", KSVC_KEY),
        ("DELETED", "routes.serving.knative.dev"),
        ("MODIFIED", KSVC_KEY),
        ("DELETED", KSVC_KEY),
    ]


def test_a_foreground_owner_waits_for_a_blocking_dependent_held_by_finalizers(
    store: Store, ksvc: ResourceType
) -> None:
    routes = store.registry.get("routes.serving.knative.dev")
    owner = store.create(ksvc, "labs-1", service())
    child = owned("customer", owner)
    child["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] = True
    child["metadata"]["finalizers"] = ["example.com/hold"]
    store.create(routes, "labs-1", child)
    store.delete(ksvc, "labs-1", "customer", propagation="Foreground")
    waiting = store.get(ksvc, "labs-1", "customer")
    assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert store.get(routes, "labs-1", "customer")["metadata"]["deletionTimestamp"]
    store.patch(routes, "labs-1", "customer", {"metadata": {"finalizers": None}}, "merge")
    with expect_error(404, "NotFound"):
        store.get(ksvc, "labs-1", "customer")


def test_orphan_deletion_answers_the_owner_with_the_orphan_finalizer(
    store: Store, ksvc: ResourceType
) -> None:
    routes = store.registry.get("routes.serving.knative.dev")
    owner = store.create(ksvc, "labs-1", service())
    store.create(routes, "labs-1", owned("customer", owner))
    answer = store.delete(ksvc, "labs-1", "customer", propagation="Orphan")
    assert answer["metadata"]["finalizers"] == ["orphan"]
    assert answer["metadata"]["deletionTimestamp"]
    with expect_error(404, "NotFound"):
        store.get(ksvc, "labs-1", "customer")
    assert "ownerReferences" not in store.get(routes, "labs-1", "customer")["metadata"]


def test_a_namespace_delete_answers_it_terminating(store: Store) -> None:
    answer = store.delete(store.registry.get("namespaces"), None, "labs-1")
    assert answer["status"] == {"phase": "Terminating"}
    assert answer["metadata"]["deletionTimestamp"]


def test_watch_by_field_selector_and_namespace(store: Store, ksvc: ResourceType) -> None:
    store.create(store.registry.get("namespaces"), None, {"metadata": {"name": "labs-2"}})
    with store.watch(ksvc, "labs-1", field_selector="metadata.name=b") as watcher:
        for namespace in ("labs-1", "labs-2"):
            for name in ("a", "b"):
                store.create(ksvc, namespace, service(name))
        event = watcher.next(1)
        assert event is not None
        assert (event.object["metadata"]["namespace"], event.object["metadata"]["name"]) == ("labs-1", "b")
        assert watcher.next(0.05) is None
