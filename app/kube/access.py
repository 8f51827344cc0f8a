"""What the dashboard's own identity may do, asked of the API server with SelfSubjectAccessReviews.

One answer decides per kind whether the cache watches it once for the whole cluster
(`may_watch_cluster_wide`). Another decides per Service whether the traffic editor is offered: it is
kept for a few seconds per (namespace, name), so a page full of Services costs one review each, not one
per render; a failed review counts as "no" (the server would refuse the write anyway) and is not kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.requesting import request_json
from app.kube.resources import KNATIVE_SERVICES, Resource

log = logging.getLogger(__name__)

SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


@dataclass(frozen=True)
class ResourceAttributes:
    """An action in RBAC's terms (authorization.k8s.io/v1 ResourceAttributes)."""

    verb: str
    group: str
    resource: str
    namespace: str = ""
    name: str = ""

    def to_dict(self) -> dict[str, str]:
        fields = {
            "verb": self.verb,
            "group": self.group,
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
        }
        return {key: value for key, value in fields.items() if value}


def review(api_client: ApiClient, attributes: ResourceAttributes) -> bool:
    """Whether the client's identity may do it; raises ApiError when the server cannot say."""
    answer = request_json(
        api_client,
        "POST",
        SSAR_PATH,
        body={
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes.to_dict()},
        },
        content_type="application/json",
        timeout=(3.0, 5.0),
    )
    status = answer.get("status") or {}
    return status.get("allowed") is True and status.get("denied") is not True


def may_watch_cluster_wide(api_client: ApiClient, resource: Resource) -> bool:
    """Whether the identity may list and watch `resource` in every namespace at once (what one watch
    for the whole cluster needs); raises ApiError when the server cannot say."""
    return all(
        review(api_client, ResourceAttributes(verb, resource.group, resource.plural))
        for verb in ("list", "watch")
    )


def patch_service(namespace: str, name: str) -> ResourceAttributes:
    """Patching a Knative Service: what the traffic editor does."""
    return ResourceAttributes("patch", KNATIVE_SERVICES.group, KNATIVE_SERVICES.plural, namespace, name)


class AccessChecker:
    """`can_patch(namespace, name)` answered by reviews, each kept for `ttl` seconds (thread-safe)."""

    def __init__(
        self, api_client: ApiClient, *, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.api_client = api_client
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: dict[ResourceAttributes, tuple[float, bool]] = {}

    def can_patch(self, namespace: str, name: str) -> bool:
        """Whether the dashboard may patch this Knative Service (False when the review fails)."""
        return self.allows(patch_service(namespace, name))

    def allows(self, attributes: ResourceAttributes) -> bool:
        now = self._clock()
        with self._lock:
            kept = self._answers.get(attributes)
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1]
        try:
            allowed = review(self.api_client, attributes)
        except ApiError as exc:
            log.warning("access review for %s failed: %s", attributes, exc)
            return False
        with self._lock:
            self._answers = {k: v for k, v in self._answers.items() if now - v[0] < self.ttl}
            self._answers[attributes] = (now, allowed)
        return allowed
