"""Knative objects as the cluster stores them (only the fields the tests read), and the lab's names."""

from __future__ import annotations

from typing import Any

NAMESPACE = "labs-1"
"""The lab's namespace, in every scenario that has one."""
LAB_DOMAIN = "apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"
"""The domain of the lab's cluster, as its Routes' URLs show it."""
LAB_TRAFFIC: list[dict[str, Any]] = [
    {"tag": "current", "revisionName": "customer-v3", "latestRevision": False, "percent": 50},
    {"tag": "candidate", "revisionName": "customer-v4", "latestRevision": False, "percent": 50},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]
"""The customer Service's traffic block in the lab: a 50/50 split and a 0% `latest` tag."""


def revision(
    name: str,
    generation: int = 1,
    ready: str = "True",
    service: str = "customer",
    *,
    image: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """A Revision as the reconciler writes it (only the fields the tests read); `image` gives it one
    container, with `version` as its VERSION variable (what the demo's probes attribute answers by)."""
    body: dict[str, Any] = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Revision",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "creationTimestamp": f"2026-11-30T08:0{generation}:00Z",
            "labels": {
                "serving.knative.dev/service": service,
                "serving.knative.dev/configuration": service,
                "serving.knative.dev/configurationGeneration": str(generation),
            },
        },
        "status": {"conditions": [{"type": "Ready", "status": ready}]},
    }
    if image is not None:
        env = [{"name": "VERSION", "value": version}] if version else []
        body["spec"] = {"containers": [{"image": image, "env": env}]}
    return body


def knative_service(
    name: str = "customer",
    *,
    namespace: str | None = NAMESPACE,
    image: str | None = None,
    template: dict[str, Any] | None = None,
    traffic: list[dict[str, Any]] | None = None,
    **metadata: Any,
) -> dict[str, Any]:
    """A Knative Service: `image` gives it a template with one container (`template` is that template's
    metadata), `traffic` a traffic block; `metadata` adds to the name and namespace (None: left out, as
    a body the API server completes from the request's path)."""
    meta: dict[str, Any] = {"name": name} | ({"namespace": namespace} if namespace else {}) | metadata
    spec: dict[str, Any] = {}
    if image is not None:
        pod = {"spec": {"containers": [{"image": image}]}}
        spec["template"] = {"metadata": template, **pod} if template else pod
    if traffic is not None:
        spec["traffic"] = [dict(t) for t in traffic]
    return {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": meta, "spec": spec}


def service(traffic: list[dict[str, Any]] | None = None, rv: str = "41", **meta: Any) -> dict[str, Any]:
    """The lab's customer Service with `traffic` (default: the lab's 50/50 block)."""
    return knative_service(traffic=LAB_TRAFFIC if traffic is None else traffic, resourceVersion=rv, **meta)
