"""The scale subresource (`.../deployments/NAME/scale`): an autoscaling/v1 Scale view of a workload.

As k8s.io/kubernetes pkg/registry/apps/deployment/storage/storage.go serves it: GET answers the
workload's replicas as a Scale (metadata from the workload, `status.selector` its selector as text);
PUT and PATCH change `spec.replicas` alone, with the Scale's resourceVersion as a precondition.
"""

from __future__ import annotations

from typing import Any

from app.sim.apiserver.cells import format_label_selector
from app.sim.apiserver.decoding import decode, parse
from app.sim.apiserver.paths import ResourcePath
from app.sim.storage import errors
from app.sim.storage.errors import ApiError
from app.sim.storage.ownership import Writer
from app.sim.storage.patching import PatchError, json_patch, merge_patch, strategic_merge_patch
from app.sim.storage.resources import ResourceType
from app.sim.storage.store import Store

_SCALE_TYPE = ResourceType("autoscaling", ("v1",), "Scale", "scales", "scale")
_PATCHERS = {
    "merge": merge_patch,
    "apply": merge_patch,
    "json": json_patch,
    "strategic": strategic_merge_patch,
}


def scale_of(obj: dict[str, Any]) -> dict[str, Any]:
    """The Scale of a stored workload."""
    meta = obj["metadata"]
    status: dict[str, Any] = {"replicas": int((obj.get("status") or {}).get("replicas") or 0)}
    selector = format_label_selector((obj.get("spec") or {}).get("selector") or {})
    if selector:
        status["selector"] = selector
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: meta[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in meta
        },
        "spec": {"replicas": int((obj.get("spec") or {}).get("replicas") or 0)},
        "status": status,
    }


def serve_scale(
    store: Store,
    found: ResourcePath,
    verb: str,
    *,
    body: bytes,
    content_type: str,
    patch_type: str | None,
    dry_run: bool,
    writer: Writer | None = None,
) -> dict[str, Any]:
    """Answer a get, update or patch of the scale subresource: the Scale after it. `writer`: the
    field manager the replicas are recorded under, with the subresource ("scale") it wrote through."""
    rt, name = found.rt, found.name or ""
    current = store.get(rt, found.namespace, name, copy=False)
    if verb == "get":
        return scale_of(current)
    scale = scale_of(current)
    if verb == "update":
        wanted = decode(content_type, body)
    else:
        patcher = _PATCHERS.get(patch_type or "")
        if patcher is None:
            raise errors.unsupported_media_type(tuple(_PATCHERS))
        try:
            wanted = patcher(scale, parse(body, yaml_ok=patch_type == "apply"))
        except PatchError as error:
            if error.malformed:
                raise errors.bad_request(str(error)) from None
            raise ApiError(422, "Invalid", str(error)) from None
    if not isinstance(wanted, dict):
        raise errors.bad_request("the body is not a Scale")
    replicas = (wanted.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise errors.bad_request(f"unable to decode the Scale: spec.replicas: {replicas!r} is not an integer")
    if replicas < 0:
        cause = ("spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")
        raise errors.invalid(_SCALE_TYPE, name, [cause])
    patch: dict[str, Any] = {"spec": {"replicas": replicas}}
    given = (wanted.get("metadata") or {}).get("resourceVersion")
    if given:
        patch["metadata"] = {"resourceVersion": given}
    updated = store.patch(rt, found.namespace, name, patch, "merge", dry_run=dry_run, writer=writer)
    return scale_of(updated)
