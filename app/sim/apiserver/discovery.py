"""Discovery documents: /version, /api, /api/v1, /apis, /apis/GROUP and /apis/GROUP/VERSION.

These are the legacy (unaggregated) discovery shapes every client understands; kubectl falls back
to them when the server answers its aggregated-discovery Accept header with plain JSON.
"""

from __future__ import annotations

from typing import Any

from app.sim.storage.resources import ResourceRegistry, ResourceType

KUBERNETES_VERSION = "v1.32.4"
SUBRESOURCE_VERBS: dict[str, tuple[str, ...]] = {
    "status": ("get", "patch", "update"),
    "scale": ("get", "patch", "update"),
}


def version_info() -> dict[str, Any]:
    """The /version document of a Kubernetes 1.32 server (the commit is the simulator's, so zeros)."""
    major, minor, _ = KUBERNETES_VERSION.removeprefix("v").split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "0" * 40,
        "gitTreeState": "clean",
        "buildDate": "2025-04-22T15:57:47Z",
        "goVersion": "go1.23.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def core_api_versions(server_address: str = "127.0.0.1:6443") -> dict[str, Any]:
    """The /api document (APIVersions) naming the core group's only version."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def core_resource_list(reg: ResourceRegistry) -> dict[str, Any]:
    """The /api/v1 document: every core resource and its subresources."""
    return {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": _resources(reg, "", "v1"),
    }


def api_group_list(reg: ResourceRegistry) -> dict[str, Any]:
    """The /apis document: every named group with its versions, preferred first."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(name, versions) for name, versions in reg.groups().items()],
    }


def api_group(reg: ResourceRegistry, group: str) -> dict[str, Any] | None:
    """The /apis/GROUP document, or None for a group the server does not serve."""
    versions = reg.groups().get(group)
    if versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)}


def api_resource_list(reg: ResourceRegistry, group: str, version: str) -> dict[str, Any] | None:
    """The /apis/GROUP/VERSION document, or None when nothing is served there."""
    if not group or version not in reg.groups().get(group, []):
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}",
        "resources": _resources(reg, group, version),
    }


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def _resources(reg: ResourceRegistry, group: str, version: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for rt in reg.all():
        if rt.group == group and version in rt.versions:
            found.append(_resource(rt))
            found.extend(_subresource(rt, sub) for sub in rt.subresources)
    return found


def _resource(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    return entry


def _subresource(rt: ResourceType, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": f"{rt.plural}/{name}",
        "singularName": "",
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(SUBRESOURCE_VERBS.get(name, ("get",))),
    }
    if name == "scale":  # served as autoscaling/v1 Scale, which kubectl scale learns from here
        entry.update(group="autoscaling", version="v1", kind="Scale")
    return entry
