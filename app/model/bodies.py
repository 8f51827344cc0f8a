"""Reading plain object dicts safely: metadata, labels, nested parts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

Obj = Mapping[str, Any]


def _is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """A mapping: JSON gives plain dicts, checked first (the ABC check costs ten times more, and a
    namespace's view makes tens of thousands of these checks)."""
    return type(value) is dict or isinstance(value, Mapping)


def meta(obj: Obj) -> Mapping[str, Any]:
    """The object's metadata (empty when missing)."""
    value = obj.get("metadata")
    return value if _is_map(value) else {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def labels_of(obj: Obj) -> Mapping[str, str]:
    value = meta(obj).get("labels")
    return value if _is_map(value) else {}


def part(obj: Obj, key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    return value if _is_map(value) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def maps(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in as_list(value) if _is_map(item)]


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def containers(revision: Obj) -> list[Mapping[str, Any]]:
    return maps(part(revision, "spec").get("containers"))
