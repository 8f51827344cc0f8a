"""The JSONPath subset of CRD printer columns."""

from __future__ import annotations

from typing import Any

import pytest

from app.sim.apiserver.jsonpath import JSONPath

REVISION: dict[str, Any] = {
    "metadata": {
        "name": "customer-v3",
        "labels": {"serving.knative.dev/configuration": "customer", "app": "customer-v3"},
    },
    "spec": {"containers": [{"name": "user-container", "image": "a"}, {"name": "queue", "image": "b"}]},
    "status": {
        "actualReplicas": 2,
        "conditions": [
            {"type": "Active", "status": "False", "reason": "NoTraffic"},
            {"type": "Ready", "status": "True"},
        ],
    },
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".metadata.name", ["customer-v3"]),
        (".metadata.labels['serving\\.knative\\.dev/configuration']", ["customer"]),
        ('.metadata.labels["app"]', ["customer-v3"]),
        (".metadata.labels.serving\\.knative\\.dev/configuration", ["customer"]),
        (".status.conditions[?(@.type=='Ready')].status", ["True"]),
        ('.status.conditions[?(@.type == "Active")].reason', ["NoTraffic"]),
        (".status.conditions[?(@.type=='Ready')].reason", []),
        (".status.conditions[?(@.type!='Ready')].type", ["Active"]),
        (".status.conditions[?(@.reason)].type", ["Active"]),
        (".spec.containers[*].name", ["user-container", "queue"]),
        (".spec.containers[1].image", ["b"]),
        (".spec.containers[-1].image", ["b"]),
        (".spec.containers[5].image", []),
        (".spec.containers[0:1].name", ["user-container"]),
        ("{.status.actualReplicas}", [2]),
        ("$.status.actualReplicas", [2]),
        (".status.missing.deeper", []),
        (".metadata.name.deeper", []),
    ],
)
def test_find(path: str, expected: list[Any]) -> None:
    assert JSONPath.parse(path).find(REVISION) == expected


def test_numeric_filters_compare_numbers_only() -> None:
    items = {"items": [{"n": 1}, {"n": 3}, {"n": "3"}]}
    assert JSONPath.parse(".items[?(@.n > 2)].n").find(items) == [3]
    assert JSONPath.parse(".items[?(@.n <= 1)].n").find(items) == [1]
    assert JSONPath.parse(".items[?(@.n == '3')].n").find(items) == ["3"]


def test_filter_on_a_map_selects_nothing() -> None:
    assert JSONPath.parse(".metadata[?(@.name)]").find(REVISION) == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (".a[", "unclosed"),
        ("a.b", "unexpected 'a'"),
        (".a[?(len(@) > 1)]", "unsupported filter"),
        (".a[foo]", "unsupported subscript"),
        (".a[?(@.b == c)]", "unsupported literal"),
        (".a..b", "empty field name"),
    ],
)
def test_outside_the_subset_is_a_clear_error(path: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        JSONPath.parse(path)
