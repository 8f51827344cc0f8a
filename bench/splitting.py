"""Applying traffic splits through the dashboard's JSON API, as the editor does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=50, keepalive_expiry=1.0)
"""Pooled connections are dropped after 1 s idle, well before uvicorn closes them (5 s): reusing one
the server is closing at that moment fails the request (httpx's default expiry is 5 s too)."""


@dataclass
class SplitTarget:
    """One Knative Service being split between a pinned older revision and the latest one."""

    namespace: str
    name: str
    older: str
    """The pinned revision (tag `current`); the rest goes to the latest revision (tag `candidate`)."""
    resource_version: str
    generation: int
    uid: str
    """With the generation, lets an apply go through after a status-only change (the controller
    reporting the previous split served) instead of a 409."""

    @property
    def api(self) -> str:
        return f"/api/namespaces/{self.namespace}/services/{self.name}/traffic"

    def marker(self, percent: int) -> bytes:
        """Markup that appears in a page's split bar once the Route serves `percent` to `older`."""
        return f'data-revision="{self.older}" data-percent="{percent}"'.encode()

    @staticmethod
    def traffic(older: str, percent: int) -> list[dict[str, Any]]:
        return [
            {"tag": "current", "revisionName": older, "percent": percent},
            {"tag": "candidate", "latestRevision": True, "percent": 100 - percent},
        ]


async def load_target(http: httpx.AsyncClient, namespace: str, name: str) -> SplitTarget:
    """The Service's version and its second-newest revision, from the dashboard."""
    answer = await http.get(f"/api/namespaces/{namespace}/services/{name}/traffic")
    answer.raise_for_status()
    state = answer.json()
    revisions = [r["name"] for r in state["revisions"]]  # newest first
    if len(revisions) < 2:
        raise ValueError(f"{namespace}/{name} needs two revisions to split, has {revisions}")
    return SplitTarget(
        namespace, name, revisions[1], state["resourceVersion"], state["generation"], state["uid"]
    )


async def apply_split(http: httpx.AsyncClient, target: SplitTarget, percent: int) -> httpx.Response:
    """POST the split; on success remember the new version (the next apply's precondition)."""
    body = {
        "resourceVersion": target.resource_version,
        "generation": target.generation,
        "uid": target.uid,
        "traffic": SplitTarget.traffic(target.older, percent),
    }
    answer = await http.post(f"{target.api}/apply", json=body)
    if answer.status_code == 200:
        applied = answer.json()
        target.resource_version, target.generation = applied["resourceVersion"], applied["generation"]
    return answer
