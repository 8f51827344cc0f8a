"""Setting or removing one annotation of an object: a merge patch of `metadata.annotations` alone."""

from __future__ import annotations

from kubernetes.client import ApiClient

from app.kube.requesting import DEFAULT_TIMEOUT, Timeout, request_json
from app.kube.resources import Resource
from app.kube.writing import MERGE_PATCH
from app.model.history import COMPONENT
from app.model.objects import KubeObject


def patch_annotation(
    api_client: ApiClient,
    resource: Resource,
    namespace: str,
    name: str,
    key: str,
    value: str | None,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> KubeObject:
    """Set annotation `key` to `value` (None removes it) and return the object the server answered.

    Only that key is sent, so other annotations and fields stay as they are; the value is absolute, so
    two people setting it at once leave one whole value, never a mix. ApiError as the server answers
    (403 when not allowed, 404 when the object is gone)."""
    return request_json(
        api_client,
        "PATCH",
        resource.path(namespace, name),
        query={"fieldManager": COMPONENT},
        body={"metadata": {"annotations": {key: value}}},
        content_type=MERGE_PATCH,
        timeout=timeout,
    )
