"""Resource paths of the Kubernetes API, parsed against a registry."""

from __future__ import annotations

from dataclasses import dataclass

from app.sim.storage.errors import path_not_found
from app.sim.storage.resources import ResourceRegistry, ResourceType


@dataclass(frozen=True)
class ResourcePath:
    """/api/v1/... or /apis/GROUP/VERSION/... resolved: kind, version, namespace, name, subresource."""

    rt: ResourceType
    version: str
    namespace: str | None
    name: str | None
    subresource: str | None
    watch_prefix: bool = False  # the deprecated /watch/ form


def parse_resource_path(registry: ResourceRegistry, path: str) -> ResourcePath | None:
    """The resource a path names; None when the path is not a resource path (NotFound if unknown)."""
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    watch_prefix = rest[0] == "watch"
    if watch_prefix:
        rest = rest[1:]
    namespace = None
    namespaces = registry.lookup("", "v1", "namespaces") if group == "" else None
    if len(rest) >= 3 and rest[0] == "namespaces" and not _namespace_subresource(namespaces, rest):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise path_not_found()
    rt = registry.lookup(group, version, rest[0])
    if rt is None or (namespace is not None and not rt.namespaced):
        raise path_not_found()
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    if subresource is not None and subresource not in rt.subresources:
        raise path_not_found()
    return ResourcePath(rt, version, namespace, name, subresource, watch_prefix)


def _namespace_subresource(namespaces: ResourceType | None, rest: list[str]) -> bool:
    """/api/v1/namespaces/NAME/status is the Namespace's own subresource, not a resource in it."""
    return namespaces is not None and len(rest) == 3 and rest[2] in namespaces.subresources
