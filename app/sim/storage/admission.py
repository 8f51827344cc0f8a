"""Admission: the webhooks the store runs on every create and update, and who they are told writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Requester:
    """Who asks for a write, as admission webhooks are told (the AdmissionReview's userInfo)."""

    username: str
    groups: tuple[str, ...] = ()


class AdmissionPlugin(Protocol):
    """A mutating + validating admission webhook for one kind.

    A plugin whose `mutate` also takes a keyword `requester: Requester | None` is told who writes
    (None: the cluster's own writes, such as controllers and scenarios); others are called as declared.
    """

    name: str

    def mutate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Default fields of `new` in place ("CREATE" or "UPDATE")."""

    def validate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        """Error texts; an empty list admits the object."""
