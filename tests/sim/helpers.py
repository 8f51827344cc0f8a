"""Helpers shared by the sim contract tests (bodies and Status checks; the fixtures are tests.plugins.sim)."""

from __future__ import annotations

import json
from typing import Any

from kubernetes.client import ApiException

GROUP, VERSION, NS, PLURAL = "serving.knative.dev", "v1", "default", "services"


def ksvc_body(
    name: str = "customer", *, api_version: str = "serving.knative.dev/v1", **meta: Any
) -> dict[str, Any]:
    """A Knative Service as the lab applies it."""
    return {
        "apiVersion": api_version,
        "kind": "Service",
        "metadata": {"name": name, **meta},
        "spec": {
            "template": {"spec": {"containers": [{"image": "quay.io/dsanchor/customer:quarkus"}]}},
            "traffic": [{"percent": 100, "latestRevision": True}],
        },
    }


def status_of(error: ApiException) -> dict[str, Any]:
    """The Status object an ApiException carries."""
    body: dict[str, Any] = json.loads(error.body or "{}")
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == error.status
    return body
