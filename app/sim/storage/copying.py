"""A fast deep copy for JSON data (dicts, lists and scalars), several times quicker than copy.deepcopy."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def clone(value: T) -> T:
    """A deep copy of a JSON value; scalars are shared (they are immutable)."""
    kind = type(value)
    if kind is dict:
        return {key: clone(item) for key, item in value.items()}  # type: ignore[attr-defined,return-value]
    if kind is list:
        return [clone(item) for item in value]  # type: ignore[attr-defined,return-value]
    return value
