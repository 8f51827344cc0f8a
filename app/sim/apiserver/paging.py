"""Paginated lists: continue tokens (base64 JSON of the list's resourceVersion and last key)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from app.sim.apiserver.representations import encode
from app.sim.storage import errors


def sort_key(obj: dict[str, Any]) -> tuple[str, str]:
    """Lists are ordered by (namespace, name), as etcd's keys are."""
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


def encode_continue(rv: int, after: tuple[str, str]) -> str:
    """The continue token of a page ending at `after`, for a list at resourceVersion `rv`."""
    token = {"v": "meta.k8s.io/v1", "rv": rv, "start": list(after)}
    return base64.urlsafe_b64encode(encode(token)).decode()


def decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    """The list's resourceVersion and last key of a continue token; BadRequest when garbled."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error):
        raise errors.bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion"
        ) from None
