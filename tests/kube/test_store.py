"""The Store's keys, watch-event rules and relist differences."""

from __future__ import annotations

from app.kube.store import Store, object_key
from app.model.objects import KubeObject


def obj(name: str, rv: str, namespace: str | None = "labs-1") -> KubeObject:
    metadata = {"name": name, "resourceVersion": rv}
    if namespace:
        metadata["namespace"] = namespace
    return {"metadata": metadata}


def test_keys_are_namespace_slash_name_or_name() -> None:
    assert object_key(obj("customer", "1")) == "labs-1/customer"
    assert object_key(obj("labs-1", "1", namespace=None)) == "labs-1"


def test_apply_reports_effective_changes_only() -> None:
    store = Store()
    assert store.apply("ADDED", obj("a", "1")) is not None
    assert store.apply("ADDED", obj("a", "1")) is None  # a replayed event changes nothing
    change = store.apply("ADDED", obj("a", "2"))
    assert change is not None and change.type == "MODIFIED" and change.old == obj("a", "1")
    change = store.apply("MODIFIED", obj("b", "3"))
    assert change is not None and change.type == "ADDED"
    assert store.apply("DELETED", obj("zzz", "4")) is None
    change = store.apply("DELETED", obj("a", "5"))
    assert change is not None and change.type == "DELETED" and change.old == obj("a", "2")
    assert store.keys() == ["labs-1/b"]


def test_replace_reports_adds_updates_and_deletes() -> None:
    store = Store()
    store.replace([obj("keep", "1"), obj("change", "1"), obj("gone", "1")])
    changes = store.replace([obj("keep", "1"), obj("change", "2"), obj("new", "3")])
    assert sorted((c.type, c.object["metadata"]["name"]) for c in changes) == [
        ("ADDED", "new"),
        ("DELETED", "gone"),
        ("MODIFIED", "change"),
    ]
    assert sorted(store.keys()) == ["labs-1/change", "labs-1/keep", "labs-1/new"]
    assert store.get("labs-1/change") == obj("change", "2")
    assert len(store) == 3


def test_one_namespace_is_read_through_the_index() -> None:
    """A store fed by a cluster-wide watch answers for one namespace what watches, relists and
    deletions left there, and nothing of the others."""
    store = Store()
    store.replace([obj("a", "1", "one"), obj("b", "1", "two"), obj("c", "1", "one")])
    store.apply("ADDED", obj("d", "2", "two"))
    store.apply("MODIFIED", obj("a", "3", "one"))
    store.apply("DELETED", obj("c", "4", "one"))
    assert sorted(o["metadata"]["name"] for o in store.list("one")) == ["a"]
    assert store.list("one")[0]["metadata"]["resourceVersion"] == "3"
    assert sorted(o["metadata"]["name"] for o in store.list("two")) == ["b", "d"]
    store.apply("DELETED", obj("a", "5", "one"))
    assert store.list("one") == [] and store.list("absent") == []
    store.replace([obj("e", "6", "three")])
    assert store.list("two") == [] and [o["metadata"]["name"] for o in store.list("three")] == ["e"]
    assert len(store.list()) == 1


def test_sorted_lists_are_kept_until_their_namespace_changes() -> None:
    store = Store()
    for name, namespace in (("b", "one"), ("a", "one"), ("c", "two")):
        store.apply("ADDED", obj(name, "1", namespace))
    one, two, every = store.sorted_list("one"), store.sorted_list("two"), store.sorted_list()
    assert [o["metadata"]["name"] for o in one] == ["a", "b"]
    assert [o["metadata"]["name"] for o in every] == ["a", "b", "c"]
    store.apply("MODIFIED", obj("a", "2", "one"))
    assert store.sorted_list("two") is two  # kept: nothing changed there
    assert [o["metadata"]["resourceVersion"] for o in store.sorted_list("one")] == ["2", "1"]
    assert [o["metadata"]["resourceVersion"] for o in store.sorted_list()] == ["2", "1", "1"]
    store.apply("DELETED", obj("c", "3", "two"))
    assert store.sorted_list("two") == () and len(store.sorted_list()) == 2
    store.replace([obj("d", "4", "two")])
    assert store.sorted_list("one") == () and [o["metadata"]["name"] for o in store.sorted_list("two")] == [
        "d"
    ]
