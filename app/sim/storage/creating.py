"""A create whose body carries metadata.resourceVersion, answered as kube-apiserver answers it.

Only storage checks it (k8s.io/apiserver storage/etcd3/store.go, Create): after validation and
admission the write fails with a plain error, which the API server turns into a 500 Status with no
reason (apierrors.ErrorToAPIStatus). A dry run never reaches storage (registry/generic/registry/
dryrun.go copies the object out), so it succeeds and echoes the resourceVersion that was sent.
"""

from __future__ import annotations

from typing import Any

from app.sim.storage.errors import ApiError


def refuse_resource_version(given: Any) -> None:
    """The storage layer's refusal of a create that names a resourceVersion."""
    if given:
        raise ApiError(500, "", "resourceVersion should not be set on objects to be created")


def with_given_resource_version(obj: dict[str, Any], given: Any) -> dict[str, Any]:
    """A dry-run create's answer: the object as it would be stored, the sent resourceVersion kept."""
    if given:
        obj["metadata"]["resourceVersion"] = given
    return obj
