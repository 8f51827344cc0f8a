"""The API server's own checks on object metadata (names), with its error texts."""

from __future__ import annotations

import re

from app.model.validation import dns1123_label_errors, dns1123_subdomain_errors
from app.sim.storage.resources import EVENTS, RBAC_GROUP, ResourceType

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def path_segment_errors(name: str) -> list[str]:
    """Why `name` cannot be a path segment (the API server's rule for RBAC names such as
    `system:basic-user`: anything but '.', '..', or a '/' or '%' inside)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def label_errors(name: str) -> list[str]:
    """The API server's DNS label rule (k8s.io/apimachinery pkg/api/validate/content/dns.go,
    IsDNS1123Label): a name that would be a subdomain only "must not contain dots"."""
    return [
        "must not contain dots"
        if text.startswith("a lowercase RFC 1123 label") and _SUBDOMAIN.match(name)
        else text
        for text in dns1123_label_errors(name)
    ]


def name_errors(rt: ResourceType, name: str, *, prefix: bool = False) -> list[str]:
    """Why `name` is not a valid name for an object of `rt` (empty when it is); with `prefix`, why
    it is not a valid generateName (a trailing dash is allowed: apimachinery's maskTrailingDash).

    Services take DNS labels: Kubernetes 1.37 validates a new Service's name as a DNS-1123 label
    (RelaxedServiceNameValidation), no longer as a DNS-1035 one."""
    shown = name
    if rt.key == EVENTS:
        # A core/v1 Event passes only the legacy checks: its metadata is not validated at all
        # (k8s.io/kubernetes pkg/apis/core/validation/events.go, ValidateEventCreate).
        return []
    if rt.group == RBAC_GROUP:
        texts = [t for t in path_segment_errors(name) if not prefix or not t.startswith("may not be '")]
    else:
        if prefix and len(name) > 1 and name.endswith("-"):
            name = name[:-2] + "a"
        texts = label_errors(name) if rt.key in ("namespaces", "services") else dns1123_subdomain_errors(name)
    return [f'Invalid value: "{shown}": {text}' for text in texts]
