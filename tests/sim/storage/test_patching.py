"""The three patch formats, checked against the examples of their RFCs and kubectl's directives."""

from __future__ import annotations

from typing import Any

import pytest

from app.sim.storage.patching import PatchError, json_patch, merge_patch, strategic_merge_patch


def test_merge_patch_rfc7386_example() -> None:
    target = {"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["a", "b"]}
    patch = {"title": "Hello!", "phoneNumber": "+01-123", "author": {"familyName": None}, "tags": ["c"]}
    assert merge_patch(target, patch) == {
        "title": "Hello!",
        "author": {"givenName": "John"},
        "tags": ["c"],
        "phoneNumber": "+01-123",
    }
    assert target["author"] == {"givenName": "John", "familyName": "Doe"}


def test_json_patch_operations() -> None:
    doc: dict[str, Any] = {"spec": {"traffic": [{"percent": 100}], "x": 1}}
    ops = [
        {"op": "add", "path": "/spec/traffic/-", "value": {"percent": 0}},
        {"op": "replace", "path": "/spec/traffic/0/percent", "value": 90},
        {"op": "copy", "from": "/spec/x", "path": "/spec/y"},
        {"op": "move", "from": "/spec/x", "path": "/spec/z"},
        {"op": "remove", "path": "/spec/y"},
        {"op": "test", "path": "/spec/z", "value": 1},
        {"op": "add", "path": "/metadata", "value": {"a/b": 1}},
        {"op": "replace", "path": "/metadata/a~1b", "value": 2},
    ]
    assert json_patch(doc, ops) == {
        "spec": {"traffic": [{"percent": 90}, {"percent": 0}], "z": 1},
        "metadata": {"a/b": 2},
    }
    assert doc == {"spec": {"traffic": [{"percent": 100}], "x": 1}}


@pytest.mark.parametrize(
    ("ops", "malformed"),
    [
        ([{"op": "test", "path": "/a", "value": 2}], False),
        ([{"op": "remove", "path": "/missing"}], False),
        ([{"op": "replace", "path": "/list/5", "value": 1}], False),
        ([{"op": "jump", "path": "/a"}], True),
        ({"op": "add"}, True),
        ([{"op": "add", "path": "/b"}], True),
    ],
)
def test_json_patch_errors(ops: Any, malformed: bool) -> None:
    with pytest.raises(PatchError) as caught:
        json_patch({"a": 1, "list": []}, ops)
    assert caught.value.malformed is malformed


def test_strategic_merge_merges_containers_env_and_ports_by_key() -> None:
    target = {
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "v1",
                    "env": [{"name": "A", "value": "1"}],
                    "ports": [{"containerPort": 80}],
                },
                {"name": "sidecar", "image": "s"},
            ],
            "volumes": [{"name": "cfg"}],
        },
        "metadata": {"finalizers": ["a"]},
    }
    patch = {
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "env": [{"name": "B", "value": "2"}],
                    "ports": [{"containerPort": 80, "name": "http"}],
                },
                {"name": "sidecar", "$patch": "delete"},
            ],
            "volumes": [{"name": "cfg", "configMap": {"name": "c"}}],
        },
        "metadata": {"finalizers": ["b"]},
    }
    assert strategic_merge_patch(target, patch) == {
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "v1",
                    # A new entry goes first (strategicpatch normalizeElementOrder).
                    "env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}],
                    "ports": [{"containerPort": 80, "name": "http"}],
                }
            ],
            "volumes": [{"name": "cfg", "configMap": {"name": "c"}}],
        },
        "metadata": {"finalizers": ["a", "b"]},
    }


def test_strategic_merge_directives_from_kubectl_apply() -> None:
    target = {"spec": {"ports": [{"port": 80}, {"port": 443}], "args": ["x"], "selector": {"a": "1"}}}
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 443}, {"port": 80}],
            "ports": [{"port": 443, "name": "https"}],
            "args": ["y"],
            "selector": {"$patch": "replace", "b": "2"},
        },
        "metadata": {"$deleteFromPrimitiveList/finalizers": ["gone"], "finalizers": ["kept"]},
    }
    assert strategic_merge_patch(target, patch) == {
        "spec": {
            "ports": [{"port": 443, "name": "https"}, {"port": 80}],
            "args": ["y"],
            "selector": {"b": "2"},
        },
        "metadata": {"finalizers": ["kept"]},
    }


def test_strategic_merge_puts_a_new_keyed_entry_before_the_live_ones() -> None:
    """strategicpatch normalizeElementOrder/mergeSortedSlice (k8s.io/apimachinery
    pkg/util/strategicpatch/patch.go): an entry the live list lacks wins every comparison."""
    live = {"spec": {"containers": [{"name": "app", "image": "a"}, {"name": "db", "image": "d"}]}}
    patched = strategic_merge_patch(live, {"spec": {"containers": [{"name": "side", "image": "s"}]}})
    assert [c["name"] for c in patched["spec"]["containers"]] == ["side", "app", "db"]
    both = strategic_merge_patch(live, {"spec": {"containers": [{"name": "db", "image": "e"}]}})
    assert [c["name"] for c in both["spec"]["containers"]] == ["app", "db"]
