"""The API server's own checks on object metadata (names), with its error texts."""

from __future__ import annotations

import re

from app.sim.resources import ResourceType

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")

SUBDOMAIN_TEXT = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
    r"is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_1123_TEXT = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
LABEL_1035_TEXT = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


RBAC_GROUP = "rbac.authorization.k8s.io"


def path_segment_errors(name: str) -> list[str]:
    """Why `name` cannot be a path segment (the API server's rule for RBAC names such as
    `system:basic-user`: anything but '.', '..', or a '/' or '%' inside)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def name_errors(rt: ResourceType, name: str) -> list[str]:
    """Why `name` is not a valid name for an object of `rt` (empty when it is)."""
    if rt.group == RBAC_GROUP:
        return [f'Invalid value: "{name}": {text}' for text in path_segment_errors(name)]
    if rt.key == "namespaces":
        pattern, text, limit = _LABEL_1123, LABEL_1123_TEXT, 63
    elif rt.key == "services":
        pattern, text, limit = _LABEL_1035, LABEL_1035_TEXT, 63
    else:
        pattern, text, limit = _SUBDOMAIN, SUBDOMAIN_TEXT, 253
    errors = []
    if len(name) > limit:
        errors.append(f'Invalid value: "{name}": must be no more than {limit} characters')
    if pattern.fullmatch(name) is None:
        errors.append(f'Invalid value: "{name}": {text}')
    return errors
