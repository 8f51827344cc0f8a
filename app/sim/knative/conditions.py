"""Knative condition sets: dependent conditions and the top-level Ready they add up to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Condition:
    """One status condition before timestamps: type, status ("True"/"False"/"Unknown"), why."""

    type: str
    status: str
    reason: str = ""
    message: str = ""
    severity: str = ""

    @classmethod
    def true(cls, type_: str, reason: str = "", message: str = "") -> Condition:
        """A True condition."""
        return cls(type_, "True", reason, message)


def happy(dependents: Sequence[Condition], type_: str = "Ready") -> Condition:
    """The living condition set's top condition: False if a dependent is False (the first one's reason),
    else Unknown if one is Unknown, else True."""
    for status in ("False", "Unknown"):
        for condition in dependents:
            if condition.status == status:
                return Condition(type_, status, condition.reason, condition.message)
    return Condition(type_, "True")


def render(
    conditions: Sequence[Condition], previous: Sequence[dict[str, Any]] | None, now: str
) -> list[dict[str, Any]]:
    """Conditions as JSON, sorted by type as Knative keeps them; lastTransitionTime moves only when the
    status changes."""
    before = {c.get("type"): c for c in previous or () if isinstance(c, dict)}
    out: list[dict[str, Any]] = []
    for condition in sorted(conditions, key=lambda c: c.type):
        old = before.get(condition.type)
        same = old is not None and old.get("status") == condition.status
        entry: dict[str, Any] = {
            "type": condition.type,
            "status": condition.status,
            "lastTransitionTime": old.get("lastTransitionTime", now) if same and old else now,
        }
        if condition.reason:
            entry["reason"] = condition.reason
        if condition.message:
            entry["message"] = condition.message
        if condition.severity:
            entry["severity"] = condition.severity
        out.append(entry)
    return out


def status_of(obj: dict[str, Any], type_: str = "Ready") -> str:
    """A condition's status on an object ("Unknown" when absent)."""
    return str((find(obj, type_) or {}).get("status", "Unknown"))


def find(obj: dict[str, Any], type_: str) -> dict[str, Any] | None:
    """A condition on an object, or None."""
    for condition in (obj.get("status") or {}).get("conditions") or ():
        if isinstance(condition, dict) and condition.get("type") == type_:
            return condition
    return None
