"""The rollout duration annotation as a Service carries it: reading, validating and changing it.

Knative's Service reconciler copies every annotation of the Service but kubectl's last-applied one to
the Route (knative/serving `pkg/reconciler/service/resources/route.go`, MakeRoute) and keeps the
rollout duration off the Configuration (`resources/configuration.go`), so the Service's annotation is
the Route's. The webhook refuses a value Go's time.ParseDuration refuses, one below second precision
and a negative one (`pkg/apis/serving/metadata_validation.go`, ValidateRolloutDurationAnnotation,
called by `pkg/apis/serving/v1/service_validation.go` and `route_validation.go` under
`metadata.annotations`). An empty or absent value, or `0s`, asks for none: the Route then follows
config-network's `rollout-duration` (`pkg/reconciler/route/reconcile_resources.go`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.model.rollouts import ROLLOUT_DURATION_ANNOTATION, ROLLOUT_DURATION_KEYS
from app.model.traffic import FieldError

ROLLOUT_PATH = f"metadata.annotations.{ROLLOUT_DURATION_ANNOTATION}"
"""Where the webhook's errors about the annotation point."""

_NANOS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]+)")
_MAX_NANOS = (1 << 63) - 1
SECOND = 1_000_000_000


def go_duration_ns(text: str) -> int | None:
    """Go's time.ParseDuration in whole nanoseconds (`90s`, `1m30s`, `1.5h`, `-2s`, `0`); None when
    Go refuses it (no unit, an unknown unit, a bare sign, more than about 292 years)."""
    negative, rest = False, text
    if rest[:1] in ("+", "-"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return None
    total, position = Fraction(0), 0
    while position < len(rest):
        match = _PART.match(rest, position)
        if match is None:
            return None
        whole, fraction, unit = match.groups()
        if (not whole and not fraction) or unit not in _NANOS:
            return None
        value = Fraction(int(whole or "0")) + (
            Fraction(int(fraction), 10 ** len(fraction)) if fraction else 0
        )
        total += value * _NANOS[unit]
        position = match.end()
    nanos = int(total)  # Go drops what is below a nanosecond
    if nanos > _MAX_NANOS:
        return None
    return -nanos if negative else nanos


def rollout_duration_of(annotations: Mapping[str, Any]) -> tuple[str, str]:
    """The (key, value) of the rollout duration annotation Knative reads: the first of its spellings
    present (kmap.KeyPriority); ("", "") when none is."""
    for key in ROLLOUT_DURATION_KEYS:
        if key in annotations:
            return key, str(annotations[key] or "")
    return "", ""


def validate_duration_text(value: str, key: str = ROLLOUT_DURATION_ANNOTATION) -> list[FieldError]:
    """The webhook's errors for one value of the annotation `key` (none for an empty one)."""
    if not value:
        return []
    path = (f"metadata.annotations.{key}",)
    nanos = go_duration_ns(value)
    if nanos is None:
        return [FieldError(f"invalid value: {value}", path)]
    if nanos % SECOND:
        return [FieldError(f"rollout-duration={value} is not at second precision", path)]
    if nanos < 0:
        return [FieldError(f"rollout-duration={value} must be positive", path)]
    return []


def validate_rollout_duration(annotations: Mapping[str, Any]) -> list[FieldError]:
    """What Knative's webhook says about a Service's or Route's rollout duration annotation."""
    key, value = rollout_duration_of(annotations)
    return validate_duration_text(value, key) if key else []


@dataclass(frozen=True)
class DurationChange:
    """The rollout duration an edit asks for: `value` as typed (stripped), "" to clear it."""

    value: str

    @property
    def errors(self) -> list[FieldError]:
        return validate_duration_text(self.value)


def annotation_changes(change: DurationChange) -> dict[str, str | None]:
    """The merge patch's `metadata.annotations` for a change: the canonical key set (or removed when
    cleared) and the older spelling removed, which would otherwise win over the new value when the
    canonical one is absent, or linger beside it."""
    changes: dict[str, str | None] = dict.fromkeys(ROLLOUT_DURATION_KEYS)
    if change.value:
        changes[ROLLOUT_DURATION_ANNOTATION] = change.value
    return changes


def describe_duration(value: str) -> str:
    """A duration as history and messages show it: the annotation's text, or `none`."""
    return value or "none"


def kn_annotation_flag(change: DurationChange) -> str:
    """kn's flag for the change: `--annotation key=value`, or `key-` to remove it."""
    if change.value:
        return f"--annotation {ROLLOUT_DURATION_ANNOTATION}={change.value}"
    return f"--annotation {ROLLOUT_DURATION_ANNOTATION}-"
