"""Equal parts of cached objects kept once (app.kube.sharing): what is shared, that a shared object is
still exactly what the API server sent, and that the table forgets what no object holds any more.

What users see of shared objects (every page, YAML page and API answer) is compared with a dashboard
that shares nothing in tests/web/test_sharing_pages.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.kube.caching import ClusterCache
from app.kube.requesting import request_json
from app.kube.resources import Resource
from app.kube.sharing import PRUNE_MIN, SharedValues
from app.model.objects import NamespaceObjects
from tests.plugins.sim import dashboard_client
from tests.support.serving import FAST

NS = "labs-1"


def test_equal_parts_become_one_and_the_copy_equals_the_original() -> None:
    shared = SharedValues()
    condition = {"type": "Ready", "status": "True"}
    first = {"metadata": {"labels": {"app": "a"}}, "status": {"conditions": [dict(condition)]}}
    second = {"metadata": {"labels": {"app": "a"}}, "status": {"conditions": [dict(condition)]}}
    original = json.dumps([first, second])
    one, two = shared.share(first), shared.share(second)
    assert one == first and two == second
    assert json.dumps([one, two]) == original  # same keys in the same order, same values
    assert json.dumps([first, second]) == original  # the decoded objects are not changed
    assert one is not first
    assert one["metadata"]["labels"] is two["metadata"]["labels"]
    assert one["status"]["conditions"] is two["status"]["conditions"]
    assert one["status"] is two["status"]


def test_parts_equal_in_python_but_not_in_json_stay_apart() -> None:
    shared = SharedValues()
    values = [{"n": 1}, {"n": 1.0}, {"n": True}, {"n": 0.0}, {"n": -0.0}, {}, [], {"n": None}, {"n": "1"}]
    kept = [shared.share(value) for value in values]
    assert [json.dumps(k) for k in kept] == [json.dumps(v) for v in values]
    assert len({id(k) for k in kept}) == len(values)
    reordered = shared.share({"b": 2, "a": 1})
    assert shared.share({"a": 1, "b": 2}) is not reordered  # key order is kept, so it is not the same part
    assert list(shared.share({"b": 2, "a": 1})) == ["b", "a"]


def test_keys_and_strings_are_shared_long_ones_too() -> None:
    shared = SharedValues()
    long = json.dumps({"rollout": list(range(200))})  # longer than any interned string
    one = shared.share(json.loads(json.dumps({"annotation": long, "name": "x"})))
    two = shared.share(json.loads(json.dumps({"other": long, "name": "x"})))
    assert one["annotation"] is two["other"]
    assert one["name"] is two["name"]
    assert next(iter(one)) is next(iter(shared.share(json.loads('{"annotation": 1}'))))


def test_pruning_forgets_only_what_no_object_holds() -> None:
    shared = SharedValues()
    kept = shared.share({"spec": {"ports": [{"port": 80}]}, "status": {"message": "m" * 300}})
    gone = shared.share({"spec": {"selector": {"app": "gone"}}})
    held = len(shared)
    del gone
    assert shared.prune() == 2  # its spec and its selector (an object itself is not in the table)
    assert len(shared) == held - 2
    assert shared.prune() == 0
    again = shared.share({"spec": {"ports": [{"port": 80}]}, "status": {"message": "m" * 300}})
    assert again["spec"] is kept["spec"] and again["status"] is kept["status"]  # still held: still shared


def test_objects_of_every_kind_share_their_parts_and_equal_what_the_server_holds(
    knative_kubeconfig: Path,
) -> None:
    """The cache of a namespace: every object equals a GET of it (but for managedFields, which only
    the history reads), and the parts its objects repeat are held once."""
    with dashboard_client(knative_kubeconfig) as api:
        cache = ClusterCache(api, options=FAST, check_seconds=None)
        cache.start()
        try:
            objects = _synced(cache)
            discovery = cache.discovery()
            for kind, resource in discovery.namespace_resources().items():
                cached = getattr(objects, kind)
                assert cached or kind in ("pods", "events"), kind
                for obj in cached:
                    _assert_as_served(api, resource, obj)
            routes = {r["metadata"]["uid"] for r in objects.routes}
            owned = [
                s["metadata"]["ownerReferences"]
                for s in (*objects.core_services, *objects.ingresses)
                if s["metadata"].get("ownerReferences", [{}])[0].get("uid") in routes
            ]
            assert len(owned) > len(routes)  # a Route owns several objects: they hold one reference list
            assert len({id(refs) for refs in owned}) == len(routes)
            conditions = [
                c for o in (*objects.revisions, *objects.ingresses) for c in o["status"]["conditions"]
            ]
            assert len({id(c) for c in conditions}) < len(conditions)
        finally:
            cache.stop()


def _synced(cache: ClusterCache) -> NamespaceObjects:
    objects = cache.objects(NS)
    for _ in range(100):
        if objects.complete and objects.services:
            return objects
        objects = cache.objects(NS)
    raise AssertionError("the cache did not sync")


def _assert_as_served(api: Any, resource: Resource, obj: dict[str, Any]) -> None:
    metadata = obj["metadata"]
    server = request_json(api, "GET", resource.path(metadata["namespace"], metadata["name"]))
    if server["metadata"]["resourceVersion"] != metadata["resourceVersion"]:
        return  # changed since it was cached: nothing to compare
    server.setdefault("apiVersion", resource.api_version)
    server.setdefault("kind", resource.kind)
    if (resource.group, resource.plural) != ("serving.knative.dev", "services"):
        server["metadata"].pop("managedFields", None)
        metadata = {k: v for k, v in metadata.items() if k != "managedFields"}
    # Sorted keys: a list's core items get apiVersion and kind last, a GET has them first.
    assert json.dumps({**obj, "metadata": metadata}, sort_keys=True) == json.dumps(server, sort_keys=True)


def test_the_table_forgets_replaced_parts_as_it_grows() -> None:
    """A long-running cache: each object replaced many times over, the table stays near its live size."""
    shared = SharedValues()
    live = {}
    for round_ in range(40):
        for name in range(200):
            live[name] = shared.share({"metadata": {"name": str(name)}, "status": {"seen": [round_, name]}})
    assert len(shared) < 2 * PRUNE_MIN + 2 * len(live)
