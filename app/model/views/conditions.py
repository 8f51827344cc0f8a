"""Status conditions, and the kn columns CONDITIONS / READY / REASON that summarise them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.model.bodies import Obj, as_text, maps, part
from app.model.views.ages import age


@dataclass(frozen=True)
class ConditionView:
    """One status condition, with the age of its last transition."""

    type: str
    status: str
    reason: str
    message: str
    age: str


@dataclass(frozen=True)
class Readiness:
    """The kn columns CONDITIONS, READY and REASON of one object."""

    conditions: str
    """ "3 OK / 4": conditions with status True among all."""
    ready: str
    """The Ready condition's status, "<unknown>" without one."""
    reason: str
    """kn's REASON: empty when ready, else "<reason> : <message>" (or just the reason)."""
    ok: bool


@dataclass(frozen=True)
class ObjectConditions:
    """The conditions of one object, for the Service page."""

    kind: str
    name: str
    conditions: tuple[ConditionView, ...]


def conditions_of(obj: Obj, now: datetime) -> tuple[ConditionView, ...]:
    """The object's status conditions, in the order the controller wrote them."""
    return tuple(
        ConditionView(
            type=as_text(c.get("type")),
            status=as_text(c.get("status")),
            reason=as_text(c.get("reason")),
            message=as_text(c.get("message")),
            age=age(c.get("lastTransitionTime"), now) if c.get("lastTransitionTime") else "",
        )
        for c in maps(part(obj, "status").get("conditions"))
    )


def readiness(obj: Obj) -> Readiness:
    """Summarise the conditions as `kn` does."""
    conditions = maps(part(obj, "status").get("conditions"))
    ok = sum(1 for c in conditions if c.get("status") == "True")
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None:
        return Readiness(f"{ok} OK / {len(conditions)}", "<unknown>", "<unknown>", False)
    status = as_text(ready.get("status"))
    reason = as_text(ready.get("reason"))
    message = as_text(ready.get("message"))
    if status == "True":
        return Readiness(f"{ok} OK / {len(conditions)}", status, "", True)
    return Readiness(
        f"{ok} OK / {len(conditions)}", status, f"{reason} : {message}" if message else reason, False
    )
