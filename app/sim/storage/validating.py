"""The API server's own checks on object metadata (names), with its error texts."""

from __future__ import annotations

from app.model.validation import dns1035_label_errors, dns1123_label_errors, dns1123_subdomain_errors
from app.sim.storage.resources import RBAC_GROUP, ResourceType


def path_segment_errors(name: str) -> list[str]:
    """Why `name` cannot be a path segment (the API server's rule for RBAC names such as
    `system:basic-user`: anything but '.', '..', or a '/' or '%' inside)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def name_errors(rt: ResourceType, name: str) -> list[str]:
    """Why `name` is not a valid name for an object of `rt` (empty when it is)."""
    if rt.group == RBAC_GROUP:
        texts = path_segment_errors(name)
    elif rt.key == "namespaces":
        texts = dns1123_label_errors(name)
    elif rt.key == "services":
        texts = dns1035_label_errors(name)
    else:
        texts = dns1123_subdomain_errors(name)
    return [f'Invalid value: "{name}": {text}' for text in texts]
