"""The dashboard's few writes: a conditional merge patch of a Service's traffic, and audit Events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from kubernetes.client import ApiClient

from app.kube.requesting import DEFAULT_TIMEOUT, Timeout, request_json
from app.kube.resources import EVENTS, KNATIVE_SERVICES
from app.model.history import COMPONENT, USER_ANNOTATION
from app.model.objects import KubeObject
from app.model.patches import service_patch, traffic_patch
from app.model.timestamps import rfc3339
from app.model.traffic import FieldError, TrafficTarget, parse_traffic

MERGE_PATCH = "application/merge-patch+json"


def patch_traffic(
    api_client: ApiClient,
    namespace: str,
    name: str,
    traffic: Sequence[TrafficTarget] | list[dict[str, Any]],
    resource_version: str,
    *,
    annotations: Mapping[str, str | None] | None = None,
    dry_run: bool = False,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> KubeObject:
    """Replace a Knative Service's `spec.traffic`, only if it is still at `resource_version`, and merge
    `annotations` into its metadata in the same patch (None removes one: the rollout duration).

    `traffic` is targets or their JSON; JSON of the wrong shape raises ValueError and sends nothing.
    Returns the object the server answered (with `dry_run`, what it would become: nothing is stored).
    A stale resourceVersion gives ApiError 409 Conflict; a rejected traffic block 400 BadRequest with
    the admission webhook's message, verbatim. No answer within `timeout` raises Unreachable, and
    then the patch may still have landed: only reading the Service back tells.
    """
    targets, errors = _targets(traffic)
    if errors:
        raise ValueError("\n".join(str(e) for e in errors))
    return _send(
        api_client, namespace, name, traffic_patch(targets, resource_version, annotations), dry_run, timeout
    )


def patch_service(
    api_client: ApiClient,
    namespace: str,
    name: str,
    resource_version: str,
    *,
    traffic: Sequence[TrafficTarget] | None = None,
    annotations: Mapping[str, str | None] | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> KubeObject:
    """One merge patch of a Knative Service's annotations (None removes one) and, when `traffic` is
    given, its whole `spec.traffic`, only if the Service is still at `resource_version`: a rollout
    plan's step and its progress land together or not at all. Errors as `patch_traffic`'s."""
    return _send(
        api_client, namespace, name, service_patch(resource_version, traffic, annotations), False, timeout
    )


def _send(
    api_client: ApiClient, namespace: str, name: str, body: dict[str, object], dry_run: bool, timeout: Timeout
) -> KubeObject:
    query = {"fieldManager": COMPONENT}
    if dry_run:
        query["dryRun"] = "All"
    return request_json(
        api_client,
        "PATCH",
        KNATIVE_SERVICES.path(namespace, name),
        query=query,
        body=body,
        content_type=MERGE_PATCH,
        timeout=timeout,
    )


def _targets(
    traffic: Sequence[TrafficTarget] | list[dict[str, Any]],
) -> tuple[list[TrafficTarget], list[FieldError]]:
    if all(isinstance(t, TrafficTarget) for t in traffic):
        return [t for t in traffic if isinstance(t, TrafficTarget)], []
    return parse_traffic(list(traffic))


def record_event(
    api_client: ApiClient,
    namespace: str,
    involved: KubeObject,
    reason: str,
    message: str,
    *,
    action: str,
    user: str | None = None,
    event_type: str = "Normal",
    now: datetime | None = None,
    annotations: Mapping[str, str] | None = None,
) -> KubeObject:
    """Create a core/v1 Event about `involved` (as `kubectl describe` shows), e.g. who changed traffic.

    Written under Splitboard's name (source, reporting component and field manager) with the acting
    user and any `annotations` (such as the history signature) on it."""
    when = rfc3339(now or datetime.now(UTC))
    metadata = involved.get("metadata") or {}
    event_metadata: dict[str, Any] = {
        "generateName": f"{metadata.get('name', 'object')}.",
        "namespace": namespace,
    }
    notes = {**({USER_ANNOTATION: user} if user else {}), **(annotations or {})}
    if notes:
        event_metadata["annotations"] = notes
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": event_metadata,
        "involvedObject": {
            "apiVersion": involved.get("apiVersion"),
            "kind": involved.get("kind"),
            "name": metadata.get("name"),
            "namespace": metadata.get("namespace", namespace),
            "uid": metadata.get("uid"),
            "resourceVersion": metadata.get("resourceVersion"),
        },
        "reason": reason,
        "message": message,
        "type": event_type,
        "action": action,
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": COMPONENT,
        "firstTimestamp": when,
        "lastTimestamp": when,
        "count": 1,
    }
    query = {"fieldManager": COMPONENT}
    return request_json(api_client, "POST", EVENTS.path(namespace), query=query, body=body)
