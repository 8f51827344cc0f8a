"""A generated scenario for benchmarks: N namespaces x M services x K revisions."""

from __future__ import annotations

from typing import Any

from app.sim.scenarios.scenario import Scenario

IMAGE = "ghcr.io/knative/helloworld-go:latest"


def _service(namespace: str, name: str, generation: int, last: int) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "template": {
            "spec": {
                "containers": [{"image": IMAGE, "env": [{"name": "VERSION", "value": f"v{generation}"}]}]
            }
        }
    }
    if generation == last and last > 1:  # the final step splits old and new, with tags
        spec["traffic"] = [
            {"tag": "current", "revisionName": f"{name}-{generation - 1:05d}", "percent": 50},
            {"tag": "candidate", "latestRevision": True, "percent": 50},
        ]
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def scale_scenario(namespaces: int, services: int, revisions: int) -> Scenario:
    """Namespaces `scale-<i>` with Services `svc-<j>`, each changed until it has `revisions` revisions
    (generated names); the last change splits 50/50 between the two newest."""
    names = [f"scale-{i}" for i in range(namespaces)]
    first = tuple({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in names)
    steps = [first]
    for generation in range(1, revisions + 1):
        steps.append(
            tuple(_service(ns, f"svc-{j}", generation, revisions) for ns in names for j in range(services))
        )
    return Scenario(None, tuple(steps))
