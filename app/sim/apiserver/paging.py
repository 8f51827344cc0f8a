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
    """The continue token of a page ending at `after`, for a list at resourceVersion `rv`: unpadded
    URL-safe base64, as the real server's (k8s.io/apiserver storage/continue.go)."""
    token = {"v": "meta.k8s.io/v1", "rv": rv, "start": list(after)}
    return base64.urlsafe_b64encode(encode(token)).decode().rstrip("=")


_RAW_URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _base64_problem(token: str) -> str | None:
    """Go's base64.RawURLEncoding error for a token, or None when it decodes."""
    text = token.replace("\r", "").replace("\n", "")
    for index, char in enumerate(text):
        if char not in _RAW_URL_ALPHABET:
            return f"illegal base64 data at input byte {index}"
    if len(text) % 4 == 1:
        return f"illegal base64 data at input byte {len(text) - 1}"
    return None


def decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    """The list's resourceVersion and last key of a continue token; BadRequest when garbled, worded
    as the real server's storage.DecodeContinue where it can be (its JSON errors are Go's own)."""
    problem = _base64_problem(token)
    if problem is not None:
        raise errors.bad_request(f"invalid continue token: continue key is not valid: {problem}")
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error):
        raise errors.bad_request(
            "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion"
        ) from None
