"""A Knative Service made heavy: two 250 KB annotations and a 250 KB VERSION value (in a new revision),
waited for until the dashboard's cache holds them."""

from __future__ import annotations

from typing import Any

from kubernetes.client import ApiClient

from tests.support.serving import Dashboard
from tests.support.waiting import wait_until
from tests.web.cluster import NS, knative, knative_service, patch_service

HUGE = 250_000
ANNOTATION = "x" * (HUGE - 1) + "A"
"""Ends in a letter found nowhere else, so a page holds the full value only if it holds "xA"."""
VERSION = "v" * (HUGE - 1) + "Z"
VERSION_MARK = f"… ({(len('APP_VERSION=') + HUGE - 2000) // 1024} KB more)"
"""The revisions table shows "APP_VERSION=<value>" cut to 2,000 characters (the default)."""


def make_heavy(api: ApiClient, dashboard: Dashboard, name: str = "customer") -> None:
    service = knative_service(api, name)
    containers: list[dict[str, Any]] = service["spec"]["template"]["spec"]["containers"]
    containers[0]["env"] = [*containers[0].get("env", []), {"name": "APP_VERSION", "value": VERSION}]
    patch = {
        "metadata": {"annotations": {"example.com/one": ANNOTATION, "example.com/two": ANNOTATION}},
        # The lab's Services name their revisions: a new template needs a new name.
        "spec": {"template": {"metadata": {"name": f"{name}-heavy"}, "spec": {"containers": containers}}},
    }
    patch_service(api, name, patch)
    assert wait_until(lambda: _revision_with_version(api), timeout=30)
    assert wait_until(lambda: _cached(dashboard, name), timeout=30)


def _revision_with_version(api: ApiClient) -> bool:
    return any(VERSION in str(r["spec"]) for r in knative(api, "revisions"))


def _cached(dashboard: Dashboard, name: str) -> bool:
    objects = dashboard.cache.objects(NS)
    services = [s for s in objects.services if s["metadata"]["name"] == name]
    revisions = [r for r in objects.revisions if VERSION in str(r["spec"])]
    return bool(
        services and revisions and "example.com/one" in services[0]["metadata"].get("annotations", {})
    )
